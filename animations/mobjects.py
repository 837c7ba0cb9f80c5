"""Reusable pictures of LSTM quantities: vectors as coloured cells, gates as valves, the cell-state belt.

Every number drawn here is a value handed in by a scene from a recorded trace, rounded for display
(:func:`fmt`). Each number's ``Text`` remembers where it came from (``trace_key``, ``trace_unit``,
``trace_value``) so a test can read the screen back and compare it with the trace.

Colours come from :mod:`explainer.palette` only: one colour per quantity, and one fixed opacity scale
per quantity across frames (gates: 0..1; states: 0..max |value| over the whole trace).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from manim import (DOWN, LEFT, RIGHT, UP, Line, MarkupText, Rectangle, RoundedRectangle, Text,
                   VGroup)

from explainer import palette
from explainer.presentation import EQUATION_ORDER, equation as _equation, fmt, symbol

INK = palette.INK


def span(symbol: str, field: str, sub: str | None = None) -> str:
    """Pango markup of a symbol in its palette colour, with an optional subscript: ``span("h", "h_prev", "t−1")``."""
    s = f'<span foreground="{palette.color(field)}">{symbol}</span>'
    return s + (f"<sub>{sub}</sub>" if sub else "")


H_PREV = symbol("h_prev", "markup")
X_T = symbol("x_t", "markup")
C_PREV = symbol("c_prev", "markup")
C_T = symbol("c_t", "markup")
H_T = symbol("h_t", "markup")
CONCAT = f"[{H_PREV}, {X_T}]"

#: The cell's equations (:data:`explainer.presentation.EQUATIONS`) as coloured Pango markup.
EQUATIONS: dict[str, str] = {k: _equation(k, "markup") for k in EQUATION_ORDER}

#: Column headings (Pango markup) of the quantities a scene can show, keyed like ``SceneSource.value``.
LABELS: dict[str, str] = {
    "x": X_T, "h_prev": H_PREV, "c_prev": C_PREV, "c": C_T, "h": H_T,
    "f": span("f", "f"), "i": span("i", "i"), "g": span("g", "g"), "o": span("o", "o"),
    "tanh_c": f"tanh({C_T})",
    "z_f": span("z", "f", "f"), "z_i": span("z", "i", "i"), "z_c": span("z", "g", "g"), "z_g": span("z", "g", "g"), "z_o": span("z", "o", "o"),
    "f*c_prev": f"{span('f', 'f')} ⊙ {C_PREV}", "i*g": f"{span('i', 'i')} ⊙ {span('g', 'g')}",
}

#: Palette field of each key (the weighted sums take their gate's colour).
FIELD = {"z_f": "f", "z_i": "i", "z_c": "g", "z_g": "g", "z_o": "o", "f*c_prev": "c", "i*g": "g"}


def field_of(key: str) -> str:
    return FIELD.get(key, key)


def text(s: str, font: str = "", size: float = 24, color: str = INK, **kw) -> Text:
    """Plain caption text in the language's font (Pango; no LaTeX needed)."""
    return Text(s, font=font, font_size=size, color=color, **kw)


def markup(s: str, font: str = "", size: float = 24, color: str = INK, **kw) -> MarkupText:
    """Pango markup text, e.g. an equation with coloured symbols and ``<sub>`` subscripts."""
    return MarkupText(s, font=font, font_size=size, color=color, **kw)


def equation(key: str, font: str = "", size: float = 30) -> MarkupText:
    """One of the cell's equations (:data:`EQUATIONS`) as coloured markup."""
    return markup(EQUATIONS[key], font=font, size=size)


def number(v: float, key: str, unit: int, step: int | None = None, font: str = "", size: float = 20,
           color: str = INK, digits: int = 2) -> Text:
    """A displayed trace value that remembers its origin (for tests that read the screen back).

    ``key``/``unit``/``step`` say which recorded value it is: ``SceneSource.value(key, step)[unit]``.
    ``digits``: decimals, more than two only where rounded factors shown beside it must multiply to it
    (:func:`explainer.presentation.product_digits`).
    """
    t = text(fmt(v, digits), font=font, size=size, color=color)
    t.trace_key, t.trace_unit, t.trace_step, t.trace_value, t.trace_digits = key, unit, step, float(v), digits
    return t


