"""Every activation against Keras 3's definition, and its derivative against finite differences."""
import numpy as np
import pytest

from explainer import activations

ELEMENTWISE = [n for n, a in activations.ACTIVATIONS.items() if a.derivative is not None]
# Points away from the kinks (0 for relu/elu/selu, ±3 for hard_sigmoid), where the slope is defined.
Z = np.concatenate([np.linspace(-5, -0.05, 40), np.linspace(0.05, 5, 40), [-3.5, -2.9, 2.9, 3.5]])


def test_the_ten_recurrent_activations_are_there():
    for name in ("tanh", "sigmoid", "hard_sigmoid", "relu", "linear", "softsign", "elu", "selu",
                 "gelu", "swish", "silu"):
        assert callable(activations.get(name)[1])


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_finite_differences(name):
    a = activations.lookup(name)
    z = Z.astype(np.float64)
    eps = 1e-6
    numeric = (a.fn(z + eps) - a.fn(z - eps)) / (2 * eps)
    analytic = activations.derivative(name, z if a.needs_z else None, a.fn(z))
    assert np.abs(analytic - numeric).max() <= 1e-7 * max(1.0, np.abs(numeric).max()), name


def test_softmax_backward_is_the_jacobian_vector_product():
    rng = np.random.default_rng(0)
    z, dy = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    y = activations.softmax(z)
    jac = np.einsum("bi,ij->bij", y, np.eye(5)) - np.einsum("bi,bj->bij", y, y)
    np.testing.assert_allclose(activations.backward("softmax", y, dy), np.einsum("bij,bi->bj", jac, dy), atol=1e-12)


def test_hard_sigmoid_is_keras_3s():
    z = np.array([-4.0, -3.0, -1.5, 0.0, 1.5, 3.0, 4.0])
    np.testing.assert_allclose(activations.hard_sigmoid(z), [0, 0, 0.25, 0.5, 0.75, 1, 1])


def test_unknown_and_non_string_names_are_refused():
    with pytest.raises(ValueError, match="supported: .*gelu"):
        activations.get("mish")
    with pytest.raises(TypeError):
        activations.get(3)
    with pytest.raises(ValueError, match="needs the pre-activation"):
        activations.derivative("gelu", None, np.zeros(3))


@pytest.mark.keras
@pytest.mark.parametrize("name", sorted(activations.ACTIVATIONS))
def test_forward_matches_keras(name):
    keras = pytest.importorskip("keras")
    z = np.linspace(-6, 6, 121, dtype=np.float32).reshape(11, 11)
    theirs = np.asarray(keras.activations.get(name)(z))
    ours = activations.get(name)[1](z)
    assert ours.dtype == np.float32
    assert np.abs(ours - theirs).max() <= 1e-6, name
