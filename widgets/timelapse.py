"""Training timelapse: watch the gates learn, epoch by epoch, over a ``TraceRecorder`` file.

``fit(..., callbacks=[TraceRecorder(x_probe, path="run.npz")])`` records the trace of one probe
sequence before training and after every epoch (an :class:`explainer.callbacks.EpochTraces`).
This widget reads that file and shows, for the chosen epoch:

* the cell drawing of the selected unit at step t, as the model computed it after that epoch;
* the forget-gate heatmap (units × time) of that epoch, in the palette's red;
* the selected unit's four gates at step t over all epochs, and the loss per epoch, with the
  chosen epoch marked.

Nothing is recomputed: every number is read from the recording.
"""
from __future__ import annotations
from explainer.errors import InputError

from html import escape
from pathlib import Path

import ipywidgets as widgets
import numpy as np

from explainer import palette
from explainer.gates import GATES
from explainer.glossary import term
from explainer.trace import SequenceTrace

from . import views
from .charts import heatmap, line_chart, nice_limit
from .diagram import cell_svg, equations_html, hover_css
from .language import LanguageSwitch, check_lang
from .sequence import base_dir, explain_error


#: Presenter mode (the classroom's ``.lstm-presenting``): the projector's view of the timelapse. The file box
#: and the source line go (an error still shows); the drawing is as large as the screen's height allows
#: (its width is its height × 1.617, at most 74 % of the width), the narration and equations beside it in
#: 16 px; the charts follow below.
PRESENTER_CSS = """<style>
.lstm-presenting .lstm-timelapse-file {display:none !important}
.lstm-presenting .lstm-timelapse-status:not(:has(.lstm-error)) {display:none !important}
.lstm-presenting .lstm-timelapse-controls {flex-wrap:nowrap !important}
.lstm-presenting .lstm-timelapse-controls > .widget-slider {flex:1 1 120px !important; min-width:0 !important}
.lstm-presenting .lstm-timelapse-main {display:grid !important; gap:2px 10px; align-items:start;
  grid-template-columns:minmax(0, min(calc((100vh - 74px) * 1.617), 74%)) minmax(200px, 1fr);
  grid-template-areas:"diagram eqs" "charts charts"}
.lstm-presenting .lstm-timelapse-left {display:contents !important}
.lstm-presenting .lstm-timelapse-diagram {grid-area:diagram; min-width:0}
.lstm-presenting .lstm-timelapse-equations {grid-area:eqs; min-width:0}
.lstm-presenting .lstm-timelapse-right {grid-area:charts; min-width:0}
.lstm-presenting .lstm-timelapse-equations .lstm-equations {display:flex; flex-direction:column; font-size:16px !important;
  line-height:1.2 !important; font-family:var(--jp-ui-font-family, "DejaVu Sans", sans-serif) !important}
.lstm-presenting .lstm-timelapse-equations .lstm-narration {order:-1; font-size:16px; font-weight:bold}
.lstm-presenting .lstm-timelapse-equations .lstm-eq-note {display:none}
</style>"""


def load_recording(source) -> tuple[list[SequenceTrace], list[int], list[dict]]:
    """The first LSTM layer's traces, the epochs and the logs of a recording (a path or an ``EpochTraces``)."""
    from explainer.callbacks import EpochTraces

    rec = source if isinstance(source, EpochTraces) else EpochTraces.load(source)
    if not len(rec):
        raise InputError("the recording holds no epochs")
    for k in range(len(rec.layers)):
        traces = rec.over_epochs(k)
        if isinstance(traces[0], SequenceTrace):
            for tr in traces:
                tr.validate()
            return traces, list(rec.epochs), list(rec.logs)
    raise InputError(f"the recording holds no LSTM layer (layers: {rec.layers})")


