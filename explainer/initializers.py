"""Keras's default initialisers, so a fresh model here starts like a fresh Keras model.

To compare with Keras, copy weights; never try to share a random generator.
"""
from __future__ import annotations

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
