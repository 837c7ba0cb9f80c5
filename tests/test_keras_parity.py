"""Our LSTM against Keras 3 on the same weights: forward, gradients, whole training runs."""
import numpy as np
import pytest

from explainer import LSTM, Activation, Dense, Dropout, Sequential
from explainer.keras_bridge import from_keras, to_keras

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")


def random_weights(model, rng, scale=0.3):
    """Non-zero weights everywhere, biases included."""
    model.set_weights([rng.normal(0, scale, w.shape).astype(np.float32) for w in model.get_weights()])


def mse_gradients_both(model: Sequential, x: np.ndarray, y: np.ndarray):
    """The mse loss and every weight's gradient on one batch, from our backprop and from Keras's
    GradientTape on ``to_keras(model)``: ``(our_loss, keras_loss, ours, theirs)``, weights in Keras's order."""
    import tensorflow as tf

    model.compile("mse", "adam")
    km = to_keras(model)
    with tf.GradientTape() as tape:
        loss = keras.losses.MeanSquaredError()(y, km(x, training=True))
    theirs = [g.numpy() for g in tape.gradient(loss, km.trainable_weights)]
    our_loss, _ = model.loss_and_grads(x, y)
    ours = [layer.grads[k] for layer in model.layers for k in layer.params]
    return our_loss, float(loss), ours, theirs


@pytest.mark.parametrize("n_layers", [1, 2, 3])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("batch", [1, 5])
def test_forward_parity(n_layers, return_sequences, go_backwards, batch):
    rng = np.random.default_rng(n_layers * 7 + batch)
    layers = [LSTM(6, return_sequences=True, go_backwards=go_backwards and k == 0,
                   input_shape=(5, 3) if k == 0 else None) for k in range(n_layers - 1)]
    layers.append(LSTM(4, return_sequences=return_sequences, go_backwards=go_backwards,
                       input_shape=(5, 3) if n_layers == 1 else None))
    model = Sequential(layers)
    random_weights(model, rng)
    x = rng.normal(size=(batch, 5, 3)).astype(np.float32)
    theirs = np.asarray(to_keras(model)(x))
    ours = model.predict(x)
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= 1e-5