class TimelapseWidget(LanguageSwitch, widgets.VBox):
    """An epoch slider over a training recording; ``recording`` is a path or an ``EpochTraces``."""

    def __init__(self, recording="story", lang: str = "en", show_language: bool = True, max_units: int = 16) -> None:
        self.lang = check_lang(lang)
        self.max_units = int(max_units)
        self.traces: list[SequenceTrace] = []
        self.epochs: list[int] = []
        self.logs: list[dict] = []
        self.error = ""
        self.shipped = False
        self._hold = False
        self.epoch = widgets.IntSlider(min=0, max=0, layout=widgets.Layout(width="auto", flex="1 1 300px"))
        self.epoch.add_class("lstm-slider-epoch")
        self.play = widgets.Play(min=0, max=0, interval=700, show_repeat=False)
        widgets.jslink((self.play, "value"), (self.epoch, "value"))
        self.time = widgets.IntSlider(min=0, max=0, layout=widgets.Layout(width="auto", flex="1 1 240px"))
        self.unit = widgets.Dropdown(layout=widgets.Layout(width="auto", min_width="160px"))
        self.path = widgets.Text(placeholder="run/timelapse.npz", layout=widgets.Layout(width="auto", flex="1 1 300px"))
        self.load_button = widgets.Button(icon="folder-open", layout=widgets.Layout(width="auto"))
        self._language_toggle(lang, show_language)
        self.status = widgets.HTML()
        self.status.add_class("lstm-timelapse-status")
        self.diagram = widgets.HTML()
        self.diagram.add_class("lstm-timelapse-diagram")
        self.equations = widgets.HTML()
        self.charts = widgets.HTML()
        self.charts.add_class("lstm-timelapse-charts")
        wrap = widgets.Layout(flex_flow="row wrap", align_items="center")
        left = widgets.VBox([self.diagram, self.equations], layout=widgets.Layout(flex="1 1 480px", min_width="300px",
                                                                                  max_width="900px"))
        right = widgets.VBox([self.charts], layout=widgets.Layout(flex="1 1 400px", min_width="300px"))
        file_row = widgets.HBox([self.path, self.load_button, self.language], layout=wrap)
        controls = widgets.HBox([self.play, self.epoch, self.time, self.unit], layout=wrap)
        main = widgets.Box([left, right], layout=widgets.Layout(flex_flow="row wrap", width="100%"))
        self.equations.add_class("lstm-timelapse-equations")
        for w, name in ((file_row, "file"), (controls, "controls"), (main, "main"), (left, "left"), (right, "right")):
            w.add_class(f"lstm-timelapse-{name}")  # the presenter's grid places these (PRESENTER_CSS)
        super().__init__([widgets.HTML(hover_css(".lstm-timelapse") + PRESENTER_CSS), file_row, self.status,
                          controls, main])
        self.add_class("lstm-timelapse")
        for w in (self.epoch, self.time, self.unit):
            w.observe(lambda ch: self.redraw(), names="value")
        self.load_button.on_click(lambda b: self._guard(self.path.value))
        self._relabel()
        if recording is not None:
            self.load(recording)
            if recording == "story":  # the shipped recording opens where the colour memory learns to close
                self._open_on_watch()
        else:
            self.status.value = f'<span style="color:{palette.MUTED}">{escape(term("timelapse_none", lang))}</span>'

    def _guard(self, path: str) -> None:
        try:
            p = Path(path.strip()).expanduser()
            self.load(p if p.is_absolute() else base_dir() / p)
        except (ValueError, OSError, KeyError) as e:
            self.error = explain_error(e, self.lang)
            self.status.value = f'<span class="lstm-error" style="color:{palette.FORGET}">⚠ {escape(self.error)}</span>'

    def load(self, recording) -> None:
        """Show a recording: a path to a ``TraceRecorder`` file, an ``EpochTraces``, or ``"story"``
        (the shipped recording of the story model learning)."""
        self.shipped = recording == "story"
        if self.shipped:
            from importlib.resources import as_file

            from explainer.story import timelapse_path

            with as_file(timelapse_path()) as path:
                traces, epochs, logs = load_recording(path)
        else:
            traces, epochs, logs = load_recording(recording)
        if traces[0].units > self.max_units:  # the same units at every epoch: chosen on the trained model
            keep = traces[-1].most_active(self.max_units)
            traces = [t.narrow(keep) for t in traces]
        self.traces, self.epochs, self.logs, self.error = traces, epochs, logs, ""
        self._hold = True
        try:
            self.epoch.max = self.play.max = len(epochs) - 1
            self.epoch.value = self.play.value = len(epochs) - 1  # the Play button drives the slider: both agree
            self.time.max = traces[0].time - 1
            self.time.value = traces[0].time - 1
            self.unit.options = [(n, k) for k, n in enumerate(views.unit_names(traces[0], self.lang))]
            self.unit.value = 0
        finally:
            self._hold = False
        self.name = Path(str(recording)).name if isinstance(recording, (str, Path)) and not self.shipped else ""
        self._status()
        self.redraw()

    def _open_on_watch(self) -> None:
        """The trained model's memory unit at the step its forget gate closes (:func:`views.watch_point`)."""
        t, u = views.watch_point(self.traces[-1])
        self._hold = True
        try:
            self.time.value, self.unit.value = t, u
        finally:
            self._hold = False
        self.redraw()

    def _status(self) -> None:
        lang = self.lang
        name = term("timelapse_shipped", lang) if self.shipped else self.name
        text = f'{escape(name)} · {term("epoch", lang)} {self.epochs[0]} … {self.epochs[-1]}'
        if self.shipped:
            text += f' · {escape(term("timelapse_make", lang))} <code>lstm-explainer story train --timelapse run.npz</code>'
        self.status.value = f'<span style="color:{palette.MUTED}">{text}</span>'

    def redraw(self) -> None:
        if self._hold or not self.traces:
            return
        k, t, u, lang = int(self.epoch.value), int(self.time.value), int(self.unit.value or 0), self.lang
        tr = self.traces[k]
        title = f"{term('epoch', lang)} {self.epochs[k]} · " + views.step_title(tr, t, u, lang)
        step, options = tr.step(t), views.cell_options(tr, t)
        self.diagram.value = cell_svg(step, unit=u, lang=lang, title=title, **options)
        self.equations.value = equations_html(step, unit=u, lang=lang, **options)
        labels = [str(e) for e in self.epochs]
        gates_over = [{"y": [float(getattr(x, g.field)[0, t, u]) for x in self.traces], "colour": g.color,
                       "width": 2.5, "label": g.field, "name": f"epoch_{g.field}"} for g in GATES]
        charts = [line_chart(gates_over, labels=labels, marker=k, ylim=(-1.0, 1.0), width=400,
                             title=f"{views.unit_names(tr, lang)[u]} · t = {t}", xlabel=term("epoch", lang))]
        loss = [log.get("loss") for log in self.logs]
        if any(v is not None for v in loss[1:]):
            ys = np.array([np.nan if v is None else v for v in loss], float)
            ys[0] = ys[1] if np.isnan(ys[0]) else ys[0]  # epoch 0 has no loss yet: draw it flat from epoch 1
            top = nice_limit(float(np.nanmax(ys)) * 1.02)  # a loss is ≥ 0: the axis starts at 0
            charts.append(line_chart([{"y": ys, "colour": palette.INK, "label": "L", "name": "loss"}],
                                     labels=labels, marker=k, width=400, title=term("loss", lang), ylim=(0.0, top),
                                     xlabel=term("epoch", lang)))
        f = GATES[1]
        charts.append(heatmap(tr.f[0].T, stops=palette.scale("f"), row_labels=views.unit_names(tr, lang),
                              col_labels=views.time_labels(tr, lang), marker=t, highlight_row=u,
                              uid="lstm-scale-f-timelapse",
                              title=f"{term(f.term, lang)} f · {term('epoch', lang)} {self.epochs[k]}"))
        self.charts.value = "".join(charts)

    def _apply_lang(self) -> None:
        self._relabel()
        if self.traces:
            self._hold = True
            try:
                value = self.unit.value
                self.unit.options = [(n, k) for k, n in enumerate(views.unit_names(self.traces[0], self.lang))]
                self.unit.value = value
            finally:
                self._hold = False
            self._status()
            self.redraw()
        elif not self.error:
            self.status.value = f'<span style="color:{palette.MUTED}">{escape(term("timelapse_none", self.lang))}</span>'

    def _relabel(self) -> None:
        lang = self.lang
        self.epoch.description = term("epoch", lang)
        self.time.description = term("time_step", lang)
        self.unit.description = term("unit", lang)
        self.path.description = term("recording_file", lang)
        self.load_button.description = term("load_trace", lang)
        for w in (self.epoch, self.time, self.unit, self.path):
            w.style.description_width = "initial"


__all__ = ["TimelapseWidget", "load_recording"]
