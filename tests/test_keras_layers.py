"""Embedding, Masking, Bidirectional, TimeDistributed, Dense on 3-D input, functional chains: parity with Keras 3.

Each model is built in Keras, given random non-zero weights, converted with ``from_keras`` and
compared on the forward pass (≤ 1e-5) and on every weight's gradient of an MSE loss
(GradientTape, ≤ 1e-4 relative). ``to_keras`` is checked to rebuild the same model.
"""
import numpy as np
import pytest

from explainer import Bidirectional, Embedding, LSTM, Masking, Sequential, TimeDistributed, Dense
from explainer.keras_bridge import from_keras, to_keras

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

FORWARD_TOL = 1e-5
GRAD_TOL = 1e-4


def randomise(km, seed=0, scale=0.4):
    rng = np.random.default_rng(seed)
    km.set_weights([rng.normal(0, scale, w.shape).astype(np.float32) for w in km.get_weights()])


def compare(km, x, seed=1):
    """Forward and gradient parity of ``km`` and ``from_keras(km)`` on ``x``; returns (forward err, grad err)."""
    ours = from_keras(km)
    theirs_y = np.asarray(km(x, training=False))
    ours_y = ours.predict(x)
    assert ours_y.shape == theirs_y.shape
    fwd = float(np.abs(ours_y - theirs_y).max())
    assert fwd <= FORWARD_TOL
    y = np.random.default_rng(seed).normal(0, 0.5, theirs_y.shape).astype(np.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(km(x, training=False) - y))  # dropout off on both sides
    tf_grads = [tf.convert_to_tensor(g).numpy() for g in tape.gradient(loss, km.trainable_weights)]
    y_ours = ours.forward(x, training=False)
    ours.backward((2 * (y_ours - y) / y.size).astype(np.float32))  # d mean((ŷ - y)²) / dŷ
    our_grads = [layer.grads[k] for layer in ours.layers for k in layer.params]
    assert len(our_grads) == len(tf_grads)
    worst = 0.0
    for a, b in zip(our_grads, tf_grads):
        worst = max(worst, float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-12)))
    assert worst <= GRAD_TOL
    # and back: to_keras rebuilds the same model
    again = to_keras(ours)
    assert np.abs(np.asarray(again(x)) - theirs_y).max() <= FORWARD_TOL
    return fwd, worst


def test_dense_on_3d_input_and_time_distributed_apply_per_step():
    rng = np.random.default_rng(2)
    km = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4, return_sequences=True),
                           keras.layers.Dense(3, activation="gelu"),
                           keras.layers.TimeDistributed(keras.layers.Dense(2, activation="swish"))])
    randomise(km)
    x = rng.normal(size=(4, 5, 3)).astype(np.float32)
    compare(km, x)
    ours = from_keras(km)
    assert [type(l).__name__ for l in ours.layers] == ["LSTM", "Dense", "TimeDistributed"]
    assert ours.predict(x).shape == (4, 5, 2)


def test_dense_without_bias():
    km = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4), keras.layers.Dense(2, use_bias=False)])
    randomise(km)
    compare(km, np.random.default_rng(3).normal(size=(3, 5, 3)).astype(np.float32))


def test_embedding_without_mask():
    km = keras.Sequential([keras.Input((6,), dtype="int32"), keras.layers.Embedding(11, 4),
                           keras.layers.LSTM(5), keras.layers.Dense(1)])
    randomise(km)
    ids = np.random.default_rng(4).integers(0, 11, (5, 6)).astype(np.int32)
    compare(km, ids)
    ours = from_keras(km)
    assert isinstance(ours.layers[0], Embedding)
    with pytest.raises(ValueError, match="token id 11"):
        ours.predict(np.full((1, 6), 11))


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional(merge_mode, return_sequences):
    km = keras.Sequential([keras.Input((5, 3)),
                           keras.layers.Bidirectional(keras.layers.LSTM(4, return_sequences=return_sequences),
                                                      merge_mode=merge_mode),
                           keras.layers.Dense(2)])
    randomise(km)
    x = np.random.default_rng(5).normal(size=(3, 5, 3)).astype(np.float32)
    compare(km, x)


def test_bidirectional_gives_a_trace_per_direction_named_as_keras():
    km = keras.Sequential([keras.Input((5, 3)), keras.layers.Bidirectional(keras.layers.LSTM(4, name="enc"))])
    randomise(km)
    ours = from_keras(km)
    x = np.random.default_rng(6).normal(size=(2, 5, 3)).astype(np.float32)
    fwd, bwd = ours.trace(x)
    assert (fwd.layer, bwd.layer) == ("forward_enc", "backward_enc")
    y = np.asarray(km(x))
    np.testing.assert_allclose(fwd.h[:, -1], y[:, :4], atol=FORWARD_TOL)
    np.testing.assert_allclose(bwd.h[:, -1], y[:, 4:], atol=FORWARD_TOL)  # backward's last step is x_0
    assert bwd.meta["go_backwards"] is True


