"""The sequence views as plain functions of a trace: labels, c/h charts, gate heatmaps.

They return SVG/HTML strings and import no ipywidgets, so the sequence explorer (a widget)
and the exported page (``lstm-explainer export-html``) draw exactly the same pictures.
"""
from __future__ import annotations

import re

import numpy as np

from explainer import palette
from explainer.gates import GATES
from explainer.glossary import TERMS, field_name, term
from explainer.trace import SequenceTrace

from .charts import heatmap, line_chart


def unit_names(trace: SequenceTrace, lang: str = "en") -> list[str]:
    """A label per traced unit: ``"0: blue memory"`` (named units, glossary-translated, or from
    ``meta["unit_names_<lang>"]``) or ``"unit 7"``."""
    names = trace.meta.get(f"unit_names_{lang}") or trace.meta.get("unit_names")
    out = []
    for idx in trace.unit_index:
        if names is not None and len(names) > idx:
            key = "unit_" + re.sub(r"\W+", "_", str(names[idx]).strip().lower())
            shown = term(key, lang) if key in TERMS else str(names[idx])
            if re.fullmatch(r"(unit|单元) \d+", shown):  # a name that only says "unit k"
                out.append(f"{term('unit', lang)} {idx}")
            else:
                out.append(f"{idx}: {shown}")
        else:
            out.append(f"{term('unit', lang)} {idx}")
    return out


def time_labels(trace: SequenceTrace, lang: str = "en") -> list[str]:
    """A label per step: the trace's words or dates (``meta["labels"]``, or per language
    ``meta["labels_<lang>"]``), else the step numbers."""
    for key in (f"labels_{lang}", "labels"):
        labels = trace.meta.get(key)
        if labels is not None and len(labels) == trace.time:
            return [str(s) for s in labels]
    return [str(t) for t in range(trace.time)]


def step_title(trace: SequenceTrace, t: int, u: int, lang: str = "en") -> str:
    label = time_labels(trace, lang)[t]
    where = "" if label == str(t) else f" ({label})"
    return f"{term('time_step', lang)} t = {t}{where} · {unit_names(trace, lang)[u]}"


def charts_html(trace: SequenceTrace, t: int | None, u: int, b: int = 0, lang: str = "en") -> str:
    """c_t and h_t of every unit over time (unit ``u`` bold), step ``t`` marked."""
    labels = time_labels(trace, lang)
    c_lim = max(1.0, float(np.abs(trace.c[b]).max()) * 1.05)  # one fixed scale for the whole trace
    charts = []
    for fld, lim in (("c", (-c_lim, c_lim)), ("h", (-1.0, 1.0))):
        series = [{"y": getattr(trace, fld)[b, :, k], "colour": palette.INPUT_X, "width": 1, "opacity": 0.35}
                  for k in range(trace.units) if k != u]
        series.append({"y": getattr(trace, fld)[b, :, u], "colour": palette.color(fld), "width": 3,
                       "label": f"{fld}_t", "name": f"{fld}_series"})
        charts.append(line_chart(series, labels=labels, marker=t, ylim=lim, width=400,
                                 title=f"{field_name(fld, lang)} {fld}_t"))
    return "".join(charts)


def heatmaps_html(trace: SequenceTrace, t: int | None, u: int | None, b: int = 0, lang: str = "en") -> str:
    """The four gates, units × time, each on its palette scale, step ``t`` and unit ``u`` outlined."""
    rows, labels = unit_names(trace, lang), time_labels(trace, lang)
    maps = []
    for g in GATES:
        maps.append(heatmap(getattr(trace, g.field)[b].T, stops=palette.scale(g.field), row_labels=rows,
                            col_labels=labels, marker=t, highlight_row=u, uid=f"lstm-scale-{g.field}",
                            title=f"{term(g.term, lang)} {g.field}  [{g.low:g}, {g.high:g}]"))
    return (f"<b>{term('gates_heatmap', lang)}</b><br>"
            + '<div style="display:flex;flex-wrap:wrap;gap:8px 14px">' + "".join(maps) + "</div>")


__all__ = ["unit_names", "time_labels", "step_title", "charts_html", "heatmaps_html"]
