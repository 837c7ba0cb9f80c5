"""One cell's step, forward and backward, variant by variant (explainer/cell.py)."""
import numpy as np

from explainer import activations, cell


def _inputs(seed=0, b=3, d=4, u=5):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(b, d)).astype(np.float32)
    h, c = (rng.normal(size=(b, u)).astype(np.float32) for _ in range(2))
    z = rng.normal(size=(b, 4 * u)).astype(np.float32) * 2
    dh, dc = (rng.normal(size=(b, u)).astype(np.float32) for _ in range(2))
    return x, h, c, z, dh, dc


def test_the_general_activation_step_with_tanh_and_sigmoid_is_the_plain_step_bit_for_bit():
    x, h, c, z, dh, dc = _inputs()
    tanh, sig = activations.lookup("tanh"), activations.lookup("sigmoid")
    plain = cell.step(x, h, c, z.copy())
    general = cell.step_with(x, h, c, z.copy(), tanh, sig)
    for name in ("z", "i", "f", "g", "o", "c", "tanh_c", "h"):
        assert np.array_equal(getattr(plain, name), getattr(general, name)), name
    (dzp, dcp, dprevp), (dzg, dcg, dprevg) = cell.backward_step(plain, dh, dc), \
        cell.backward_step_with(general, dh, dc, tanh, sig)
    for a, b in zip(dzp + (dcp, dprevp), dzg + (dcg, dprevg)):
        assert np.array_equal(a, b)


def test_the_peephole_step_with_zero_peepholes_is_the_plain_step_bit_for_bit():
    x, h, c, z, dh, dc = _inputs(1)
    p = tuple(np.zeros(5, np.float32) for _ in range(3))
    plain, peep = cell.step(x, h, c, z.copy()), cell.peephole_step(x, h, c, z.copy(), *p)
    for name in ("i", "f", "g", "o", "c", "h"):
        assert np.array_equal(getattr(plain, name), getattr(peep, name)), name
    dz_plain, _, dprev_plain = cell.backward_step(plain, dh, dc)
    dz_peep, _, dprev_peep, _ = cell.peephole_backward_step(peep, dh, dc, *p)
    assert all(np.array_equal(a, b) for a, b in zip(dz_plain, dz_peep)) and np.array_equal(dprev_plain, dprev_peep)


def test_the_cells_weight_gradients_are_the_sums_over_steps():
    rng = np.random.default_rng(2)
    lstm = cell.LSTMCell(3, 2, rng=rng)
    X, H, dZ = rng.normal(size=(4, 5, 2)), rng.normal(size=(4, 5, 3)), rng.normal(size=(4, 5, 12))
    dx, g = lstm.gradients(X, H, dZ)
    np.testing.assert_allclose(g["kernel"], sum(X[t].T @ dZ[t] for t in range(4)), rtol=1e-12)
    np.testing.assert_allclose(g["recurrent_kernel"], sum(H[t].T @ dZ[t] for t in range(4)), rtol=1e-12)
    np.testing.assert_allclose(g["bias"], dZ.sum(axis=(0, 1)), rtol=1e-12)
    np.testing.assert_allclose(dx, dZ @ lstm.W.T, rtol=1e-12)
