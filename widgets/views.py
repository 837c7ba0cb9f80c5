"""The sequence views as plain functions of a trace: labels, c/h charts, gate heatmaps.

They return SVG/HTML strings and import no ipywidgets, so the sequence explorer (a widget)
and the exported page (``lstm-explainer export-html``) draw exactly the same pictures.

A trace recorded with a mask (``trace.mask``, False = the layer skipped the step) shows its
skipped steps hatched grey in every chart and heatmap, "skipped (masked)" under them; the
cell drawing at such a step says that h and c were carried over (:func:`cell_options`).
Activations other than tanh/sigmoid (``trace.meta``) are named in labels and ranges.
"""
from __future__ import annotations

import numpy as np

from explainer import palette
from explainer.activations import lookup
from explainer.gates import GATES, GRU_GATES, Gate
from explainer.gru import GRUTrace
from explainer.glossary import field_name, term
from explainer.presentation import MINUS, activation_symbol, fmt, unit_label
from explainer.trace import SequenceTrace

from .charts import heatmap, heatmap_columns, line_chart_frames, nice_limit

#: How a gate's field is written where it is not a plain letter.
GATE_SYMBOL = {"h_tilde": "h̃"}
#: Space between the gate heatmaps, side by side (px).
HEATMAP_GAP = 14


def unit_names(trace: SequenceTrace, lang: str = "en") -> list[str]:
    """A label per traced unit: ``"2: colour memory"`` for a named unit (glossary-translated, or from
    ``meta["unit_names_<lang>"]``), else ``"unit 7"`` (:func:`explainer.presentation.unit_label`)."""
    return [unit_label(trace.meta, int(idx), lang) for idx in trace.unit_index]


def time_labels(trace: SequenceTrace, lang: str = "en") -> list[str]:
    """A label per step: the trace's words or dates (``meta["labels"]``, or per language
    ``meta["labels_<lang>"]``), else the step numbers."""
    for key in (f"labels_{lang}", "labels"):
        labels = trace.meta.get(key)
        if labels is not None and len(labels) == trace.time:
            return [str(s) for s in labels]
    return [str(t) for t in range(trace.time)]


def skipped(trace: SequenceTrace, b: int = 0) -> np.ndarray:
    """One flag per step of sample ``b``: True where the layer skipped the step (its mask was False)."""
    if trace.mask is None:
        return np.zeros(trace.time, bool)
    return ~np.asarray(trace.mask[b], bool)


def is_gru(trace) -> bool:
    """Whether ``trace`` is a GRU's (:class:`~explainer.gru.GRUTrace`) rather than an LSTM's."""
    return isinstance(trace, GRUTrace)


def gate_table(trace) -> tuple[Gate, ...]:
    """The gates the trace's cell has, from the one gate table: an LSTM's four or a GRU's three."""
    return GRU_GATES if is_gru(trace) else GATES


def state_fields(trace) -> tuple[str, ...]:
    """The states drawn over time: c and h for an LSTM, h alone for a GRU (its memory is h)."""
    return ("h",) if is_gru(trace) else ("c", "h")


def step_html(trace, t: int, u: int, b: int = 0, lang: str = "en") -> tuple[str, str]:
    """``(cell drawing, equations)`` of unit ``u`` at step ``t`` of sample ``b``: the LSTM's or the GRU's,
    as the trace's cell is. The sequence explorer and the exported page both draw with this."""
    from .diagram import cell_svg, equations_html
    from .gru_diagram import gru_cell_svg, gru_equations_html

    title = step_title(trace, t, u, lang, b)
    if is_gru(trace):
        masked = is_skipped(trace, t, b)
        return (gru_cell_svg(trace, t, unit=u, sample=b, lang=lang, title=title, masked=masked),
                gru_equations_html(trace, t, unit=u, sample=b, lang=lang, masked=masked))
    step, options = trace.step(t), cell_options(trace, t, b, unit=u)
    return (cell_svg(step, unit=u, sample=b, lang=lang, title=title, **options),
            equations_html(step, unit=u, sample=b, lang=lang, **options))


def is_skipped(trace: SequenceTrace, t: int, b: int = 0) -> bool:
    return bool(skipped(trace, b)[t])


