"""Cell-state flow: move a slider, watch one LSTM step of a small cell redraw.

The widget owns a real :class:`explainer.LSTMCell` with one input feature and 1–4 units.
Sliders set the step's inputs and, for the selected unit, each gate's weights::

    x_t, h_{t-1}[k], c_{t-1}[k]                      inputs of this step
    W[0, gate·u + k]   U[k, gate·u + k]   b[gate·u + k]   per gate ∈ {i, f, c, o}, Keras block order

(U's off-diagonal entries stay 0, so a unit only hears its own past.) On every change the
widget calls ``cell.step(x, h_prev, c_prev)`` and draws the returned
:class:`~explainer.trace.StepTrace` with :func:`widgets.diagram.cell_svg` into an
``ipywidgets.HTML``; no matplotlib figure is redrawn, so a tick costs well under a
millisecond of drawing (``benchmarks/bench_widgets.py`` measures it).

Presets put the cell in an instructive situation; each states the gate values it promises
(``Preset.promise``), and the tests check the traced values keep that promise.
"""
from __future__ import annotations
from explainer.errors import InputError

from dataclasses import dataclass, field
import os
from html import escape
from urllib.parse import quote

import ipywidgets as widgets
import numpy as np

from explainer import LSTMCell
from explainer import palette
from explainer.glossary import term
from explainer.gates import GATES
from explainer.trace import GATE_BLOCKS, StepTrace

from .diagram import PHONE_CSS, cell_svg, equations_html, legend_html, hover_css, phone_page_html
from .language import LanguageSwitch, check_lang

#: The trace field each Keras block produces ("c" block → candidate g).
BLOCK_FIELD = {g.block: g.field for g in GATES}
BLOCK_TERM = {g.block: g.term for g in GATES}
STATE_RANGE, WEIGHT_RANGE = (-3.0, 3.0), (-8.0, 8.0)


@dataclass(frozen=True)
class Preset:
    """A situation: the selected unit's inputs and weights, and the gate values it promises.

    ``promise`` maps a trace field (``"f"``, ``"i"``, ``"g"``, ``"o"``) to the closed
    interval its traced value must fall in.
    """

    key: str
    x: float
    h: float
    c: float
    W: dict[str, float]
    U: dict[str, float]
    b: dict[str, float]
    promise: dict[str, tuple[float, float]] = field(default_factory=dict)

    def label(self, lang: str = "en") -> str:
        return term(f"preset_{self.key}", lang)


_ZERO = {"i": 0.0, "f": 0.0, "c": 0.0, "o": 0.0}
# σ(±6) = 0.9975 / 0.0025: "open" and "shut" with room to spare for the promises below.
PRESETS: dict[str, Preset] = {
    "remember": Preset("remember", x=1.0, h=0.0, c=1.5, W={**_ZERO, "c": 1.0}, U=_ZERO,
                       b={"i": -6.0, "f": 6.0, "c": 0.0, "o": 0.0},
                       promise={"f": (0.99, 1.0), "i": (0.0, 0.01)}),
    "forget": Preset("forget", x=1.0, h=0.0, c=1.5, W={**_ZERO, "c": 1.0}, U=_ZERO,
                     b={"i": -6.0, "f": -6.0, "c": 0.0, "o": 0.0},
                     promise={"f": (0.0, 0.01), "i": (0.0, 0.01)}),
    "write": Preset("write", x=1.0, h=0.0, c=1.5, W={**_ZERO, "c": 3.0}, U=_ZERO,
                    b={"i": 6.0, "f": -6.0, "c": 0.0, "o": 0.0},
                    promise={"i": (0.99, 1.0), "f": (0.0, 0.01), "g": (0.99, 1.0)}),
    "read": Preset("read", x=0.0, h=0.0, c=1.5, W=_ZERO, U=_ZERO,
                   b={"i": -6.0, "f": 6.0, "c": 0.0, "o": 6.0},
                   promise={"o": (0.99, 1.0), "f": (0.99, 1.0), "i": (0.0, 0.01)}),
}
#: Where the widget starts: every gate part-open, so every flow is visible.
DEFAULT = Preset("default", x=0.5, h=0.2, c=1.0, W={"i": 1.0, "f": -1.0, "c": 1.5, "o": 2.0},
                 U={"i": 0.5, "f": 0.5, "c": 0.5, "o": 0.5}, b={"i": -0.5, "f": 1.5, "c": 0.0, "o": -0.5})


