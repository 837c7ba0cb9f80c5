"""What if: clamp a gate, c or h of the trained story model at one word and watch the rest of the sentence.

    >>> from widgets.whatif import WhatIf
    >>> w = WhatIf()                       # the story's sentence, opened on the colour memory at "polluted"
    >>> w.hold(step=8, unit=2, field="f", value=1.0)
    >>> w.answers                          # ("grey", "grey"): the original and the what-if answer

Pick a step (a word), a unit, what to hold (f, i, o, g, c or h) and its value, and press "hold it
here": :mod:`explainer.intervention` reruns the sentence with that clamp, every later step computed by
the model from the changed state. The view shows the cell at the chosen step before and after, side
by side (:func:`widgets.diagram.cell_svg`), the unit's c and h over the sentence (original solid,
what-if dashed), the changed gates and states, and both answers with the readout's probabilities.

A self-contained ipywidgets view: the classroom dashboard can include it as a tab.
"""
from __future__ import annotations

from html import escape

import ipywidgets as widgets
import numpy as np

from explainer import palette
from explainer.glossary import term
from explainer.intervention import FIELDS, RANGES as CLAMP_RANGES, Intervention
from explainer.story import story_trace

from . import views
from .charts import line_chart, num
from .diagram import cell_svg
from .language import LanguageSwitch, check_lang

#: The range of each field's value slider: the range a clamp may take (explainer.intervention, from the
#: gate table), except c, which may be any number there but a slider needs ends (the story's c stays inside ±3).
RANGES = {**CLAMP_RANGES, "c": (-3.0, 3.0)}

WHATIF_CSS = """<style>
.lstm-whatif-pair {display:flex; flex-flow:row wrap; gap:8px 16px}
.lstm-whatif-pair > div {flex:1 1 420px; min-width:300px; max-width:760px}
.lstm-whatif-table {border-collapse:collapse; font-size:15px} .lstm-whatif-table td, .lstm-whatif-table th {padding:2px 8px}
/* a projector (853×480 CSS px): each drawing fits the screen's height (one above the other, numbers ≥ 16 px) */
@media (max-height: 620px) {.lstm-whatif-pair > div {max-width:calc((100vh - 20px) * 1.617)}}
/* presenter mode (the classroom's .lstm-presenting): one screen, nothing to scroll to for the point. Two
   drawings side by side would print their numbers at 12 px on a projector, so the what-if drawing alone, as
   tall as the screen allows (the held value is marked on it), and beside it what is held and the
   comparison: every value of the step, original against what-if, and both answers. The c and h curves
   follow below. */
.lstm-presenting .lstm-whatif {display:grid; gap:2px 12px; align-items:start;
  grid-template-columns:minmax(0, min(calc((100vh - 92px) * 1.617), calc(100% - 225px))) minmax(205px, 1fr);
  grid-template-areas:"controls controls" "pair status" "pair table" "charts charts"; grid-template-rows:auto auto 1fr auto}
.lstm-presenting .lstm-whatif > .widget-html:first-child {position:absolute}
.lstm-presenting .lstm-whatif-controls {grid-area:controls; min-width:0}
.lstm-presenting .lstm-whatif-controls {flex-wrap:nowrap !important; gap:0 2px}
.lstm-presenting .lstm-whatif-controls > * {flex:0 1 auto; min-width:0}
.lstm-presenting .lstm-whatif-controls .widget-slider {width:215px !important}
.lstm-presenting .lstm-whatif-controls .widget-slider .widget-label {width:auto !important; min-width:0 !important}
.lstm-presenting .lstm-whatif-controls .widget-readout {min-width:0 !important; width:40px}
.lstm-presenting .lstm-whatif-controls .widget-dropdown {width:auto !important}
.lstm-presenting .lstm-whatif-controls .widget-button {padding:0 6px}
.lstm-presenting .lstm-whatif-status {grid-area:status; min-width:0; font-size:16px; line-height:1.3}
.lstm-presenting .lstm-whatif-status .widget-html-content {line-height:1.3}
.lstm-presenting .lstm-whatif-pairbox {grid-area:pair; min-width:0}
.lstm-presenting .lstm-whatif-compare {display:contents !important}
.lstm-presenting .lstm-whatif-charts {grid-area:charts; min-width:0}
.lstm-presenting .lstm-whatif-tablebox {grid-area:table; min-width:0}
.lstm-presenting .lstm-whatif-pair > div:first-child {display:none}
.lstm-presenting .lstm-whatif-pair > div {max-width:none; min-width:0; flex-basis:100%}
.lstm-presenting .lstm-whatif-table {font-size:16px; line-height:1.3}
.lstm-presenting .lstm-whatif-table td, .lstm-presenting .lstm-whatif-table th {padding:0 6px; white-space:nowrap}
</style>"""