def test_bidirectional_merge_mode_none_returns_both_directions():
    layer = Bidirectional(LSTM(3, return_sequences=True), merge_mode=None)
    x = np.random.default_rng(7).normal(size=(2, 4, 2)).astype(np.float32)
    y, y_rev = layer(x)
    km = keras.Sequential([keras.Input((4, 2)), keras.layers.Bidirectional(
        keras.layers.LSTM(3, return_sequences=True), merge_mode="concat")])
    km.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.concatenate([y, y_rev], -1), np.asarray(km(x)), atol=FORWARD_TOL)


def test_masking_then_time_distributed_dense():
    x = np.random.default_rng(8).normal(size=(3, 5, 2)).astype(np.float32)
    x[0, 3:] = 0.0
    km = keras.Sequential([keras.Input((5, 2)), keras.layers.Masking(0.0),
                           keras.layers.TimeDistributed(keras.layers.Dense(3))])
    randomise(km)
    compare(km, x)
    ours = from_keras(km)
    assert isinstance(ours.layers[0], Masking)


def test_functional_chain_with_input_layer_converts():
    inp = keras.Input((5, 3), name="series")
    h = keras.layers.LSTM(6, return_sequences=True, name="encoder")(inp)
    h = keras.layers.Dropout(0.2)(h)
    h = keras.layers.LSTM(4, name="decoder")(h)
    out = keras.layers.Dense(1, activation="tanh", name="head")(h)
    km = keras.Model(inp, out, name="functional_chain")
    randomise(km)
    compare(km, np.random.default_rng(9).normal(size=(4, 5, 3)).astype(np.float32))
    ours = from_keras(km)
    assert [l.name for l in ours.layers] == [l.name for l in km.layers[1:]]
    assert [l.name for l in ours.layers][::2] == ["encoder", "decoder"]


def test_functional_branches_are_refused_with_the_layer_named():
    inp = keras.Input((5, 3))
    a = keras.layers.LSTM(4, name="left")(inp)
    b = keras.layers.LSTM(4, name="right")(inp)
    out = keras.layers.Add(name="merge")([a, b])
    with pytest.raises(ValueError, match=r"'right' \(LSTM\).*chain"):
        from_keras(keras.Model(inp, out))


@pytest.mark.parametrize("layer,kind", [
    (lambda: keras.layers.RNN(keras.layers.LSTMCell(4)), "RNN"),  # Keras's generic RNN around a cell
    (lambda: keras.layers.Conv1D(4, 2), "Conv1D"),
    (lambda: keras.layers.Bidirectional(keras.layers.SimpleRNN(4)), "Bidirectional"),  # GRU and LSTM: copied
    (lambda: keras.layers.TimeDistributed(keras.layers.Dropout(0.1)), "TimeDistributed"),
    (lambda: keras.layers.SpatialDropout1D(0.2), "SpatialDropout1D"),
])
def test_unsupported_layers_name_the_layer_its_type_and_what_is_supported(layer, kind):
    km = keras.Sequential([keras.Input((5, 3)), layer()])
    with pytest.raises(ValueError, match=rf"\({kind}\).*supported layers: LSTM"):
        from_keras(km)


def test_conv_lstm_and_custom_layers_are_refused():
    km = keras.Sequential([keras.Input((4, 6, 6, 1)), keras.layers.ConvLSTM2D(2, 3)])
    with pytest.raises(ValueError, match=r"\(ConvLSTM2D\).*supported layers"):
        from_keras(km)

    class Twice(keras.layers.Layer):
        def call(self, x):
            return 2 * x

    km = keras.Sequential([keras.Input((5, 3)), Twice(name="twice"), keras.layers.LSTM(2)])
    with pytest.raises(ValueError, match=r"'twice' \(Twice\)"):
        from_keras(km)


def test_unsupported_activation_names_the_layer():
    km = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(2), keras.layers.Dense(2, activation="mish",
                                                                                           name="out")])
    with pytest.raises(ValueError, match=r"'out' \(Dense\) uses activation 'mish'"):
        from_keras(km)


@pytest.mark.parametrize("activation", ["tanh", "relu", "gelu"])
def test_simple_rnn_converts(activation):
    km = keras.Sequential([keras.Input((5, 3)), keras.layers.SimpleRNN(4, activation=activation,
                                                                        return_sequences=True, go_backwards=True),
                           keras.layers.LSTM(3), keras.layers.Dense(1)])
    randomise(km)
    compare(km, np.random.default_rng(11).normal(size=(3, 5, 3)).astype(np.float32))


def test_simple_rnn_options_it_lacks_are_refused():
    km = keras.Sequential([keras.Input((5, 3)), keras.layers.SimpleRNN(4, use_bias=False, name="plain")])
    with pytest.raises(ValueError, match=r"'plain' \(SimpleRNN\) uses options .*use_bias=False"):
        from_keras(km)