#: Order of the gate columns, left to right as in the drawing.
COLUMN_ORDER = ("f", "i", "c", "o")


def _shown(text: str, most: int = 40) -> str:
    """At most ``most`` characters of what a user typed or a link carried, for a message about it."""
    return text if len(text) <= most else text[:most] + "…"


def _r(v) -> float:
    """A float32 weight as the slider shows it (0.2, not 0.20000000298)."""
    return round(float(v), 6)


def _slider(value: float, lo: float, hi: float, step: float, description: str, name: str) -> widgets.FloatSlider:
    s = widgets.FloatSlider(value=value, min=lo, max=hi, step=step, description=description,
                            continuous_update=True, readout_format=".2f",
                            style={"description_width": "34px"},
                            layout=widgets.Layout(width="100%", min_width="190px", max_width="340px"))
    s.add_class(f"lstm-slider-{name}")  # stable hooks for the browser test
    return s


def _grid(scope: str, drawing: str) -> str:
    """The two-column grid of ``scope`` (the widget's own rules, or the presenter's): the drawing on the left,
    ``drawing`` wide; on the right what happens (the narration), the equations and then the sliders. The
    widget's boxes become cells of this one grid (``display: contents``), so nothing is built twice. The
    drawing spans a flexible row of its own, so its height never pushes the sliders away from the equations."""
    return f"""
  {scope} {{display:grid; grid-template-columns:{drawing} minmax(200px, 1fr);
    grid-template-areas:"toolbar eqs" "diagram eqs" "diagram controls" "diagram ." "legend ." "settings settings";
    grid-template-rows:auto auto auto 1fr auto auto; gap:2px 16px; align-items:start}}
  {scope} > .widget-html:first-child {{position:absolute}}
  {scope} .lstm-cf-main, {scope} .lstm-cf-drawing {{display:contents}}
  {scope} .lstm-cf-toolbar {{grid-area:toolbar; min-width:0}}
  {scope} .lstm-cellflow-diagram {{grid-area:diagram; min-width:0}}
  {scope} .lstm-cf-legend {{grid-area:legend; min-width:0}}
  {scope} .lstm-cellflow-equations {{grid-area:eqs; min-width:0}}
  {scope} .lstm-cf-controls {{grid-area:controls; min-width:0; width:auto}}
  {scope} .lstm-cf-settings {{grid-area:settings; min-width:0}}"""


#: The drawing's column when it should be as large as the screen's height allows (a projector, presenter
#: mode): its width is its height × 1.617 (the drawing's aspect), the height the screen less the tabs and
#: the toolbar, and never more than 74 % of the width, so the equations keep a column beside it.
TALL_DRAWING = "minmax(0, min(calc((100vh - 110px) * 1.617), 74%))"

