"""Sequence explorer: step through a traced sequence, play it, read every gate over time.

Shows, for time step t of a :class:`~explainer.trace.SequenceTrace` (an LSTM's) or a
:class:`~explainer.gru.GRUTrace` (a GRU's: its own drawing, h alone over time, its three gates):

* the cell diagram of the selected unit at step t (:func:`widgets.diagram.cell_svg`) and its
  equations with the numbers plugged in (hover one to light up the other);
* line charts of c_t and h_t over time (selected unit bold, the others faint), step t marked;
* heatmaps of the gates i, f, g, o, units × time, each on its palette colour scale with a
  colour bar, a word or date under every column, step t and the selected unit outlined.

A step the layer skipped (its mask was False) is hatched grey in the charts and heatmaps with
"skipped (masked)" under it; there the drawing shows h and c carried over unchanged and the
gates greyed as "not used", and the status line says so.

Playback: ▶/⏸, one step back or forward, a speed menu, and the keys space (play/pause),
← and → (step) while the pointer is over the drawing (keyboard events by ``ipyevents``);
each new step fades in over 0.25 s instead of jumping.

The trace comes from the demo LSTM run on words the learner types, from the trained story
LSTM, or from a file (``SequenceTrace.load``; e.g. the bitcoin report's
``reports/bitcoin/trace_btc.npz``). Relative paths are read from the folder the classroom was
started in (``base_dir``). Every trace is validated on load (finite values, shapes, the cell
equations); a bad one is refused with the step and field that are wrong, and nothing stale
stays on screen. A layer wider than ``max_units`` is narrowed to its most active units.
"""
from __future__ import annotations
from explainer.errors import InputError

import os
import re
from html import escape
from pathlib import Path

import ipywidgets as widgets
import numpy as np

from explainer import palette
from explainer.demo import FEATURES, WORD_TERMS, WORDS, demo_trace
from explainer.glossary import LANGS, term
from explainer.gru import GRUTrace, load_gated_trace
from explainer.trace import SequenceTrace

from . import views
from .diagram import PHONE_CSS, legend_html, hover_css, phone_page_html
from .language import LanguageSwitch, check_lang

#: Playback speeds: label → milliseconds per step.
SPEEDS = (("0.5×", 1800), ("1×", 900), ("2×", 450), ("4×", 225))

