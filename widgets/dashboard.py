"""The classroom dashboard: the widgets in tabs under one language switch.

    >>> from widgets import dashboard
    >>> dashboard()              # in a notebook, or served code-free by `lstm-explainer classroom`
"""
from __future__ import annotations

from html import escape

import ipywidgets as widgets

from explainer import palette
from explainer.glossary import term
from explainer.trace import SequenceTrace

from .cell_flow import CellFlow
from .language import LanguageSwitch, check_lang
from .memory import MemoryWidget
from .sequence import SequenceExplorer
from .timelapse import TimelapseWidget
from .whatif import WhatIf

TABS = ("cell_flow", "sequence_explorer", "whatif_tab", "why_lstm", "timelapse")

#: A short screen (a projector at 150 % zoom) gives the drawing the room the title would take: no title, the
#: tabs as wide as their names, the language switch beside them, little padding (3 px at the sides: the explorer's
#: equations beside its drawing need every pixel of the width).
DASHBOARD_CSS = """<style>
.lstm-dashboard h2 {margin:4px 16px 4px 0}
@media (max-height: 620px) {
  .lm-BoxPanel-child:has(.lstm-dashboard), .jp-Cell:has(.lstm-dashboard), .jp-Cell-outputWrapper:has(.lstm-dashboard) {
    padding:0 2px !important; margin:0 !important}
  .lstm-dashboard {position:relative}
  .lstm-dashboard .lstm-dash-head {position:absolute; right:0; top:0; z-index:3}
  .lstm-dashboard .lstm-dash-head h2 {display:none}
  .lstm-dashboard .lm-TabBar {margin-right:170px}
  .lstm-dashboard .lm-TabBar-tab {flex:0 1 auto !important; min-width:0 !important; max-width:none !important;
    min-height:24px; line-height:24px; padding:0 8px}
  .lstm-dashboard .widget-tab-contents, .lstm-dashboard .jupyter-widget-tab-contents {padding:2px 3px !important}
}
/* a phone (390×844): the drawing keeps its numbers ≥ 14 CSS px and scrolls sideways in its own box (the page
   and every other box never do), the tab names wrap instead of being cut, and no keyboard hint on a touch screen */
@media (max-width: 600px) {
  .lstm-dashboard .lstm-cellflow-diagram, .lstm-dashboard .lstm-seq-diagram {overflow-x:auto; overflow-y:hidden}
  .lstm-dashboard .lstm-cellflow-diagram svg.lstm-cell-diagram, .lstm-dashboard .lstm-seq-diagram svg.lstm-cell-diagram {
    min-width:530px}
  .lstm-dashboard .lm-TabBar-content {flex-wrap:wrap}
  .lstm-dashboard .lm-TabBar-tab {flex:1 1 auto !important; min-width:0 !important; max-width:none !important}
  /* nothing else is wider than the phone: one gate's sliders a row, sliders as wide as the screen, rows wrap */
  .lstm-dashboard .lstm-cf-gates {grid-template-columns:minmax(0, 1fr) !important}
  .lstm-dashboard .lstm-gate-col, .lstm-dashboard .widget-slider, .lstm-dashboard .widget-text {min-width:0 !important}
  .lstm-dashboard .widget-text {max-width:100%}
  .lstm-dashboard .widget-hbox {flex-wrap:wrap}
}
@media (hover: none) {.lstm-dashboard .lstm-seq-keys {display:none !important}}
/* presenter mode (the cell flow's switch) is the projector view of every tab: the title, the explorer's text
   boxes, source line (unless it says something is wrong or skipped), keys hint and speed menu go; the language
   switch and the tabs stay */
.lstm-presenting .lstm-dash-head h2, .lstm-presenting .lstm-seq-sources,
.lstm-presenting .lstm-seq-status:not(:has(.lstm-error, .lstm-masked-status)),
.lstm-presenting .lstm-seq-keys, .lstm-presenting .lstm-seq-speed {display:none !important}
</style>"""


class Dashboard(LanguageSwitch, widgets.VBox):
    """Tabs: cell-state flow, sequence explorer, what if, why an LSTM, training timelapse; ``.language`` switches all."""

    def __init__(self, lang: str = "en", trace: SequenceTrace | None = None, trace_path: str | None = None,
                 cell: str | None = None, timelapse: str | None = None) -> None:
        check_lang(lang)
        self.cell_flow = CellFlow(lang=lang, show_language=False)
        # the trained story model first: it opens on its colour memory where the forget gate closes
        self.sequence = SequenceExplorer(trace, lang=lang, show_language=False, source="story")
        self.whatif = WhatIf(lang=lang, show_language=False)  # hold a gate of the trained story model: what now?
        self.memory = MemoryWidget(lang=lang, show_language=False)
        self.timelapse = TimelapseWidget("story" if not timelapse else None, lang=lang, show_language=False)
        self.tabs = widgets.Tab(children=[self.cell_flow, self.sequence, self.whatif, self.memory, self.timelapse])
        self._language_toggle(lang, button_width="80px").add_class("lstm-language")
        self.title = widgets.HTML()
        head = widgets.HBox([self.title, self.language])
        head.add_class("lstm-dash-head")
        super().__init__([widgets.HTML(DASHBOARD_CSS), head, self.tabs])
        self.add_class("lstm-dashboard")
        self.cell_flow.presenter.observe(lambda ch: self._present(ch["new"]), names="value")
        self._present(self.cell_flow.presenter.value)
        self.set_lang(lang)
        if trace_path:  # validated on load; a bad file is a clear line in the explorer's status
            self.sequence._guard(self.sequence.load_source, trace_path)
            self.tabs.selected_index = 1
        if timelapse:
            self.timelapse._guard(timelapse)
        self.notice = widgets.HTML()  # what the link asked for and could not be done, said at the top
        self.notice.add_class("lstm-dashboard-notice")
        self.children = (*self.children[:2], self.notice, *self.children[2:])
        if cell:
            self.cell_flow.settings_text.value = cell
            error = self.cell_flow._restore_from_box()
            if error:
                self.notice.value = (f'<div class="lstm-error" style="color:{palette.FORGET};font-size:15px">⚠ '
                                     f'{escape(term("cell_not_restored", lang).format(error=error))}</div>')

    def _present(self, on: bool) -> None:
        """Presenter mode for the whole classroom: every tab drops what a projector does not need."""
        if on:
            self.add_class("lstm-presenting")
        else:
            self.remove_class("lstm-presenting")

    def _apply_lang(self) -> None:
        lang = self.lang
        for w in (self.cell_flow, self.sequence, self.whatif, self.memory, self.timelapse):
            w.set_lang(lang)
        self.tabs.titles = tuple(term(k, lang) for k in TABS)
        self.title.value = f"<h2>{term('classroom', lang)}</h2>"


def dashboard(lang: str = "en", trace: SequenceTrace | None = None, trace_path: str | None = None,
              cell: str | None = None, timelapse: str | None = None) -> Dashboard:
    """Build the classroom dashboard (``lang`` is ``"en"`` or ``"zh"``).

    ``trace_path`` is loaded (and validated) into the sequence explorer; ``cell`` is a
    settings string of the cell-state flow (``CellFlow.settings()``) to restore; ``timelapse`` a
    ``TraceRecorder`` file for the training timelapse.
    """
    return Dashboard(lang=lang, trace=trace, trace_path=trace_path, cell=cell, timelapse=timelapse)


__all__ = ["Dashboard", "dashboard"]