#: Layout rules. Narrow (a phone): drawing, legend, equations and sliders one under the other. From 820 px
#: wide: two columns, the narration and the equations beside the drawing above the sliders, so at 1400×900
#: and on a projector (1280×720 at 150 % zoom is 853×480 CSS px) what happens and why is on screen without
#: scrolling. Short screens: the drawing fits the height, only the chosen gate's three weight sliders are
#: shown and the right column is set tighter. Presenter mode, at any size: the drawing as large as the
#: height allows, the equations in large type (on a short screen 16 px, where the normal view sets them in
#: 12 px to keep the sliders beside them), the chosen gate's sliders, no settings box.
LAYOUT_CSS = ("""
.lstm-cf-main {display:flex; flex-flow:row wrap; align-items:flex-start; gap:4px 14px; width:100%}
.lstm-cf-drawing {flex:1 1 480px; min-width:300px; max-width:1000px}
.lstm-cf-controls {flex:0 1 400px; min-width:240px}
.lstm-cf-gates {display:grid; grid-template-columns:repeat(2, minmax(180px, 1fr)); gap:2px 10px}
.lstm-cf-gatepick {display:none !important}
.lstm-cellflow-equations .lstm-equations {display:flex; flex-direction:column}
.lstm-cellflow-equations .lstm-narration {order:-1; font-weight:bold}  /* what happens, before how */
@media (min-width: 820px) {""" + _grid(".lstm-cellflow.lstm-cellflow", "minmax(0, 1fr)") + """
  .lstm-cellflow.lstm-cellflow {grid-template-columns:minmax(0, 1fr) minmax(300px, 420px)}
}
@media (min-width: 820px) and (max-height: 620px) {
  .lstm-cellflow.lstm-cellflow {grid-template-columns:""" + TALL_DRAWING + """ minmax(200px, 1fr); column-gap:10px}
  /* the column beside the drawing is about 210 px: headers, the ⊙ note and the chosen gate's name (the
     f/i/g/o switch says it) fold away, the narration is set in the proportional face, rows are 24 px */
  .lstm-cellflow .lstm-cf-head, .lstm-cellflow .lstm-eq-note, .lstm-cellflow .lstm-gate-col > .widget-html {display:none !important}
  .lstm-cellflow-equations .lstm-equations {font-size:12px !important; line-height:1.25 !important}
  .lstm-cellflow-equations .lstm-eq {padding-left:4px !important}
  .lstm-cellflow-equations .lstm-narration {font-size:13px; line-height:1.25; margin-bottom:2px;
    font-family:var(--jp-ui-font-family, sans-serif)}
  .lstm-cf-controls .widget-slider {min-width:150px !important; height:24px; margin:0 !important}
  .lstm-cf-gatepick .widget-toggle-button {min-width:28px !important; padding:0 4px !important; height:24px}
  .lstm-cf-gates {grid-template-columns:1fr}
  .lstm-gate-col:not(.lstm-gate-selected) {display:none !important}
  .lstm-cf-gatepick {display:flex !important}
}
""" + _grid(".lstm-cellflow.lstm-presenter", TALL_DRAWING) + """
.lstm-presenter .lstm-cellflow-equations .lstm-equations {font-size:15px !important; line-height:1.4 !important}
.lstm-presenter .lstm-cellflow-equations .lstm-narration {font-size:17px}
@media (max-height: 620px) {  /* a projector: the narration and all six lines beside the drawing, in type a class
  reads (16 px, the proportional face: a line wraps less); the sliders follow them, below the fold */
  .lstm-cellflow.lstm-presenter {column-gap:10px}
  .lstm-presenter .lstm-cellflow-equations .lstm-equations {font-size:16px !important; line-height:1.2 !important;
    font-family:var(--jp-ui-font-family, "DejaVu Sans", sans-serif) !important}
  .lstm-presenter .lstm-cellflow-equations .lstm-narration {font-size:16px}
  .lstm-presenter .lstm-cf-legend {display:none !important}
}
.lstm-presenter .lstm-cf-controls .widget-slider {max-width:none !important}
.lstm-presenter .lstm-cf-gates {grid-template-columns:1fr}
.lstm-presenter .lstm-gate-col:not(.lstm-gate-selected) {display:none !important}
.lstm-presenter .lstm-cf-gatepick {display:flex !important}
.lstm-presenter .lstm-cf-settings, .lstm-presenter .lstm-cf-equations-extra {display:none !important}
.lstm-cf-controls .widget-slider {margin:1px 0}
.lstm-cf-controls .widget-toggle-buttons .widget-toggle-button {width:auto; min-width:34px; padding:0 6px}
""")