SEQUENCE_CSS = """
.lstm-seq-main {display:flex; flex-flow:row wrap; gap:6px 18px; align-items:flex-start; width:100%}
.lstm-seq-left {flex:1 1 500px; min-width:300px; max-width:900px}
.lstm-seq-right {flex:1 1 400px; min-width:300px}
.lstm-seq-left:focus, .lstm-seq-left:hover {outline:1px dashed #BBBBBB}
.lstm-seq-diagram svg, .lstm-seq-charts svg {animation:lstm-step-in .25s ease-out}
@keyframes lstm-step-in {from {opacity:.35} to {opacity:1}}
.lstm-seq-charts {display:flex; flex-flow:row wrap; gap:4px 12px}
/* what happens at this step (the narration) before the equations that say how */
.lstm-seq-equations .lstm-equations {display:flex; flex-direction:column}
.lstm-seq-equations .lstm-narration {order:-1; font-weight:bold}
/* on a phone the line under the drawing says that the one-file page is the phone's view (diagram.PHONE_CSS) */
""" + PHONE_CSS + """
/* what to watch in the story, in the type of the text around it (was the widgets' 13 px) */
.lstm-seq-watch .lstm-watch {font-size:14px; margin:2px 0}
/* a desk (1400×900): the two text boxes share one row, and the drawing is as wide as lets its equations and
   narration stay above the fold (its height is its width / 1.617; the rows above it take about 280 px) */
@media (min-width: 1200px) and (min-height: 621px) {
  .lstm-seq-sources.lstm-seq-sources {flex-flow:row wrap; column-gap:12px}
  .lstm-seq-sources > .widget-hbox {flex:1 1 520px}
  .lstm-seq-left {max-width:clamp(480px, calc((100vh - 480px) * 1.617), 900px)}
}
/* a short screen (a projector at 150 % zoom): playback and the drawing first, the text boxes hidden; the
   drawing as large as the height allows, what happens (the narration) and its equations beside it in type a
   class reads (16 px, the proportional face, so a line wraps less), what to watch under the drawing, the
   source line and the charts under them (the two columns' boxes become cells of one grid: display: contents).
   The equations' column is what is left of 853 px beside a drawing whose numbers stay ≥ 16 px (about 220 px):
   the narrower gap, edge and padding let a line like "f = σ(z_f) = σ(4.19) =" keep one more word, so at a step
   with a three-clause narration the last line (h) still ends above the fold (at y 497 of 480 without them) */
@media (max-height: 620px) {
  .lstm-seq-sources, .lstm-seq-keys, .lstm-seq-speed {display:none !important}
  .lstm-seq-status {font-size:12px; line-height:1.25}
  .lstm-seq-status.widget-html, .lstm-seq-watch.widget-html {margin:0; min-height:0; height:auto}
  .lstm-seq-status .widget-html-content, .lstm-seq-watch .widget-html-content {line-height:1.25; height:auto}
  .lstm-seq-watch .lstm-watch {font-size:14px; line-height:1.2; margin:0}  /* two lines under the drawing */
  .lstm-sequence.lstm-sequence {display:grid; grid-template-columns:minmax(0, min(calc((100vh - 90px) * 1.617), 72%)) minmax(200px, 1fr);
    grid-template-areas:"controls controls" "diagram eqs" "watch eqs" "legend status" "heatmaps charts";
    grid-template-rows:auto auto auto auto auto; gap:0 8px; align-items:start}
  .lstm-sequence > .widget-html:first-child {position:absolute}
  .lstm-seq-main, .lstm-seq-left, .lstm-seq-right {display:contents}
  .lstm-seq-status {grid-area:status; min-width:0} .lstm-seq-controls {grid-area:controls; min-width:0}
  .lstm-seq-watch {grid-area:watch; min-width:0}
  .lstm-seq-controls .lstm-slider-time {min-width:120px !important; flex:1 1 120px !important}
  .lstm-seq-controls .widget-dropdown {min-width:0 !important}
  .lstm-seq-diagram {grid-area:diagram; min-width:0} .lstm-seq-legend {grid-area:legend}
  .lstm-seq-equations {grid-area:eqs; min-width:0} .lstm-seq-charts {grid-area:charts; min-width:0}
  .lstm-seq-heatmaps {grid-area:heatmaps; min-width:0}
  .lstm-seq-equations .lstm-equations {font-size:16px !important; line-height:1.2 !important;
    font-family:var(--jp-ui-font-family, "DejaVu Sans", sans-serif) !important}
  .lstm-seq-equations .lstm-equations {display:flex; flex-direction:column}
  .lstm-seq-equations .lstm-narration {font-size:16px; font-weight:bold; order:-1}  /* what happens, first */
  .lstm-seq-equations .lstm-eq-note {display:none}
  /* each line's colour edge (an inline style, hence !important) 1 px thinner and 2 px closer to its text */
  .lstm-seq-equations .lstm-equations .lstm-eq {border-left-width:3px !important; padding-left:4px !important}
}
"""


def tokenise(text: str) -> list[str]:
    """Words as a reader sees them: punctuation and capitals do not matter ("Blue." is "blue").

    Splits on whitespace and on Latin or Chinese punctuation; keeps inner apostrophes and
    hyphens ("don't", "sky-blue").
    """
    return [w.strip("'-") for w in re.findall(r"[\w'-]+", str(text).lower()) if w.strip("'-")]


