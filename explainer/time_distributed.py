"""TimeDistributed: apply one layer to every time step, as ``keras.layers.TimeDistributed``.

    y[:, t] = layer(x[:, t])  for every t

For a ``Dense`` this is the same arithmetic as a ``Dense`` on the 3-D input (Keras applies a Dense
to the last axis), so the wrapper folds time into the batch and calls the inner layer once.
The weights are the inner layer's; a mask passes through unchanged.
"""
from __future__ import annotations
from .errors import InputError

import numpy as np

from .layers import LAYERS, layer_from_config, Dense, Layer


class TimeDistributed(Layer):
    """Wraps a :class:`Dense` (the per-step layer people use after ``return_sequences=True``)."""

    def __init__(self, layer, input_shape=None, name: str | None = None, dtype="float32") -> None:
        if isinstance(layer, dict):  # from a saved config
            layer = layer_from_config(layer)
        if not isinstance(layer, Dense):
            raise InputError(f"TimeDistributed supports a Dense layer inside, got {type(layer).__name__}")
        super().__init__(name, layer.dtype.name, input_shape)
        self.layer = layer

    def build(self, input_shape: tuple, rng: np.random.Generator) -> None:
        if len(input_shape) < 2:
            raise InputError(f"TimeDistributed {self.name!r} expects (batch, time, ...) inputs; "
                             f"got per-sample shape {tuple(input_shape)}")
        self.layer.build(tuple(input_shape[1:]), rng)
        self.params = self.layer.params
        self.input_shape = tuple(input_shape)
        self.built = True

    def output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0],) + tuple(self.layer.output_shape(tuple(input_shape[1:])))

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": {"class": type(self.layer).__name__,
                                                  "config": self.layer.get_config()}}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        b, t = x.shape[:2]
        y = self.layer.forward(x.reshape((b * t,) + x.shape[2:]), training)
        return y.reshape((b, t) + y.shape[1:])

    def backward(self, dy: np.ndarray) -> np.ndarray:
        b, t = dy.shape[:2]
        dx = self.layer.backward(dy.reshape((b * t,) + dy.shape[2:]))
        self.grads = self.layer.grads
        return dx.reshape((b, t) + dx.shape[1:])


LAYERS["TimeDistributed"] = TimeDistributed
