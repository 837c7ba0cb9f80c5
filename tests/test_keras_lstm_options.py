"""Our LSTM's Keras options against Keras 3 itself: forward ≤ 1e-5, gradients (GradientTape) ≤ 1e-4 relative.

One Keras LSTM layer and ours get the same random weights; both are called with the same
options, mask and initial state; the loss is Σ y ⊙ R. Dropout masks are made equal by
handing Keras's mask drawing the masks our layer is given.
"""
import numpy as np
import pytest

from explainer import LSTM, activations
from explainer.keras_bridge import from_keras

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

B, T, D, U = 3, 6, 4, 5
FORWARD_TOL, GRAD_TOL = 1e-5, 1e-4
MASK = np.array([[1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1], [1, 0, 1, 1, 0, 1]], bool)
FIGURES = {}  # worst errors per case, printed by the last test (for the record)


def compare(kwargs, mask=None, initial=False, training=False, calls=1, seed=0, ours_kwargs=None):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(B, T, D)).astype(np.float32)
    init = [rng.normal(size=(B, U)).astype(np.float32) for _ in range(2)] if initial else None
    kl = keras.layers.LSTM(U, **kwargs)
    kl.build((B, T, D))
    kl.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in kl.get_weights()])
    ours = LSTM(U, **kwargs, **(ours_kwargs or {}))
    ours.build((T, D), rng)
    ours.set_weights(kl.get_weights()[:len(ours.params)])
    for _ in range(calls - 1):  # stateful: earlier calls leave their states behind
        kl(x, training=training, mask=mask)
        ours.forward(x, training=training, mask=mask)
    y_ours = ours.forward(x, training=training, mask=mask, initial_state=init)  # first: it draws the dropout masks
    R = np.random.default_rng(seed + 1).normal(size=y_ours.shape).astype(np.float32)
    xv = tf.Variable(x)
    iv = [tf.Variable(s) for s in init] if init else None
    with tf.GradientTape() as tape:
        y = kl(xv, training=training, mask=mask, initial_state=iv)
        loss = tf.reduce_sum(y * R)
    sources = list(kl.trainable_weights) + [xv] + (iv or [])
    theirs = [tf.convert_to_tensor(g).numpy() for g in tape.gradient(loss, sources)]
    fwd = float(np.abs(y_ours - y.numpy()).max())
    dx = ours.backward(R)
    mine = [ours.grads[k] for k in ours.params] + [dx] + (list(ours.d_initial_state) if init else [])
    grad = max(float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-12)) for a, b in zip(mine, theirs))
    FIGURES[repr((kwargs, mask is not None, initial, training, calls))] = (fwd, grad)
    assert fwd <= FORWARD_TOL, fwd
    assert grad <= GRAD_TOL, grad
    return ours


@pytest.mark.parametrize("activation", sorted(n for n, a in activations.ACTIVATIONS.items() if a.derivative))
def test_activation(activation):
    compare(dict(activation=activation, return_sequences=True))


@pytest.mark.parametrize("recurrent_activation", ["hard_sigmoid", "tanh", "softsign", "relu", "linear"])
def test_recurrent_activation(recurrent_activation):
    compare(dict(recurrent_activation=recurrent_activation))


@pytest.mark.parametrize("kwargs", [dict(use_bias=False), dict(unit_forget_bias=False), dict(unroll=True),
                                    dict(go_backwards=True, return_sequences=True)])
def test_plain_options(kwargs):
    compare(kwargs)


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("zero_output_for_mask", [False, True])
def test_mask_and_initial_state(go_backwards, return_sequences, zero_output_for_mask):
    compare(dict(go_backwards=go_backwards, return_sequences=return_sequences,
                 zero_output_for_mask=zero_output_for_mask), mask=MASK, initial=True)


def test_stateful_second_call():
    compare(dict(stateful=True, return_sequences=True), calls=2)
    compare(dict(stateful=True), mask=MASK, calls=3)


@pytest.fixture()
def shared_dropout(monkeypatch):
    """Keras draws its dropout masks through backend.random.dropout; hand it ours, in order."""
    from keras.src.layers.rnn import dropout_rnn_cell

    queue = []

    def ours(shape):
        keep = np.random.default_rng(len(queue) + 10).random(shape) >= 0.35
        queue.extend(keep if len(shape) == 3 else [keep])  # Keras draws one (batch, dim) mask at a time
        return keep

    def keras_dropout(inputs, rate, seed=None, **_):
        keep = queue.pop(0)
        return tf.constant(keep.astype(np.float32)) * inputs / (1 - rate)

    monkeypatch.setattr(dropout_rnn_cell.backend.random, "dropout", keras_dropout)
    return ours


