"""SimpleRNN: Keras parity (forward, GradientTape), finite-difference gradients, trace, save/load."""
import numpy as np
import pytest

from explainer import Dense, RNNTrace, Sequential, SimpleRNN, load_model, losses
from explainer.keras_bridge import to_keras
from test_gradients import assert_grads, param_pairs, randomise


@pytest.mark.keras
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("stacked", [False, True])
def test_forward_parity_with_keras(return_sequences, go_backwards, stacked):
    pytest.importorskip("keras")
    rng = np.random.default_rng(int(return_sequences) + 2 * int(go_backwards) + 4 * int(stacked))
    layers = [SimpleRNN(6, return_sequences=True, go_backwards=go_backwards, input_shape=(7, 3))] if stacked else []
    layers.append(SimpleRNN(4, return_sequences=return_sequences, go_backwards=go_backwards,
                            input_shape=None if stacked else (7, 3)))
    model = Sequential(layers)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
    x = rng.normal(size=(5, 7, 3)).astype(np.float32)
    theirs = np.asarray(to_keras(model)(x))
    ours = model.predict(x)
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= 1e-5


@pytest.mark.keras
def test_fresh_weights_are_keras_shaped_and_initialised():
    keras = pytest.importorskip("keras")
    ours = Sequential([SimpleRNN(5, input_shape=(4, 3))], seed=0)
    km = keras.Sequential([keras.Input((4, 3)), keras.layers.SimpleRNN(5)])
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in km.get_weights()]
    W, U, b = ours.get_weights()
    np.testing.assert_allclose(U @ U.T, np.eye(5), atol=1e-5)      # orthogonal recurrent kernel
    assert np.all(b == 0) and np.abs(W).max() <= np.sqrt(6 / (3 + 5))  # zero bias, glorot_uniform limit


@pytest.mark.keras
def test_gradients_match_gradient_tape():
    pytest.importorskip("keras")
    from test_keras_parity import mse_gradients_both

    rng = np.random.default_rng(4)
    model = Sequential([SimpleRNN(6, return_sequences=True, go_backwards=True, input_shape=(5, 3)),
                        SimpleRNN(4), Dense(2, activation="tanh")])
    model.set_weights([rng.normal(0, 0.4, w.shape).astype(np.float32) for w in model.get_weights()])
    x = rng.normal(size=(8, 5, 3)).astype(np.float32)
    y = rng.normal(0, 0.5, (8, 2)).astype(np.float32)
    our_loss, tf_loss, ours, tf_grads = mse_gradients_both(model, x, y)
    assert abs(our_loss - tf_loss) <= 1e-6
    assert len(ours) == len(tf_grads) == 8
    for a, b in zip(ours, tf_grads):
        assert np.linalg.norm(a - b) / np.linalg.norm(b) <= 1e-5


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("return_sequences,go_backwards", [(True, False), (False, False), (True, True), (False, True)])
def test_finite_difference_gradients(activation, return_sequences, go_backwards):
    rng = np.random.default_rng(0)
    layer = SimpleRNN(3, activation=activation, return_sequences=return_sequences, go_backwards=go_backwards,
                      dtype="float64")
    layer.build((4, 2), rng)
    randomise(layer, rng)
    x = rng.normal(size=(2, 4, 2))
    h0 = rng.normal(size=(2, 3))
    R = rng.normal(size=(2, 4, 3) if return_sequences else (2, 3))

    def loss():
        return float((layer.forward(x, initial_state=[h0]) * R).sum())

    loss()
    dx = layer.backward(R)
    assert_grads(loss, param_pairs(layer) + [("x", dx, x), ("h0", layer.d_initial_state[0], h0)])


def test_stacked_model_finite_difference_gradients():
    rng = np.random.default_rng(2)
    model = Sequential([SimpleRNN(4, return_sequences=True, input_shape=(5, 3), dtype="float64"),
                        SimpleRNN(3, go_backwards=True, dtype="float64"), Dense(1, dtype="float64")], seed=0)
    for layer in model.layers:
        randomise(layer, rng)
    model.compile("mse", "adam")
    x, y = rng.normal(size=(6, 5, 3)), rng.normal(size=(6, 1))

    def loss():
        return float(losses.get("mse")(y, model.forward(x, training=True))[0].mean())

    model.loss_and_grads(x, y)
    assert_grads(loss, [pair for layer in model.layers for pair in param_pairs(layer)])


def test_trace_records_the_equations_and_round_trips(tmp_path):
    rng = np.random.default_rng(5)
    model = Sequential([SimpleRNN(4, return_sequences=True, go_backwards=True, input_shape=(6, 2)), Dense(1)],
                       seed=1)
    x = rng.normal(size=(3, 6, 2)).astype(np.float32)
    (tr,) = model.trace(x)
    assert isinstance(tr, RNNTrace) and (tr.batch, tr.time, tr.units) == (3, 6, 4)
    W, U, b = model.layers[0].get_weights()
    np.testing.assert_array_equal(tr.x, x[:, ::-1])                       # processing order
    np.testing.assert_allclose(tr.z, tr.x @ W + tr.h_prev @ U + b, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(tr.h, np.tanh(tr.z))
    np.testing.assert_array_equal(tr.h_prev[:, 1:], tr.h[:, :-1])
    assert np.all(tr.h_prev[:, 0] == 0)
    np.testing.assert_array_equal(tr.h, model.layers[0].forward(x))
    back = RNNTrace.load(tr.save(tmp_path / "rnn.npz"))
    assert back == tr and back.meta == {"go_backwards": True, "activation": "tanh"}
    assert back.weights.keys() == {"kernel", "recurrent_kernel", "bias"}
    assert back.sample(-1).batch == 1


def test_bad_trace_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable RNN trace"):
        RNNTrace.load(bad)


def test_save_load_and_fit(tmp_path):
    rng = np.random.default_rng(3)
    model = Sequential([SimpleRNN(5, input_shape=(4, 2), name="rnn"), Dense(1)], seed=2)
    model.compile("mse", "adam")
    x, y = rng.normal(size=(16, 4, 2)).astype(np.float32), rng.normal(0, 0.3, 16).astype(np.float32)
    hist = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    back = load_model(model.save(tmp_path / "m.npz"))
    assert isinstance(back.layers[0], SimpleRNN) and back.layers[0].get_config() == model.layers[0].get_config()
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="positive integer"):
        SimpleRNN(0)
    with pytest.raises(ValueError, match="unknown activation"):
        SimpleRNN(3, activation="swish!")
    layer = SimpleRNN(3)
    with pytest.raises(ValueError, match="3-D input"):
        layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="h0 must have shape"):
        layer(np.zeros((2, 4, 1)), initial_state=[np.zeros((2, 2))])
