"""A plain recurrent layer (Keras's ``SimpleRNN``): the network an LSTM improves on.

    z_t = x_t W + h_{t-1} U + b          W: (input_dim, u)  U: (u, u)  b: (u,)
    h_t = tanh(z_t)

No belt, no gates: everything the layer remembers must pass through h, and backprop
through time multiplies the gradient at every step by the Jacobian

    ∂h_t/∂h_{t-1} = diag(tanh′(z_t)) Uᵀ        (tanh′(z_t) = 1 − h_t²)

which is why its memory of an early input fades (or, with large U, blows up).

Weights use Keras's names and ``get_weights`` order: ``kernel`` (glorot_uniform),
``recurrent_kernel`` (orthogonal), ``bias`` (zeros). The trace of a run is a
:class:`RNNTrace`: x, h_prev, z, h per step, saved as a safe ``.npz`` like
:class:`~explainer.trace.SequenceTrace`.
"""
from __future__ import annotations
from .errors import InputError

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import activations, initializers
from .cell import Weights
from .layers import LAYERS, Layer, check_sequence, check_units
from .npzfile import load_trace, names_matching, save_trace
from .trace import Timeline
from .validation import check_array

RNN_FIELDS = ("x", "h_prev", "z", "h")
RNN_FORMAT = "lstm-explainer-rnn-trace/1"
_RNN_MEMBERS = names_matching(*RNN_FIELDS, "unit_index", r"weights/[A-Za-z_][A-Za-z0-9_]{0,63}")


@dataclass
class RNNTrace(Timeline):
    """Every value a :class:`SimpleRNN` computed, stacked over time, ``(batch, time, ...)``.

        x       (batch, time, input_dim)   x_t, in processing order (reversed with go_backwards)
        h_prev  (batch, time, units)       h_{t-1}
        z       (batch, time, units)       x_t W + h_{t-1} U + b
        h       (batch, time, units)       h_t = tanh(z_t)   (or the layer's activation)
    """

    x: np.ndarray
    h_prev: np.ndarray
    z: np.ndarray
    h: np.ndarray
    layer: str = "simple_rnn"
    unit_index: np.ndarray | None = None
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in RNN_FIELDS:
            a = getattr(self, name)
            if not isinstance(a, np.ndarray) or a.ndim != 3:
                raise InputError(f"RNN trace field {name!r} must be a (batch, time, ...) array, got {np.shape(a)}")
        b, t, u = self.h.shape
        for name in ("h_prev", "z"):
            if getattr(self, name).shape != (b, t, u):
                raise InputError(f"RNN trace field {name!r} has shape {getattr(self, name).shape}, expected {(b, t, u)}")
        if self.x.shape[:2] != (b, t):
            raise InputError(f"RNN trace field 'x' has shape {self.x.shape}, expected ({b}, {t}, input_dim)")
        self.unit_index = np.arange(u) if self.unit_index is None else np.asarray(self.unit_index, dtype=np.int64)
        if self.unit_index.shape != (u,):
            raise InputError(f"unit_index has shape {self.unit_index.shape}, expected ({u},)")

    def sample(self, b: int) -> "RNNTrace":
        """The trace of one sequence of the batch (keeps batch dimension 1)."""
        if not -self.batch <= b < self.batch:
            raise IndexError(f"batch index {b} out of range for a batch of {self.batch}")
        b = b % self.batch
        return RNNTrace(**{n: getattr(self, n)[b:b + 1] for n in RNN_FIELDS}, layer=self.layer,
                        unit_index=self.unit_index.copy(), weights=dict(self.weights), meta=dict(self.meta))

    def save(self, path: str | Path) -> Path:
        """Write the trace to ``path`` (``.npz``): plain arrays and JSON, no pickle."""
        return save_trace(path, self, RNN_FIELDS, RNN_FORMAT)

    @classmethod
    def load(cls, path: str | Path) -> "RNNTrace":
        """Read a trace written by :meth:`save`. Never unpickles; a damaged file is a ``ValueError``."""
        data, weights, header = load_trace(path, "RNN trace", RNN_FORMAT, RNN_FIELDS, _RNN_MEMBERS)
        return cls(**{n: data[n] for n in RNN_FIELDS}, layer=str(header.get("layer", "simple_rnn")),
                   unit_index=data["unit_index"], weights=weights, meta=dict(header.get("meta") or {}))

    def __eq__(self, other) -> bool:
        if not isinstance(other, RNNTrace):
            return NotImplemented
        return (all(np.array_equal(getattr(self, n), getattr(other, n)) for n in RNN_FIELDS)
                and np.array_equal(self.unit_index, other.unit_index) and self.layer == other.layer)


