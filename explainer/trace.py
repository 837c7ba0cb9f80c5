"""The trace: every value an LSTM computed, the one data model everything is drawn from.

A :class:`StepTrace` is one time step, batched::

    x        (batch, input_dim)   x_t
    h_prev   (batch, units)       h_{t-1}
    c_prev   (batch, units)       c_{t-1}
    z        (batch, 4*units)     pre-activations, blocks [i | f | c | o] (Keras order)
    i, f, g, o (batch, units)     input gate σ(z_i), forget gate σ(z_f), candidate tanh(z_c), output gate σ(z_o)
    c        (batch, units)       c_t = f ⊙ c_{t-1} + i ⊙ g
    tanh_c   (batch, units)       tanh(c_t)
    h        (batch, units)       h_t = o ⊙ tanh(c_t)

A :class:`SequenceTrace` stacks those over time, ``(batch, time, ...)``, names its layer,
and saves to / loads from ``.npz`` without pickle, so a file from a stranger is safe to open.
"""
from __future__ import annotations
from .errors import InputError

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import gates
from .npzfile import load_trace, names_matching, save_trace

#: Fields shaped (..., units); ``x`` is (..., input_dim) and ``z`` is (..., 4*units).
UNIT_FIELDS = ("h_prev", "c_prev", *gates.FIELDS, "c", "tanh_c", "h")
ARRAY_FIELDS = ("x", "h_prev", "c_prev", "z", *gates.FIELDS, "c", "tanh_c", "h")
GATE_BLOCKS = gates.BLOCKS
FORMAT = "lstm-explainer-trace/1"
#: Weights a trace may carry, and the shape of each for a trace of ``u`` units, ``d`` inputs, ``n`` layer units.
WEIGHT_SHAPES = {"kernel": lambda d, u, n: (d, 4 * u), "recurrent_kernel": lambda d, u, n: (n, 4 * u),
                 "bias": lambda d, u, n: (4 * u,), "peephole_i": lambda d, u, n: (u,),
                 "peephole_f": lambda d, u, n: (u,), "peephole_o": lambda d, u, n: (u,)}
#: Without a recurrent kernel to say how wide the layer is, no unit index may exceed this.
MAX_UNIT_INDEX = 1 << 24
#: Tolerance of the equation checks, in units of the arrays' machine epsilon (float32: 7.6e-6).
TOLERANCE_EPS = 64


#: Largest total of array bytes a trace file may declare.
MAX_FILE_BYTES = 512 << 20
_TRACE_MEMBERS = names_matching(*ARRAY_FIELDS, "unit_index", "mask", r"weights/[A-Za-z_][A-Za-z0-9_]{0,63}")


class TraceError(InputError):
    """A trace that breaks its format or its own equations; says which field, and where.

    ``field`` is the trace field, ``sample``/``step`` the batch and time position and
    ``unit`` the layer's unit number (``unit_index``), each ``None`` when it does not apply.
    """

    def __init__(self, message: str, field: str | None = None, sample: int | None = None,
                 step: int | None = None, unit: int | None = None) -> None:
        super().__init__(message)
        self.field, self.sample, self.step, self.unit = field, sample, step, unit


def _check_kind(a: np.ndarray, what: str, field: str) -> None:
    """Real numbers only: text, objects, booleans and complex numbers cannot be an LSTM's values."""
    if a.dtype.kind not in "fiu":
        kind = {"c": "complex numbers", "b": "booleans", "U": "text", "S": "bytes", "O": "Python objects"}.get(
            a.dtype.kind, f"dtype {a.dtype}")
        raise TraceError(f"{what} must hold real numbers, found {kind} (dtype {a.dtype})", field=field)


class Timeline:
    """``batch``, ``time`` and ``units`` of a recording whose arrays are ``(batch, time, units)``.

    Shared by the forward traces (:class:`SequenceTrace`, the SimpleRNN's ``RNNTrace``) and the
    gradient trace; ``_timeline`` names the array the shape is read from.
    """

    _timeline = "h"

    @property
    def batch(self) -> int:
        return getattr(self, self._timeline).shape[0]

    @property
    def time(self) -> int:
        return getattr(self, self._timeline).shape[1]

    @property
    def units(self) -> int:
        return getattr(self, self._timeline).shape[2]

    def __len__(self) -> int:
        return self.time


