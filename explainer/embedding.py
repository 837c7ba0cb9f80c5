"""Embedding: integer token ids → learned vectors, as ``keras.layers.Embedding``.

    y[b, t] = E[ids[b, t]]            E: (input_dim, output_dim), Keras's ``embeddings`` weight

With ``mask_zero=True`` id 0 means padding: the layer hands the next layers the mask
``ids != 0`` (batch, time), so an LSTM skips those steps, exactly as Keras does.
"""
from __future__ import annotations
from .errors import InputError, InputTypeError

import numpy as np

from .layers import LAYERS, Layer


class Embedding(Layer):
    """A lookup table of ``input_dim`` vectors of size ``output_dim``; inputs are (batch, time) ids."""

    reads_ids = True

    def __init__(self, input_dim: int, output_dim: int, mask_zero: bool = False, input_shape=None,
                 name: str | None = None, dtype="float32", seed: int | None = None) -> None:
        super().__init__(name, dtype, input_shape)
        for what, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise InputError(f"Embedding {what} must be a positive integer, got {v!r}")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.mask_zero = bool(mask_zero)
        self.seed = seed

    def build(self, input_shape: tuple, rng: np.random.Generator) -> None:
        rng = np.random.default_rng(self.seed) if self.seed is not None else rng
        # Keras's default "uniform" initialiser: U(-0.05, 0.05)
        self.params = {"embeddings": rng.uniform(-0.05, 0.05, (self.input_dim, self.output_dim)).astype(self.dtype)}
        self.input_shape = tuple(input_shape)
        self.built = True

    def output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "mask_zero": self.mask_zero}

    def ids(self, x) -> np.ndarray:
        """``x`` as integer ids in ``[0, input_dim)``; a ``ValueError`` naming the first bad one."""
        x = np.asarray(x)
        if x.dtype.kind == "f":
            if not np.all(np.isfinite(x)) or np.any(x != np.round(x)):
                raise InputError(f"Embedding {self.name!r} takes integer token ids; got non-integer values")
        elif x.dtype.kind not in "iub":
            raise InputTypeError(f"Embedding {self.name!r} takes integer token ids; got dtype {x.dtype}")
        ids = x.astype(np.int64)
        bad = (ids < 0) | (ids >= self.input_dim)
        if bad.any():
            where = tuple(int(k) for k in np.argwhere(bad)[0])
            raise InputError(f"Embedding {self.name!r}: token id {int(ids[where])} at {where} is outside "
                             f"[0, {self.input_dim}); raise input_dim or re-encode the tokens")
        return ids

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._ids = self.ids(x)
        return self.params["embeddings"][self._ids]

    def compute_mask(self, x: np.ndarray, mask: np.ndarray | None) -> np.ndarray | None:
        return (self.ids(x) != 0) if self.mask_zero else None

    def backward(self, dy: np.ndarray) -> np.ndarray:
        """dE[k] = Σ of dy over the positions holding id k; ids have no gradient (zeros returned)."""
        g = np.zeros_like(self.params["embeddings"])
        np.add.at(g, self._ids.reshape(-1), dy.reshape(-1, self.output_dim))
        self.grads = {"embeddings": g}
        return np.zeros(self._ids.shape, self.dtype)


LAYERS["Embedding"] = Embedding
