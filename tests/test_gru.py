"""The GRU: Keras 3's own golden values, finite differences, its trace and gradient trace, files."""
import numpy as np
import pytest

from explainer import GRU, Dense, GRUTrace, Sequential, initializers, load_model
from explainer.trace import TraceError
from test_gradients import assert_grads, randomise

C = dict(kernel_initializer=initializers.Constant(0.01), recurrent_initializer=initializers.Constant(0.02),
         bias_initializer=initializers.Constant(0.03))


# --- Keras's gru_test.py: the numbers Keras itself pins -------------------------------------
@pytest.mark.parametrize("go_backwards,expected", [
    (False, [[0.5217289, 0.5217289, 0.5217289], [0.6371659, 0.6371659, 0.6371659],
             [0.39384964, 0.39384964, 0.3938496]]),
    (True, [[0.24406259, 0.24406259, 0.24406259], [0.611516, 0.611516, 0.611516],
            [0.3928808, 0.3928808, 0.3928808]])])
def test_keras_gru_test_correctness(go_backwards, expected):
    x = np.arange(72).reshape((3, 6, 4)).astype("float32")
    np.testing.assert_allclose(GRU(3, go_backwards=go_backwards, **C)(x), expected, atol=1e-5, rtol=1e-5)


def test_keras_gru_test_statefulness():
    x = np.arange(24).reshape((2, 3, 4)).astype("float32")
    layer = GRU(4, stateful=True, **C)
    for _ in range(2):
        layer(x)
        np.testing.assert_allclose(layer(x), [[0.29542392] * 4, [0.5885018] * 4], atol=1e-6, rtol=1e-6)
        layer.reset_state()


@pytest.mark.parametrize("go_backwards,expected", [
    (False, [[0.23774096, 0.33508456], [0.83659905, 1.0227708]]),
    (True, [[0.13486053, 0.23261218], [0.78257304, 0.9691353]])])
def test_keras_gru_test_initial_state(go_backwards, expected):
    x = np.arange(24).reshape((2, 4, 3)).astype("float32")
    h0 = np.arange(4).reshape((2, 2)).astype("float32")
    np.testing.assert_allclose(GRU(2, go_backwards=go_backwards, **C)(x, initial_state=[h0]), expected,
                               atol=1e-6, rtol=1e-6)


def test_keras_gru_test_masking():
    x = np.arange(24).reshape((2, 4, 3)).astype("float32")
    mask = np.array([[True, True, False, True], [True, False, False, True]])
    np.testing.assert_allclose(GRU(2, **C)(x, mask=mask), [[0.19393763] * 2, [0.30818558] * 2], atol=1e-6)
    y = GRU(2, return_sequences=True, **C)(x, mask=mask)
    np.testing.assert_allclose(y[0, :, 0], [0.03606692, 0.09497581, 0.09497581, 0.19393763], atol=1e-6)
    np.testing.assert_allclose(y[1, :, 0], [0.16051409, 0.16051409, 0.16051409, 0.30818558], atol=1e-6)


# --- finite differences in float64 --------------------------------------------------------
@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("return_sequences,go_backwards,masked", [(True, False, False), (False, False, True),
                                                                   (True, True, True)])
def test_gru_layer_gradients(reset_after, return_sequences, go_backwards, masked):
    rng = np.random.default_rng(0)
    layer = GRU(3, reset_after=reset_after, return_sequences=return_sequences, go_backwards=go_backwards,
                dtype="float64")
    layer.build((4, 2), rng)
    randomise(layer, rng)
    x, h0 = rng.normal(size=(2, 4, 2)), rng.normal(size=(2, 3))
    mask = np.array([[1, 1, 0, 1], [0, 1, 1, 1]], bool) if masked else None
    R = rng.normal(size=(2, 4, 3) if return_sequences else (2, 3))

    def loss():
        return float((layer.forward(x, initial_state=[h0], mask=mask) * R).sum())

    loss()
    dx = layer.backward(R)
    pairs = [(f"d{name}", layer.grads[name].copy(), w) for name, w in layer.params.items()]
    assert_grads(loss, pairs + [("dx", dx, x), ("dh0", layer.d_initial_state[0].copy(), h0)])


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_gradients_with_dropout_masks(reset_after):
    rng = np.random.default_rng(1)
    masks = {}

    def fixed(shape):  # the same 0/1 masks on every call, so the loss is a function of the weights
        return masks.setdefault(shape, rng.random(shape) > 0.3)

    layer = GRU(3, reset_after=reset_after, dropout=0.3, recurrent_dropout=0.4, dtype="float64",
                dropout_mask_fn=fixed)
    layer.build((5, 2), rng)
    randomise(layer, rng)
    x, R = rng.normal(size=(2, 5, 2)), rng.normal(size=(2, 3))

    def loss():
        return float((layer.forward(x, training=True) * R).sum())

    loss()
    dx = layer.backward(R)
    assert_grads(loss, [(n, layer.grads[n].copy(), w) for n, w in layer.params.items()] + [("dx", dx, x)])


