"""Bidirectional: one LSTM (or GRU) reads the sequence forwards, a twin reads it backwards, as
``keras.layers.Bidirectional``.

    y_fwd = LSTM(x)                  y_bwd = LSTM'(x) with go_backwards flipped, put back in time order
    merge_mode: concat → [y_fwd, y_bwd]   sum → y_fwd + y_bwd   mul → y_fwd ⊙ y_bwd
                ave → (y_fwd + y_bwd) / 2    None → the list [y_fwd, y_bwd]

Each direction is an ordinary :class:`~explainer.layers.LSTM` (or :class:`~explainer.gru.GRU`)
named ``forward_<name>`` and ``backward_<name>`` (Keras's names), so each gets its own trace.
Weights: the forward layer's, then the backward layer's, as Keras orders them.
"""
from __future__ import annotations
from .errors import InputError

import numpy as np

from .gru import GRU
from .layers import LAYERS, layer_from_config, LSTM, Layer

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Layer):
    """Wraps an :class:`LSTM` or a :class:`~explainer.gru.GRU`; a mask reaches both directions."""

    takes_mask = True

    def __init__(self, layer, merge_mode: str | None = "concat", input_shape=None,
                 name: str | None = None, dtype=None) -> None:
        if isinstance(layer, dict):  # from a saved config
            layer = layer_from_config(layer)
        if type(layer) not in (LSTM, GRU):
            raise InputError(f"Bidirectional wraps an LSTM or a GRU here, got {type(layer).__name__}")
        if merge_mode not in MERGE_MODES:
            raise InputError(f"merge_mode must be one of {MERGE_MODES}, got {merge_mode!r}")
        if layer.return_state:
            raise InputError(f"Bidirectional({type(layer).__name__}(return_state=True)) is not supported; "
                             "use return_state=False")
        super().__init__(name, layer.dtype.name, input_shape)
        self.merge_mode = merge_mode
        # as Keras: with return_sequences, a masked step outputs zeros in both directions
        config = {**layer.get_config(), "zero_output_for_mask": layer.return_sequences}
        kind = type(layer)
        self.forward_layer = kind(**{**config, "name": f"forward_{layer.name}"})
        self.backward_layer = kind(**{**config, "name": f"backward_{layer.name}", "go_backwards": not layer.go_backwards})
        self.return_sequences = layer.return_sequences

    @property
    def layers(self) -> tuple[LSTM | GRU, LSTM | GRU]:
        return self.forward_layer, self.backward_layer

    def build(self, input_shape: tuple, rng: np.random.Generator) -> None:
        for lstm in self.layers:
            lstm.build(tuple(input_shape), rng)
        self.params = {f"{lstm.name}/{k}": w for lstm in self.layers for k, w in lstm.params.items()}
        self.input_shape = tuple(input_shape)
        self.built = True

    def output_shape(self, input_shape: tuple) -> tuple:
        shape = self.forward_layer.output_shape(input_shape)
        return shape[:-1] + (2 * shape[-1],) if self.merge_mode == "concat" else shape

    def get_config(self) -> dict:
        inner = {**self.forward_layer.get_config(), "name": self.forward_layer.name[len("forward_"):]}
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": {"class": type(self.forward_layer).__name__, "config": inner}}

    def compute_mask(self, x: np.ndarray, mask: np.ndarray | None):
        return mask if self.return_sequences else None

    def _split_state(self, initial_state):
        """``(forward's states, backward's states)`` from Keras's flat list, or ``(None, None)``."""
        if initial_state is None:
            return None, None
        n = len(self.forward_layer.state_names)
        if len(initial_state) != 2 * n:
            names = [f"{s}_{d}" for d in ("fwd", "bwd") for s in self.forward_layer.state_names]
            raise InputError(f"Bidirectional initial_state must be [{', '.join(names)}]")
        return list(initial_state[:n]), list(initial_state[n:])

    def _run(self, lstm: LSTM, x, training, mask, initial_state=None):
        return lstm.forward(x, training, initial_state=initial_state, mask=mask)

    def forward(self, x: np.ndarray, training: bool = False, mask: np.ndarray | None = None,
                initial_state=None):
        """``initial_state`` is ``[h0_fwd, c0_fwd, h0_bwd, c0_bwd]`` as in Keras (a GRU's: ``[h0_fwd, h0_bwd]``)."""
        fwd_state, bwd_state = self._split_state(initial_state)
        y = self._run(self.forward_layer, x, training, mask, fwd_state)
        y_rev = self._run(self.backward_layer, x, training, mask, bwd_state)
        if self.return_sequences:  # the backward layer returns its steps in processing order
            y_rev = y_rev[:, ::-1]
        self._y, self._y_rev = y, y_rev
        if self.merge_mode == "concat":
            return np.concatenate([y, y_rev], axis=-1)
        if self.merge_mode == "sum":
            return y + y_rev
        if self.merge_mode == "mul":
            return y * y_rev
        if self.merge_mode == "ave":
            return (y + y_rev) / y.dtype.type(2)
        return [y, y_rev]

    def backward(self, dy) -> np.ndarray:
        y, y_rev = self._y, self._y_rev
        if self.merge_mode == "concat":
            u = y.shape[-1]
            d_fwd, d_bwd = dy[..., :u], dy[..., u:]
        elif self.merge_mode == "sum":
            d_fwd = d_bwd = dy
        elif self.merge_mode == "mul":
            d_fwd, d_bwd = dy * y_rev, dy * y
        elif self.merge_mode == "ave":
            d_fwd = d_bwd = dy / dy.dtype.type(2)
        else:
            d_fwd, d_bwd = dy
        if self.return_sequences:
            d_bwd = d_bwd[:, ::-1]
        dx = self.forward_layer.backward(np.ascontiguousarray(d_fwd))
        dx = dx + self.backward_layer.backward(np.ascontiguousarray(d_bwd))
        self.grads = {f"{lstm.name}/{k}": g for lstm in self.layers for k, g in lstm.grads.items()}
        return dx

    def trace(self, x, mask: np.ndarray | None = None, initial_state=None) -> list:
        """One trace per direction (a :class:`~explainer.trace.SequenceTrace`, or a GRU's
        :class:`~explainer.gru.GRUTrace`): ``[forward, backward]``."""
        fwd_state, bwd_state = self._split_state(initial_state)
        return [lstm.trace(x, initial_state=state, mask=mask)
                for lstm, state in zip(self.layers, (fwd_state, bwd_state))]


LAYERS["Bidirectional"] = Bidirectional