def feature_aliases() -> dict[str, str]:
    """Every word the demo LSTM knows, in either language → its feature (``"蓝色" → "blue"``).

    The demo's own sentence words ("the", "sky", … and their Chinese) are known too: words that
    carry no feature, read as the all-zero input on purpose."""
    out = {}
    for w, key in WORD_TERMS.items():
        for lang in LANGS:
            out[term(key, lang)] = w
        out[w] = w
    for f in FEATURES:
        for lang in LANGS:
            out[term(f"feature_{f}", lang)] = f
        out[f] = f
    return out


def _join_pairs(tokens: list[str], known: dict[str, str]) -> list[str]:
    """Two typed words that are one token of the demo ("the" "sky" → "the sky") joined, as it reads them."""
    out, k = [], 0
    while k < len(tokens):
        pair = " ".join(tokens[k:k + 2])
        if k + 1 < len(tokens) and pair in known:
            out.append(pair)
            k += 2
        else:
            out.append(tokens[k])
            k += 1
    return out


def base_dir() -> Path:
    """Where relative trace paths are read from: the folder the classroom was started in."""
    return Path(os.environ.get("LSTM_EXPLAINER_CWD") or os.getcwd())


def _validate(trace: SequenceTrace) -> None:
    """Refuse a trace with non-finite values, bad shapes or broken cell equations (names step and field)."""
    trace.validate()


def explain_error(e: Exception, lang: str) -> str:
    """The error's message in ``lang``. A validation error names its step, field and unit; in
    Chinese those are said in Chinese, and no English sentence is shown."""
    msg = str(e)
    if lang == "en":
        return msg
    step, field, unit = (getattr(e, k, None) for k in ("step", "field", "unit"))
    if step is None:
        m = re.search(r"\bstep (\d+)", msg)
        step = m.group(1) if m else None
    if field is None:
        m = re.search(r"\bfield '?([A-Za-z_/]+)'?", msg)
        field = m.group(1) if m else None
    if step is not None and field is not None:
        out = term("err_at_step", lang).format(t=step, field=field)
    elif field is not None:
        out = f"{term('field', lang)} {field}"
    else:  # no English sentence: say it is unreadable, keep the message's numbers (sizes, shapes)
        numbers = re.findall(r"(?<![\w/.-])[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w/])", msg)
        out = term("err_unreadable", lang) + (f"({', '.join(numbers[:4])})" if numbers else "")
    if unit is not None:
        out += f",{term('unit', lang)} {unit}"
    return out


