"""Layers: LSTM over sequences, Dense, Dropout, Activation.

Every layer has ``params`` (in Keras's ``get_weights`` order), ``forward(x, training)``
that keeps what backprop needs, and ``backward(dy)`` that fills ``grads`` and returns dL/dx.
"""
from __future__ import annotations
from .errors import InputError

from typing import Callable

import numpy as np

from . import activations, initializers, intervention
from .cell import LSTMCell
from .trace import ARRAY_FIELDS, SequenceTrace, StepTrace
from .validation import check_array, check_weight


def _dtype(dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise InputError(f"dtype must be float32 or float64, got {dt}")
    return dt


def sample_shape(shape, who: str = "input_shape", ids: bool = False) -> tuple:
    """A per-sample shape as Keras writes it, e.g. ``(7, 4)`` or ``(None, 4)``.

    ``None`` stands for a length not fixed in advance (sequences of any length, as in
    ``input_shape=(None, features)``); the last axis, the features, must be known — except
    for token ids (``ids=True``, an Embedding's input ``(time,)``), where it is the time axis.
    """
    try:
        if isinstance(shape, (str, bytes)):
            raise TypeError
        dims = tuple(shape)
    except TypeError:
        raise InputError(f"{who} must be a tuple such as (None, 4) or (7, 4), got {shape!r}") from None
    if not dims:
        raise InputError(f"{who} must name at least the feature axis, e.g. (None, 4); got {shape!r}")
    out = []
    for k, s in enumerate(dims):
        last = k == len(dims) - 1
        if s is None and (not last or ids):
            out.append(None)
            continue
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            what = "the number of features (last axis) must be a positive integer" if last else \
                f"axis {k} must be a positive integer or None"
            raise InputError(f"{who} {dims!r}: {what}, got {s!r}")
        out.append(int(s))
    return tuple(out)


def check_units(units, kind: str) -> int:
    """``units`` as an int, or an InputError: ``"LSTM units must be a positive integer, got 0"``."""
    if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units < 1:
        raise InputError(f"{kind} units must be a positive integer, got {units!r}")
    return int(units)


def check_sequence(layer, x: np.ndarray, input_dim: int | None) -> None:
    """Refuse, naming ``layer``, an input that is not (batch, time ≥ 1, input_dim)."""
    kind = type(layer).__name__
    if x.ndim != 3:
        raise InputError(f"{kind} {layer.name!r} expects a 3-D input (batch, time, features); got shape {x.shape}")
    if x.shape[1] < 1:
        raise InputError(f"{kind} {layer.name!r} got a sequence of length 0")
    if input_dim is not None and x.shape[2] != input_dim:
        raise InputError(f"{kind} {layer.name!r} expects {input_dim} features per step; got {x.shape[2]}")


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
        self.input_shape = None if input_shape is None else sample_shape(input_shape, ids=self.reads_ids)
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
    #: Whether the input is token ids shaped (batch, time) rather than (batch, time, features).
    reads_ids = False

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
            raise InputError(f"layer {self.name!r} expects {len(self.params)} weight arrays "
                             f"({', '.join(self.params)}), got {len(weights)}")
        return [check_weight(new, f"layer {self.name!r}: weight {key!r}", cur.shape, self.dtype)
                for (key, cur), new in zip(self.params.items(), weights)]

    def count_params(self) -> int:
        return int(sum(w.size for w in self.params.values()))


class Recurrent(Layer):
    """What every gated recurrent layer here shares with Keras's ``RNN``: the options, the
    input, mask and initial-state checks, the dropout masks and the outputs. A subclass
    (:class:`LSTM`, :class:`~explainer.gru.GRU`) says how many gate blocks and states it
    has and writes its own loop over time, around its cell.

    ``dropout``/``recurrent_dropout``: one mask per sequence, training only, scaled by
    1/(1-rate); ``dropout_mask_fn(shape) -> 0/1 array`` injects them. ``return_sequences``,
    ``return_state``, ``go_backwards`` (outputs in processing order, as Keras returns them),
    ``stateful`` (the last states start the next call; ``reset_state()``),
    ``zero_output_for_mask``, ``unroll`` (accepted; no numeric effect).
    """

    takes_mask = True
    #: How many blocks z has (LSTM: i, f, c, o) and the names of the states, in Keras's order.
    n_gates = 4
    state_names: tuple[str, ...] = ("h0", "c0")

    def __init__(self, units: int, activation: str = "tanh", recurrent_activation: str = "sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, zero_output_for_mask: bool = False,
                 input_shape=None, name: str | None = None, dtype="float32", seed: int | None = None,
                 dropout_mask_fn: Callable[[tuple], np.ndarray] | None = None) -> None:
        super().__init__(name, dtype, input_shape)
        kind = type(self).__name__
        self.units = check_units(units, kind)
        self.activation = activations.lookup(activation).name
        self.recurrent_activation = activations.lookup(recurrent_activation).name
        for what, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0 <= float(rate) < 1:
                raise InputError(f"{kind} {what} must be in [0, 1), got {rate!r}")
        self.initializers = {"kernel_initializer": initializers.spec(kernel_initializer),
                             "recurrent_initializer": initializers.spec(recurrent_initializer),
                             "bias_initializer": initializers.spec(bias_initializer)}
        self.use_bias = bool(use_bias)
        self.dropout, self.recurrent_dropout = float(dropout), float(recurrent_dropout)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)  # Keras unrolls the loop for speed; the numbers are the same
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.seed = seed
        self.dropout_mask_fn = dropout_mask_fn
        self._dropout_rng = np.random.default_rng(seed)
        self.cell = None
        self.states: list[np.ndarray] | None = None  # stateful: the states after the last call
        self._mask = None                 # the last forward's mask (time-major) and dropout masks, for backward
        self._drop = (None, None)
        self.d_initial_state: list[np.ndarray] | None = None
        self.record_gradients = False   # when True, backward() keeps dL/dh_t, dL/dz_t, … in `recorded`
        self.recorded: dict[str, np.ndarray] | None = None

    def _check_build_shape(self, input_shape: tuple) -> None:
        if len(input_shape) != 2:
            raise InputError(f"{type(self).__name__} {self.name!r} expects inputs shaped (batch, time, features); "
                             f"got per-sample shape {tuple(input_shape)}")

    def output_shape(self, input_shape: tuple) -> tuple:
        t = input_shape[0]
        return (t, self.units) if self.return_sequences else (self.units,)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units, "activation": self.activation,
                "recurrent_activation": self.recurrent_activation, "use_bias": self.use_bias,
                **self.initializers, "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout,
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask}

    def compute_mask(self, x: np.ndarray, mask: np.ndarray | None) -> np.ndarray | None:
        """As Keras: the mask goes on with the sequence (``return_sequences``), not with the last step."""
        return mask if self.return_sequences else None

    # --- state ----------------------------------------------------------------
    def reset_state(self) -> None:
        """Forget the carried states of a ``stateful`` layer: the next call starts from zeros."""
        self.states = None

    reset_states = reset_state  # Keras 2's name

    # --- inputs ---------------------------------------------------------------
    def _check_input(self, x: np.ndarray) -> None:
        check_sequence(self, x, self.cell.input_dim if self.built else None)

    def _initial(self, x: np.ndarray, initial_state) -> list[np.ndarray]:
        """The states the first step starts from: ``initial_state``, the carried ones, or zeros."""
        b = x.shape[0]
        if initial_state is None:
            if self.stateful and self.states is not None:
                if self.states[0].shape[0] != b:
                    raise InputError(f"stateful {type(self).__name__} {self.name!r} carries states for a batch of "
                                     f"{self.states[0].shape[0]}, got a batch of {b}; call reset_state() first "
                                     "or keep the batch size fixed")
                return list(self.states)
            return [np.zeros((b, self.units), self.dtype) for _ in self.state_names]
        if isinstance(initial_state, np.ndarray) and len(self.state_names) == 1:
            initial_state = [initial_state]
        if len(initial_state) != len(self.state_names):
            raise InputError(f"initial_state must be [{', '.join(self.state_names)}]")
        out = []
        for name, s in zip(self.state_names, initial_state):
            s = check_array(s, name, dtype=self.dtype)
            if s.shape != (b, self.units):
                raise InputError(f"{name} must have shape {(b, self.units)}, got {s.shape}")
            out.append(s)
        return out

    def _check_mask(self, mask, x: np.ndarray) -> np.ndarray | None:
        if mask is None:
            return None
        m = np.asarray(mask)
        kind = type(self).__name__
        if m.shape != x.shape[:2]:
            raise InputError(f"{kind} {self.name!r}: mask must have shape {x.shape[:2]} (batch, time), got {m.shape}")
        if m.dtype != bool and not np.isin(m, (0, 1)).all():
            raise InputError(f"{kind} {self.name!r}: mask must be booleans (True = use the step)")
        return m.astype(bool)

    def _time_major(self, x: np.ndarray, mask) -> tuple[np.ndarray, np.ndarray | None]:
        """``x`` as (time, batch, features) and the mask as (time, batch), both in processing order."""
        m = self._check_mask(mask, x)
        xs = np.ascontiguousarray(np.swapaxes(x[:, ::-1] if self.go_backwards else x, 0, 1))
        ms = None if m is None else np.swapaxes(m[:, ::-1] if self.go_backwards else m, 0, 1)
        return xs, ms

    def _dropout_masks(self, b: int, training: bool):
        """Keras's dropout masks, drawn once per sequence and scaled by 1/(1-rate) (inverted dropout).

        Input dropout alone: one (batch, features) mask for all gates. With recurrent dropout
        Keras switches to one mask per gate: inputs (n_gates, batch, features), h (n_gates, batch, units).
        """
        if not training or (self.dropout == 0 and self.recurrent_dropout == 0):
            return None, None
        d, u, n = self.cell.input_dim, self.units, self.n_gates
        per_gate = self.recurrent_dropout > 0

        def draw(shape, rate):
            keep = self.dropout_mask_fn(shape) if self.dropout_mask_fn else self._dropout_rng.random(shape) >= rate
            keep = np.asarray(keep)
            if keep.shape != shape:
                raise InputError(f"dropout_mask_fn returned shape {keep.shape}, expected {shape}")
            return keep.astype(self.dtype) / self.dtype.type(1 - rate)

        mx = draw((n, b, d) if per_gate else (b, d), self.dropout) if self.dropout > 0 else None
        mh = draw((n, b, u), self.recurrent_dropout) if per_gate else None
        return mx, mh

    # --- outputs --------------------------------------------------------------
    def _output_mask(self) -> np.ndarray | None:
        """Keras's output at step t: h_t, except masked steps give 0 (``zero_output_for_mask``) or
        repeat the previous output (0 before the first unmasked step). (T, B, 1) or None."""
        if self._mask is None:
            return None
        om = self._mask if self.zero_output_for_mask else np.logical_or.accumulate(self._mask, axis=0)
        return om[..., None].astype(self.dtype)

    def _outputs(self, H: np.ndarray, last: list[np.ndarray]):
        """Keras's outputs from every h_t (T, B, u) and the last states: y, or [y, *states]."""
        if self.stateful:
            self.states = [s.copy() for s in last]
        om = self._output_mask()
        if self.return_sequences:
            y = np.swapaxes(H if om is None else H * om, 0, 1)
        else:
            y = last[0] if om is None else last[0] * om[-1]
        return [y, *last] if self.return_state else y

    def _output_gradient(self, dy, t: int) -> tuple[np.ndarray | None, np.ndarray]:
        """dL/dh_t from the outputs: per step (T, B, u) with return_sequences (else None), and the last step's."""
        om = self._output_mask()
        if self.return_sequences:
            dH = np.swapaxes(dy, 0, 1)
            return (dH if om is None else dH * om), None
        return None, (dy if om is None else dy * om[-1])

    def __call__(self, x, training: bool = False, initial_state=None, mask=None):
        return self.forward(check_array(x, "x", dtype=self.dtype), training, initial_state, mask)


