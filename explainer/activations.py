"""Activation functions and the derivatives backprop needs.

Each derivative is written in terms of the function's *output* y, as the textbooks do:
σ'(z) = y(1-y), tanh'(z) = 1-y². That is why a trace's recorded values are all the
backward pass needs.
"""
from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^{-z}), computed as (1 + tanh(z/2)) / 2 so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z)


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0)


def linear(z: np.ndarray) -> np.ndarray:
    return z


def softmax(z: np.ndarray) -> np.ndarray:
    """softmax over the last axis, shifted by the max for stability."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def backward(name: str, y: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """dL/dz for ``y = act(z)`` given dL/dy, using only the output ``y``."""
    if name == "sigmoid":
        return dy * y * (1 - y)
    if name == "tanh":
        return dy * (1 - y * y)
    if name == "relu":
        return dy * (y > 0)
    if name == "linear":
        return dy
    if name == "softmax":  # Jacobian-vector product: y ⊙ (dy - Σ y·dy)
        return y * (dy - (y * dy).sum(axis=-1, keepdims=True))
    raise ValueError(f"unknown activation {name!r}")


FUNCTIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu, "linear": linear, "softmax": softmax}


def get(name: str | None):
    """Look up an activation by Keras's name; ``None`` means linear."""
    name = "linear" if name is None else name
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name such as 'tanh', got {type(name).__name__}")
    if name not in FUNCTIONS:
        raise ValueError(f"unknown activation {name!r}; supported: {sorted(FUNCTIONS)}")
    return name, FUNCTIONS[name]