class VectorCells(VGroup):
    """A vector as a column of coloured cells (one per unit), each with its number, heading on top.

    Opacity grows with ``|value| / scale`` so a strong value looks strong; the number carries the sign.

    ``values``: shape (n,) from the trace.  ``key``: its name (``"c_prev"``, ``"z_f"``, …).
    ``limit``: show at most this many entries, then "…" (for wide inputs x_t).
    ``row_names``: optional small names right of the cells (the input features of x_t).
    """

    def __init__(self, values: Sequence[float], key: str, scale: float = 1.0, font: str = "",
                 side: float = 0.62, label: str | None = None, limit: int | None = None,
                 step: int | None = None, row_names: Sequence[str] | None = None, number_size: float = 20,
                 digits: int | Sequence[int] = 2, **kw) -> None:
        super().__init__(**kw)
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        colour = palette.color(field_of(key))
        shown = values if limit is None else values[:limit]
        self.key, self.values, self.side = key, values, side
        self.cells, self.numbers = VGroup(), []
        for k, v in enumerate(shown):
            d = digits if isinstance(digits, int) else int(digits[k])
            n = number(v, key, k, step=step, font=font, size=number_size, digits=d)
            # a cell is widened to fit its number rather than the number shrunk below a readable size
            sq = Rectangle(width=max(side, n.width + 0.12), height=side, stroke_color=colour, stroke_width=2,
                           fill_color=colour, fill_opacity=0.1 + 0.65 * min(1.0, abs(float(v)) / max(scale, 1e-9)))
            n.move_to(sq)
            self.numbers.append(n)
            self.cells.add(VGroup(sq, n))
        self.cells.arrange(DOWN, buff=0.06)
        self.add(self.cells)
        if row_names is not None:  # e.g. the input features' names, right of their cells
            for name, cell in zip(row_names, self.cells):
                self.add(text(str(name), font=font, size=14, color=palette.INPUT_X).next_to(cell, RIGHT, buff=0.08))
        if limit is not None and len(values) > limit:
            more = text(f"… +{len(values) - limit}", font=font, size=16).next_to(self.cells, DOWN, buff=0.08)
            self.add(more)
        self.label = markup(label if label is not None else LABELS.get(key, key), font=font, size=26)
        self.label.next_to(self.cells, UP, buff=0.2)
        self.add(self.label)


class GateValves(VGroup):
    """A gate vector as valves: per unit a track that is filled (opened) in proportion to the value in [0, 1].

    Rows have the same height as :class:`VectorCells` so a gate lines up with the vector it multiplies.
    ``fill`` is the group of opening bars (animate it with ``GrowFromEdge(bar, LEFT)``).
    """

    def __init__(self, values: Sequence[float], key: str, font: str = "", side: float = 0.62,
                 width: float = 1.3, label: str | None = None, step: int | None = None, number_size: float = 20,
                 **kw) -> None:
        super().__init__(**kw)
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        colour = palette.color(field_of(key))
        self.key, self.values, self.side = key, values, side
        self.rows, self.fill, self.numbers = VGroup(), VGroup(), []
        for k, v in enumerate(values):
            track = RoundedRectangle(corner_radius=0.08, width=width, height=side * 0.72, stroke_color=colour,
                                     stroke_width=2, fill_color=colour, fill_opacity=0.06)
            opening = float(np.clip(v, 0.0, 1.0)) * width
            bar = Rectangle(width=max(opening, 1e-3), height=side * 0.72, stroke_width=0, fill_color=colour,
                            fill_opacity=0.85)
            bar.align_to(track, LEFT).align_to(track, DOWN)
            n = number(v, key, k, step=step, font=font, size=number_size)
            if n.height > side * 0.6:  # many units: rows are thin, keep the numbers inside their row
                n.scale_to_fit_height(side * 0.6)
            n.next_to(track, RIGHT, buff=0.1)
            box = Rectangle(width=width + 0.9, height=side, stroke_width=0, fill_opacity=0).move_to(track)
            box.align_to(track, LEFT)
            self.fill.add(bar)
            self.numbers.append(n)
            self.rows.add(VGroup(box, track, bar, n))
        self.rows.arrange(DOWN, buff=0.06)
        self.add(self.rows)
        self.label = markup(label if label is not None else LABELS.get(key, key), font=font, size=26)
        self.label.next_to(self.rows, UP, buff=0.2)
        self.add(self.label)


def unit_names(names: Sequence[str], like: VGroup, font: str = "", size: float = 18) -> VGroup:
    """Row labels (one per unit) to the left of a column built by :class:`VectorCells`/:class:`GateValves`."""
    rows = like.cells if isinstance(like, VectorCells) else like.rows
    group = VGroup()
    for name, row in zip(names, rows):
        group.add(text(name, font=font, size=size, color=INK).next_to(row, LEFT, buff=0.25))
    return group


def belt(start, end, width: float = 22) -> Line:
    """The cell-state "conveyor belt": a thick orange line the cell state travels along."""
    return Line(start, end, stroke_width=width, stroke_color=palette.CELL, stroke_opacity=0.3)


def operator(symbol: str, font: str = "", size: float = 40) -> Text:
    """An operator between columns: ⊙, +, =, σ, tanh, →."""
    return text(symbol, font=font, size=size)


def gate_box(symbol: str, field: str, font: str = "", width: float = 1.1, height: float = 0.7) -> VGroup:
    """A coloured box with σ or tanh inside: a gate on the cell diagram."""
    colour = palette.color(field)
    box = RoundedRectangle(corner_radius=0.12, width=width, height=height, stroke_color=colour, stroke_width=3,
                           fill_color=colour, fill_opacity=0.18)
    return VGroup(box, text(symbol, font=font, size=26).move_to(box))


def all_numbers(mobjects) -> list[Text]:
    """Every trace number (:func:`number`) in ``mobjects`` and their sub-mobjects (what is on screen)."""
    found = []
    for m in mobjects:
        for sub in m.get_family():
            if hasattr(sub, "trace_key"):
                found.append(sub)
    return found
