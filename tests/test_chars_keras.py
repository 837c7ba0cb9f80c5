"""A tiny character model against Keras on the same weights: one-hot characters → LSTM(4, return_sequences)
→ Dense(vocab, softmax) at every step, categorical cross-entropy averaged over all batch × time rows."""
import warnings

import numpy as np
import pytest

from explainer import LSTM, Dense, Sequential
from explainer.keras_bridge import to_keras

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

VOCAB, T = 6, 7


def tiny_char_model(seed: int = 0) -> tuple[Sequential, np.ndarray, np.ndarray]:
    """The model, and one-hot windows ``x`` ``(10, T, VOCAB)`` with their next characters ``y`` (same shape)."""
    rng = np.random.default_rng(seed)
    model = Sequential([LSTM(4, return_sequences=True, input_shape=(T, VOCAB)),
                        Dense(VOCAB, activation="softmax")], seed=seed)
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
    ids = rng.integers(0, VOCAB, (10, T + 1))
    eye = np.eye(VOCAB, dtype=np.float32)
    return model, eye[ids[:, :-1]], eye[ids[:, 1:]]


def relative(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(b))


def test_loss_and_gradients_match_gradient_tape():
    import tensorflow as tf

    model, x, y = tiny_char_model()
    model.compile("categorical_crossentropy", "adam")
    km = to_keras(model)
    with tf.GradientTape() as tape:
        loss = keras.losses.CategoricalCrossentropy()(y, km(x, training=True))
    theirs = [g.numpy() for g in tape.gradient(loss, km.trainable_weights)]
    our_loss, _ = model.loss_and_grads(x, y)
    ours = [layer.grads[k] for layer in model.layers for k in layer.params]
    assert abs(our_loss / float(loss) - 1) <= 1e-5, (our_loss, float(loss))
    assert [g.shape for g in ours] == [g.shape for g in theirs]
    for a, b in zip(ours, theirs):
        assert relative(a, b) <= 1e-5


def test_three_epochs_of_fit_match_keras():
    model, x, y = tiny_char_model(1)
    km = to_keras(model)
    model.compile("categorical_crossentropy", "adam")
    km.compile(loss="categorical_crossentropy", optimizer="adam")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one-hot steps sum to 1: no "rows must sum to 1" warning over time
        ours = model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0).history["loss"]  # 4+4+2 rows
    theirs = km.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0).history["loss"]
    assert len(ours) == len(theirs) == 3
    assert np.abs(np.array(ours) / np.array(theirs) - 1).max() <= 1e-5, (ours, theirs)
    assert ours[-1] < ours[0]  # it did learn
    for a, b in zip(model.get_weights(), km.get_weights()):
        assert relative(a, b) <= 1e-5
