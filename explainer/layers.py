"""Layers: LSTM over sequences, Dense, Dropout, Activation.

Every layer has ``params`` (in Keras's ``get_weights`` order), ``forward(x, training)``
that keeps what backprop needs, and ``backward(dy)`` that fills ``grads`` and returns dL/dx.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import activations, initializers
from .cell import LSTMCell
from .trace import ARRAY_FIELDS, SequenceTrace, StepTrace
from .validation import check_array, check_weight


def _dtype(dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dt}")
    return dt


def sample_shape(shape, who: str = "input_shape") -> tuple:
    """A per-sample shape as Keras writes it, e.g. ``(7, 4)`` or ``(None, 4)``.

    ``None`` stands for a length not fixed in advance (sequences of any length, as in
    ``input_shape=(None, features)``); the last axis, the features, must be known.
    """
    try:
        if isinstance(shape, (str, bytes)):
            raise TypeError
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"{who} must be a tuple such as (None, 4) or (7, 4), got {shape!r}") from None
    if not dims:
        raise ValueError(f"{who} must name at least the feature axis, e.g. (None, 4); got {shape!r}")
    out = []
    for k, s in enumerate(dims):
        last = k == len(dims) - 1
        if s is None and not last:
            out.append(None)
            continue
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            what = "the number of features (last axis) must be a positive integer" if last else \
                f"axis {k} must be a positive integer or None"
            raise ValueError(f"{who} {dims!r}: {what}, got {s!r}")
        out.append(int(s))
    return tuple(out)


class Layer:
    """Base class: a named box with parameters, a forward and a backward pass."""

    _count: dict[str, int] = {}

    def __init__(self, name: str | None = None, dtype="float32", input_shape=None) -> None:
        kind = type(self).__name__.lower()
        if name is None:
            n = Layer._count.get(kind, 0)
            Layer._count[kind] = n + 1
            name = kind if n == 0 else f"{kind}_{n}"
        self.name = name
        self.dtype = _dtype(dtype)
        self.input_shape = None if input_shape is None else sample_shape(input_shape)
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.built = False

    def build(self, input_shape: tuple, rng: np.random.Generator) -> None:
        self.built = True

    def output_shape(self, input_shape: tuple) -> tuple:
        return input_shape

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dy: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    #: Whether ``forward`` takes a ``mask=`` (batch, time) of the steps to use, as Keras's ``call`` may.
    takes_mask = False

    def compute_mask(self, x: np.ndarray, mask: np.ndarray | None) -> np.ndarray | None:
        """The time-step mask this layer hands to the next one, given its input ``x`` and input
        ``mask``. As in Keras, Dense, Dropout and Activation pass a mask on unchanged."""
        return mask

    def __call__(self, x, training: bool = False):
        x = check_array(x, "x", dtype=self.dtype)
        if not self.built:
            self.build(x.shape[1:], np.random.default_rng())
        return self.forward(x, training=training)

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype.name}

    def get_weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self.params.values()]

    def set_weights(self, weights) -> None:
        """Copy ``weights`` (Keras's order) into this layer; all are checked before any is written."""
        weights = self.check_weights(weights)
        for key, new in zip(list(self.params), weights):
            self.params[key][...] = new

    def check_weights(self, weights) -> list[np.ndarray]:
        """``weights`` as arrays of this layer's dtype; a ``ValueError`` naming the first misfit."""
        weights = list(weights)
        if len(weights) != len(self.params):
            raise ValueError(f"layer {self.name!r} expects {len(self.params)} weight arrays "
                             f"({', '.join(self.params)}), got {len(weights)}")
        return [check_weight(new, f"layer {self.name!r}: weight {key!r}", cur.shape, self.dtype)
                for (key, cur), new in zip(self.params.items(), weights)]

    def count_params(self) -> int:
        return int(sum(w.size for w in self.params.values()))


class LSTM(Layer):
    """An LSTM layer over ``(batch, time, features)`` inputs, Keras-compatible.

    Forward: the input projection ``x W + b`` for all time steps is one matrix product;
    then one :meth:`LSTMCell.step` per time step. Backward through time reuses the
    recorded step values and forms dW, dU, db and dx as one matrix product each.

    Options as in Keras: ``return_sequences``, ``return_state``, ``go_backwards``
    (outputs come in processing order, as Keras returns them), ``unit_forget_bias``,
    initial states via ``initial_state=[h0, c0]``. ``peephole=True`` adds peephole
    connections (not in Keras).
    """

    def __init__(self, units: int, activation: str = "tanh", recurrent_activation: str = "sigmoid",
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 unit_forget_bias: bool = True, peephole: bool = False, input_shape=None,
                 name: str | None = None, dtype="float32", seed: int | None = None) -> None:
        super().__init__(name, dtype, input_shape)
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units < 1:
            raise ValueError(f"LSTM units must be a positive integer, got {units!r}")
        if activation != "tanh" or recurrent_activation != "sigmoid":
            raise ValueError("this LSTM implements Keras's default activation='tanh' and "
                             f"recurrent_activation='sigmoid'; got {activation!r} and {recurrent_activation!r}")
        self.units = int(units)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.peephole = bool(peephole)
        self.seed = seed
        self.cell: LSTMCell | None = None
        self._steps: list[StepTrace] = []
        self.d_initial_state: list[np.ndarray] | None = None
        self.record_gradients = False   # when True, backward() keeps dL/dh_t, dL/dc_t, dL/dz_t in `recorded`
        self.recorded: dict[str, np.ndarray] | None = None

    def build(self, input_shape: tuple, rng: np.random.Generator) -> None:
        if len(input_shape) != 2:
            raise ValueError(f"LSTM {self.name!r} expects inputs shaped (batch, time, features); "
                             f"got per-sample shape {tuple(input_shape)}")
        rng = np.random.default_rng(self.seed) if self.seed is not None else rng
        self.cell = LSTMCell(self.units, int(input_shape[-1]), peephole=self.peephole,
                             unit_forget_bias=self.unit_forget_bias, dtype=self.dtype, rng=rng)
        self.params = self.cell.params  # shared: the cell's arrays are the layer's weights
        self.input_shape = tuple(input_shape)
        self.built = True

    def output_shape(self, input_shape: tuple) -> tuple:
        t = input_shape[0]
        return (t, self.units) if self.return_sequences else (self.units,)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "unit_forget_bias": self.unit_forget_bias, "peephole": self.peephole}

    # --- forward --------------------------------------------------------------
    def _check_input(self, x: np.ndarray) -> None:
        if x.ndim != 3:
            raise ValueError(f"LSTM {self.name!r} expects a 3-D input (batch, time, features); got shape {x.shape}")
        if x.shape[1] < 1:
            raise ValueError(f"LSTM {self.name!r} got a sequence of length 0")
        if self.built and x.shape[2] != self.cell.input_dim:
            raise ValueError(f"LSTM {self.name!r} expects {self.cell.input_dim} features per step; got {x.shape[2]}")

    def _initial(self, x: np.ndarray, initial_state) -> tuple[np.ndarray, np.ndarray]:
        b = x.shape[0]
        if initial_state is None:
            z = np.zeros((b, self.units), self.dtype)
            return z, z.copy()
        if len(initial_state) != 2:
            raise ValueError("initial_state must be [h0, c0]")
        out = []
        for name, s in zip(("h0", "c0"), initial_state):
            s = check_array(s, name, dtype=self.dtype)
            if s.shape != (b, self.units):
                raise ValueError(f"{name} must have shape {(b, self.units)}, got {s.shape}")
            out.append(s)
        return out[0], out[1]

    def run(self, x: np.ndarray, initial_state=None) -> list[StepTrace]:
        """Run the sequence and return its step traces in processing order."""
        x = np.asarray(x, dtype=self.dtype)
        self._check_input(x)
        if not self.built:
            self.build(x.shape[1:], np.random.default_rng())
        h, c = self._initial(x, initial_state)
        b, t, d = x.shape
        xs = np.ascontiguousarray(np.swapaxes(x[:, ::-1] if self.go_backwards else x, 0, 1))  # (T, B, d)
        xW_b = (xs.reshape(t * b, d) @ self.cell.W + self.cell.b).reshape(t, b, 4 * self.units)
        steps = []
        for k in range(t):
            s = self.cell.step(xs[k], h, c, xW_b=xW_b[k])
            steps.append(s)
            h, c = s.h, s.c
        return steps

    def forward(self, x: np.ndarray, training: bool = False, initial_state=None):
        self._steps = self.run(x, initial_state)
        h_last, c_last = self._steps[-1].h, self._steps[-1].c
        y = np.stack([s.h for s in self._steps], axis=1) if self.return_sequences else h_last
        return [y, h_last, c_last] if self.return_state else y

    def __call__(self, x, training: bool = False, initial_state=None):
        return self.forward(check_array(x, "x", dtype=self.dtype), training, initial_state)

    def trace(self, x, initial_state=None) -> SequenceTrace:
        """Run ``x`` (batch, time, features) and record every gate: a :class:`SequenceTrace`."""
        steps = self.run(check_array(x, "x", dtype=self.dtype), initial_state)
        arrays = {name: np.stack([getattr(s, name) for s in steps], axis=1) for name in ARRAY_FIELDS}
        weights = {k: v.copy() for k, v in self.params.items()}
        return SequenceTrace(**arrays, layer=self.name, weights=weights,
                             meta={"go_backwards": self.go_backwards, "peephole": self.peephole})

    # --- backward -------------------------------------------------------------
    def backward(self, dy, dh_state: np.ndarray | None = None, dc_state: np.ndarray | None = None) -> np.ndarray:
        """Backprop through time. ``dy`` is dL/d(output); with ``return_state`` the
        gradients of the returned h and c may be passed as ``dh_state``/``dc_state``
        (or ``dy`` may be the list ``[dy, dh, dc]``). Returns dL/dx; dL/d[h0, c0] is
        left in ``d_initial_state``."""
        if isinstance(dy, (list, tuple)):
            dy, dh_state, dc_state = dy
        steps, cell = self._steps, self.cell
        if not steps:
            raise RuntimeError(f"LSTM {self.name!r}: backward() before forward()")
        t, (b, u) = len(steps), steps[0].h.shape
        dH = np.swapaxes(dy, 0, 1) if self.return_sequences else None
        dh_next = np.zeros((b, u), self.dtype) if dh_state is None else dh_state.astype(self.dtype)
        dc_next = np.zeros((b, u), self.dtype) if dc_state is None else dc_state.astype(self.dtype)
        if not self.return_sequences:
            dh_next = dh_next + dy
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        dZ = np.empty((t, b, 4 * u), self.dtype)
        record = self.record_gradients
        if record:
            rec_dh, rec_dc = np.empty((t, b, u), self.dtype), np.empty((t, b, u), self.dtype)
        for k in reversed(range(t)):
            dh = dh_next + dH[k] if dH is not None else dh_next
            _, dc, dh_next, dc_next = cell.backward_step(steps[k], dh, dc_next, self.grads, dz=dZ[k])
            if record:
                rec_dh[k], rec_dc[k] = dh, dc
        self.d_initial_state = [dh_next, dc_next]
        if record:  # the gradient trace: the very numbers this backward pass trains with
            self.recorded = {"dh": rec_dh, "dc": rec_dc, "dz": dZ.copy()}
        dZ2 = dZ.reshape(t * b, 4 * u)
        X = np.stack([s.x for s in steps]).reshape(t * b, -1)
        H_prev = np.stack([s.h_prev for s in steps]).reshape(t * b, u)
        self.grads["kernel"] = X.T @ dZ2
        self.grads["recurrent_kernel"] = H_prev.T @ dZ2
        self.grads["bias"] = dZ2.sum(axis=0)
        dx = np.swapaxes((dZ2 @ cell.W.T).reshape(t, b, -1), 0, 1)
        return dx[:, ::-1] if self.go_backwards else dx


