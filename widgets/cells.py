"""The cells a character LSTM grew, in a notebook: the text coloured by one unit, chosen by property.

    >>> from widgets.cells import CellsWidget
    >>> CellsWidget(model, text)            # a dropdown of the best units per property, or any unit
    >>> CellsWidget(model, text, lang="zh")

The colours, labels and bound are :mod:`explainer.chars.page`'s (the offline page shows the
same view). Each character is a span whose tooltip (hover; in JupyterLab a long press on
touch screens) holds that step's f, i, o, g, c and h of the unit: notebook outputs run no
scripts, so the widget draws the spans itself here, in Python, with the text escaped.
"""
from __future__ import annotations
from explainer.errors import InputError

import html

import ipywidgets as W
import numpy as np

from explainer.chars.find import find
from explainer.chars.page import TEXT, colour
from explainer.chars.train import read
from explainer.palette import CELL, FRAME, NEGATIVE

GATE_ORDER = ("f", "i", "o", "g", "c", "tanh_c", "h")


def coloured_html(text: str, fields: dict[str, np.ndarray], unit: int, field: str = "c", lang: str = "en") -> str:
    """The coloured text as HTML: one span per character, its background the unit's ``field`` value."""
    T = TEXT[lang]
    values = fields[field][:, unit]
    bound = float(np.abs(values).max()) or 1.0
    out = []
    for k, ch in enumerate(text):
        if ch == "\n":
            out.append("\n")
            continue
        tip = f"{T['char']} {ch!r}  {T['pos']} {k}\n" + "\n".join(
            f"{T['gate'][g]} = {float(fields[g][k, unit]):+.3f}" for g in GATE_ORDER)
        bg = colour(values[k], bound)
        r, g, b = (int(bg[j:j + 2], 16) for j in (1, 3, 5))
        ink = ";color:#FFFFFF" if 0.299 * r + 0.587 * g + 0.114 * b < 115 else ""   # readable on the darkest values
        out.append(f"<span data-k='{k}' title='{html.escape(tip, quote=True)}' "
                   f"style='background:{bg}{ink}'>{html.escape(ch)}</span>")
    legend = (f"<div style='font-size:13px;margin:4px 0'>{-bound:.2f} <span style='display:inline-block;width:12em;"
              f"height:.9em;border:1px solid {FRAME};background:linear-gradient(to right,{NEGATIVE},#fff,{CELL})'>"
              f"</span> +{bound:.2f} &nbsp; {html.escape(T['legend'].format(unit=unit, field=T['gate'][field]))}"
              f"<br>{html.escape(T['hover'])}</div>")
    return legend + ("<pre style='font:13px/1.45 monospace;white-space:pre-wrap;border:1px solid %s;padding:6px'>"
                     % FRAME) + "".join(out) + "</pre>"


class CellsWidget:
    """A unit picker (best unit per property, or any unit) above the coloured text."""

    def __init__(self, model, text: str, lang: str = "en", field: str = "c") -> None:
        if lang not in TEXT:
            raise InputError(f"lang must be one of {sorted(TEXT)}, got {lang!r}")
        self.text, self.lang, self.field = text, lang, field
        self.report = find(model, text)
        self.fields, _ = read(model, text)
        T = TEXT[lang]
        options = [(T["best"].format(prop=T["props"][p], r=f"{b['r']:.2f}") + f": {T['unit']} {b['unit']}", b["unit"])
                   for p, b in self.report["properties"].items() if b["unit"] is not None]
        options += [(f"{T['unit']} {u}", u) for u in range(self.report["units"])]
        self.picker = W.Dropdown(options=options, layout=W.Layout(width="36em"))
        self.view = W.HTML()
        self.picker.observe(lambda change: self.draw(), names="value")
        self.widget = W.VBox([self.picker, self.view])
        self.draw()

    @property
    def unit(self) -> int:
        return int(self.picker.value)

    def draw(self) -> None:
        self.view.value = coloured_html(self.text, self.fields, self.unit, self.field, self.lang)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
