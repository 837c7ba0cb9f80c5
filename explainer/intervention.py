"""What if: clamp one value of an LSTM at one step and let the model compute the rest of the sequence.

An :class:`Intervention` names a step ``t``, a unit ``u`` of the layer, a field and a value:

    field "i", "f", "g" or "o":  that activation is replaced by the value, then
                                 c_t = f ⊙ c_{t-1} + i ⊙ g,  h_t = o ⊙ tanh(c_t) use it
    field "c":                   c_t is set after the update; tanh(c_t) and h_t follow from it
    field "h":                   h_t is set after the step (what step t+1 and the readout receive)

The pre-activations z keep what the weights computed (the gate is overruled, not its inputs), and
every later step is the model's own arithmetic from the changed state. A trace made this way
records its interventions in ``meta["interventions"]`` (a list of dicts, saved with the trace);
:meth:`~explainer.trace.SequenceTrace.validate` then checks the equations everywhere except at the
clamped entries, which must equal their clamp.

    >>> from explainer.intervention import Intervention
    >>> traces = model.trace(x, intervene=[Intervention(step=8, unit=1, field="f", value=1.0)])
    >>> model.predict(x, intervene=[Intervention(step=8, unit=1, field="f", value=1.0)])

Steps count in the layer's processing order. Peephole layers are refused: there the output gate
looks at the new cell state, so a clamp would have to re-enter the middle of the step.
"""
from __future__ import annotations
from .errors import InputError

from dataclasses import asdict, dataclass

import numpy as np

from . import gates

#: What may be clamped: the four activations, the cell state and the hidden state.
FIELDS: tuple[str, ...] = (*gates.FIELDS, "c", "h")

#: The range each clamp may take, derived from the gate table (one source for the API, the widgets and
#: the page): a gate's own [low, high]; c is unbounded (it adds up over the steps); h = o ⊙ tanh(c), so
#: its bound is the output gate's largest value times the tanh range (the candidate g is tanh's too).
RANGES: dict[str, tuple[float, float]] = {
    **{g.field: (g.low, g.high) for g in gates.GATES},
    "c": (-float("inf"), float("inf")),
    "h": (gates.gate("o").high * gates.gate("g").low, gates.gate("o").high * gates.gate("g").high),
}


def range_text(field: str) -> str:
    """``[0, 1]`` for a gate, ``any finite number`` for c: how a message names a field's range."""
    low, high = RANGES[field]
    return f"[{low:g}, {high:g}]" if np.isfinite(low) and np.isfinite(high) else "any finite number"


@dataclass(frozen=True)
class Intervention:
    """Hold ``field`` of layer unit ``unit`` at ``value`` at time step ``step`` (every sample of the batch)."""

    step: int
    unit: int
    field: str
    value: float

    def __post_init__(self) -> None:
        for name in ("step", "unit"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0:
                raise InputError(f"an intervention's {name} must be an integer >= 0, got {v!r}")
        if self.field not in FIELDS:
            raise InputError(f"an intervention clamps one of {', '.join(FIELDS)}; got field {self.field!r}")
        try:
            value = float(self.value)
        except (TypeError, ValueError):
            raise InputError(f"an intervention's value must be a number, got {self.value!r}") from None
        if not np.isfinite(value):
            raise InputError(f"an intervention's value must be finite, got {self.value!r}")
        low, high = RANGES[self.field]
        if not low <= value <= high:
            what = "gate" if self.field in gates.FIELDS else "state"
            raise InputError(f"{what} {self.field} lives in {range_text(self.field)}; {value:g} is outside it")
        object.__setattr__(self, "step", int(self.step))
        object.__setattr__(self, "unit", int(self.unit))
        object.__setattr__(self, "value", value)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d) -> "Intervention":
        if isinstance(d, Intervention):
            return d
        if not isinstance(d, dict) or set(d) != {"step", "unit", "field", "value"}:
            raise InputError(f"an intervention is a dict with step, unit, field and value; got {d!r:.80}")
        return cls(**d)


def parse(interventions) -> tuple[Intervention, ...]:
    """Interventions from ``Intervention`` objects or dicts; a step/unit/field given twice is refused."""
    if interventions is None:
        return ()
    if isinstance(interventions, (Intervention, dict)):
        interventions = [interventions]
    out = tuple(Intervention.from_dict(d) for d in interventions)
    seen = set()
    for iv in out:
        key = (iv.step, iv.unit, iv.field)
        if key in seen:
            raise InputError(f"step {iv.step}, unit {iv.unit}, field {iv.field} is clamped twice; keep one")
        seen.add(key)
    return out


def check(interventions: tuple[Intervention, ...], time: int, units: int) -> None:
    """Every intervention falls inside a sequence of ``time`` steps and a layer of ``units`` units."""
    for iv in interventions:
        if iv.step >= time:
            raise InputError(f"intervention at step {iv.step}, but the sequence has {time} steps (0 … {time - 1})")
        if iv.unit >= units:
            raise InputError(f"intervention on unit {iv.unit}, but the layer has {units} units (0 … {units - 1})")


def apply(s, clamps: tuple[Intervention, ...], act=np.tanh):
    """Clamp the ``clamps`` of one step in the step trace ``s`` (changed in place) and recompute its state.

    Gates first, then the state update with the clamped gates, then c (its tanh and h follow), then h.
    """
    from .cell import update

    if not clamps:
        return s
    for iv in clamps:
        if iv.field in gates.FIELDS:
            getattr(s, iv.field)[:, iv.unit] = iv.value
    s.c, s.tanh_c, s.h = update(s.c_prev, s.i, s.f, s.g, s.o, act)
    if any(iv.field == "c" for iv in clamps):
        for iv in clamps:
            if iv.field == "c":
                s.c[:, iv.unit] = iv.value
        s.tanh_c = act(s.c)
        s.h = s.o * s.tanh_c
    for iv in clamps:
        if iv.field == "h":
            s.h[:, iv.unit] = iv.value
    return s


def by_step(interventions: tuple[Intervention, ...]) -> dict[int, tuple[Intervention, ...]]:
    out: dict[int, list[Intervention]] = {}
    for iv in interventions:
        out.setdefault(iv.step, []).append(iv)
    return {t: tuple(v) for t, v in out.items()}


def recorded(meta: dict) -> tuple[Intervention, ...]:
    """The interventions a trace's ``meta`` records (none when it has no ``"interventions"``)."""
    return parse(meta.get("interventions") or ())


def clamped(meta: dict, shape: tuple[int, int, int], unit_index: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per field, a (batch, time, units) mask of the clamped entries and the values they must hold.

    ``unit_index`` maps the trace's columns to layer units (a narrowed trace may not hold a clamped unit).
    The entries whose equation no longer holds: the clamped field, and where a clamp changed what an
    equation's output would have been (c clamped: c; h clamped: h; a gate clamped: that gate).
    """
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    col = {int(k): n for n, k in enumerate(np.asarray(unit_index).tolist())}
    for iv in recorded(meta):
        if iv.unit not in col or iv.step >= shape[1]:
            continue
        mask, values = out.setdefault(iv.field, (np.zeros(shape, bool), np.zeros(shape)))
        mask[:, iv.step, col[iv.unit]] = True
        values[:, iv.step, col[iv.unit]] = iv.value
    return out


__all__ = ["Intervention", "FIELDS", "RANGES", "range_text", "parse", "check", "apply", "recorded", "clamped"]
