"""Keras's default initialisers, so a fresh model here starts like a fresh Keras model.

To compare with Keras, copy weights; never try to share a random generator.
"""
from __future__ import annotations
from .errors import InputError

import numpy as np


def glorot_uniform(shape: tuple[int, ...], rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    """U(-l, l) with l = √(6 / (fan_in + fan_out)); fan_in = shape[0], fan_out = shape[-1] for 2-D."""
    fan_in, fan_out = shape[0], shape[-1]
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def orthogonal(shape: tuple[int, int], rng: np.random.Generator, dtype=np.float32) -> np.ndarray:
    """A (rows, cols) matrix with orthonormal rows or columns, from the QR of a Gaussian matrix."""
    rows, cols = shape
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # makes the distribution uniform (Haar)
    if rows < cols:
        q = q.T
    # C order, like every other weight: mixed memory layouts make element-wise updates strided and slow
    return np.ascontiguousarray(q[:rows, :cols], dtype=dtype)


def zeros(shape: tuple[int, ...], dtype=np.float32) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


# --- by name, as Keras's kernel_initializer=… / recurrent_initializer=… / bias_initializer=… --------------

def _variance_scaling(scale: float, mode: str, distribution: str):
    """Keras's VarianceScaling: variance scale / n, n = fan_in, fan_out or their mean."""
    def init(shape, rng, dtype=np.float32):
        fan_in, fan_out = shape[0], shape[-1]
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        if distribution == "uniform":
            limit = np.sqrt(3.0 * scale / n)
            return rng.uniform(-limit, limit, size=shape).astype(dtype)
        std = np.sqrt(scale / n) / 0.87962566103423978  # truncated at ±2σ, as Keras does
        return _truncated_normal(shape, rng, std).astype(dtype)
    return init


def _truncated_normal(shape, rng, std):
    out = rng.standard_normal(shape)
    bad = np.abs(out) > 2
    while bad.any():  # redraw values beyond two standard deviations
        out[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(out) > 2
    return out * std


class Constant:
    """Every value ``value``, as ``keras.initializers.Constant(value)``."""

    def __init__(self, value: float = 0.0) -> None:
        self.value = float(value)

    def __call__(self, shape, rng=None, dtype=np.float32) -> np.ndarray:
        return np.full(shape, self.value, dtype=dtype)

    def get_config(self) -> dict:
        return {"class_name": "Constant", "config": {"value": self.value}}


INITIALIZERS = {
    "glorot_uniform": glorot_uniform,
    "glorot_normal": _variance_scaling(1.0, "fan_avg", "normal"),
    "he_uniform": _variance_scaling(2.0, "fan_in", "uniform"),
    "he_normal": _variance_scaling(2.0, "fan_in", "normal"),
    "lecun_uniform": _variance_scaling(1.0, "fan_in", "uniform"),
    "lecun_normal": _variance_scaling(1.0, "fan_in", "normal"),
    "orthogonal": orthogonal,
    "zeros": lambda shape, rng=None, dtype=np.float32: zeros(shape, dtype),
    "ones": lambda shape, rng=None, dtype=np.float32: np.ones(shape, dtype),
    "random_normal": lambda shape, rng, dtype=np.float32: (0.05 * rng.standard_normal(shape)).astype(dtype),
    "random_uniform": lambda shape, rng, dtype=np.float32: rng.uniform(-0.05, 0.05, shape).astype(dtype),
    "truncated_normal": lambda shape, rng, dtype=np.float32: _truncated_normal(shape, rng, 0.05).astype(dtype),
}


def get(spec):
    """An initialiser ``(shape, rng, dtype) -> array`` from a Keras name (``"orthogonal"``), a
    :class:`Constant`, or Keras's serialised form ``{"class_name": "Constant", "config": {"value": v}}``."""
    if isinstance(spec, Constant):
        return spec
    if isinstance(spec, dict) and spec.get("class_name") == "Constant":
        return Constant(spec.get("config", {}).get("value", 0.0))
    if isinstance(spec, str) and spec in INITIALIZERS:
        return INITIALIZERS[spec]
    raise InputError(f"unknown initializer {spec!r}; give one of {', '.join(INITIALIZERS)} or Constant(value)")


def spec(value):
    """``value`` checked, as JSON for a saved config: the name, or Constant's serialised form."""
    init = get(value)
    return init.get_config() if isinstance(init, Constant) else value