def activations(trace: SequenceTrace) -> tuple[str, str]:
    """The layer's ``(activation, recurrent_activation)`` by Keras's names (tanh, sigmoid unless
    ``meta`` names others)."""
    return (lookup(trace.meta.get("activation", "tanh")).name,
            lookup(trace.meta.get("recurrent_activation", "sigmoid")).name)


def cell_options(trace: SequenceTrace, t: int, b: int = 0, unit: int | None = None) -> dict:
    """The keyword arguments :func:`widgets.diagram.cell_svg` and ``equations_html`` need to draw
    step ``t`` of sample ``b`` truthfully: whether it was skipped, the layer's activations, and (given
    the traced ``unit``) which of its values a what-if clamp held there (``meta["interventions"]``)."""
    act, rec = activations(trace)
    out = {"masked": is_skipped(trace, t, b), "activation": act, "recurrent_activation": rec}
    if unit is not None and trace.meta.get("interventions"):
        from explainer.intervention import recorded

        layer_unit = int(trace.unit_index[unit])
        out["held"] = [q.field for q in recorded(trace.meta) if (q.step, q.unit) == (t, layer_unit)]
    return out


def step_title(trace: SequenceTrace, t: int, u: int, lang: str = "en", b: int = 0) -> str:
    label = time_labels(trace, lang)[t]
    where = "" if label == str(t) else f" ({label})"
    skip = f" · {term('masked_short', lang)}" if is_skipped(trace, t, b) else ""
    return f"{term('time_step', lang)} t = {t}{where}{skip} · {unit_names(trace, lang)[u]}"


def charts_html(trace: SequenceTrace, t: int | None, u: int, b: int = 0, lang: str = "en") -> str:
    """c_t and h_t of every unit over time (a GRU's h_t alone), unit ``u`` bold, step ``t`` marked,
    skipped steps hatched."""
    return "".join(head + marks(t) + "</svg>" for head, marks in _state_charts(trace, u, b, lang))


def charts_frames(trace: SequenceTrace, u: int, b: int = 0, lang: str = "en") -> tuple[str, list[list[str]]]:
    """:func:`charts_html` for every step at once, as a page stores it: the charts once, each with an empty
    ``<g class="lstm-marks">``, and per step the marks that go into those groups (``frames[t][k]`` for chart k)."""
    charts = _state_charts(trace, u, b, lang)
    picture = "".join(f'{head}<g class="lstm-marks"></g></svg>' for head, _ in charts)
    return picture, [[marks(t) for _, marks in charts] for t in range(trace.time)]


def _state_charts(trace: SequenceTrace, u: int, b: int, lang: str) -> list:
    labels = time_labels(trace, lang)
    skip, skip_label = skipped(trace, b), term("masked_short", lang)
    charts = []
    for fld in state_fields(trace):
        # one fixed scale for the whole trace, ending on a round number; |h| ≤ 1 unless the activation is unbounded
        top = nice_limit(max(1.0, float(np.abs(getattr(trace, fld)[b]).max()) * 1.02))
        lim = (-top, top)
        series = [{"y": getattr(trace, fld)[b, :, k], "colour": palette.INPUT_X, "width": 1, "opacity": 0.35}
                  for k in range(trace.units) if k != u]
        series.append({"y": getattr(trace, fld)[b, :, u], "colour": palette.color(fld), "width": 3,
                       "label": f"{fld}_t", "name": f"{fld}_series"})
        charts.append(line_chart_frames(series, labels=labels, ylim=lim, width=400,
                                        title=f"{field_name(fld, lang)} {fld}_t", skipped=skip,
                                        skipped_label=skip_label))
    return charts


def _bound(v: float) -> str:
    return fmt(v, 0) if np.isinf(v) else f"{v:g}".replace("-", MINUS)