class LSTM(Recurrent):
    """An LSTM layer over ``(batch, time, features)`` inputs, with Keras 3's options and numerics.

    Forward: the input projection ``x W + b`` for all time steps is one matrix product;
    then one :meth:`LSTMCell.step` per time step. Backward through time reuses the
    recorded step values; the cell forms dW, dU, db and dx as one matrix product each.
    This class holds only the loop over time, the masks and the dropout.

    Options with Keras's names and meaning: those of :class:`Recurrent`, the activations
    (any of :mod:`explainer.activations`), ``use_bias``, ``unit_forget_bias``, the three
    initialisers by name (or ``initializers.Constant(v)``). Call with ``mask=`` (batch,
    time) booleans and ``initial_state=[h0, c0]``: a masked step carries h and c forward
    unchanged, exactly as Keras does. With recurrent dropout Keras draws one mask per gate.
    ``peephole=True`` adds peephole connections (not in Keras).
    """

    def __init__(self, units: int, activation: str = "tanh", recurrent_activation: str = "sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias: bool = True,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, zero_output_for_mask: bool = False,
                 peephole: bool = False, input_shape=None, name: str | None = None, dtype="float32",
                 seed: int | None = None,
                 dropout_mask_fn: Callable[[tuple], np.ndarray] | None = None) -> None:
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, dropout, recurrent_dropout, return_sequences,
                         return_state, go_backwards, stateful, unroll, zero_output_for_mask, input_shape, name,
                         dtype, seed, dropout_mask_fn)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.peephole = bool(peephole)
        if self.peephole and (self.activation, self.recurrent_activation) != ("tanh", "sigmoid"):
            raise InputError("peephole connections are implemented with activation='tanh' and "
                             "recurrent_activation='sigmoid'")
        self.cell: LSTMCell | None = None
        self._steps: list[StepTrace] = []

    def build(self, input_shape: tuple, rng: np.random.Generator) -> None:
        self._check_build_shape(input_shape)
        rng = np.random.default_rng(self.seed) if self.seed is not None else rng
        self.cell = LSTMCell(self.units, int(input_shape[-1]), peephole=self.peephole,
                             unit_forget_bias=self.unit_forget_bias, use_bias=self.use_bias,
                             activation=self.activation, recurrent_activation=self.recurrent_activation,
                             **self.initializers, dtype=self.dtype, rng=rng)
        self.params = self.cell.params  # shared: the cell's arrays are the layer's weights
        self.input_shape = tuple(input_shape)
        self.built = True

    def get_config(self) -> dict:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias, "peephole": self.peephole}

    # --- forward --------------------------------------------------------------
    def run(self, x: np.ndarray, initial_state=None, mask=None, training: bool = False) -> list[StepTrace]:
        """Run the sequence and return its step traces in processing order.

        At a masked step the recorded h, c (and tanh_c) are the carried ones; the gates are
        what the cell computed there, unused.
        """
        return self._run(x, initial_state, mask, training)[0]

    def _run(self, x, initial_state, mask, training, intervene=()):
        """:meth:`run`, also returning the time-major mask and the dropout masks (for backward).

        ``intervene``: :class:`~explainer.intervention.Intervention` clamps applied at their steps
        (processing order); the steps after them compute from the changed state.
        """
        x = np.asarray(x, dtype=self.dtype)
        self._check_input(x)
        if not self.built:
            self.build(x.shape[1:], np.random.default_rng())
        clamps = intervention.parse(intervene)
        if clamps:
            if self.peephole:
                raise InputError(f"LSTM {self.name!r} has peepholes: interventions need a plain LSTM "
                                 "(the output gate would have to see the clamped cell state mid-step)")
            intervention.check(clamps, x.shape[1], self.units)
        at = intervention.by_step(clamps)
        h, c = self._initial(x, initial_state)
        xs, ms = self._time_major(x, mask)  # (T, B, d), (T, B)
        cell = self.cell
        mx, mh = self._dropout_masks(x.shape[0], training)
        xW_b = cell.input_projection(xs, mx)
        steps = []
        for k in range(len(xs)):
            s = cell.step(xs[k], h, c, xW_b=xW_b[k], mh=mh)
            if k in at:
                s = intervention.apply(s, at[k], cell.act.fn)
            if ms is not None and not ms[k].all():  # masked rows keep their state
                keep = ms[k][:, None]
                s.h, s.c = np.where(keep, s.h, h), np.where(keep, s.c, c)
                s.tanh_c = np.where(keep, s.tanh_c, cell.act.fn(c))
            steps.append(s)
            h, c = s.h, s.c
        return steps, ms, (mx, mh)

    def forward(self, x: np.ndarray, training: bool = False, initial_state=None, mask=None, intervene=()):
        """The layer's output; ``intervene`` clamps values on the way (see :mod:`explainer.intervention`)."""
        self._steps, self._mask, self._drop = self._run(x, initial_state, mask, training, intervene)
        H = np.stack([s.h for s in self._steps]) if self.return_sequences else None  # (T, B, u)
        return self._outputs(H, [self._steps[-1].h, self._steps[-1].c])

    def trace(self, x, initial_state=None, mask=None, intervene=()) -> SequenceTrace:
        """Run ``x`` (batch, time, features) and record every gate: a :class:`SequenceTrace`.

        Inference (no dropout); a stateful layer starts from its carried states and keeps them.
        With a ``mask`` the trace records it (in processing order, like the steps). ``intervene``:
        clamps (:class:`~explainer.intervention.Intervention`), recorded in ``meta["interventions"]``.
        """
        steps, ms, _ = self._run(check_array(x, "x", dtype=self.dtype), initial_state, mask, False, intervene)
        arrays = {name: np.stack([getattr(s, name) for s in steps], axis=1) for name in ARRAY_FIELDS}
        weights = {k: v.copy() for k, v in self.params.items()}
        meta = {"go_backwards": self.go_backwards, "peephole": self.peephole}
        if (self.activation, self.recurrent_activation) != ("tanh", "sigmoid"):
            meta.update(activation=self.activation, recurrent_activation=self.recurrent_activation)
        clamps = intervention.parse(intervene)
        if clamps:
            meta["interventions"] = [iv.as_dict() for iv in clamps]
        step_mask = None if ms is None else np.swapaxes(ms, 0, 1).copy()
        return SequenceTrace(**arrays, layer=self.name, weights=weights, meta=meta, mask=step_mask)

    # --- backward -------------------------------------------------------------
    def backward(self, dy, dh_state: np.ndarray | None = None, dc_state: np.ndarray | None = None) -> np.ndarray:
        """Backprop through time. ``dy`` is dL/d(output); with ``return_state`` the
        gradients of the returned h and c may be passed as ``dh_state``/``dc_state``
        (or ``dy`` may be the list ``[dy, dh, dc]``). Returns dL/dx; dL/d[h0, c0] is
        left in ``d_initial_state``.

        A masked step passed h and c through unchanged, so its gradient passes straight
        back to the step before and nothing reaches its gates."""
        if isinstance(dy, (list, tuple)):
            dy, dh_state, dc_state = dy
        steps, cell = self._steps, self.cell
        if not steps:
            raise RuntimeError(f"LSTM {self.name!r}: backward() before forward()")
        t, (b, u) = len(steps), steps[0].h.shape
        ms = self._mask
        mx, mh = self._drop
        dH, dh_last = self._output_gradient(dy, t)
        dh_next = np.zeros((b, u), self.dtype) if dh_state is None else dh_state.astype(self.dtype)
        dc_next = np.zeros((b, u), self.dtype) if dc_state is None else dc_state.astype(self.dtype)
        if dh_last is not None:
            dh_next = dh_next + dh_last
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        dZ = np.empty((t, b, 4 * u), self.dtype)
        record = self.record_gradients
        if record:
            rec_dh, rec_dc = np.empty((t, b, u), self.dtype), np.empty((t, b, u), self.dtype)
        for k in reversed(range(t)):
            dh = dh_next + dH[k] if dH is not None else dh_next
            live = None if ms is None else ms[k][:, None].astype(self.dtype)
            dh_in, dc_in = (dh, dc_next) if live is None else (dh * live, dc_next * live)
            _, dc, dh_cell, dc_cell = cell.backward_step(steps[k], dh_in, dc_in, self.grads, dz=dZ[k], mh=mh)
            if record:  # dL/dh_t and dL/dc_t; at a masked step c_t is the carried c_{t-1}: dL/dc_t = dc_next
                rec_dh[k], rec_dc[k] = dh, dc if live is None else dc + dc_next * (1 - live)
            if live is None:
                dh_next, dc_next = dh_cell, dc_cell
            else:  # live rows went through the cell; masked rows hand dh and dc straight back
                dh_next, dc_next = dh_cell + dh * (1 - live), dc_cell + dc_next * (1 - live)
        self.d_initial_state = [dh_next, dc_next]
        if record:  # the gradient trace: the very numbers this backward pass trains with
            self.recorded = {"dh": rec_dh, "dc": rec_dc, "dz": dZ.copy()}
        X = np.stack([s.x for s in steps])  # (T, B, d)
        H_prev = np.stack([s.h_prev for s in steps])  # (T, B, u)
        dx, weight_grads = cell.gradients(X, H_prev, dZ, mx, mh)
        self.grads.update(weight_grads)
        dx = np.swapaxes(dx, 0, 1)
        return dx[:, ::-1] if self.go_backwards else dx


