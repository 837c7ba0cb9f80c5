"""GRU parity with Keras 3: forward with every option, gradients, and fit histories."""
import numpy as np
import pytest

from explainer import GRU, Dense, Sequential
from explainer.keras_bridge import from_keras, to_keras

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")


def _random_weights(model, rng, scale=0.4):
    model.set_weights([w + rng.normal(0, scale, w.shape).astype(w.dtype) for w in model.get_weights()])


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("kw", [{}, {"go_backwards": True}, {"use_bias": False},
                                {"activation": "relu", "recurrent_activation": "hard_sigmoid"},
                                {"return_sequences": True, "zero_output_for_mask": True}])
def test_forward_parity_with_masks_and_initial_state(reset_after, kw):
    rng = np.random.default_rng(0)
    model = Sequential([GRU(6, reset_after=reset_after, return_sequences=kw.pop("return_sequences", False), **kw,
                            input_shape=(7, 4))], seed=1)
    _random_weights(model, rng)
    km = to_keras(model)
    layer, theirs = model.layers[0], km.layers[0]
    x = rng.normal(size=(3, 7, 4)).astype(np.float32)
    mask = np.ones((3, 7), bool)
    mask[1, 5:], mask[2, :2] = False, False
    h0 = rng.normal(size=(3, 6)).astype(np.float32)
    for kwargs in ({}, {"mask": mask}, {"initial_state": [h0]}):
        ours = layer(x, **kwargs)
        ref = np.asarray(theirs(x, **{k: (v if k == "mask" else [keras.ops.convert_to_tensor(h0)])
                                      for k, v in kwargs.items()}))
        assert np.abs(ours - ref).max() <= 1e-5, kwargs


def test_return_state_and_stateful_parity():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    ours = GRU(4, return_state=True, return_sequences=True, seed=2)
    ours.build((5, 3), rng)
    theirs = keras.layers.GRU(4, return_state=True, return_sequences=True)
    theirs(x)
    theirs.set_weights(ours.get_weights())
    for a, b in zip(ours(x), theirs(x)):
        assert np.abs(a - np.asarray(b)).max() <= 1e-5
    model = Sequential([GRU(4, stateful=True, input_shape=(5, 3), seed=3)])
    km = to_keras(model, batch_size=2)
    for _ in range(3):  # the carried state starts each next call
        assert np.abs(model.predict(x, batch_size=2) - km.predict(x, batch_size=2, verbose=0)).max() <= 1e-5


@pytest.mark.parametrize("reset_after", [True, False])
def test_gradients_match_gradient_tape_with_injected_dropout(reset_after):
    import tensorflow as tf

    rng = np.random.default_rng(2)
    model = Sequential([GRU(5, reset_after=reset_after, dropout=0.2, recurrent_dropout=0.3, input_shape=(6, 3),
                            seed=4), Dense(1, seed=5)])
    model.compile("mse", "adam")
    km = to_keras(model)
    cell = km.layers[0].cell
    x = rng.normal(size=(4, 6, 3)).astype(np.float32)
    y = rng.normal(size=(4, 1)).astype(np.float32)
    keep_x, keep_h = (rng.random((3, 4, 3)) > 0.2), (rng.random((3, 4, 5)) > 0.3)
    masks = {(3, 4, 3): keep_x, (3, 4, 5): keep_h}
    model.layers[0].dropout_mask_fn = lambda shape: masks[shape]
    loss, _ = model.loss_and_grads(x, y, training=True)
    ours = [g for layer in model.layers for g in layer.grads.values()]
    cell._create_dropout_mask = lambda inp, rate: tf.constant(
        (keep_x if inp.shape[-1] == 3 else keep_h).astype(np.float32) / np.float32(1 - rate))
    with tf.GradientTape() as tape:
        k_loss = keras.losses.MeanSquaredError()(y, km(x, training=True))
    theirs = tape.gradient(k_loss, km.trainable_weights)
    assert abs(loss - float(k_loss)) <= 1e-6 * max(1.0, abs(loss))
    for a, b in zip(ours, theirs):
        rel = np.abs(a - np.asarray(b)).max() / max(np.abs(np.asarray(b)).max(), 1e-6)
        assert rel <= 1e-5, rel


@pytest.mark.parametrize("reset_after", [True, False])
def test_fit_history_matches_keras(reset_after):
    rng = np.random.default_rng(3)
    model = Sequential([GRU(8, reset_after=reset_after, return_sequences=True, input_shape=(6, 3)),
                        GRU(8, reset_after=reset_after), Dense(1)], seed=0)
    km = to_keras(model)
    x = rng.normal(0, 0.5, (70, 6, 3)).astype(np.float32)  # 70 = 2×32 + a partial batch
    y = np.tanh(x[:, -1, :1] - x[:, 0, 1:2]).astype(np.float32)
    model.compile("mse", "adam")
    km.compile(loss="mse", optimizer="adam")
    ours = model.fit(x, y, epochs=5, batch_size=32, shuffle=False, verbose=0).history["loss"]
    theirs = km.fit(x, y, epochs=5, batch_size=32, shuffle=False, verbose=0).history["loss"]
    rel = np.abs(np.array(ours) / np.array(theirs) - 1)
    assert rel.max() <= 1e-5, rel.max()
    assert ours[-1] < ours[0]


def test_from_keras_copies_a_gru_model():
    km = keras.Sequential([keras.Input((5, 3)), keras.layers.GRU(4, reset_after=False, return_sequences=True,
                                                                 go_backwards=True),
                           keras.layers.GRU(2, activation="relu"), keras.layers.Dense(1)])
    ours = from_keras(km)
    a, b = ours.layers[0], ours.layers[1]
    assert isinstance(a, GRU) and not a.reset_after and a.go_backwards and b.activation == "relu"
    x = np.random.default_rng(4).normal(size=(3, 5, 3)).astype(np.float32)
    assert np.abs(ours.predict(x) - km.predict(x, verbose=0)).max() <= 1e-5
