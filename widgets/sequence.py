"""Sequence explorer: step through a traced sequence with a Play button and a time slider.

Shows, for time step t of a :class:`~explainer.trace.SequenceTrace`:

* the cell diagram of the selected unit at step t (:func:`widgets.diagram.cell_svg`);
* line charts of c_t and h_t over time (selected unit bold, the others faint), step t marked;
* heatmaps of the gates i, f, g, o, units × time, on fixed scales ([0, 1] for gates,
  [-1, 1] for the candidate), step t and the selected unit outlined.

The trace comes from a file (``SequenceTrace.load``; e.g. the bitcoin report's
``trace_BTC.npz``) or from running the demo LSTM (:func:`explainer.demo.demo_trace`) on
words the learner types. A layer wider than ``max_units`` is narrowed to its most active
units (``trace.most_active``), and the widget says so.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

import ipywidgets as widgets
import numpy as np

from explainer import palette
from explainer.demo import FEATURES, WORDS, demo_trace
from explainer.glossary import field_name, term
from explainer.trace import SequenceTrace

from .charts import heatmap, line_chart
from .diagram import cell_svg, equations_html
from .language import LanguageSwitch, check_lang


class SequenceExplorer(LanguageSwitch, widgets.VBox):
    """Play through a :class:`SequenceTrace`; ``trace=None`` starts on the demo LSTM's story."""

    def __init__(self, trace: SequenceTrace | None = None, lang: str = "en", max_units: int = 16,
                 show_language: bool = True, interval_ms: int = 900) -> None:
        check_lang(lang)
        if int(max_units) < 1:
            raise ValueError(f"max_units must be >= 1, got {max_units}")
        self.lang, self.max_units = lang, int(max_units)
        self.trace: SequenceTrace | None = None
        self.note = ""
        self._hold = False

        self.play = widgets.Play(min=0, max=1, step=1, interval=interval_ms)
        self.time = widgets.IntSlider(min=0, max=1, continuous_update=True, layout=widgets.Layout(width="420px"))
        self.time.add_class("lstm-slider-time")
        widgets.jslink((self.play, "value"), (self.time, "value"))  # Play drives the slider in the browser
        self.unit = widgets.Dropdown(layout=widgets.Layout(width="220px"))
        self.sample = widgets.IntSlider(min=0, max=0, layout=widgets.Layout(width="260px"))
        self.words = widgets.Text(value=" ".join(WORDS), layout=widgets.Layout(width="380px"))
        self.run_button = widgets.Button(icon="play-circle")
        self.path = widgets.Text(placeholder="reports/…/trace_BTC.npz", layout=widgets.Layout(width="380px"))
        self.load_button = widgets.Button(icon="folder-open")
        self._language_toggle(lang, show_language)
        self.status = widgets.HTML()
        self.status.add_class("lstm-seq-status")
        self.diagram = widgets.HTML()
        self.diagram.add_class("lstm-seq-diagram")
        self.equations = widgets.HTML()
        self.charts = widgets.HTML()
        self.charts.add_class("lstm-seq-charts")
        self.heatmaps = widgets.HTML()
        self.heatmaps.add_class("lstm-seq-heatmaps")

        super().__init__([
            widgets.HBox([self.words, self.run_button, self.language]),
            widgets.HBox([self.path, self.load_button]),
            self.status,
            widgets.HBox([self.play, self.time, self.unit, self.sample]),
            self.diagram, self.equations, self.charts, self.heatmaps,
        ])
        self.time.observe(lambda ch: self.redraw(), names="value")
        self.unit.observe(lambda ch: None if self._hold else self.redraw(), names="value")
        self.sample.observe(lambda ch: None if self._hold else self.redraw(), names="value")
        self.run_button.on_click(lambda b: self._guard(self.run_demo, self.words.value))
        self.load_button.on_click(lambda b: self._guard(self.load, self.path.value))
        self._relabel()
        if trace is None:
            self.run_demo(WORDS)
        else:
            self.set_trace(trace)

    # --- getting a trace -----------------------------------------------------------------
    def _guard(self, fn, arg) -> None:
        """Button handlers: a bad file or empty text becomes a red message, not a traceback."""
        try:
            fn(arg)
        except (ValueError, FileNotFoundError, IndexError) as e:
            self.status.value = f'<span class="lstm-error" style="color:{palette.FORGET}">⚠ {escape(str(e))}</span>'

    def run_demo(self, words) -> SequenceTrace:
        """Trace the demo LSTM over ``words`` (a list, or a string split on spaces)."""
        if isinstance(words, str):
            words = words.split()
        words = [str(w).lower() for w in words]
        if not words:
            raise ValueError(f"type at least one word; the demo LSTM reacts to: {', '.join(FEATURES)}")
        note = f"demo LSTM · {' '.join(words)} · features: {', '.join(FEATURES)}"
        return self.set_trace(demo_trace(words), note)

    def load(self, path: str | Path) -> SequenceTrace:
        """Load a saved trace (``.npz`` written by ``SequenceTrace.save``) and show it."""
        if not str(path).strip():
            raise ValueError("type the path of a trace file (.npz), e.g. one written by `lstm-explainer bitcoin`")
        trace = SequenceTrace.load(Path(str(path).strip()).expanduser())
        note = f"{Path(path).name} · layer {trace.layer}"
        if trace.meta.get("features"):
            note += f" · xₜ = [{', '.join(map(str, trace.meta['features']))}]"
        return self.set_trace(trace, note)

    def set_trace(self, trace: SequenceTrace, note: str = "") -> SequenceTrace:
        """Show ``trace`` (narrowed to its ``max_units`` most active units if wider)."""
        if not isinstance(trace, SequenceTrace):
            raise ValueError(f"expected an explainer.SequenceTrace, got {type(trace).__name__}")
        self.full_units = trace.units
        if trace.units > self.max_units:
            trace = trace.narrow(trace.most_active(self.max_units))
            note += " · " + term("showing_units", self.lang).format(k=self.max_units, n=self.full_units)
        self.trace, self.note = trace, note
        self._hold = True
        try:
            self.play.value = 0
            self.time.value = 0
            self.play.max = self.time.max = trace.time - 1
            self.sample.max = trace.batch - 1
            self.sample.value = 0
            self.sample.layout.display = "" if trace.batch > 1 else "none"
            self.unit.options = [(name, k) for k, name in enumerate(self.unit_names())]
            self.unit.value = 0
        finally:
            self._hold = False
        self.redraw()
        return trace

    # --- labels --------------------------------------------------------------------------
    def unit_names(self) -> list[str]:
        names = self.trace.meta.get("unit_names")
        out = []
        for k, idx in enumerate(self.trace.unit_index):
            if names is not None and len(names) > idx:
                out.append(f"{idx}: {names[idx]}")
            else:
                out.append(f"{term('unit', self.lang)} {idx}")
        return out

    def time_labels(self) -> list[str]:
        labels = self.trace.meta.get("labels")
        if labels is not None and len(labels) == self.trace.time:
            return [str(s) for s in labels]
        return [str(t) for t in range(self.trace.time)]

    # --- drawing -------------------------------------------------------------------------
    def redraw(self) -> None:
        if self._hold or self.trace is None:
            return
        tr, t, u, b, lang = self.trace, int(self.time.value), int(self.unit.value or 0), int(self.sample.value), self.lang
        labels = self.time_labels()
        title = f"{term('time_step', lang)} t = {t} ({labels[t]}) · {self.unit_names()[u]}"
        step = tr.step(t)
        self.status.value = f'<span style="color:{palette.MUTED}">{escape(self.note)}</span>'
        self.diagram.value = cell_svg(step, unit=u, sample=b, lang=lang, title=title)
        self.equations.value = equations_html(step, unit=u, sample=b, lang=lang)
        c_lim = max(1.0, float(np.abs(tr.c[b]).max()) * 1.05)  # one fixed scale for the whole trace
        charts = []
        for fld, lim in (("c", (-c_lim, c_lim)), ("h", (-1.0, 1.0))):
            series = [{"y": getattr(tr, fld)[b, :, k], "colour": palette.INPUT_X, "width": 1, "opacity": 0.35}
                      for k in range(tr.units) if k != u]
            series.append({"y": getattr(tr, fld)[b, :, u], "colour": palette.color(fld), "width": 3,
                           "label": f"{fld}_t", "name": f"{fld}_series"})
            charts.append(line_chart(series, labels=labels, marker=t, ylim=lim,
                                     title=f"{field_name(fld, lang)} {fld}_t"))
        self.charts.value = "".join(charts)
        rows = self.unit_names()
        maps = []
        for fld, cmap, lo in (("i", palette.GATE_CMAP, 0.0), ("f", palette.GATE_CMAP, 0.0),
                              ("g", palette.STATE_CMAP, -1.0), ("o", palette.GATE_CMAP, 0.0)):
            maps.append(heatmap(getattr(tr, fld)[b].T, cmap=cmap, vmin=lo, vmax=1.0, row_labels=rows,
                                marker=t, highlight_row=u,
                                title=f"{field_name(fld, lang)} {fld}  [{lo:g}, 1]"))
        self.heatmaps.value = (f"<b>{term('gates_heatmap', lang)}</b><br>"
                               + '<div style="display:flex;flex-wrap:wrap;gap:12px">' + "".join(maps) + "</div>")

    def _apply_lang(self) -> None:
        self._relabel()
        if self.trace is not None:
            self._hold = True
            try:
                value = self.unit.value
                self.unit.options = [(name, k) for k, name in enumerate(self.unit_names())]
                self.unit.value = value
            finally:
                self._hold = False
        self.redraw()

    def _relabel(self) -> None:
        lang = self.lang
        self.time.description = term("time_step", lang)
        self.sample.description = term("sample", lang)
        self.words.description = term("words", lang)
        self.run_button.description = term("run_demo", lang)
        self.path.description = term("trace_file", lang)
        self.load_button.description = term("load_trace", lang)
        self.unit.description = term("unit", lang)
        for w in (self.words, self.path, self.time, self.sample, self.unit):
            w.style.description_width = "initial"


__all__ = ["SequenceExplorer"]