def test_training_with_masked_inputs_matches_keras():
    """Padded sequences of different lengths, trained on both sides from the same weights.

    Masking → LSTM → Dense with ``fit`` on both sides. Embedding(mask_zero=True) → LSTM → Dense
    step by step with dense gradients: Keras's ``fit`` hands Adam the embedding's gradient as
    sparse row slices and squares each occurrence of a repeated token separately (Σ g² instead
    of (Σ g)²), so its ``fit`` differs from exact Adam there; with the true gradient it agrees.
    """
    from explainer import Dense as D, LSTM as L, Sequential as S

    rng = np.random.default_rng(12)
    lengths = rng.integers(2, 9, 96)
    x = rng.normal(size=(96, 8, 3)).astype(np.float32)
    for k, n in enumerate(lengths):
        x[k, n:] = 0.0  # padding at the end
    y = np.tanh(x.sum(axis=(1, 2)))[:, None].astype(np.float32)
    ours = S([Masking(0.0, input_shape=(8, 3)), L(6), D(1)], seed=0)
    km = to_keras(ours)
    ours.compile("mse", "adam")
    km.compile(loss="mse", optimizer="adam")
    mine = ours.fit(x, y, epochs=4, batch_size=32, shuffle=False, verbose=0).history["loss"]
    theirs = km.fit(x, y, epochs=4, batch_size=32, shuffle=False, verbose=0).history["loss"]
    assert np.abs(np.array(mine) / np.array(theirs) - 1).max() <= 1e-5
    assert mine[-1] < mine[0]

    ids = rng.integers(1, 20, (96, 8))
    for k, n in enumerate(lengths):
        ids[k, n:] = 0
    y = (ids > 10).sum(axis=1, keepdims=True).astype(np.float32) / 8
    ours = S([Embedding(20, 4, mask_zero=True, input_shape=(8,)), L(6), D(1)], seed=0)
    km = to_keras(ours)
    ours.compile("mse", "adam")
    opt = keras.optimizers.Adam()
    for start in range(0, 96, 32):
        xb, yb = ids[start:start + 32], y[start:start + 32]
        with tf.GradientTape() as tape:
            loss = keras.losses.MeanSquaredError()(yb, km(xb, training=True))
        opt.apply([tf.convert_to_tensor(g) for g in tape.gradient(loss, km.trainable_weights)],
                  km.trainable_weights)
        mine, _ = ours.train_on_batch(xb, yb)
        assert abs(mine - float(loss)) <= 1e-6
    assert max(np.abs(a - b).max() for a, b in zip(ours.get_weights(), km.get_weights())) <= 1e-6


def test_training_a_masked_sequence_output_leaves_masked_steps_out_as_keras():
    """Masking → LSTM(return_sequences) → TimeDistributed(Dense): Keras weighs the loss by the mask."""
    from explainer import Sequential as S

    rng = np.random.default_rng(13)
    x = rng.normal(size=(80, 6, 2)).astype(np.float32)
    for k, n in enumerate(rng.integers(2, 7, 80)):
        x[k, n:] = 0.0
    y = np.cumsum(x[..., :1], axis=1).astype(np.float32)
    y[x.any(-1) == 0] = 5.0  # targets at padded steps are junk: they must not count
    xv, yv = x[:16], y[:16]
    model = S([Masking(0.0, input_shape=(6, 2)), LSTM(5, return_sequences=True), TimeDistributed(Dense(1))], seed=0)
    km = to_keras(model)
    model.compile("mse", "adam")
    km.compile(loss="mse", optimizer="adam")
    mine = model.fit(x, y, epochs=3, batch_size=32, validation_data=(xv, yv), shuffle=False, verbose=0).history
    theirs = km.fit(x, y, epochs=3, batch_size=32, validation_data=(xv, yv), shuffle=False, verbose=0).history
    for key in ("loss", "val_loss"):
        assert np.abs(np.array(mine[key]) / np.array(theirs[key]) - 1).max() <= 1e-5, key
    assert abs(model.evaluate(xv, yv) / km.evaluate(xv, yv, verbose=0) - 1) <= 1e-5
    model.compile("mse", "adam", metrics=["mae"])
    with pytest.raises(ValueError, match="metrics on it are not supported"):
        model.fit(x, y, verbose=0)


def test_variable_length_token_model_converts():
    km = keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(12, 4, mask_zero=True),
                           keras.layers.LSTM(3), keras.layers.Dense(1)])
    randomise(km)
    ours = from_keras(km)
    assert ours.input_shape == (None,)
    for ids in (np.array([[3, 4, 5, 0, 0]]), np.array([[7, 1, 2, 9, 11, 4, 0]])):
        assert np.abs(ours.predict(ids) - np.asarray(km(ids))).max() <= FORWARD_TOL
