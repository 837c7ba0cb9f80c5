"""Masking: mark padded time steps so the recurrent layers after it skip them, as ``keras.layers.Masking``.

    mask[b, t] = any_k x[b, t, k] != mask_value          y = x ⊙ mask   (masked steps become 0)
"""
from __future__ import annotations

import numpy as np

from .layers import LAYERS, Layer


class Masking(Layer):
    """Steps whose every feature equals ``mask_value`` are masked for the layers that follow."""

    def __init__(self, mask_value: float = 0.0, input_shape=None, name: str | None = None, dtype="float32") -> None:
        super().__init__(name, dtype, input_shape)
        self.mask_value = float(mask_value)

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}

    def compute_mask(self, x: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        return np.any(x != self.mask_value, axis=-1)

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._keep = self.compute_mask(x, None)[..., None].astype(x.dtype)
        return x * self._keep

    def backward(self, dy: np.ndarray) -> np.ndarray:
        self.grads = {}
        return dy * self._keep


LAYERS["Masking"] = Masking