class Dense(Layer):
    """y = activation(x W + b) on the last axis; ``kernel`` (in, units), ``bias`` (units,) unless
    ``use_bias=False``. On a 3-D input (batch, time, in) it applies to every step, as Keras does."""

    def __init__(self, units: int, activation: str | None = None, use_bias: bool = True, input_shape=None,
                 name: str | None = None, dtype="float32", seed: int | None = None) -> None:
        super().__init__(name, dtype, input_shape)
        self.units = check_units(units, "Dense")
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
            raise InputError(f"Dense {self.name!r} expects {d} input features; got shape {x.shape}")
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
    """An activation as its own layer, as in the classic bitcoin model's ``Activation('tanh')``."""

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
            raise InputError(f"Dropout rate must be in [0, 1), got {rate!r}")
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


def layer_from_config(spec) -> Layer:
    """A layer from a saved ``{"class": NAME, "config": {...}}`` (a file's header: checked, not trusted).

    An unknown class or an option the class does not take is an :class:`InputError` naming it;
    the options' values are checked by the layer itself.
    """
    import inspect

    if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
        raise InputError(f"layer entry {spec!r:.60} is not {{'class': ..., 'config': {{...}}}}")
    kind = LAYERS.get(spec.get("class")) if isinstance(spec.get("class"), str) else None
    if kind is None:
        raise InputError(f"unknown layer class {spec.get('class')!r:.40}; known: {', '.join(sorted(LAYERS))}")
    params = inspect.signature(kind.__init__).parameters
    unknown = sorted(str(k) for k in spec["config"] if k not in params or k == "self")
    if unknown:
        raise InputError(f"{spec['class']} has no option {', '.join(map(repr, unknown))}")
    required = [k for k, v in params.items() if k != "self" and v.default is inspect.Parameter.empty
                and v.kind is v.POSITIONAL_OR_KEYWORD and k not in spec["config"]]
    if required:
        raise InputError(f"{spec['class']} needs the option {', '.join(map(repr, required))}")
    return kind(**spec["config"])