class SimpleRNN(Weights, Layer):
    """A plain RNN layer over ``(batch, time, features)`` inputs, with Keras 3's numerics.

    ``return_sequences`` returns every h_t ``(batch, time, units)``, else the last
    ``(batch, units)``; ``go_backwards`` reads the sequence from its end (outputs in
    processing order, as Keras returns them). ``activation`` is Keras's name of any
    element-wise activation (``"tanh"``, ``"relu"``, ``"sigmoid"``…).
    """

    def __init__(self, units: int, activation: str = "tanh", return_sequences: bool = False,
                 go_backwards: bool = False, input_shape=None, name: str | None = None,
                 dtype="float32", seed: int | None = None) -> None:
        super().__init__(name, dtype, input_shape)
        units = check_units(units, "SimpleRNN")
        self.activation, self._act = activations.get(activation)
        if activations.lookup(self.activation).derivative is None:
            raise InputError(f"SimpleRNN activation must act element-wise (tanh, relu, sigmoid, …); "
                             f"got {self.activation!r}")
        self.units = int(units)
        self.return_sequences = bool(return_sequences)
        self.go_backwards = bool(go_backwards)
        self.seed = seed
        self.record_gradients = False   # when True, backward() keeps dL/dh_t and dL/dz_t in `recorded`
        self.recorded: dict[str, np.ndarray] | None = None
        self.d_initial_state: list[np.ndarray] | None = None
        self._run: dict[str, np.ndarray] | None = None

    def build(self, input_shape: tuple, rng: np.random.Generator) -> None:
        if len(input_shape) != 2:
            raise InputError(f"SimpleRNN {self.name!r} expects inputs shaped (batch, time, features); "
                             f"got per-sample shape {tuple(input_shape)}")
        rng = np.random.default_rng(self.seed) if self.seed is not None else rng
        d, u = int(input_shape[-1]), self.units
        self.params = {"kernel": initializers.glorot_uniform((d, u), rng, self.dtype),
                       "recurrent_kernel": initializers.orthogonal((u, u), rng, self.dtype),
                       "bias": initializers.zeros((u,), self.dtype)}
        self.input_shape = tuple(input_shape)
        self.built = True

    @property
    def b(self) -> np.ndarray:
        return self.params["bias"]

    def output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], self.units) if self.return_sequences else (self.units,)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "activation": self.activation,
                "return_sequences": self.return_sequences, "go_backwards": self.go_backwards}

    # --- forward --------------------------------------------------------------
    def _check_input(self, x: np.ndarray) -> None:
        check_sequence(self, x, self.W.shape[0] if self.built else None)

    def _initial(self, batch: int, initial_state) -> np.ndarray:
        if initial_state is None:
            return np.zeros((batch, self.units), self.dtype)
        if isinstance(initial_state, (list, tuple)):
            if len(initial_state) != 1:
                raise InputError("a SimpleRNN's initial_state is [h0] (one array)")
            initial_state = initial_state[0]
        h0 = check_array(initial_state, "h0", dtype=self.dtype)
        if h0.shape != (batch, self.units):
            raise InputError(f"h0 must have shape {(batch, self.units)}, got {h0.shape}")
        return h0

    def run(self, x: np.ndarray, initial_state=None) -> dict[str, np.ndarray]:
        """Run the sequence; returns ``x, h_prev, z, h`` stacked time-first ``(time, batch, …)``, processing order."""
        x = np.asarray(x, dtype=self.dtype)
        self._check_input(x)
        if not self.built:
            self.build(x.shape[1:], np.random.default_rng())
        b, t, d = x.shape
        xs = np.ascontiguousarray(np.swapaxes(x[:, ::-1] if self.go_backwards else x, 0, 1))  # (T, B, d)
        xW_b = (xs.reshape(t * b, d) @ self.W + self.b).reshape(t, b, self.units)
        H_prev, Z, H = (np.empty((t, b, self.units), self.dtype) for _ in range(3))
        h = self._initial(b, initial_state)
        for k in range(t):
            H_prev[k] = h
            z = xW_b[k] + h @ self.U
            h = self._act(z)
            Z[k], H[k] = z, h
        return {"x": xs, "h_prev": H_prev, "z": Z, "h": H}

    def forward(self, x: np.ndarray, training: bool = False, initial_state=None) -> np.ndarray:
        self._run = self.run(x, initial_state)
        H = self._run["h"]
        return np.ascontiguousarray(np.swapaxes(H, 0, 1)) if self.return_sequences else H[-1]

    def __call__(self, x, training: bool = False, initial_state=None):
        return self.forward(check_array(x, "x", dtype=self.dtype), training, initial_state)

    def trace(self, x, initial_state=None) -> RNNTrace:
        """Run ``x`` (batch, time, features) and record every step: an :class:`RNNTrace`."""
        run = self.run(check_array(x, "x", dtype=self.dtype), initial_state)
        arrays = {n: np.ascontiguousarray(np.swapaxes(run[n], 0, 1)) for n in RNN_FIELDS}
        return RNNTrace(**arrays, layer=self.name, weights={k: v.copy() for k, v in self.params.items()},
                        meta={"go_backwards": self.go_backwards, "activation": self.activation})

    # --- backward -------------------------------------------------------------
    def backward(self, dy: np.ndarray) -> np.ndarray:
        """Backprop through time. ``dy`` is dL/d(output). Returns dL/dx; dL/dh0 is left in ``d_initial_state``.

        Per step, from the last back to the first::

            dh      = dL/dh_t = dy_t + dh_next          (from the output at t, and from step t+1)
            dz      = dh ⊙ tanh′(z_t)                   (tanh′ = 1 − h_t²)
            dh_next = dz Uᵀ                              (handed to step t-1)

        dW, dU, db and dx are one matrix product each over all steps.
        """
        if self._run is None:
            raise RuntimeError(f"SimpleRNN {self.name!r}: backward() before forward()")
        X, H_prev, Z, H = self._run["x"], self._run["h_prev"], self._run["z"], self._run["h"]
        t, b, u = H.shape
        dY = np.swapaxes(dy, 0, 1) if self.return_sequences else None
        dh_next = np.zeros((b, u), self.dtype) if self.return_sequences else dy.astype(self.dtype, copy=False)
        dZ = np.empty((t, b, u), self.dtype)
        dH = np.empty((t, b, u), self.dtype) if self.record_gradients else None
        for k in reversed(range(t)):
            dh = dh_next + dY[k] if dY is not None else dh_next
            dz = dh * activations.derivative(self.activation, Z[k], H[k])
            dh_next = dz @ self.U.T
            dZ[k] = dz
            if dH is not None:
                dH[k] = dh
        self.d_initial_state = [dh_next]
        if dH is not None:  # the gradient trace: same numbers this backward pass trains with
            self.recorded = {"dh": dH, "dz": dZ.copy()}
        dZ2 = dZ.reshape(t * b, u)
        self.grads = {"kernel": X.reshape(t * b, -1).T @ dZ2,
                      "recurrent_kernel": H_prev.reshape(t * b, u).T @ dZ2,
                      "bias": dZ2.sum(axis=0)}
        dx = np.swapaxes((dZ2 @ self.W.T).reshape(t, b, -1), 0, 1)
        return dx[:, ::-1] if self.go_backwards else dx


__all__ = ["SimpleRNN", "RNNTrace"]

LAYERS["SimpleRNN"] = SimpleRNN  # where Sequential.load looks a saved layer's class up