class CellFlow(LanguageSwitch, widgets.VBox):
    """One LSTM step of a small cell with sliders, presets and a live diagram.

    ``flow.sliders`` maps ``"x", "h", "c"`` and ``"W_i", "U_f", "b_o", …`` to the
    sliders; ``flow.step`` is the :class:`StepTrace` currently drawn; ``flow.cell`` is the
    :class:`explainer.LSTMCell` that computed it. ``flow.settings()`` is a short string of the
    selected unit's sliders and ``flow.apply_settings(s)`` restores them.
    """

    def __init__(self, units: int = 1, lang: str = "en", preset: str | None = None,
                 show_language: bool = True, presenter: bool = False, settings: str | None = None) -> None:
        if not isinstance(units, (int, np.integer)) or not 1 <= units <= 4:
            raise InputError(f"the cell-state flow shows 1 to 4 units; got units={units!r}")
        self.lang, self.units, self.unit = check_lang(lang), int(units), 0
        self.cell = LSTMCell(self.units, 1, rng=np.random.default_rng(0))
        for p in self.cell.params.values():
            p[...] = 0.0
        self.x = np.zeros((1, 1), np.float32)
        self.h_prev = np.zeros((1, self.units), np.float32)
        self.c_prev = np.zeros((1, self.units), np.float32)
        self.step: StepTrace | None = None
        self._hold = False

        self.sliders: dict[str, widgets.FloatSlider] = {
            "x": _slider(0.0, *STATE_RANGE, 0.05, "xₜ", "x"),
            "h": _slider(0.0, -1.0, 1.0, 0.05, "hₜ₋₁", "h"),  # h = o·tanh(c) lives in (-1, 1)
            "c": _slider(0.0, *STATE_RANGE, 0.05, "cₜ₋₁", "c"),
        }
        for blk in GATE_BLOCKS:
            for kind in ("W", "U", "b"):
                self.sliders[f"{kind}_{blk}"] = _slider(0.0, *WEIGHT_RANGE, 0.1, f"{kind}", f"{kind}_{blk}")
        self.preset = widgets.Dropdown(layout=widgets.Layout(width="auto", min_width="250px"))
        self.preset.add_class("lstm-preset")
        self.unit_select = widgets.Dropdown(options=[(f"unit {k}", k) for k in range(self.units)], value=0,
                                            layout=widgets.Layout(width="auto",
                                                                  display="" if self.units > 1 else "none"))
        self.presenter = widgets.ToggleButton(value=bool(presenter), icon="television",
                                              layout=widgets.Layout(width="auto"))
        self.presenter.add_class("lstm-presenter-toggle")
        self.gate_pick = widgets.ToggleButtons(options=[(BLOCK_FIELD[b], b) for b in COLUMN_ORDER], value="f",
                                               style={"button_width": "auto"})
        self.gate_pick.add_class("lstm-cf-gatepick")
        self._language_toggle(lang, show_language)
        self.diagram = widgets.HTML()
        self.diagram.add_class("lstm-cellflow-diagram")
        # on a phone the drawing scrolls sideways in its box: the line under it says the one-file page is the
        # phone's view (the explorer's line, diagram.PHONE_CSS; not shown wider, so not in the desk's grid)
        self.phone_hint = widgets.HTML()
        self.phone_hint.add_class("lstm-phone")
        self.phone_hint.add_class("lstm-cf-phone")
        self.equations = widgets.HTML()
        self.equations.add_class("lstm-cellflow-equations")
        self._headers = {blk: widgets.HTML() for blk in GATE_BLOCKS}
        self._states_header = widgets.HTML()
        self._weights_header = widgets.HTML()
        for head in (self._states_header, self._weights_header):
            head.add_class("lstm-cf-head")  # folded away on a short screen, where every line counts
        self.settings_text = widgets.Text(layout=widgets.Layout(width="auto", flex="1 1 300px"))
        self.settings_text.add_class("lstm-settings")
        self.copy_button = widgets.Button(icon="clipboard", layout=widgets.Layout(width="auto"))
        self.restore_button = widgets.Button(icon="undo", layout=widgets.Layout(width="auto"))
        self.settings_hint = widgets.HTML()

        self._columns = {}
        for blk in COLUMN_ORDER:
            col = widgets.VBox([self._headers[blk]] + [self.sliders[f"{k}_{blk}"] for k in ("W", "U", "b")])
            col.add_class("lstm-gate-col")
            self._columns[blk] = col
        gates_grid = widgets.Box(list(self._columns.values()))
        gates_grid.add_class("lstm-cf-gates")
        self.legend = widgets.HTML()
        self.legend.add_class("lstm-cf-legend")
        drawing = widgets.VBox([self.diagram, self.phone_hint, self.legend, self.equations])
        drawing.add_class("lstm-cf-drawing")
        controls = widgets.VBox([self._states_header] + [self.sliders[k] for k in ("x", "h", "c")]
                                + [self._weights_header, self.gate_pick, gates_grid])
        controls.add_class("lstm-cf-controls")
        main = widgets.Box([drawing, controls])
        main.add_class("lstm-cf-main")
        settings_row = widgets.HBox([self.copy_button, self.settings_text, self.restore_button],
                                    layout=widgets.Layout(flex_flow="row wrap"))
        settings_box = widgets.VBox([settings_row, self.settings_hint])
        settings_box.add_class("lstm-cf-settings")
        toolbar = widgets.HBox([self.preset, self.unit_select, self.presenter, self.language],
                               layout=widgets.Layout(flex_flow="row wrap"))
        toolbar.add_class("lstm-cf-toolbar")
        super().__init__([
            widgets.HTML((LAYOUT_CSS + PHONE_CSS).join(("<style>", "</style>")) + hover_css(".lstm-cellflow")),
            toolbar, main, settings_box,
        ])
        self.add_class("lstm-cellflow")

        for s in self.sliders.values():
            s.observe(self._on_slider, names="value")
        self.preset.observe(self._on_preset, names="value")
        self.unit_select.observe(self._on_unit, names="value")
        self.gate_pick.observe(lambda ch: self._mark_gate(), names="value")
        self.presenter.observe(lambda ch: self.set_presenter(ch["new"]), names="value")
        self.copy_button.on_click(lambda b: self._show_settings())
        self.restore_button.on_click(lambda b: self._restore_from_box())

        for k in reversed(range(self.units)):  # every unit starts part-open; unit 0 ends selected
            self.unit = k
            self._load_preset(DEFAULT)
        self._relabel()
        self._mark_gate()
        self.set_presenter(bool(presenter))
        if settings:
            self.apply_settings(settings)
        if preset is not None:
            self.apply_preset(preset)
        else:
            self.redraw()

    # --- model <-> sliders ---------------------------------------------------------------
    def _col(self, blk: str) -> int:
        return GATE_BLOCKS.index(blk) * self.units + self.unit

    def _read_sliders(self) -> None:
        """Copy the sliders into the cell's weights and the step's inputs (selected unit)."""
        k, s = self.unit, self.sliders
        self.x[0, 0] = s["x"].value
        self.h_prev[0, k] = s["h"].value
        self.c_prev[0, k] = s["c"].value
        for blk in GATE_BLOCKS:
            col = self._col(blk)
            self.cell.params["kernel"][0, col] = s[f"W_{blk}"].value
            self.cell.params["recurrent_kernel"][k, col] = s[f"U_{blk}"].value
            self.cell.params["bias"][col] = s[f"b_{blk}"].value

    def _write_sliders(self) -> None:
        """Show the selected unit's inputs and weights on the sliders, without redrawing per slider."""
        k, s = self.unit, self.sliders
        self._hold = True
        try:
            s["x"].value = _r(self.x[0, 0])
            s["h"].value = _r(self.h_prev[0, k])
            s["c"].value = _r(self.c_prev[0, k])
            for blk in GATE_BLOCKS:
                col = self._col(blk)
                s[f"W_{blk}"].value = _r(self.cell.params["kernel"][0, col])
                s[f"U_{blk}"].value = _r(self.cell.params["recurrent_kernel"][k, col])
                s[f"b_{blk}"].value = _r(self.cell.params["bias"][col])
        finally:
            self._hold = False

    def _load_preset(self, p: Preset) -> None:
        k = self.unit
        self.x[0, 0], self.h_prev[0, k], self.c_prev[0, k] = p.x, p.h, p.c
        for blk in GATE_BLOCKS:
            col = self._col(blk)
            self.cell.params["kernel"][0, col] = p.W[blk]
            self.cell.params["recurrent_kernel"][k, col] = p.U[blk]
            self.cell.params["bias"][col] = p.b[blk]
        self._write_sliders()

    # --- events --------------------------------------------------------------------------
    def _on_slider(self, change) -> None:
        if self._hold:
            return
        self._read_sliders()
        if self.preset.value:  # the sliders have left the situation: stop naming it
            self._hold = True
            try:
                self.preset.value = ""
            finally:
                self._hold = False
        self.redraw()

    def _on_preset(self, change) -> None:
        if not self._hold and change["new"]:
            self.apply_preset(change["new"])

    def _on_unit(self, change) -> None:
        self.unit = int(change["new"])
        self._write_sliders()
        self.redraw()

    # --- public API ------------------------------------------------------------------------
    def apply_preset(self, key: str) -> StepTrace:
        """Put the selected unit in the situation ``key`` (one of :data:`PRESETS`) and redraw."""
        if key not in PRESETS:
            raise InputError(f"unknown preset {key!r}; choose one of {sorted(PRESETS)}")
        self._load_preset(PRESETS[key])
        if self.preset.value != key:
            self._hold = True
            self.preset.value = key
            self._hold = False
        return self.redraw()

    def _mark_gate(self) -> None:
        for blk, col in self._columns.items():
            if blk == self.gate_pick.value:
                col.add_class("lstm-gate-selected")
            else:
                col.remove_class("lstm-gate-selected")

    def set_presenter(self, on: bool = True) -> None:
        """Presenter mode: the drawing fits the screen's height, one gate's sliders beside it."""
        if self.presenter.value != bool(on):
            self.presenter.value = bool(on)  # its observer comes back here
            return
        if on:
            self.add_class("lstm-presenter")
        else:
            self.remove_class("lstm-presenter")

    # --- settings as a short string -------------------------------------------------------------
    def settings(self) -> str:
        """The selected unit's sliders as a short string, e.g. ``x=0.5,h=0.2,c=1,Wi=1,…,bo=-0.5``."""
        parts = [f"u={self.unit}"] if self.units > 1 else []
        for key, s in self.sliders.items():
            parts.append(f"{key.replace('_', '')}={s.value:g}")
        return ",".join(parts)

    def apply_settings(self, text: str) -> StepTrace:
        """Restore the sliders from :meth:`settings`' string; a bad string is a ``ValueError`` (in the widget's
        language) and changes nothing."""
        names = {k.replace("_", ""): k for k in self.sliders}
        values, unit = {}, self.unit
        short = _shown  # a link may carry anything, of any length: the message quotes at most a few words of it
        for part in filter(None, (p.strip() for p in str(text).strip().lstrip("?#").removeprefix("cell=").split(","))):
            key, sep, raw = part.partition("=")
            try:
                v = float(raw)
            except ValueError:
                v = float("nan")
            if key == "u" and sep:
                if not (v.is_integer() and 0 <= v < self.units):
                    raise InputError(term("settings_bad_unit", self.lang).format(raw=short(raw), last=self.units - 1))
                unit = int(v)
                continue
            if key not in names or not sep:
                raise InputError(term("settings_unknown", self.lang).format(part=short(part), example=self.settings()))
            s = self.sliders[names[key]]
            if not np.isfinite(v) or not s.min <= v <= s.max:
                raise InputError(term("settings_range", self.lang).format(key=key, raw=short(raw), lo=f"{s.min:g}",
                                                                          hi=f"{s.max:g}"))
            values[names[key]] = v
        if not values:
            raise InputError(term("settings_none", self.lang).format(example=self.settings()))
        if unit != self.unit:
            self.unit_select.value = unit
        self._hold = True
        try:
            for key, v in values.items():
                self.sliders[key].value = v
            self.preset.value = ""
        finally:
            self._hold = False
        self._read_sliders()
        return self.redraw()

    def settings_url(self) -> str | None:
        """The classroom's address that restores these sliders (inside Voilà, which knows its address)."""
        port, name = os.environ.get("SERVER_PORT"), os.environ.get("SERVER_NAME")
        if not port or not name:
            return None
        return f"http://{name}:{port}{os.environ.get('SCRIPT_NAME', '/')}?cell={quote(self.settings(), safe='=,')}"

    def _show_settings(self) -> None:
        self.settings_text.value = self.settings()
        url = self.settings_url()
        link = f'<br><code class="lstm-settings-url">{escape(url)}</code>' if url else ""
        self.settings_hint.value = f"<small>{escape(term('settings_hint', self.lang))}{link}</small>"

    def _restore_from_box(self) -> str:
        """Restore the settings box's string; returns the error shown ("" when restored)."""
        try:
            self.apply_settings(self.settings_text.value)
            self.settings_hint.value = ""
            return ""
        except ValueError as e:
            error = term("err_settings", self.lang).format(reason=e)
            self.settings_hint.value = f'<span class="lstm-error" style="color:{palette.FORGET}">⚠ {escape(error)}</span>'
            return error

    def redraw(self) -> StepTrace:
        """Run one step of the reference cell and draw it. Returns the new :class:`StepTrace`."""
        self.step = self.cell.step(self.x.copy(), self.h_prev.copy(), self.c_prev.copy())
        self.diagram.value = cell_svg(self.step, unit=self.unit, lang=self.lang)
        self.equations.value = equations_html(self.step, unit=self.unit, lang=self.lang)
        return self.step

    def _apply_lang(self) -> None:
        self._relabel()
        self.redraw()

    def _relabel(self) -> None:
        lang = self.lang
        self.legend.value = legend_html(lang)
        self.phone_hint.value = phone_page_html(lang)
        self._hold = True
        try:
            value = self.preset.value
            self.preset.options = [(term("preset_choose", lang), "")] + [(p.label(lang), k) for k, p in PRESETS.items()]
            self.preset.value = value or ""
            self.preset.description = term("presets", lang)
            self.unit_select.options = [(f"{term('unit', lang)} {k}", k) for k in range(self.units)]
            self.unit_select.value = self.unit
        finally:
            self._hold = False
        self._states_header.value = f"<b>{term('inputs', lang)}</b>"
        self._weights_header.value = (f"<small>{term('weight_input', lang)} · {term('weight_recurrent', lang)} · "
                                      f"{term('bias', lang)}</small>")
        self.presenter.description = term("presenter", lang)
        self.copy_button.description = term("copy_settings", lang)
        self.restore_button.description = term("apply_settings", lang)
        self.settings_text.placeholder = term("settings", lang)
        self.gate_pick.description = term("edit_gate", lang)
        if self.settings_hint.value:
            self._show_settings()
        for blk in GATE_BLOCKS:
            colour = palette.color(BLOCK_FIELD[blk])
            self._headers[blk].value = f'<b style="color:{colour}">{term(BLOCK_TERM[blk], lang)} {BLOCK_FIELD[blk]}</b>'

    def weights(self) -> dict[str, np.ndarray]:
        """Copies of the cell's ``kernel``, ``recurrent_kernel`` and ``bias``."""
        return {k: v.copy() for k, v in self.cell.params.items()}

    def inputs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies of ``(x, h_prev, c_prev)`` as fed to the cell."""
        return self.x.copy(), self.h_prev.copy(), self.c_prev.copy()


__all__ = ["CellFlow", "PRESETS", "DEFAULT", "Preset"]
