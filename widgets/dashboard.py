"""The classroom dashboard: the three widgets in tabs under one language switch.

    >>> from widgets import dashboard
    >>> dashboard()              # in a notebook, or served code-free by `lstm-explainer classroom`
"""
from __future__ import annotations

import ipywidgets as widgets

from explainer.glossary import term
from explainer.trace import SequenceTrace

from .cell_flow import CellFlow
from .language import LanguageSwitch, check_lang
from .memory import MemoryWidget
from .sequence import SequenceExplorer

TABS = ("cell_flow", "sequence_explorer", "why_lstm")


class Dashboard(LanguageSwitch, widgets.VBox):
    """Tabs: cell-state flow, sequence explorer, why an LSTM; ``.language`` switches all of them."""

    def __init__(self, lang: str = "en", trace: SequenceTrace | None = None) -> None:
        check_lang(lang)
        self.cell_flow = CellFlow(lang=lang, show_language=False)
        self.sequence = SequenceExplorer(trace, lang=lang, show_language=False)
        self.memory = MemoryWidget(lang=lang, show_language=False)
        self.tabs = widgets.Tab(children=[self.cell_flow, self.sequence, self.memory])
        self._language_toggle(lang, button_width="80px").add_class("lstm-language")
        self.title = widgets.HTML()
        super().__init__([widgets.HBox([self.title, self.language]), self.tabs])
        self.set_lang(lang)

    def _apply_lang(self) -> None:
        lang = self.lang
        for w in (self.cell_flow, self.sequence, self.memory):
            w.set_lang(lang)
        self.tabs.titles = tuple(term(k, lang) for k in TABS)
        self.title.value = f"<h2 style='margin:4px 16px 4px 0'>{term('classroom', lang)}</h2>"


def dashboard(lang: str = "en", trace: SequenceTrace | None = None) -> Dashboard:
    """Build the classroom dashboard (``lang`` is ``"en"`` or ``"zh"``)."""
    return Dashboard(lang=lang, trace=trace)


__all__ = ["Dashboard", "dashboard"]