def test_the_gradient_trace_records_dh_dz_and_the_direct_factor_z():
    rng = np.random.default_rng(2)
    model = Sequential([GRU(4, return_sequences=True, input_shape=(5, 3), seed=1), Dense(1, seed=2)])
    model.compile("mse", "adam")
    x, y = rng.normal(size=(2, 5, 3)).astype(np.float32), rng.normal(size=(2, 5, 1)).astype(np.float32)
    (g,) = model.trace_gradients(x, y)
    (t,) = model.trace(x)
    assert g.kind == "gru" and g.dz.shape == (2, 5, 12) and np.array_equal(g.direct, t.z)
    assert np.array_equal(g.gate("r"), g.dz[..., 4:8])
    # dL/dh at the last step comes from the output alone: dy W_denseᵀ
    dense_w = model.layers[1].params["kernel"]
    dy = 2 * (model.predict(x) - y) / y.size
    np.testing.assert_allclose(g.dh[:, -1], dy[:, -1] @ dense_w.T, rtol=1e-5)
    # dL/dh_{t-1} = dL/dh_t ⊙ z_t + (the path through U) + dL/dy_{t-1}: the direct part is z_t exactly
    assert np.all((g.direct > 0) & (g.direct < 1))
    back = g.sample(1)
    assert back.dh.shape == (1, 5, 4) and back == g.sample(1)


# --- trace, files -----------------------------------------------------------------------
def test_a_trace_validates_saves_loads_and_refuses_tampering(tmp_path):
    rng = np.random.default_rng(3)
    for reset_after in (True, False):
        layer = GRU(4, reset_after=reset_after, seed=0)
        x = rng.normal(size=(2, 6, 3)).astype(np.float32)
        mask = np.ones((2, 6), bool)
        mask[0, 4:] = False
        tr = layer.trace(x, mask=mask).validate()
        assert np.array_equal(tr.h[0, 4], tr.h[0, 3])  # masked: h carried

        back = GRUTrace.load(tr.save(tmp_path / f"g{reset_after}.npz")).validate()
        assert back == tr and back.meta["reset_after"] == reset_after
        bad = GRUTrace.load(tmp_path / f"g{reset_after}.npz")
        bad.z_h[1, 2, 3] += 0.1
        with pytest.raises(TraceError, match="'(z_h|h_tilde)'.*sample 1, step 2, unit 3"):
            bad.validate()
        bad = GRUTrace.load(tmp_path / f"g{reset_after}.npz")
        bad.r[0, 1, 0] += 0.05
        with pytest.raises(TraceError, match="'r'.*sample 0, step 1, unit 0"):
            bad.validate()
    with pytest.raises(ValueError, match="not an lstm-explainer GRU trace|lstm-explainer-gru-trace"):
        np.savez(tmp_path / "other.npz", a=np.zeros(2))
        GRUTrace.load(tmp_path / "other.npz")


def test_a_gru_model_saves_and_loads_with_its_options(tmp_path):
    model = Sequential([GRU(5, reset_after=False, return_sequences=True, go_backwards=True, input_shape=(None, 2),
                           seed=3), GRU(3, use_bias=False, seed=4), Dense(1)])
    model.compile("mse", "adam")
    x = np.random.default_rng(4).normal(size=(2, 6, 2)).astype(np.float32)
    back = load_model(model.save(tmp_path / "gru.npz"))
    assert [type(l).__name__ for l in back.layers] == ["GRU", "GRU", "Dense"]
    assert back.layers[0].reset_after is False and back.layers[0].go_backwards and not back.layers[1].use_bias
    assert np.array_equal(back.predict(x), model.predict(x))
    assert back.layers[0].params["bias"].shape == (15,) and "bias" not in back.layers[1].params


def test_bad_gru_input_is_named():
    layer = GRU(2)
    with pytest.raises(ValueError, match="3-D input"):
        layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"initial_state must be \[h0\]"):
        layer(np.zeros((2, 3, 1)), initial_state=[np.zeros((2, 2)), np.zeros((2, 2))])
    with pytest.raises(ValueError, match="dropout must be in"):
        GRU(2, dropout=1.5)
