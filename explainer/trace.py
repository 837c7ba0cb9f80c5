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

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import gates
from .npzfile import load_npz, save_npz

#: Fields shaped (..., units); ``x`` is (..., input_dim) and ``z`` is (..., 4*units).
UNIT_FIELDS = ("h_prev", "c_prev", *gates.FIELDS, "c", "tanh_c", "h")
ARRAY_FIELDS = ("x", "h_prev", "c_prev", "z", *gates.FIELDS, "c", "tanh_c", "h")
GATE_BLOCKS = gates.BLOCKS
FORMAT = "lstm-explainer-trace/1"


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
class SequenceTrace(_Values):
    """A layer's steps stacked over time: every array is ``(batch, time, ...)``.

    ``unit_index`` says which of the layer's units the unit-wise arrays hold (all of them
    unless the trace was narrowed). ``weights`` optionally carries the layer's
    ``kernel``, ``recurrent_kernel``, ``bias`` (and peephole vectors) so a scene can show
    the weighted sum; they are narrowed by columns together with the units.
    """

    layer: str = "lstm"
    unit_index: np.ndarray | None = None
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.unit_index is None:
            self.unit_index = np.arange(self.h.shape[-1])
        self.unit_index = np.asarray(self.unit_index, dtype=np.int64)
        self._check()

    def _check(self) -> None:
        for name in ARRAY_FIELDS:
            a = getattr(self, name)
            if not isinstance(a, np.ndarray) or a.ndim != 3:
                raise ValueError(f"trace field {name!r} must be a (batch, time, ...) array, got {np.shape(a)}")
        b, t, u = self.h.shape
        for name in UNIT_FIELDS:
            if getattr(self, name).shape != (b, t, u):
                raise ValueError(f"trace field {name!r} has shape {getattr(self, name).shape}, expected {(b, t, u)}")
        if self.z.shape != (b, t, 4 * u):
            raise ValueError(f"trace field 'z' has shape {self.z.shape}, expected {(b, t, 4 * u)}")
        if self.x.shape[:2] != (b, t):
            raise ValueError(f"trace field 'x' has shape {self.x.shape}, expected ({b}, {t}, input_dim)")
        if self.unit_index.shape != (u,):
            raise ValueError(f"unit_index has shape {self.unit_index.shape}, expected ({u},)")

    # --- shape ----------------------------------------------------------------
    @property
    def batch(self) -> int:
        return self.h.shape[0]

    @property
    def time(self) -> int:
        return self.h.shape[1]

    @property
    def input_dim(self) -> int:
        return self.x.shape[2]

    def __len__(self) -> int:
        return self.time

    # --- views ----------------------------------------------------------------
    def step(self, t: int) -> StepTrace:
        """The :class:`StepTrace` at time ``t`` (negative counts from the end)."""
        if not -self.time <= t < self.time:
            raise IndexError(f"time step {t} out of range for a trace of {self.time} steps")
        return StepTrace(**{name: getattr(self, name)[:, t] for name in ARRAY_FIELDS})

    def steps(self) -> list[StepTrace]:
        return [self.step(t) for t in range(self.time)]

    def sample(self, b: int) -> "SequenceTrace":
        """The trace of one sequence of the batch (keeps batch dimension 1)."""
        if not -self.batch <= b < self.batch:
            raise IndexError(f"batch index {b} out of range for a batch of {self.batch}")
        sl = slice(b, b + 1) if b != -1 else slice(b, None)
        return SequenceTrace(**{name: getattr(self, name)[sl] for name in ARRAY_FIELDS},
                             layer=self.layer, unit_index=self.unit_index.copy(),
                             weights=dict(self.weights), meta=dict(self.meta))

    def narrow(self, units) -> "SequenceTrace":
        """Keep only the chosen units (positions within this trace), e.g. ``[0, 5, 7]``.

        Showing 512 units is useless on screen; a narrowed trace keeps the values of the
        chosen units exactly (z keeps their four gate blocks) and remembers their indices.
        """
        idx = np.asarray(units, dtype=np.int64).reshape(-1)
        if idx.size == 0:
            raise ValueError("narrow() needs at least one unit")
        if idx.min() < 0 or idx.max() >= self.units:
            raise ValueError(f"unit indices {idx.tolist()} out of range for a layer of {self.units} units")
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
                             weights=weights, meta=dict(self.meta))

    def most_active(self, k: int) -> np.ndarray:
        """Positions of the ``k`` units whose cell state moves most over time (then by |h|)."""
        k = int(k)
        if k < 1:
            raise ValueError("most_active() needs k >= 1")
        score = np.abs(np.diff(self.c, axis=1)).mean(axis=(0, 1)) if self.time > 1 else np.zeros(self.units)
        score = score + 1e-3 * np.abs(self.h).mean(axis=(0, 1))
        return np.sort(np.argsort(-score, kind="stable")[:min(k, self.units)])

    # --- files ----------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the trace to ``path`` (``.npz``); plain arrays and JSON, no pickle."""
        arrays = {name: getattr(self, name) for name in ARRAY_FIELDS}
        arrays["unit_index"] = self.unit_index
        arrays.update({f"weights/{name}": np.asarray(w) for name, w in self.weights.items()})
        return save_npz(path, arrays, {"format": FORMAT, "layer": self.layer, "meta": self.meta})

    @classmethod
    def load(cls, path: str | Path) -> "SequenceTrace":
        """Read a trace written by :meth:`save`. Never unpickles; a damaged file is a ``ValueError``."""
        data, header = load_npz(path, "trace", FORMAT)
        missing = [n for n in ARRAY_FIELDS + ("unit_index",) if n not in data]
        if missing:
            raise ValueError(f"{path}: not an lstm-explainer trace, missing arrays {missing}")
        weights = {k.split("/", 1)[1]: v for k, v in data.items() if k.startswith("weights/")}
        return cls(**{n: data[n] for n in ARRAY_FIELDS}, layer=str(header.get("layer", "lstm")),
                   unit_index=data["unit_index"], weights=weights, meta=dict(header.get("meta") or {}))

    def __eq__(self, other) -> bool:
        if not isinstance(other, SequenceTrace):
            return NotImplemented
        return (all(np.array_equal(getattr(self, n), getattr(other, n)) for n in ARRAY_FIELDS)
                and np.array_equal(self.unit_index, other.unit_index) and self.layer == other.layer)


__all__ = ["StepTrace", "SequenceTrace", "ARRAY_FIELDS", "UNIT_FIELDS"]