class SequenceExplorer(LanguageSwitch, widgets.VBox):
    """Play through a :class:`SequenceTrace`; ``trace=None`` starts on ``source`` ("story": the trained
    story LSTM, opened on its colour memory where the forget gate closes; or "demo")."""

    def __init__(self, trace: SequenceTrace | None = None, lang: str = "en", max_units: int = 16,
                 show_language: bool = True, interval_ms: int = 900, base: str | Path | None = None,
                 source: str = "story") -> None:
        check_lang(lang)
        if int(max_units) < 1:
            raise InputError(f"max_units must be >= 1, got {max_units}")
        self.lang, self.max_units = lang, int(max_units)
        self.base = Path(base) if base is not None else base_dir()
        self.trace: SequenceTrace | None = None
        self.full_units = 0
        self.note_parts: list[tuple[str, dict]] = []
        self.error: str = ""
        self._default_demo = False
        self._hold = False
        self._keep_step = False  # a reload for a language switch keeps the step and unit
        self._shown_name = ""

        self.play = widgets.Play(min=0, max=1, step=1, interval=interval_ms, show_repeat=False)
        self.back = widgets.Button(icon="step-backward", layout=widgets.Layout(width="40px"))
        self.back.add_class("lstm-step-back")
        self.forward = widgets.Button(icon="step-forward", layout=widgets.Layout(width="40px"))
        self.forward.add_class("lstm-step-forward")
        # Home and End as buttons no one sees: the classroom page's keys press them, wherever the focus is
        # (widgets/jupyter/voila/templates/lstm-classroom/index.html.j2), as they press ◀ and ▶ for ← and →
        self.first = widgets.Button(layout=widgets.Layout(display="none"))
        self.first.add_class("lstm-step-home")
        self.last = widgets.Button(layout=widgets.Layout(display="none"))
        self.last.add_class("lstm-step-end")
        self.speed = widgets.Dropdown(options=SPEEDS, value=min(SPEEDS, key=lambda s: abs(s[1] - interval_ms))[1],
                                      layout=widgets.Layout(width="auto"))
        self.time = widgets.IntSlider(min=0, max=1, continuous_update=True,
                                      layout=widgets.Layout(width="auto", min_width="260px", flex="1 1 300px"))
        self.time.add_class("lstm-slider-time")
        widgets.jslink((self.play, "value"), (self.time, "value"))  # Play drives the slider in the browser
        self.unit = widgets.Dropdown(layout=widgets.Layout(width="auto", min_width="180px"))
        self.sample = widgets.IntSlider(min=0, max=0, layout=widgets.Layout(width="240px"))
        self.words = widgets.Text(value=" ".join(WORDS), layout=widgets.Layout(width="auto", flex="1 1 300px"))
        self.run_button = widgets.Button(icon="play-circle", layout=widgets.Layout(width="auto"))
        self.story_button = widgets.Button(icon="book", layout=widgets.Layout(width="auto"))
        self.story_button.add_class("lstm-story-button")
        self._source = ""
        # which trace is shown, always on screen (the text boxes fold away on a short screen)
        self.source_menu = widgets.Dropdown(layout=widgets.Layout(width="auto"))
        self.source_menu.add_class("lstm-seq-source-menu")
        self.path = widgets.Text(placeholder="reports/bitcoin/trace_btc.npz",
                                 layout=widgets.Layout(width="auto", flex="1 1 300px"))
        self.load_button = widgets.Button(icon="folder-open", layout=widgets.Layout(width="auto"))
        self._language_toggle(lang, show_language)
        self.status = widgets.HTML()
        self.status.add_class("lstm-seq-status")
        self.watch = widgets.HTML()  # what to watch in a named source's story (empty for a file)
        self.watch.add_class("lstm-seq-watch")
        self.keys_hint = widgets.HTML()
        self.diagram = widgets.HTML()
        self.diagram.add_class("lstm-seq-diagram")
        self.phone_hint = widgets.HTML()  # under the drawing, on a phone only (diagram.PHONE_CSS)
        self.phone_hint.add_class("lstm-phone")
        self.phone_hint.add_class("lstm-seq-phone")
        self.equations = widgets.HTML()
        self.equations.add_class("lstm-seq-equations")
        self.charts = widgets.HTML()
        self.charts.add_class("lstm-seq-charts")
        self.heatmaps = widgets.HTML()
        self.heatmaps.add_class("lstm-seq-heatmaps")

        self.legend = widgets.HTML()
        self.legend.add_class("lstm-seq-legend")
        self.speed.add_class("lstm-seq-speed")
        left = widgets.VBox([self.diagram, self.phone_hint, self.equations])  # the equations under the drawing: above the fold
        left.add_class("lstm-seq-left")
        right = widgets.VBox([self.legend, self.charts, self.heatmaps])  # the legend beside the drawing: on screen
        right.add_class("lstm-seq-right")
        main = widgets.Box([left, right])
        main.add_class("lstm-seq-main")
        wrap = widgets.Layout(flex_flow="row wrap", align_items="center")
        sources = widgets.VBox([widgets.HBox([self.words, self.run_button, self.story_button, self.language],
                                             layout=wrap),
                                widgets.HBox([self.path, self.load_button], layout=wrap)])
        sources.add_class("lstm-seq-sources")
        self.keys_hint.add_class("lstm-seq-keys")
        self._controls = widgets.HBox([self.source_menu, self.play, self.first, self.back, self.forward, self.last,
                                       self.speed, self.time, self.unit, self.sample], layout=wrap)
        self._controls.add_class("lstm-seq-controls")
        super().__init__([
            widgets.HTML(SEQUENCE_CSS.join(("<style>", "</style>")) + hover_css(".lstm-sequence")),
            sources,
            self.status,
            self.watch,
            self._controls,
            self.keys_hint,
            main,
        ])
        self.add_class("lstm-sequence")
        self._keyboard(main)

        self.time.observe(lambda ch: self.redraw(), names="value")
        self.unit.observe(lambda ch: None if self._hold else self.redraw(), names="value")
        self.sample.observe(lambda ch: None if self._hold else self.redraw(), names="value")
        self.speed.observe(lambda ch: setattr(self.play, "interval", int(ch["new"])), names="value")
        self.back.on_click(lambda b: self.step_by(-1))
        self.forward.on_click(lambda b: self.step_by(+1))
        self.first.on_click(lambda b: self.step_by(-self.time.max))
        self.last.on_click(lambda b: self.step_by(+self.time.max))
        self.run_button.on_click(lambda b: self._guard(self.run_demo, self.words.value))
        self.load_button.on_click(lambda b: self._guard(self.load, self.path.value))
        self.story_button.on_click(lambda b: self._guard(self.load_source, "story"))
        self.source_menu.observe(self._on_source_menu, names="value")
        self._relabel()
        if trace is None:
            if source not in ("story", "demo"):
                raise InputError(f"source must be 'story' or 'demo' (or pass a trace), got {source!r}")
            self.load_source(source)
        else:
            self.set_trace(trace)

    # --- keyboard and playback ------------------------------------------------------------
    def _keyboard(self, target: widgets.DOMWidget) -> None:
        """Space plays/pauses, ← → PageUp PageDown step, Home End jump, while the pointer is anywhere over the
        drawing, its equations, the charts or the heatmaps (ipyevents hears keys only over its source widget, and
        prevents their default there; the text boxes and sliders above keep their own keys)."""
        try:
            from ipyevents import Event
        except ImportError:  # the slider's own arrow keys and the ▶ button still work
            self.events = self.clicks = None
            return
        self.events = Event(source=target, watched_events=["keydown"], prevent_default_action=True)
        self.events.on_dom_event(self.on_key)
        # a click on a heatmap column goes to that step
        self.clicks = Event(source=self.heatmaps, watched_events=["click"])
        self.clicks.on_dom_event(self.on_heatmap_click)

    def on_heatmap_click(self, event: dict) -> None:
        """Go to the step of the heatmap column clicked (``relativeX`` in the heatmaps' box)."""
        if self.trace is None:
            return
        t = views.heatmap_step(self.trace, event.get("relativeX", -1), event.get("boundingRectWidth", 0))
        if t is not None:
            self.play.playing = False
            self.time.value = t

    def on_key(self, event: dict) -> None:
        """Handle a key event (``{"type": "keydown", "key": " "}``) as the browser sends it."""
        key = event.get("key")
        if key in (" ", "Spacebar"):
            self.toggle_play()
        elif key in ("ArrowRight", "PageDown"):  # a presenter's clicker sends PageDown / PageUp
            self.step_by(+1)
        elif key in ("ArrowLeft", "PageUp"):
            self.step_by(-1)
        elif key == "Home":
            self.step_by(-self.time.max)
        elif key == "End":
            self.step_by(+self.time.max)

    def toggle_play(self) -> None:
        if not self.play.playing and self.time.value >= self.time.max:
            self.time.value = 0  # at the end, ▶ starts over
        self.play.playing = not self.play.playing

    def step_by(self, k: int) -> None:
        """Move ``k`` steps (clipped to the trace); pauses playback."""
        self.play.playing = False
        self.time.value = int(np.clip(self.time.value + k, 0, self.time.max))

    # --- getting a trace -----------------------------------------------------------------
    def _guard(self, fn, arg) -> None:
        """Button handlers: a bad file or empty text becomes a red message, not a traceback."""
        try:
            fn(arg)
        except (ValueError, FileNotFoundError, IndexError, OSError) as e:
            self._show_error(str(e) if isinstance(e, _Shown) else explain_error(e, self.lang))

    def _show_error(self, message: str) -> None:
        self.error = message
        self.status.value = f'<span class="lstm-error" style="color:{palette.FORGET}">⚠ {escape(message)}</span>'

    def run_demo(self, words, watch: bool = False) -> SequenceTrace:
        """Trace the demo LSTM over ``words``: a list, or text split into words like a reader would.

        Words the demo does not know are read as an all-zero input, and the status line names them.
        ``watch`` opens it on its step and unit to watch (as :meth:`set_trace`).
        """
        tokens = tokenise(words) if isinstance(words, str) else [str(w).lower() for w in words]
        known = feature_aliases()
        tokens = _join_pairs(tokens, known)
        features = ", ".join(term(f"feature_{f}", self.lang) for f in FEATURES)
        if not tokens:
            raise _Shown(term("err_no_words", self.lang).format(features=features))
        trace = demo_trace([known.get(w, w) for w in tokens])
        trace.meta["labels"] = tokens
        unknown = list(dict.fromkeys(w for w in tokens if w not in known))
        notes = [("demo_note", {"n": len(tokens)})]
        if unknown:
            shown = ", ".join(unknown[:8]) + (f", … (+{len(unknown) - 8})" if len(unknown) > 8 else "")
            notes.append(("demo_unknown_words", {"words": shown}))
        self._default_demo = False
        return self.set_trace(trace, notes, words_box=" ".join(tokens), watch=watch)

    def load(self, path: str | Path) -> SequenceTrace:
        """Load a saved trace (``.npz`` written by ``SequenceTrace.save``), validate it and show it.

        A relative path is read from :attr:`base` (where the classroom was started).
        """
        text = str(path).strip()
        if not text:
            raise _Shown(term("err_no_path", self.lang))
        p = Path(text).expanduser()
        if not p.is_absolute():
            p = self.base / p
        if not p.is_file():
            raise _Shown(term("err_no_file", self.lang).format(path=p, base=self.base))
        try:
            trace = load_gated_trace(p)  # an LSTM's trace or a GRU's
        except (ValueError, OSError) as e:
            raise _Shown(term("err_bad_file", self.lang).format(name=p.name, reason=explain_error(e, self.lang)))
        notes = [("file_note", {"name": p.name, "layer": trace.layer})]
        return self.set_trace(trace, notes, name=p.name)

    def load_source(self, name: str) -> SequenceTrace:
        """Show a named trace (``"demo"``, ``"story"``) or a file, as ``export-html --trace`` names them."""
        if name == "demo":
            self.run_demo(term("demo_sentence", self.lang), watch=True)
            self._default_demo = True
            self._open_on_watch()
            return self.trace
        if name == "story":
            from explainer.sources import trace_source

            trace = self.set_trace(trace_source("story", self.lang), [("story_note", {})], name="story", watch=True)
            self._source = "story"  # told again in the reader's language when it switches
            self._open_on_watch()
            return trace
        return self.load(name)

    def _on_source_menu(self, change) -> None:
        if self._hold or change["new"] in (None, "file") or change["new"] == self._menu_value():
            return
        self._guard(self.load_source, change["new"])

    def _menu_value(self) -> str:
        return "story" if self._source == "story" else "demo" if self._default_demo or (
            self.trace is not None and self._shown_name == "demo") else "file"

    def _relabel_source_menu(self) -> None:
        """The menu names the two built-in traces and, when a file is shown, that file."""
        lang = self.lang
        options = [(term("source_story", lang), "story"), (term("source_demo", lang), "demo")]
        if self._menu_value() == "file":
            options.append((self._shown_name or term("source_file", lang), "file"))
        self._hold = True
        try:
            self.source_menu.options = options
            self.source_menu.value = self._menu_value()
        finally:
            self._hold = False

    def _open_on_watch(self) -> None:
        """Say what to watch in a named source (``set_trace(watch=True)`` already opened it at that step)."""
        self.watch.value = (f'<div class="lstm-watch"><b>▸</b> '
                            f'{escape(views.watch_line(self.trace, self.lang))}</div>')
        self.redraw()

    def set_trace(self, trace: SequenceTrace, note=(), words_box: str = "", name: str = "",
                  watch: bool = False) -> SequenceTrace:
        """Validate ``trace`` and show it (narrowed to its ``max_units`` most active units if wider).

        ``note`` is a string or a list of ``(glossary key, format arguments)`` for the status line.
        It opens at step 0 on unit 0, or with ``watch`` on its memory unit at the step to watch
        (:func:`views.watch_point`); a reload for a language switch keeps the reader's step and unit.
        A trace that fails validation is refused with a ``ValueError``; the one on screen stays.
        """
        if not isinstance(trace, (SequenceTrace, GRUTrace)):
            raise InputError(f"expected an explainer.SequenceTrace or GRUTrace, got {type(trace).__name__}")
        try:
            _validate(trace)
        except ValueError as e:
            raise _Shown(term("err_bad_trace", self.lang).format(name=name or trace.layer,
                                                                 reason=explain_error(e, self.lang))) from e
        self.full_units = trace.units
        notes = [(note, None)] if isinstance(note, str) and note else list(note)
        if trace.units > self.max_units:
            trace = trace.narrow(trace.most_active(self.max_units))
            notes.append(("showing_units", {"k": self.max_units, "n": self.full_units}))
        self.trace, self.note_parts, self.error = trace, notes, ""
        self.watch.value = ""
        self._shown_name = name or ("demo" if words_box else "")
        self._default_demo, self._source = False, ""
        self._hold = True
        try:
            self.words.value = words_box  # a file's trace is not the demo's words
            self.play.playing = False
            keep = self._keep_step and self.time.value < trace.time and (self.unit.value or 0) < trace.units
            t, u = ((int(self.time.value), self.unit.value or 0) if keep
                    else views.watch_point(trace) if watch else (0, 0))
            # The step is set once, to where it opens. Setting it to 0 and then to the step to watch raced the
            # browser's jslink between ▶ and the slider: ▶'s 0 could come back to the kernel last and open the
            # source on step 0. The max and the value go in separate messages, in the order in which the browser
            # never holds a value past its max: a slider given value 8 with max 12 in one message applied the
            # value first, clipped it to the old max 7 and sent 7 back.
            def set_max():
                with self.play.hold_sync(), self.time.hold_sync():
                    self.play.max = self.time.max = trace.time - 1

            def set_value():
                with self.play.hold_sync(), self.time.hold_sync():
                    self.play.value = self.time.value = t

            for step in ((set_max, set_value) if trace.time - 1 >= self.time.value else (set_value, set_max)):
                step()
            self.sample.max = trace.batch - 1
            self.sample.value = 0
            self.sample.layout.display = "" if trace.batch > 1 else "none"
            self.unit.options = [(n, k) for k, n in enumerate(self.unit_names())]
            self.unit.value = u
        finally:
            self._hold = False
        self.redraw()
        return trace

    # --- labels --------------------------------------------------------------------------
    @property
    def note(self) -> str:
        """The status line: where the trace comes from, in the widget's language."""
        out, features = [], ", ".join(term(f"feature_{f}", self.lang) for f in FEATURES)
        for key, args in self.note_parts:
            out.append(key if args is None else term(key, self.lang).format(features=features, **args))
        return " · ".join(s for s in out if s)

    def unit_names(self) -> list[str]:
        return views.unit_names(self.trace, self.lang)

    def time_labels(self) -> list[str]:
        return views.time_labels(self.trace, self.lang)

    # --- drawing -------------------------------------------------------------------------
    def redraw(self) -> None:
        """Draw step t. If it cannot be drawn, the drawing is cleared and the reason shown:
        never the previous step's picture under the new step number."""
        if self._hold or self.trace is None:
            return
        if self.source_menu.value != self._menu_value() or len(self.source_menu.options) != (
                3 if self._menu_value() == "file" else 2):
            self._relabel_source_menu()
        t = int(self.time.value)
        try:
            diagram, equations, charts, heatmaps = self._render(t)
        except (ValueError, IndexError, FloatingPointError) as e:
            blank = f'<div class="lstm-blank" style="height:120px;color:{palette.MUTED}">t = {t}</div>'
            self.diagram.value, self.equations.value = blank, ""
            self._show_error(term("err_drawing", self.lang).format(t=t, reason=explain_error(e, self.lang)))
            return
        self.diagram.value, self.equations.value = diagram, equations
        self.charts.value, self.heatmaps.value = charts, heatmaps
        self.error = ""
        status = f'<span style="color:{palette.MUTED}">{escape(self.note)}</span>'
        gru = "gru_" if views.is_gru(self.trace) else ""  # a GRU carries h alone
        if views.is_skipped(self.trace, t, int(self.sample.value)):  # say it first: the drawing shows no update
            status = (f'<span class="lstm-masked-status" style="color:{palette.INK};font-weight:bold">⊘ '
                      f'{escape(term(gru + "masked_status", self.lang).format(t=t))}</span> · ' + status)
        self.status.value = status

    def _render(self, t: int) -> tuple[str, str, str, str]:
        tr, u, b, lang = self.trace, int(self.unit.value or 0), int(self.sample.value), self.lang
        diagram, equations = views.step_html(tr, t, u, b, lang)  # an LSTM's cell or a GRU's
        return diagram, equations, views.charts_html(tr, t, u, b, lang), views.heatmaps_html(tr, t, u, b, lang)

    def _apply_lang(self) -> None:
        self._relabel()
        if self._default_demo or self._source == "story":  # a named source is told in the reader's language
            # the reader stays where they were: the reload leaves step and unit alone (setting them to 0 and
            # back would race the browser's link between ▶ and the slider, which can echo the 0 back last)
            self._keep_step = True
            try:
                self.load_source("demo" if self._default_demo else "story")
            finally:
                self._keep_step = False
            return
        if self.trace is not None:
            self._hold = True
            try:
                value = self.unit.value
                self.unit.options = [(n, k) for k, n in enumerate(self.unit_names())]
                self.unit.value = value
            finally:
                self._hold = False
        self.redraw()

    def _relabel(self) -> None:
        lang = self.lang
        self.legend.value = legend_html(lang)
        self.time.description = term("time_step", lang)
        self.sample.description = term("sample", lang)
        self.words.description = term("words", lang)
        self.run_button.description = term("run_demo", lang)
        self.story_button.description = term("source_story", lang)
        self.path.description = term("trace_file", lang)
        self.load_button.description = term("load_trace", lang)
        self.unit.description = term("unit", lang)
        self.speed.description = term("speed", lang)
        self.source_menu.description = term("source", lang)
        if self.trace is not None:
            self._relabel_source_menu()
        self.back.tooltip = term("step_back", lang)
        self.forward.tooltip = term("step_forward", lang)
        self.keys_hint.value = f'<small style="color:{palette.MUTED}">{escape(term("keys_hint", lang))}</small>'
        self.phone_hint.value = phone_page_html(lang)
        for w in (self.words, self.path, self.time, self.sample, self.unit, self.speed):
            w.style.description_width = "initial"


class _Shown(ValueError):
    """An error whose message is already written for the reader, in the widget's language."""


__all__ = ["SequenceExplorer", "tokenise", "explain_error", "base_dir"]