class Dense(Layer):
    """y = activation(x W + b) on the last axis; ``kernel`` (in, units), ``bias`` (units,) unless
    ``use_bias=False``. On a 3-D input (batch, time, in) it applies to every step, as Keras does."""

    def __init__(self, units: int, activation: str | None = None, use_bias: bool = True, input_shape=None,
                 name: str | None = None, dtype="float32", seed: int | None = None) -> None:
        super().__init__(name, dtype, input_shape)
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units < 1:
            raise ValueError(f"Dense units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.use_bias = bool(use_bias)
        self.activation, self._act = activations.get(activation)
        self.seed = seed

    def build(self, input_shape: tuple, rng: np.random.Generator) -> None:
        rng = np.random.default_rng(self.seed) if self.seed is not None else rng
        d = int(input_shape[-1])
        self.params = {"kernel": initializers.glorot_uniform((d, self.units), rng, self.dtype)}
        if self.use_bias:
            self.params["bias"] = initializers.zeros((self.units,), self.dtype)
        self.input_shape = tuple(input_shape)
        self.built = True

    def output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "activation": self.activation,
                "use_bias": self.use_bias}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        d = self.params["kernel"].shape[0]
        if x.shape[-1] != d:
            raise ValueError(f"Dense {self.name!r} expects {d} input features; got shape {x.shape}")
        self._x = x
        self._z = x @ self.params["kernel"]
        if self.use_bias:
            self._z += self.params["bias"]
        self._y = self._act(self._z)
        return self._y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dz = activations.backward(self.activation, self._y, dy, z=self._z)
        x2 = self._x.reshape(-1, self._x.shape[-1])
        dz2 = dz.reshape(-1, self.units)
        self.grads = {"kernel": x2.T @ dz2}
        if self.use_bias:
            self.grads["bias"] = dz2.sum(axis=0)
        return dz @ self.params["kernel"].T