def heatmaps_html(trace: SequenceTrace, t: int | None, u: int | None, b: int = 0, lang: str = "en") -> str:
    """The gates (an LSTM's four, a GRU's three: :func:`gate_table`), units × time, each on its palette
    scale, step ``t`` and unit ``u`` outlined, skipped steps hatched.

    Each title gives the gate's range under the layer's activation (``[0, 1]`` for σ,
    ``[0, ∞)`` for relu); an unbounded one is coloured up to the largest value in the trace.
    """
    rows, labels = unit_names(trace, lang), time_labels(trace, lang)
    act, rec = activations(trace)
    skip, skip_label = skipped(trace, b), term("masked_short", lang)
    maps = []
    for g in gate_table(trace):
        a = lookup(act if g.activation == "tanh" else rec)
        values = getattr(trace, g.field)[b]
        stops, range_label = palette.scale(g.field), None
        if not (a.low == g.low and a.high == g.high):  # another activation: another range, another colour scale
            top = float(np.abs(values).max()) or 1.0   # white at 0, the gate's colour at the largest |value|
            if a.low < 0:
                stops = ((-top, palette.NEGATIVE), (0.0, palette.BACKGROUND), (top, palette.color(g.field)))
            else:
                stops = ((0.0, palette.BACKGROUND), (top, palette.color(g.field)))
            range_label = (f"{stops[0][0]:.3g}".replace("-", MINUS), f"{top:.3g}")
        high = "∞)" if np.isposinf(a.high) else f"{_bound(a.high)}]"
        name = activation_symbol(a.name)
        maps.append(heatmap(values.T, stops=stops, row_labels=rows, col_labels=labels, marker=t, highlight_row=u,
                            uid=f"lstm-scale-{g.field}", skipped=skip, skipped_label=skip_label,
                            range_label=range_label,
                            title=f"{term(g.term, lang)} {GATE_SYMBOL.get(g.field, g.field)}  [{_bound(a.low)}, {high}"
                                  + ("" if a.name == g.activation else f"  ({name})")))
    return (f"<b>{term('gates_heatmap', lang)}</b><br>"
            + f'<div style="display:flex;flex-wrap:wrap;gap:8px {HEATMAP_GAP}px">' + "".join(maps) + "</div>")


def heatmap_step(trace: SequenceTrace, x: float, width: float) -> int | None:
    """The step (column) under a click at ``x`` px from the left of the heatmaps' box, ``width`` px wide.

    The maps (four, or a GRU's three) have the same geometry (:func:`widgets.charts.heatmap_columns`), side by side with
    :data:`HEATMAP_GAP` between them, each shrunk to the box when the box is narrower. None when the
    click is not over a column (the row labels, the colour bar, the gap)."""
    L, cw, w = heatmap_columns(trace.time)
    shown = min(float(w), float(width)) if width > 0 else float(w)
    k = shown / w
    inside = float(x) % (shown + HEATMAP_GAP) / k
    col = int((inside - L) // cw)
    return col if inside >= L and 0 <= col < trace.time else None


def watch_point(trace: SequenceTrace, b: int = 0) -> tuple[int, int]:
    """Where to open a trace: ``(step, unit)``. The memory unit (``meta["memory_unit"]``, else the
    unit whose forget gate closes most) at the step where its forget gate closes most."""
    f_all = np.where(skipped(trace, b)[:, None], np.inf, trace.f[b])
    u = trace.meta.get("memory_unit")
    index = [int(k) for k in trace.unit_index]
    u = index.index(int(u)) if u is not None and int(u) in index else int(np.argmin(f_all.min(axis=0)))
    return int(np.argmin(f_all[:, u])), u


def watch_line(trace: SequenceTrace, lang: str = "en", b: int = 0) -> str:
    """One sentence saying what to watch, computed from the trace: the memory unit's forget gate
    elsewhere and at the step it closes, and what that does to its cell state."""
    t, u = watch_point(trace, b)
    f, c = trace.f[b, :, u], trace.c[b, :, u]
    others = np.delete(f, t)
    c_before = float(trace.c_prev[b, t, u])
    word = time_labels(trace, lang)[t]
    lo, hi = (_num(others.min()), _num(others.max())) if others.size else (_num(f[t]), _num(f[t]))
    return term("watch_line", lang).format(unit=unit_names(trace, lang)[u], range=lo if lo == hi else f"{lo}–{hi}",
                                           f=_num(f[t]), word=word, t=t, c0=_num(c_before), c1=_num(c[t]))


def _num(v: float) -> str:
    from .charts import num

    return num(v, 2)


__all__ = ["is_gru", "gate_table", "state_fields", "step_html", "heatmap_step", "watch_point", "watch_line", "unit_names", "time_labels", "step_title", "charts_html", "charts_frames", "heatmaps_html", "skipped", "is_skipped",
           "activations", "cell_options"]