class WhatIf(LanguageSwitch, widgets.VBox):
    """The trained story model over ``words`` with what-if clamps (see the module docstring)."""

    def __init__(self, words=None, lang: str = "en", show_language: bool = True) -> None:
        check_lang(lang)
        self.lang = lang
        self.words = None if words is None else list(words)
        self.interventions: list[Intervention] = []
        self.original = story_trace(self.words, lang)
        t0, u0 = views.watch_point(self.original)
        self.step = widgets.Dropdown(layout=widgets.Layout(width="auto"))
        self.unit = widgets.Dropdown(layout=widgets.Layout(width="auto"))
        self.field = widgets.Dropdown(options=[(f, f) for f in ("f", "i", "o", "g", "c", "h")], value="f",
                                      layout=widgets.Layout(width="70px"))
        self.value = widgets.FloatSlider(value=1.0, min=0.0, max=1.0, step=0.01, readout_format=".2f",
                                         continuous_update=False)
        self.add = widgets.Button(layout=widgets.Layout(width="auto"))
        self.clear = widgets.Button(layout=widgets.Layout(width="auto"))
        self._language_toggle(lang, show_language)
        self.status = widgets.HTML()
        self.pair = widgets.HTML()
        self.charts = widgets.HTML()
        self.table = widgets.HTML()
        self._fill_menus(t0, u0)
        controls = widgets.HBox([self.step, self.unit, self.field, self.value, self.add, self.clear, self.language],
                                layout=widgets.Layout(flex_flow="row wrap"))
        compare = widgets.HBox([self.charts, self.table], layout=widgets.Layout(flex_flow="row wrap"))
        for w, name in ((controls, "controls"), (self.status, "status"), (self.pair, "pairbox"),
                        (compare, "compare"), (self.charts, "charts"), (self.table, "tablebox")):
            w.add_class(f"lstm-whatif-{name}")  # the presenter's grid places these (WHATIF_CSS)
        super().__init__([widgets.HTML(WHATIF_CSS), controls, self.status, self.pair, compare])
        self.add_class("lstm-whatif")
        self.field.observe(self._on_field, names="value")
        for w in (self.step, self.unit):
            w.observe(lambda ch: self.redraw(), names="value")
        self.add.on_click(lambda b: self.hold(self.step.value, self.unit.value, self.field.value, self.value.value))
        self.clear.on_click(lambda b: self.reset())
        self.changed = self.original
        self._apply_lang()

    # --- what the learner does ---------------------------------------------------------------------------
    def hold(self, step: int, unit: int, field: str, value: float):
        """Hold ``field`` of ``unit`` at ``value`` at ``step`` (replacing a clamp of the same place) and rerun."""
        iv = Intervention(step=step, unit=unit, field=field, value=value)
        self.interventions = [q for q in self.interventions if (q.step, q.unit, q.field) != (step, unit, field)] + [iv]
        self._rerun()
        return self.changed

    def reset(self) -> None:
        """Back to the model as trained."""
        self.interventions = []
        self._rerun()

    @property
    def answers(self) -> tuple[str, str]:
        """The original answer and the what-if answer."""
        return self.original.meta["prediction"], self.changed.meta["prediction"]

    # --- drawing -------------------------------------------------------------------------------------------
    def _rerun(self) -> None:
        self.changed = story_trace(self.words, self.lang, intervene=self.interventions) if self.interventions \
            else self.original
        self.redraw()

    def _fill_menus(self, t: int | None = None, u: int | None = None) -> None:
        t = self.step.value if t is None else t
        u = self.unit.value if u is None else u
        labels = views.time_labels(self.original, self.lang)
        self.step.options = [(f"t = {k}: {w}", k) for k, w in enumerate(labels)]
        self.unit.options = [(name, k) for k, name in enumerate(views.unit_names(self.original, self.lang))]
        self.step.value, self.unit.value = t, u

    def _on_field(self, change) -> None:
        lo, hi = RANGES[change["new"]]
        self.value.min, self.value.max = min(lo, self.value.min), max(hi, self.value.max)
        self.value.value = float(np.clip(self.value.value, lo, hi))
        self.value.min, self.value.max = lo, hi

    def redraw(self) -> None:
        if self.step.value is None or self.unit.value is None:
            return
        lang, t, u = self.lang, self.step.value, self.unit.value
        a, b = self.original, self.changed
        title = lambda tr, which: f"{term(which, lang)} · {views.step_title(tr, t, u, lang)}"
        held = [q.field for q in self.interventions if (q.step, q.unit) == (t, u)]
        self.pair.value = (f'<div class="lstm-whatif-pair"><div>{cell_svg(a.step(t), unit=u, lang=lang, title=title(a, "original"))}</div>'
                           f'<div>{cell_svg(b.step(t), unit=u, lang=lang, title=title(b, "what_if"), held=held)}</div></div>')
        labels = views.time_labels(a, lang)
        charts = []
        for f in ("c", "h"):
            series = [{"y": getattr(a, f)[0, :, u], "colour": palette.color(f), "width": 2.5, "label": term("original", lang),
                       "name": f"{f}_original"}]
            if self.interventions:
                series.append({"y": getattr(b, f)[0, :, u], "colour": palette.INK, "width": 2, "dashed": True,
                               "label": term("what_if", lang), "name": f"{f}_what_if"})
            charts.append(line_chart(series, labels=labels, marker=t, title=f"{f} · {views.unit_names(a, lang)[u]}"))
        self.charts.value = "".join(charts)
        colours = a.meta["colour_words"]
        rows = "".join(f"<tr><td>{escape(c)}</td><td>{num(pa)}</td><td>{num(pb)}</td></tr>"
                       for c, pa, pb in zip(colours, a.meta["probabilities"], b.meta["probabilities"]))
        cells = "".join(f"<tr><td style='color:{palette.color(f)}'><b>{f}</b></td><td>{num(getattr(a, f)[0, t, u])}</td>"
                        f"<td>{num(getattr(b, f)[0, t, u])}</td></tr>" for f in FIELDS)
        self.table.value = (f'<table class="lstm-whatif-table"><tr><th></th><th>{term("original", lang)}</th>'
                            f'<th>{term("what_if", lang)}</th></tr>{cells}'
                            f'<tr><td colspan="3"><b>{term("answer", lang)}</b></td></tr>{rows}</table>')
        if self.interventions:
            held = "; ".join(f"t = {q.step} ({labels[q.step]}), {views.unit_names(a, lang)[q.unit]}: {q.field} = {num(q.value)}"
                             for q in self.interventions)
            self.status.value = (f"<b>{term('what_if', lang)}</b>: {escape(held)} → {term('answer', lang)} "
                                 f"<b>{escape(self.answers[1])}</b> ({term('original', lang)}: {escape(self.answers[0])})")
        else:
            self.status.value = f"{term('clamp_none', lang)} → <b>{escape(self.answers[0])}</b>"

    def _apply_lang(self) -> None:
        lang = self.lang
        self.original = story_trace(self.words and self._respell(self.words, lang), lang)
        self.words = self.original.meta["words"] if self.words is not None else None
        self.add.description = term("clamp_add", lang)
        self.clear.description = term("clamp_clear", lang)
        self.value.description = term("clamp_value", lang)
        self._fill_menus()
        self._rerun()

    def _respell(self, words, lang):
        """The same tokens spelled in ``lang`` (both languages share the one-hot indices)."""
        from explainer.story.words import VOCABULARY

        for k in range(2):
            index = {tok[k]: tok for tok in VOCABULARY}
            if all(w in index for w in words):
                return [index[w][0 if lang == "en" else 1] for w in words]
        return words


__all__ = ["WhatIf"]