@dataclass
class _Values:
    """The eleven recorded arrays, shared by a step and a sequence."""

    x: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray
    z: np.ndarray
    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c: np.ndarray
    tanh_c: np.ndarray
    h: np.ndarray

    @property
    def units(self) -> int:
        return self.h.shape[-1]

    @property
    def kept(self) -> np.ndarray:
        """f ⊙ c_{t-1}: the part of the old memory the forget gate lets through."""
        return self.f * self.c_prev

    @property
    def written(self) -> np.ndarray:
        """i ⊙ g: what the input gate writes; c_t = kept + written exactly (same float ops as the cell)."""
        return self.i * self.g

    def z_block(self, gate: str) -> np.ndarray:
        """The pre-activations of ``gate`` in ``"i", "f", "c", "o"`` (``"g"`` is an alias of ``"c"``)."""
        return _z_block(self.z, gate, self.units)


@dataclass
class StepTrace(_Values):
    """One LSTM time step, batched; see the module docstring for shapes."""


def _z_block(z: np.ndarray, gate: str, units: int) -> np.ndarray:
    return gates.block(z, gate, units)


@dataclass
class SequenceTrace(Timeline, _Values):
    """A layer's steps stacked over time: every array is ``(batch, time, ...)``.

    ``unit_index`` says which of the layer's units the unit-wise arrays hold (all of them
    unless the trace was narrowed). ``weights`` optionally carries the layer's
    ``kernel``, ``recurrent_kernel``, ``bias`` (and peephole vectors) so a scene can show
    the weighted sum; they are narrowed by columns together with the units.

    ``mask`` (batch, time) booleans, when the layer was called with one: False marks a step
    the layer skipped, carrying h and c forward unchanged (its gates were computed, unused).
    Non-default activations are named in ``meta["activation"]`` / ``meta["recurrent_activation"]``
    (then ``tanh_c`` holds activation(c)).
    """

    layer: str = "lstm"
    unit_index: np.ndarray | None = None
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    mask: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.unit_index is None and isinstance(self.h, np.ndarray) and self.h.ndim == 3:
            self.unit_index = np.arange(self.h.shape[-1])
        self._check()

    def _check(self) -> None:
        """The cheap structural checks every trace passes when made: array kinds, shapes, non-empty."""
        for name in ARRAY_FIELDS:
            a = getattr(self, name)
            if not isinstance(a, np.ndarray) or a.ndim != 3:
                raise TraceError(f"trace field {name!r} must be a (batch, time, ...) array, got shape {np.shape(a)}",
                                 field=name)
            _check_kind(a, f"trace field {name!r}", name)
        b, t, u = self.h.shape
        if b == 0 or t == 0 or u == 0:
            raise TraceError(f"the trace is empty: {b} sequences, {t} time steps, {u} units; "
                             "a trace needs at least one of each", field="h")
        for name in UNIT_FIELDS:
            if getattr(self, name).shape != (b, t, u):
                raise TraceError(f"trace field {name!r} has shape {getattr(self, name).shape}, expected {(b, t, u)}",
                                 field=name)
        if self.z.shape != (b, t, 4 * u):
            raise TraceError(f"trace field 'z' has shape {self.z.shape}, expected {(b, t, 4 * u)}", field="z")
        if self.x.shape[:2] != (b, t) or self.x.shape[2] == 0:
            raise TraceError(f"trace field 'x' has shape {self.x.shape}, expected ({b}, {t}, input_dim >= 1)",
                             field="x")
        ui = np.asarray(self.unit_index)
        if ui.dtype.kind not in "iu" or ui.shape != (u,):
            raise TraceError(f"unit_index must be {u} integers (one layer unit per traced unit), "
                             f"got dtype {ui.dtype} shape {ui.shape}", field="unit_index")
        self.unit_index = ui.astype(np.int64, copy=False)
        if not isinstance(self.meta, dict):
            raise TraceError(f"meta must be a dict, got {type(self.meta).__name__}", field="meta")
        if not isinstance(self.weights, dict):
            raise TraceError(f"weights must be a dict of arrays, got {type(self.weights).__name__}", field="weights")
        if self.mask is not None:
            m = np.asarray(self.mask)
            if m.shape != (b, t) or m.dtype.kind not in "biu" or not np.isin(m, (0, 1)).all():
                raise TraceError(f"mask must be (batch, time) = {(b, t)} booleans, got dtype {m.dtype} "
                                 f"shape {m.shape}", field="mask")
            self.mask = m.astype(bool)

    # --- validation ---------------------------------------------------------
    def validate(self, mask: np.ndarray | None = None) -> "SequenceTrace":
        """Refuse a trace that could not have come from an LSTM; returns ``self`` when it could.

        Checked in this order, each refusal a :class:`TraceError` (a ``ValueError``) naming the
        field and, for values, the sample, step and layer unit:

        1. format: real-number arrays of consistent shapes, at least one sequence, step and
           unit; ``unit_index`` unique, non-negative and inside the layer; the weights' shapes;
           ``meta`` entries that name steps, features or units have one name each;
        2. every value and weight finite;
        3. each gate in its range (:data:`explainer.gates.GATES`: i, f, o in [0, 1], g in
           [-1, 1]) and tanh(c) in [-1, 1];
        4. the trace's own equations, within a tolerance of :data:`TOLERANCE_EPS` machine
           epsilons of its dtype, scaled by the size of the terms::

               i = σ(z_i)  f = σ(z_f)  g = tanh(z_g)  o = σ(z_o)
               c = f ⊙ c_prev + i ⊙ g    tanh_c = tanh(c)    h = o ⊙ tanh_c
               h_prev[t] = h[t-1]        c_prev[t] = c[t-1]
               z = x W + h_prev U + b (+ peepholes), when it holds every unit and its weights.

        ``mask`` (batch, time), True where a step was computed (default: the trace's own
        ``mask``), leaves masked steps out of the equation checks (a masked step carries its
        state instead of computing it).
        """
        self._check()
        b, t, u = self.h.shape
        mask = self.mask if mask is None else mask
        live = np.ones((b, t), bool) if mask is None else np.asarray(mask, bool)
        if live.shape != (b, t):
            raise TraceError(f"mask must have shape {(b, t)} (batch, time), got {live.shape}", field="mask")
        n_layer = self._check_weights()
        self._check_unit_index(n_layer)
        self._check_meta(n_layer)
        for name in ARRAY_FIELDS:
            self._refuse(~np.isfinite(getattr(self, name)), name, "is not a finite number (NaN or infinity)")
        for name, w in self.weights.items():
            if not np.all(np.isfinite(w)):
                raise TraceError(f"weight {name!r} holds NaN or infinite values", field=f"weights/{name}")
        acts = self._activations()
        for g in gates.GATES:
            v, a = getattr(self, g.field), acts[g.field]
            self._refuse((v < a.low) | (v > a.high), g.field, f"is outside its range [{a.low:g}, {a.high:g}]")
        a = acts["tanh_c"]
        self._refuse((self.tanh_c < a.low) | (self.tanh_c > a.high), "tanh_c",
                     f"is outside {a.name}'s range [{a.low:g}, {a.high:g}]")
        self._check_equations(live[..., None])
        return self

    def _activations(self) -> dict:
        """The activation of each gate field and of ``tanh_c``: the gate table's, unless ``meta`` names
        Keras's ``activation`` (candidate and cell output) or ``recurrent_activation`` (i, f, o)."""
        from . import activations

        try:
            act = activations.lookup(self.meta.get("activation", "tanh"))
            rec = activations.lookup(self.meta.get("recurrent_activation", "sigmoid"))
        except (TypeError, ValueError) as e:
            raise TraceError(f"meta names an unknown activation ({e})", field="meta/activation") from None
        out = {g.field: (act if g.activation == "tanh" else rec) for g in gates.GATES}
        out["tanh_c"] = act
        return out

    def _tolerance(self) -> float:
        eps = max(np.finfo(a.dtype if a.dtype.kind == "f" else np.float64).eps
                  for a in [getattr(self, n) for n in ARRAY_FIELDS] + list(self.weights.values()))
        return TOLERANCE_EPS * float(eps)

    def _refuse(self, bad: np.ndarray, name: str, what: str, expected: np.ndarray | None = None) -> None:
        """Raise for the first True of ``bad`` (batch, time, k), naming sample, step and unit."""
        if not bad.any():
            return
        s, t, k = (int(v) for v in np.argwhere(bad)[0])
        value = getattr(self, name)[s, t, k]
        labels = self.meta.get("labels")
        label = f" ({labels[t]!r})" if isinstance(labels, list) and len(labels) == self.time else ""
        if name == "x":
            unit, where = None, f"input feature {k}"
        elif name == "z":
            g = gates.GATES[k // self.units]
            unit, where = int(self.unit_index[k % self.units]), f"unit {self.unit_index[k % self.units]} (z_{g.field})"
        else:
            unit, where = int(self.unit_index[k]), f"unit {self.unit_index[k]}"
        extra = f", the equation gives {float(expected[s, t, k]):.9g}" if expected is not None else ""
        raise TraceError(f"trace field {name!r} at step {t}{label}, {where}, sample {s}: {float(value):.9g} "
                         f"{what}{extra}; this trace was not made by an LSTM as recorded (damaged or edited?)",
                         field=name, sample=s, step=t, unit=unit)

    def _check_weights(self) -> int | None:
        """Shapes of the carried weights; returns the layer's width (rows of U) when known."""
        d, u = self.input_dim, self.units
        rk = self.weights.get("recurrent_kernel")
        n_layer = int(np.shape(rk)[0]) if rk is not None and np.ndim(rk) == 2 else None
        for name, w in self.weights.items():
            if not isinstance(w, np.ndarray):
                raise TraceError(f"weight {name!r} must be an array, got {type(w).__name__}", field=f"weights/{name}")
            _check_kind(w, f"weight {name!r}", f"weights/{name}")
            if name in WEIGHT_SHAPES:
                want = WEIGHT_SHAPES[name](d, u, n_layer if n_layer is not None else u)
                if w.shape != want:
                    raise TraceError(f"weight {name!r} has shape {w.shape}, expected {want} for a trace of {u} "
                                     f"units and {d} input features", field=f"weights/{name}")
        if n_layer is not None and n_layer < u:
            raise TraceError(f"the recurrent kernel says the layer has {n_layer} units, but the trace holds {u}",
                             field="weights/recurrent_kernel")
        return n_layer

    def _check_unit_index(self, n_layer: int | None) -> None:
        ui = self.unit_index
        top = n_layer if n_layer is not None else MAX_UNIT_INDEX
        bad = (ui < 0) | (ui >= top)
        if bad.any():
            k = int(np.argmax(bad))
            raise TraceError(f"unit_index[{k}] = {ui[k]} is not a unit of the layer (0 … {top - 1})",
                             field="unit_index", unit=int(ui[k]))
        if len(np.unique(ui)) != len(ui):
            raise TraceError(f"unit_index repeats units: {ui.tolist()}", field="unit_index")

    def _check_meta(self, n_layer: int | None) -> None:
        """``labels`` name the steps, ``features`` the inputs, ``unit_names`` the layer's units."""
        n_units = n_layer if n_layer is not None else int(self.unit_index.max()) + 1
        for key, n, what in (("labels", self.time, "time step"), ("features", self.input_dim, "input feature"),
                             ("unit_names", n_units, "unit of the layer")):
            v = self.meta.get(key)
            if v is None:
                continue
            ok = isinstance(v, (list, tuple)) and all(isinstance(e, (str, int, float)) and not isinstance(e, bool)
                                                        for e in v)
            if not ok or (len(v) != n if key != "unit_names" else len(v) < n):
                raise TraceError(f"meta[{key!r}] must be a list of {n} names, one per {what}; got {v!r:.80}",
                                 field=f"meta/{key}")

    def _check_equations(self, live: np.ndarray) -> None:
        tol = self._tolerance()
        f64 = lambda a: np.asarray(a, np.float64)
        x, h_prev, c_prev, z = f64(self.x), f64(self.h_prev), f64(self.c_prev), f64(self.z)
        i, f, g, o, c, tanh_c, h = (f64(getattr(self, n)) for n in ("i", "f", "g", "o", "c", "tanh_c", "h"))

        clamps = self._clamped()

        def check(name, recorded, expected, scale):
            bad = (np.abs(recorded - expected) > tol * (1 + scale)) & live
            if name in clamps:  # a what-if clamp overrules the equation there: the entry holds the clamp
                where, value = clamps[name]
                self._refuse(where & (np.abs(recorded - value) > tol * (1 + np.abs(value))), name,
                             "is not the value its intervention clamped it to", value)
                bad &= ~where
            self._refuse(bad, name, "breaks its equation", expected)

        acts = self._activations()
        if "recurrent_kernel" in self.weights and "kernel" in self.weights \
                and np.array_equal(self.unit_index, np.arange(self.weights["recurrent_kernel"].shape[0])):
            self._check_z(x, h_prev, c_prev, c, z, live, tol)
        def size(a, v):  # an unbounded activation (relu, linear, …) rounds relative to its input
            return np.abs(v) if np.isinf(a.high) else 0

        for gt in gates.GATES:
            zb, a = gates.block(z, gt.field, self.units), acts[gt.field]
            check(gt.field, f64(getattr(self, gt.field)), a.fn(zb), size(a, zb))
        kept, written = f * c_prev, i * g
        check("c", c, kept + written, np.abs(kept) + np.abs(written))
        check("tanh_c", tanh_c, acts["tanh_c"].fn(c), size(acts["tanh_c"], c))
        check("h", h, o * tanh_c, 0)
        both = live[:, 1:] & live[:, :-1]  # the state a step hands on is the state the next one receives
        for name, prev, new in (("h_prev", h_prev, h), ("c_prev", c_prev, c)):
            bad = np.zeros(h.shape, bool)
            bad[:, 1:] = (np.abs(prev[:, 1:] - new[:, :-1]) > tol * (1 + np.abs(new[:, :-1]))) & both
            expected = np.concatenate([prev[:, :1], new[:, :-1]], axis=1)
            self._refuse(bad, name, "is not the previous step's value", expected)

    def _clamped(self) -> dict:
        """The entries ``meta["interventions"]`` clamped (see :mod:`explainer.intervention`)."""
        from . import intervention

        try:
            return intervention.clamped(self.meta, self.h.shape, self.unit_index)
        except (TypeError, ValueError) as e:
            raise TraceError(f"meta['interventions'] is not a list of interventions ({e})",
                             field="meta/interventions") from None

    def _check_z(self, x, h_prev, c_prev, c, z, live, tol) -> None:
        """z = x W + h_prev U + b (+ p_i ⊙ c_prev, p_f ⊙ c_prev, p_o ⊙ c with peepholes)."""
        w = {k: np.asarray(v, np.float64) for k, v in self.weights.items()}
        b = w.get("bias", np.zeros(4 * self.units))
        expected = x @ w["kernel"] + h_prev @ w["recurrent_kernel"] + b
        scale = np.abs(x) @ np.abs(w["kernel"]) + np.abs(h_prev) @ np.abs(w["recurrent_kernel"]) + np.abs(b)
        u = self.units
        for k, (name, state) in enumerate((("peephole_i", c_prev), ("peephole_f", c_prev), (None, None),
                                            ("peephole_o", c))):
            if name in w:
                expected[..., k * u:(k + 1) * u] += w[name] * state
                scale[..., k * u:(k + 1) * u] += np.abs(w[name] * state)
        # a dot product of n terms rounds n times: the tolerance grows with √n
        n = np.sqrt(self.input_dim + w["recurrent_kernel"].shape[0])
        bad = (np.abs(z - expected) > tol * n * (1 + scale)) & live
        self._refuse(bad, "z", "is not x W + h_prev U + b with the trace's weights", expected)

    # --- shape ----------------------------------------------------------------
    @property
    def input_dim(self) -> int:
        return self.x.shape[2]

    # --- views ----------------------------------------------------------------
    def step(self, t: int) -> StepTrace:
        """The :class:`StepTrace` at time ``t`` (negative counts from the end)."""
        if not -self.time <= t < self.time:
            raise IndexError(f"time step {t} out of range for a trace of {self.time} steps")
        return StepTrace(**{name: getattr(self, name)[:, t] for name in ARRAY_FIELDS})

    def sample(self, b: int) -> "SequenceTrace":
        """The trace of one sequence of the batch (keeps batch dimension 1)."""
        if not -self.batch <= b < self.batch:
            raise IndexError(f"batch index {b} out of range for a batch of {self.batch}")
        sl = slice(b, b + 1) if b != -1 else slice(b, None)
        return SequenceTrace(**{name: getattr(self, name)[sl] for name in ARRAY_FIELDS},
                             layer=self.layer, unit_index=self.unit_index.copy(),
                             weights=dict(self.weights), meta=dict(self.meta),
                             mask=None if self.mask is None else self.mask[sl])

    def narrow(self, units) -> "SequenceTrace":
        """Keep only the chosen units (positions within this trace), e.g. ``[0, 5, 7]``.

        Showing 512 units is useless on screen; a narrowed trace keeps the values of the
        chosen units exactly (z keeps their four gate blocks) and remembers their indices.
        """
        idx = np.asarray(units, dtype=np.int64).reshape(-1)
        if idx.size == 0:
            raise InputError("narrow() needs at least one unit")
        if idx.min() < 0 or idx.max() >= self.units:
            raise InputError(f"unit indices {idx.tolist()} out of range for a layer of {self.units} units")
        u = self.units
        zcols = np.concatenate([g.index * u + idx for g in gates.GATES])
        arrays = {name: getattr(self, name)[..., idx] for name in UNIT_FIELDS}
        arrays["z"] = self.z[..., zcols]
        arrays["x"] = self.x
        weights = {}
        for name, w in self.weights.items():
            if name in ("kernel", "recurrent_kernel", "bias"):
                weights[name] = w[..., zcols]
            elif w.shape[-1] == u:  # peephole vectors
                weights[name] = w[..., idx]
        return SequenceTrace(**arrays, layer=self.layer, unit_index=self.unit_index[idx],
                             weights=weights, meta=dict(self.meta), mask=self.mask)

    def most_active(self, k: int) -> np.ndarray:
        """Positions of the ``k`` units whose cell state moves most over time (then by |h|)."""
        k = int(k)
        if k < 1:
            raise InputError("most_active() needs k >= 1")
        score = np.abs(np.diff(self.c, axis=1)).mean(axis=(0, 1)) if self.time > 1 else np.zeros(self.units)
        score = score + 1e-3 * np.abs(self.h).mean(axis=(0, 1))
        return np.sort(np.argsort(-score, kind="stable")[:min(k, self.units)])

    # --- files ----------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the trace to ``path`` (``.npz``); plain arrays and JSON, no pickle."""
        return save_trace(path, self, ARRAY_FIELDS, FORMAT)

    @classmethod
    def load(cls, path: str | Path) -> "SequenceTrace":
        """Read a trace written by :meth:`save`. Never unpickles; a damaged file is a ``ValueError``."""
        data, weights, header = load_trace(path, "trace", FORMAT, ARRAY_FIELDS, _TRACE_MEMBERS, MAX_FILE_BYTES)
        meta = header.get("meta") or {}
        if not isinstance(meta, dict):
            raise TraceError(f"{path}: the header's meta must be a JSON object, found {type(meta).__name__}",
                             field="meta")
        try:
            trace = cls(**{n: data[n] for n in ARRAY_FIELDS}, layer=str(header.get("layer", "lstm")),
                        unit_index=data["unit_index"], weights=weights, meta=dict(meta), mask=data.get("mask"))
            return trace.validate()
        except TraceError as e:
            raise TraceError(f"{path}: {e}", e.field, e.sample, e.step, e.unit) from None

    def __eq__(self, other) -> bool:
        if not isinstance(other, SequenceTrace):
            return NotImplemented
        return (all(np.array_equal(getattr(self, n), getattr(other, n)) for n in ARRAY_FIELDS)
                and np.array_equal(self.unit_index, other.unit_index) and self.layer == other.layer)


__all__ = ["StepTrace", "SequenceTrace", "TraceError", "ARRAY_FIELDS", "UNIT_FIELDS"]
