"""Activation functions, by Keras 3's names and definitions, with the derivatives backprop needs.

Where the output y alone determines the slope, the derivative is written in terms of y, as
the textbooks do: σ'(z) = y(1-y), tanh'(z) = 1-y². That is why a trace's recorded gate values
are all an LSTM's backward pass needs. gelu and swish are the exceptions: their slope needs
the pre-activation z too, so layers using them keep z.

    tanh          y = tanh z                              y' = 1 - y²
    sigmoid       y = 1 / (1 + e^-z)                      y' = y (1 - y)
    hard_sigmoid  y = clip(z/6 + 1/2, 0, 1)   (Keras 3)   y' = 1/6 inside (-3, 3), else 0
    relu          y = max(z, 0)                           y' = [y > 0]
    linear        y = z                                   y' = 1
    softsign      y = z / (1 + |z|)                       y' = (1 - |y|)²
    elu           y = z if z > 0 else e^z - 1             y' = 1 if y > 0 else y + 1
    selu          y = λ z if z > 0 else λ α (e^z - 1)     y' = λ if y > 0 else y + λ α
    gelu          y = z Φ(z)   (exact: approximate=False) y' = Φ(z) + z φ(z)
    swish (silu)  y = z σ(z)                              y' = σ(z) (1 + z (1 - σ(z)))
    softmax       over the last axis (not element-wise; backward is a Jacobian-vector product)
"""
from __future__ import annotations
from .errors import InputError, InputTypeError

from dataclasses import dataclass
from typing import Callable

import numpy as np

#: SELU's constants (Klambauer et al. 2017), as Keras uses them.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^{-z}), computed as (1 + tanh(z/2)) / 2 so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z)


def hard_sigmoid(z: np.ndarray) -> np.ndarray:
    """Keras 3's piecewise-linear sigmoid: 0 below -3, 1 above 3, z/6 + 1/2 between.

    (Keras 2 used 0.2·z + 0.5 clipped at ±2.5; Keras 3 changed it.)
    """
    return np.clip(z / 6.0 + 0.5, 0.0, 1.0).astype(np.result_type(z), copy=False)


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0)


def linear(z: np.ndarray) -> np.ndarray:
    return z


def softsign(z: np.ndarray) -> np.ndarray:
    return z / (1 + np.abs(z))


def elu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def selu(z: np.ndarray) -> np.ndarray:
    return SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0)))


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erf  # vectorised (the `speed` extra); imported here only
    except ImportError:  # the same double-precision erf, one value at a time
        import math

        z = np.asarray(z)
        e = np.frompyfunc(math.erf, 1, 1)(z / np.sqrt(2.0)).astype(z.dtype if z.dtype.kind == "f" else np.float64)
        return 0.5 * (1.0 + e)
    return 0.5 * (1.0 + erf(z / np.sqrt(2.0)))


def gelu(z: np.ndarray) -> np.ndarray:
    """z Φ(z), the exact form Keras uses by default (``approximate=False``)."""
    return (z * _normal_cdf(z)).astype(np.result_type(z), copy=False)


def swish(z: np.ndarray) -> np.ndarray:
    """z σ(z), Keras's ``swish`` (also called ``silu``)."""
    return z * sigmoid(z)


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax over the last axis, shifted by the max for stability."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# --- derivatives dy/dz, element-wise ------------------------------------------------------

def _d_gelu(z, y):
    phi = np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
    return _normal_cdf(z) + z * phi


def _d_swish(z, y):
    s = sigmoid(z)
    return s * (1 + z * (1 - s))


@dataclass(frozen=True)
class Activation:
    """One activation: its Keras name, the function, and dy/dz given (z, y).

    ``needs_z`` says whether the derivative reads z (otherwise ``z`` may be ``None``).
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray | None, np.ndarray], np.ndarray] | None
    needs_z: bool = False
    low: float = -np.inf   # the range its outputs live in
    high: float = np.inf


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (
    Activation("tanh", tanh, lambda z, y: 1 - y * y, low=-1.0, high=1.0),
    Activation("sigmoid", sigmoid, lambda z, y: y * (1 - y), low=0.0, high=1.0),
    Activation("hard_sigmoid", hard_sigmoid, lambda z, y: ((y > 0) & (y < 1)) / np.asarray(6.0, y.dtype),
               low=0.0, high=1.0),
    Activation("relu", relu, lambda z, y: (y > 0).astype(y.dtype), low=0.0),
    Activation("linear", linear, lambda z, y: np.ones_like(y)),
    Activation("softsign", softsign, lambda z, y: (1 - np.abs(y)) ** 2, low=-1.0, high=1.0),
    Activation("elu", elu, lambda z, y: np.where(y > 0, 1, y + 1).astype(y.dtype, copy=False), low=-1.0),
    Activation("selu", selu, lambda z, y: np.where(y > 0, SELU_SCALE, y + SELU_SCALE * SELU_ALPHA)
               .astype(y.dtype, copy=False), low=-SELU_SCALE * SELU_ALPHA),
    Activation("gelu", gelu, _d_gelu, needs_z=True, low=-0.17),
    Activation("swish", swish, _d_swish, needs_z=True, low=-0.2785),
    Activation("softmax", softmax, None, low=0.0, high=1.0),
)}
#: Other names Keras accepts for the same functions.
ALIASES = {"silu": "swish", None: "linear"}
FUNCTIONS = {name: a.fn for name, a in ACTIVATIONS.items()}


def lookup(name: str | None) -> Activation:
    """The :class:`Activation` Keras calls ``name`` (``None`` means linear); a clear error otherwise."""
    name = ALIASES.get(name, name)
    if not isinstance(name, str):
        raise InputTypeError(f"activation must be a name such as 'tanh', got {type(name).__name__}")
    if name not in ACTIVATIONS:
        raise InputError(f"unknown activation {name!r}; supported: {', '.join(sorted(ACTIVATIONS))}")
    return ACTIVATIONS[name]


def get(name: str | None):
    """``(canonical name, function)`` for Keras's activation ``name``; ``None`` means linear."""
    a = lookup(name)
    return a.name, a.fn


def derivative(name: str, z: np.ndarray | None, y: np.ndarray) -> np.ndarray:
    """dy/dz element-wise for ``y = act(z)``; ``z`` may be ``None`` unless the activation needs it."""
    a = lookup(name)
    if a.derivative is None:
        raise InputError(f"{name} is not element-wise; use backward()")
    if a.needs_z and z is None:
        raise InputError(f"the derivative of {name} needs the pre-activation z")
    return a.derivative(z, y)


def backward(name: str, y: np.ndarray, dy: np.ndarray, z: np.ndarray | None = None) -> np.ndarray:
    """dL/dz for ``y = act(z)`` given dL/dy (``z`` needed only by gelu and swish)."""
    if lookup(name).name == "softmax":  # Jacobian-vector product: y ⊙ (dy - Σ y·dy)
        return y * (dy - (y * dy).sum(axis=-1, keepdims=True))
    return dy * derivative(name, z, y)