class Activation(Layer):
    """An activation as its own layer, as in the seed's ``Activation('tanh')``."""

    def __init__(self, activation: str, name: str | None = None, dtype="float32", input_shape=None) -> None:
        super().__init__(name, dtype, input_shape)
        self.activation, self._act = activations.get(activation)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": self.activation}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        self._z = x
        self._y = self._act(x)
        return self._y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        self.grads = {}
        return activations.backward(self.activation, self._y, dy, z=self._z)


class Dropout(Layer):
    """Inverted dropout: in training keep each value with probability 1-rate and scale by 1/(1-rate).

    A fresh mask per batch from a seedable generator; tests inject masks with
    ``mask_fn(shape) -> 0/1 array`` to match another framework exactly.
    """

    def __init__(self, rate: float, seed: int | None = None,
                 mask_fn: Callable[[tuple], np.ndarray] | None = None,
                 name: str | None = None, dtype="float32", input_shape=None) -> None:
        super().__init__(name, dtype, input_shape)
        if not 0 <= float(rate) < 1:
            raise ValueError(f"Dropout rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.seed = seed
        self.mask_fn = mask_fn
        self._rng = np.random.default_rng(seed)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}

    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        if not training or self.rate == 0:
            self._scale = None
            return x
        keep = self.mask_fn(x.shape) if self.mask_fn else self._rng.random(x.shape) >= self.rate
        self._scale = np.asarray(keep, dtype=x.dtype) / x.dtype.type(1 - self.rate)
        return x * self._scale

    def backward(self, dy: np.ndarray) -> np.ndarray:
        self.grads = {}
        return dy if self._scale is None else dy * self._scale


LAYERS = {"LSTM": LSTM, "Dense": Dense, "Activation": Activation, "Dropout": Dropout}