def test_from_keras_copies_everything():
    rng = np.random.default_rng(0)
    km = keras.Sequential([keras.Input((7, 4)), keras.layers.LSTM(8, return_sequences=True),
                           keras.layers.Dropout(0.25), keras.layers.LSTM(8), keras.layers.Dense(1),
                           keras.layers.Activation("tanh")])
    km.set_weights([rng.normal(0, 0.3, w.shape).astype(np.float32) for w in km.get_weights()])
    ours = from_keras(km)
    assert [type(l).__name__ for l in ours.layers] == ["LSTM", "Dropout", "LSTM", "Dense", "Activation"]
    for a, b in zip(ours.get_weights(), km.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = rng.normal(size=(3, 7, 4)).astype(np.float32)
    assert np.abs(ours.predict(x) - km.predict(x, verbose=0)).max() <= 1e-5


def test_gradients_match_gradient_tape():
    rng = np.random.default_rng(4)
    model = Sequential([LSTM(6, return_sequences=True, input_shape=(5, 3)), LSTM(4), Dense(2),
                        Activation("tanh")])
    random_weights(model, rng)
    x = rng.normal(size=(8, 5, 3)).astype(np.float32)
    y = rng.normal(0, 0.5, (8, 2)).astype(np.float32)
    our_loss, tf_loss, ours, tf_grads = mse_gradients_both(model, x, y)
    assert abs(our_loss - tf_loss) <= 1e-6
    assert len(ours) == len(tf_grads)
    for a, b in zip(ours, tf_grads):
        assert np.linalg.norm(a - b) / np.linalg.norm(b) <= 1e-4


def _histories(model, km, x, y, xv, yv, loss, opt, metrics, epochs, batch):
    model.compile(loss, opt, metrics)
    km.compile(loss=loss, optimizer=opt, metrics=metrics)
    ours = model.fit(x, y, epochs=epochs, batch_size=batch, validation_data=(xv, yv), shuffle=False, verbose=0)
    theirs = km.fit(x, y, epochs=epochs, batch_size=batch, validation_data=(xv, yv), shuffle=False, verbose=0)
    return ours.history, theirs.history


def test_training_parity_bitcoin_architecture():
    """The bitcoin example's model scaled down: 3×LSTM(32) + Dense(1) + tanh, Adam, mse, partial last batch."""
    rng = np.random.default_rng(5)
    model = Sequential([LSTM(32, return_sequences=True, input_shape=(7, 4)), Dropout(0.0),
                        LSTM(32, return_sequences=True), Dropout(0.0), LSTM(32), Dropout(0.0),
                        Dense(1), Activation("tanh")], seed=0)
    km = to_keras(model)
    x = rng.normal(0, 0.2, (300, 7, 4)).astype(np.float32)  # 300 = 2×128 + a partial batch of 44
    y = np.tanh(x[:, -1, 0] - x[:, 0, 0]).astype(np.float32)
    xv = rng.normal(0, 0.2, (60, 7, 4)).astype(np.float32)
    yv = np.tanh(xv[:, -1, 0] - xv[:, 0, 0]).astype(np.float32)
    ours, theirs = _histories(model, km, x, y, xv, yv, "mse", "adam", ["mae"], 10, 128)
    assert set(ours) == set(theirs) == {"loss", "mae", "val_loss", "val_mae"}
    for key in ours:
        rel = np.abs(np.array(ours[key]) / np.array(theirs[key]) - 1)
        assert rel.max() <= 1e-3, (key, rel.max())
    assert ours["loss"][-1] < ours["loss"][0]  # it did learn
    for a, b in zip(model.get_weights(), km.get_weights()):
        assert np.abs(a - b).max() <= 1e-3


def test_training_parity_keras_classifier():
    """The Keras guide's classifier: 3×LSTM(32) on (8, 16), Dense(10, softmax), RMSprop, cross-entropy.

    Targets are probability rows (summing to 1), as categorical cross-entropy requires: TensorFlow's
    fused softmax/cross-entropy gradient is softmax - y, the loss's true gradient only when Σy = 1.
    """
    rng = np.random.default_rng(6)
    model = Sequential([LSTM(32, return_sequences=True, input_shape=(8, 16)), LSTM(32, return_sequences=True),
                        LSTM(32), Dense(10, activation="softmax")], seed=1)
    km = to_keras(model)
    x = rng.random((200, 8, 16)).astype(np.float32)
    y = rng.random((200, 10)).astype(np.float32)
    y /= y.sum(axis=1, keepdims=True)
    xv = rng.random((50, 8, 16)).astype(np.float32)
    yv = rng.random((50, 10)).astype(np.float32)
    yv /= yv.sum(axis=1, keepdims=True)
    ours, theirs = _histories(model, km, x, y, xv, yv, "categorical_crossentropy", "rmsprop", ["accuracy"], 10, 64)
    for key in ("loss", "val_loss"):
        rel = np.abs(np.array(ours[key]) / np.array(theirs[key]) - 1)
        assert rel.max() <= 1e-3, (key, rel.max())
    for a, b in zip(model.get_weights(), km.get_weights()):
        assert np.abs(a - b).max() <= 1e-3


def test_unsupported_keras_layers_are_named():
    km = keras.Sequential([keras.Input((5, 3)), keras.layers.Conv1D(4, 2)])
    with pytest.raises(ValueError, match="Conv1D"):
        from_keras(km)
    km = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4, activation="mish", name="odd")])
    with pytest.raises(ValueError, match="'odd' \\(LSTM\\) uses activation 'mish'"):
        from_keras(km)
    with pytest.raises(TypeError):
        from_keras("not a model")


def test_peephole_has_no_keras_twin():
    model = Sequential([LSTM(3, peephole=True, input_shape=(4, 2))])
    with pytest.raises(ValueError, match="peephole"):
        to_keras(model)


def test_mismatched_keras_weights_are_refused():
    km = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4)])
    ours = from_keras(km)
    with pytest.raises(ValueError, match="shape"):
        ours.set_weights([np.zeros((3, 8)), np.zeros((4, 16)), np.zeros(16)])