@pytest.mark.parametrize("dropout,recurrent_dropout", [(0.35, 0.0), (0.0, 0.35), (0.35, 0.35)])
def test_dropout_with_the_same_masks(shared_dropout, dropout, recurrent_dropout):
    compare(dict(dropout=dropout, recurrent_dropout=recurrent_dropout, return_sequences=True),
            training=True, ours_kwargs=dict(dropout_mask_fn=shared_dropout))


def test_masks_travel_through_converted_models():
    """Embedding(mask_zero) → LSTM → LSTM, Masking → Bidirectional → TimeDistributed: from_keras, same numbers."""
    rng = np.random.default_rng(5)
    km = keras.Sequential([keras.Input((T,), dtype="int32"), keras.layers.Embedding(9, 4, mask_zero=True),
                           keras.layers.LSTM(5, return_sequences=True), keras.layers.LSTM(3, go_backwards=True),
                           keras.layers.Dense(1)])
    km.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in km.get_weights()])
    ids = rng.integers(1, 9, (4, T))
    ids[0, 4:] = 0
    ids[1, :2] = 0
    ours = from_keras(km)
    assert np.abs(ours.predict(ids) - np.asarray(km(ids))).max() <= FORWARD_TOL
    trace = ours.trace(ids)[0]
    np.testing.assert_array_equal(trace.mask, ids != 0)

    x = rng.normal(size=(4, T, 2)).astype(np.float32)
    x[0, 4:] = 0.0
    x[2, :3] = 0.0
    km = keras.Sequential([keras.Input((T, 2)), keras.layers.Masking(0.0),
                           keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True), merge_mode="sum"),
                           keras.layers.TimeDistributed(keras.layers.Dense(2))])
    km.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in km.get_weights()])
    ours = from_keras(km)
    assert np.abs(ours.predict(x) - np.asarray(km(x))).max() <= FORWARD_TOL
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(km(x) ** 2)
    theirs = [tf.convert_to_tensor(g).numpy() for g in tape.gradient(loss, km.trainable_weights)]
    y = ours.forward(x)
    ours.backward(2 * y)
    mine = [layer.grads[k] for layer in ours.layers for k in layer.params]
    for a, b in zip(mine, theirs):
        assert np.linalg.norm(a - b) / np.linalg.norm(b) <= GRAD_TOL
    fwd, bwd = ours.trace(x)
    np.testing.assert_array_equal(fwd.mask, x.any(-1))
    np.testing.assert_array_equal(bwd.mask, x.any(-1)[:, ::-1])  # processing order


def test_lstm_options_convert_both_ways():
    km = keras.Sequential([keras.Input((T, D)), keras.layers.LSTM(
        4, activation="relu", recurrent_activation="hard_sigmoid", use_bias=False, dropout=0.1,
        recurrent_dropout=0.2, unroll=True, return_sequences=True), keras.layers.LSTM(2, stateful=False)])
    ours = from_keras(km)
    lstm = ours.layers[0]
    assert (lstm.activation, lstm.recurrent_activation, lstm.use_bias, lstm.dropout, lstm.recurrent_dropout,
            lstm.unroll) == ("relu", "hard_sigmoid", False, 0.1, 0.2, True)
    from explainer.keras_bridge import to_keras

    back = to_keras(ours).layers[0].get_config()
    assert (back["activation"], back["recurrent_activation"], back["use_bias"], back["recurrent_dropout"]) == \
        ("relu", "hard_sigmoid", False, 0.2)


def test_stateful_model_converts_with_its_batch_size():
    km = keras.Sequential([keras.Input((T, D), batch_size=B), keras.layers.LSTM(U, stateful=True)])
    ours = from_keras(km)
    assert ours.layers[0].stateful
    from explainer.keras_bridge import to_keras

    with pytest.raises(ValueError, match="batch_size"):
        to_keras(ours)
    x = np.random.default_rng(0).normal(size=(B, T, D)).astype(np.float32)
    back = to_keras(ours, batch_size=B)
    for _ in range(2):  # states carried over calls, on both sides
        np.testing.assert_allclose(ours.predict(x, batch_size=B), back.predict(x, verbose=0), atol=FORWARD_TOL)


def test_zz_print_figures(capsys):
    with capsys.disabled():
        worst_f = max(f for f, _ in FIGURES.values()) if FIGURES else float("nan")
        worst_g = max(g for _, g in FIGURES.values()) if FIGURES else float("nan")
        print(f"\nLSTM option parity with Keras over {len(FIGURES)} cases: forward max |Δ| {worst_f:.2e}, "
              f"gradient max relative {worst_g:.2e}")
