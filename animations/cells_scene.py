"""A real LSTM found …: held-out code coloured by one unit of the character model.

    manim -ql animations/cells_scene.py RealLSTMCells          # English, the shipped model
    LSTM_EXPLAINER_LANG=zh manim -ql animations/cells_scene.py RealLSTMCells

The character LSTM (``lstm-explainer cells``) reads a few lines of the held-out standard
library; the scene colours each character by the cell state c of the unit that best tracks
"inside a string" (grey negative, white 0, the cell state's colour positive; the page's scale), one
character after another, while two bars show that unit's forget gate f and input gate i at
the current character: watch them move at the quote marks. Every number comes from
:func:`explainer.chars.train.read` on the shipped model (``LSTM_EXPLAINER_CHARS_MODEL``:
another one).
"""
from __future__ import annotations

import os

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, ManimColor, Rectangle, Scene, Text, ValueTracker, VGroup

from explainer import palette
from explainer.chars.cli import load_model
from explainer.chars.corpus import load
from explainer.chars.find import find
from explainer.chars.page import TEXT, colour
from explainer.chars.train import read

from animations.source import font_for

MONO = "DejaVu Sans Mono"
TITLE = {"en": "A real LSTM: the unit that best tracks strings", "zh": "真实的 LSTM:最能追踪字符串的单元"}
CAPTION = {"en": "unit {u}'s cell state c, character by character (held-out code, r = {r:+.2f} with 'inside a string')",
           "zh": "单元 {u} 的细胞状态 c,逐个字符(没训练过的代码;与“在字符串里”的相关 r = {r:+.2f})"}


def excerpt(text: str, lines: int = 5, width: int = 64) -> str:
    """The first run of ``lines`` short, non-blank lines of ``text``, at least two of them with a quote."""
    rows = text.split("\n")
    for k in range(len(rows) - lines):
        block = rows[k:k + lines]
        if all(0 < len(r.strip()) and len(r) <= width for r in block) and \
                sum(('"' in r or "'" in r) for r in block) >= 2:
            return "\n".join(block) + "\n"
    return "\n".join(rows[:lines]) + "\n"


class RealLSTMCells(Scene):
    def construct(self) -> None:
        lang = os.environ.get("LSTM_EXPLAINER_LANG", "en")
        font = font_for(lang)
        self.camera.background_color = ManimColor(palette.BACKGROUND)
        model = load_model(os.environ.get("LSTM_EXPLAINER_CHARS_MODEL"))
        held = load("heldout")[:20_000]
        best = find(model, held)["properties"]["string"]   # the unit is chosen on 20 000 held-out characters
        u = best["unit"]
        context = held.index(excerpt(held))
        fields, _ = read(model, held[:context + len(excerpt(held))])   # the state arrives from the text before
        shown = excerpt(held)
        c = fields["c"][context:, u]
        f, i = fields["f"][context:, u], fields["i"][context:, u]
        bound = float(np.abs(c).max()) or 1.0

        title = Text(TITLE[lang], font=font, color=palette.INK).scale(0.55).to_edge(UP, buff=0.3)
        caption = Text(CAPTION[lang].format(u=u, r=best["r"]), font=font, color=palette.MUTED).scale(0.3)
        caption.next_to(title, DOWN, buff=0.15)
        self.add(title, caption)

        cw, lh = 0.150, 0.42                           # character cell: width, line height (scene units)
        x0, y0 = -6.6, 2.1
        boxes, glyphs, order = VGroup(), VGroup(), []
        rows = shown.split("\n")[:-1]
        k = 0
        for row, line in enumerate(rows):
            # one Text per line keeps the glyphs on their baseline; manim leaves spaces out of its submobjects
            text = Text(line, font=MONO, color=palette.INK).scale(0.33).set_y(y0 - row * lh) if line.strip() else None
            letters = iter(text.submobjects if text is not None else [])
            for col, ch in enumerate(line):
                box = Rectangle(width=cw, height=lh * 0.92, stroke_width=0, fill_opacity=0)
                box.move_to([x0 + col * cw, y0 - row * lh, 0])
                boxes.add(box)
                order.append((k + col, box))
                if ch != " ":
                    glyph = next(letters)
                    glyph.set_x(box.get_x())
                    glyphs.add(glyph)
            k += len(line) + 1
        self.add(boxes, glyphs)

        # f and i of the unit at the character being read: two bars at the right
        step = ValueTracker(0)
        T = TEXT[lang]

        def current(values):
            return float(values[order[min(int(step.get_value()), len(order) - 1)][0]])

        def bar(values, name, colour_, y):
            """A gauge of one gate at the current character: its fill's width follows the value (cheap per frame)."""
            frame = Rectangle(width=2.2, height=0.3, stroke_color=palette.FRAME, stroke_width=2).move_to([5.0, y, 0])
            fill = Rectangle(width=2.2, height=0.3, stroke_width=0, fill_color=colour_, fill_opacity=1)
            fill.add_updater(lambda m: m.stretch_to_fit_width(max(2.2 * current(values), 1e-3))
                             .align_to(frame, LEFT).set_y(y))
            label = Text(T["gate"][name] + " =", font=font, color=palette.INK).scale(0.3)
            label.next_to(frame, UP, buff=0.08).shift(LEFT * 0.35)
            cache: dict[str, Text] = {}      # Pango draws each distinct "0.97" once (no LaTeX needed)

            def shown_value(m):
                key = f"{current(values):.2f}"
                if key not in cache:
                    cache[key] = Text(key, font=MONO, color=palette.INK).scale(0.3)
                m.become(cache[key].copy().next_to(label, RIGHT, buff=0.12))

            number = Text("0.00", font=MONO, color=palette.INK).scale(0.3)
            number.add_updater(shown_value)
            return VGroup(frame, fill, label, number)

        legend = VGroup(*[Rectangle(width=0.18, height=0.22, stroke_width=0, fill_opacity=1,
                                    fill_color=colour(v, 1.0)) for v in np.linspace(-1, 1, 12)]).arrange(RIGHT, buff=0)
        legend.move_to([4.8, -2.2, 0])
        lo = Text(f"{-bound:.2f}", font=MONO, color=palette.MUTED).scale(0.28).next_to(legend, LEFT, buff=0.1)
        hi = Text(f"+{bound:.2f}", font=MONO, color=palette.MUTED).scale(0.28).next_to(legend, RIGHT, buff=0.1)
        lname = Text(T["legend"].format(unit=u, field=T["gate"]["c"]), font=font,
                     color=palette.MUTED).scale(0.28).next_to(legend, DOWN, buff=0.1)
        self.play(FadeIn(VGroup(legend, lo, hi, lname, bar(f, "f", palette.FORGET, 1.6),
                                bar(i, "i", palette.INPUT, 0.9))), run_time=0.6)
        fills = [colour(c[k], bound) for k, _ in order]

        def paint(group):                                  # every character read so far takes its colour
            upto = int(step.get_value())
            for n, box in enumerate(group):
                box.set_fill(fills[n], opacity=1 if n <= upto else 0)

        boxes.add_updater(paint)
        self.play(step.animate.set_value(len(order) - 1), run_time=len(order) / 30, rate_func=lambda t: t)
        boxes.remove_updater(paint)
        self.wait(1.5)
