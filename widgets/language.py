"""The English/中文 switch every widget carries, in the glossary's languages."""
from __future__ import annotations
from explainer.errors import InputError

import ipywidgets as widgets

from explainer.glossary import LANGS


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}; choose one of {LANGS}")
    return lang


class LanguageSwitch:
    """Mixin: ``self.language`` toggles ``set_lang``; a subclass relabels itself in ``_apply_lang``."""

    lang: str = "en"

    def _language_toggle(self, lang: str, visible: bool = True, button_width: str = "70px") -> widgets.ToggleButtons:
        self.language = widgets.ToggleButtons(options=[("English", "en"), ("中文", "zh")], value=check_lang(lang),
                                              layout=widgets.Layout(display="" if visible else "none"),
                                              style={"button_width": button_width})
        self.language.observe(lambda ch: self.set_lang(ch["new"]), names="value")
        return self.language

    def set_lang(self, lang: str) -> None:
        """Switch every label to ``"en"`` or ``"zh"`` (glossary terms) and redraw."""
        self.lang = check_lang(lang)
        if self.language.value != lang:
            self.language.value = lang  # the toggle's observer comes back here once
            return
        self._apply_lang()

    def _apply_lang(self) -> None:
        raise NotImplementedError
