"""Finite-difference checks in float64 of every gradient backprop-through-time produces."""
import numpy as np
import pytest

from explainer import LSTM, Activation, Dense, Dropout, Sequential, losses

EPS = 1e-6
TOL = 1e-6


def rel_err(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a), np.linalg.norm(b), 1e-12)


def numeric_grad(f, arr):
    g = np.zeros_like(arr)
    it = np.nditer(arr, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = arr[idx]
        arr[idx] = old + EPS
        fp = f()
        arr[idx] = old - EPS
        fm = f()
        arr[idx] = old
        g[idx] = (fp - fm) / (2 * EPS)
    return g


def assert_grads(loss, pairs):
    """Each ``(label, analytic, array)``: the analytic gradient equals the central difference of ``loss``."""
    for label, analytic, arr in pairs:
        assert rel_err(analytic, numeric_grad(loss, arr)) < TOL, label


def param_pairs(layer):
    grads = dict(layer.grads)  # copied: the finite differences run forward passes that may reset them
    return [(f"{layer.name}.{name}", grads[name], w) for name, w in layer.params.items()]


def randomise(layer, rng):
    for w in layer.params.values():
        w[...] = rng.normal(0, 0.5, w.shape)


@pytest.mark.parametrize("peephole", [False, True])
@pytest.mark.parametrize("return_sequences,go_backwards", [(True, False), (False, False), (True, True)])
def test_lstm_layer_gradients(peephole, return_sequences, go_backwards):
    rng = np.random.default_rng(0)
    layer = LSTM(3, return_sequences=return_sequences, go_backwards=go_backwards, peephole=peephole,
                 dtype="float64")
    layer.build((4, 2), rng)
    randomise(layer, rng)
    x = rng.normal(size=(2, 4, 2))
    h0, c0 = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    out_shape = (2, 4, 3) if return_sequences else (2, 3)
    R = rng.normal(size=out_shape)

    def loss():
        return float((layer.forward(x, initial_state=[h0, c0]) * R).sum())

    loss()
    dx = layer.backward(R)
    dh0, dc0 = layer.d_initial_state
    pairs = param_pairs(layer)
    assert_grads(loss, pairs + [("x", dx, x), ("h0", dh0, h0), ("c0", dc0, c0)])
    if peephole:
        assert {p[0] for p in pairs} >= {f"{layer.name}.peephole_{k}" for k in "ifo"}


def test_return_state_gradients():
    rng = np.random.default_rng(3)
    layer = LSTM(3, return_sequences=True, return_state=True, dtype="float64")
    layer.build((3, 2), rng)
    randomise(layer, rng)
    x = rng.normal(size=(2, 3, 2))
    Ry, Rh, Rc = rng.normal(size=(2, 3, 3)), rng.normal(size=(2, 3)), rng.normal(size=(2, 3))

    def loss():
        y, h, c = layer.forward(x)
        return float((y * Ry).sum() + (h * Rh).sum() + (c * Rc).sum())

    loss()
    dx = layer.backward([Ry, Rh, Rc])
    assert_grads(loss, param_pairs(layer) + [("x", dx, x)])


@pytest.mark.parametrize("activation", ["linear", "tanh", "sigmoid", "relu", "softmax"])
def test_dense_gradients(activation):
    rng = np.random.default_rng(1)
    layer = Dense(4, activation=activation, dtype="float64")
    layer.build((3,), rng)
    randomise(layer, rng)
    x = rng.normal(size=(5, 3))
    R = rng.normal(size=(5, 4))

    def loss():
        return float((layer.forward(x) * R).sum())

    loss()
    dx = layer.backward(R)
    assert_grads(loss, param_pairs(layer) + [("x", dx, x)])


@pytest.mark.parametrize("loss_name,head", [("mse", "tanh"), ("mae", "linear"),
                                            ("categorical_crossentropy", "softmax")])
def test_stacked_model_gradients(loss_name, head):
    rng = np.random.default_rng(2)
    out = 3 if loss_name == "categorical_crossentropy" else 1
    model = Sequential([LSTM(4, return_sequences=True, input_shape=(5, 3), dtype="float64"),
                        Dropout(0.3, seed=0, dtype="float64"),
                        LSTM(3, dtype="float64"), Dense(out, dtype="float64"),
                        Activation(head, dtype="float64")], seed=0)
    for layer in model.layers:
        randomise(layer, rng)
    model.compile(loss_name, "adam")
    x = rng.normal(size=(6, 5, 3))
    y = rng.random((6, out))
    if loss_name == "categorical_crossentropy":
        y /= y.sum(axis=1, keepdims=True)
    # A fixed dropout mask, so the finite differences see the same network every time.
    mask = rng.random((6, 5, 4)) > 0.3
    model.layers[1].mask_fn = lambda shape: mask

    def loss():
        return float(losses.get(loss_name)(y, model.forward(x, training=True))[0].mean())

    model.loss_and_grads(x, y, training=True)
    assert_grads(loss, [pair for layer in model.layers for pair in param_pairs(layer)])
