"""The classroom dashboard: the three widgets in tabs under one language switch.

    >>> from widgets import dashboard
    >>> dashboard()              # in a notebook, or served code-free by `lstm-explainer classroom`
"""
from __future__ import annotations

import ipywidgets as widgets

from explainer.glossary import LANGS, term
from explainer.trace import SequenceTrace

from .cell_flow import CellFlow
from .memory import MemoryWidget
from .sequence import SequenceExplorer

TABS = ("cell_flow", "sequence_explorer", "why_lstm")


class Dashboard(widgets.VBox):
    """Tabs: cell-state flow, sequence explorer, why an LSTM; ``.language`` switches all of them."""

    def __init__(self, lang: str = "en", trace: SequenceTrace | None = None) -> None:
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; choose one of {LANGS}")
        self.cell_flow = CellFlow(lang=lang, show_language=False)
        self.sequence = SequenceExplorer(trace, lang=lang, show_language=False)
        self.memory = MemoryWidget(lang=lang, show_language=False)
        self.tabs = widgets.Tab(children=[self.cell_flow, self.sequence, self.memory])
        self.language = widgets.ToggleButtons(options=[("English", "en"), ("中文", "zh")], value=lang,
                                              style={"button_width": "80px"})
        self.language.add_class("lstm-language")
        self.language.observe(lambda ch: self.set_lang(ch["new"]), names="value")
        self.title = widgets.HTML()
        super().__init__([widgets.HBox([self.title, self.language]), self.tabs])
        self.set_lang(lang)

    def set_lang(self, lang: str) -> None:
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; choose one of {LANGS}")
        if self.language.value != lang:
            self.language.value = lang  # the observer comes back here
            return
        for w in (self.cell_flow, self.sequence, self.memory):
            w.set_lang(lang)
        self.tabs.titles = tuple(term(k, lang) for k in TABS)
        self.title.value = f"<h2 style='margin:4px 16px 4px 0'>{term('classroom', lang)}</h2>"


def dashboard(lang: str = "en", trace: SequenceTrace | None = None) -> Dashboard:
    """Build the classroom dashboard (``lang`` is ``"en"`` or ``"zh"``)."""
    return Dashboard(lang=lang, trace=trace)


__all__ = ["Dashboard", "dashboard"]
