"""A real LSTM found …: held-out code coloured by one unit of the character model.

    lstm-explainer render cells --lang both                     # alone (animations.cli)
    lstm-explainer render lesson --with-cells                   # the lesson's last chapter
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
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, Rectangle, Text, ValueTracker, VGroup

if __package__ in (None, ""):  # run as a file by `manim animations/cells_scene.py ...`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explainer.chars.cli import load_model
from explainer.chars.corpus import load
from explainer.chars.find import find
from explainer.chars.page import TEXT, colour
from explainer.chars.train import read
from explainer.glossary import LANGS
from explainer.presentation import fmt

from animations.mobjects import number
from animations.scenes import LSTMScene
from animations.script import narration
from explainer import palette

MONO = "DejaVu Sans Mono"
TITLE = {"en": "A real LSTM: the unit that best tracks strings", "zh": "真实的 LSTM：最能追踪字符串的单元"}
CAPTION = {"en": "unit {u}'s {field}, character by character (held-out code, r = {r} with 'inside a string')",
           "zh": "单元 {u} 的 {field}，逐个字符（没训练过的代码；与“在字符串里”的相关 r = {r}）"}
#: Held-out characters the unit is chosen on (never the training text).
CHOOSE_ON = 20_000
QUOTES = "'\""


def excerpt(text: str, lines: int = 5, width: int = 64) -> str:
    """The first run of ``lines`` short, non-blank lines of ``text``, at least two of them with a quote."""
    rows = text.split("\n")
    for k in range(len(rows) - lines):
        block = rows[k:k + lines]
        if all(0 < len(r.strip()) and len(r) <= width for r in block) and \
                sum(('"' in r or "'" in r) for r in block) >= 2:
            return "\n".join(block) + "\n"
    return "\n".join(rows[:lines]) + "\n"


@dataclass
class CellsView:
    """What the scene shows: the excerpt, where it starts in the text read, the string unit and its values.

    ``fields[k][t, u]`` is the model's record at character ``t`` of ``held[:start + len(shown)]`` (the state
    arrives from the text before the excerpt); ``field`` is the quantity the unit was found on (c or tanh c).
    """

    shown: str
    start: int
    unit: int
    field: str
    r: float
    units: int
    fields: dict

    def values(self, key: str) -> np.ndarray:
        """``key`` of the unit at each character of the excerpt."""
        return self.fields[key][self.start:, self.unit]


def cells_view(model_path: str | None = None) -> CellsView:
    """Load the character model, find its string unit on held-out code, read the excerpt."""
    model = load_model(model_path)
    held = load("heldout")[:CHOOSE_ON]
    best = find(model, held)["properties"]["string"]
    shown = excerpt(held)
    start = held.index(shown)
    fields, _ = read(model, held[:start + len(shown)])
    return CellsView(shown, start, int(best["unit"]), best["field"], float(best["r"]),
                     int(fields["c"].shape[1]), fields)


class CellFacts:
    """The narration's numbers (:data:`animations.script.SCRIPT` ``["RealLSTMCells"]``) from a :class:`CellsView`,
    formatted as on screen; the duck type :func:`animations.script.narration` fills lines from."""

    def __init__(self, view: CellsView, lang: str) -> None:
        self.lang = lang
        self.view = view
        q = np.array([ch in QUOTES for ch in view.shown])
        f, i, v = view.values("f"), view.values("i"), view.values(view.field)
        self.flags = {"partial": abs(view.r) < 0.8}
        self.values = {"units": view.units, "unit": view.unit, "r": fmt(view.r), "n_chars": f"{CHOOSE_ON:,}",
                       "field": TEXT["en"]["gate"][view.field], "field_zh": TEXT["zh"]["gate"][view.field],
                       "v_lo": fmt(v.min()), "v_hi": fmt(v.max()),
                       "f_quote": fmt(f[q].mean()), "f_other": fmt(f[~q].mean()),
                       "i_quote": fmt(i[q].mean()), "i_other": fmt(i[~q].mean())}

    def format(self, text: str) -> str:
        return text.format(**self.values)

    def other(self) -> "CellFacts":
        return CellFacts(self.view, next(lang for lang in LANGS if lang != self.lang))


class RealLSTMCells(LSTMScene):
    """The opt-in chapter: held-out code coloured by the string unit, its f and i at each character."""

    title_key = "real_cells"

    @staticmethod
    def narration_facts(lang: str) -> CellFacts:
        """The numbers its lines are filled with (also for ``render --script-out``, which renders nothing)."""
        return CellFacts(cells_view(os.environ.get("LSTM_EXPLAINER_CHARS_MODEL")), lang)

    def narrate_setup(self) -> None:
        self.view = cells_view(os.environ.get("LSTM_EXPLAINER_CHARS_MODEL"))
        self.facts = CellFacts(self.view, self.lang)
        self.spoken = {s.key: s for s in narration(type(self).__name__, self.facts, self.voice)}
        self.start_records()

    def barely_trained_note(self) -> None:
        """The demo trace's note does not apply: this scene shows the character model."""

    def construct(self) -> None:
        lang, font, view = self.lang, self.font, self.view
        u, T = view.unit, TEXT[lang]
        shown, c = view.shown, view.values(view.field)
        f, i = view.values("f"), view.values("i")
        bound = float(np.abs(c).max()) or 1.0

        title = Text(TITLE[lang], font=font, color=palette.INK).scale(0.55).to_edge(UP, buff=0.3)
        caption = Text(CAPTION[lang].format(u=u, r=fmt(view.r), field=T["gate"][view.field]), font=font,
                       color=palette.MUTED).scale(0.3)
        caption.next_to(title, DOWN, buff=0.15)

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

        # f and i of the unit at the character being read: two bars at the right
        step = ValueTracker(0)

        def at() -> int:
            return order[min(int(step.get_value()), len(order) - 1)][0]

        def bar(key, colour_, y):
            """A gauge of one gate at the current character: its fill's width follows the value (cheap per frame)."""
            values = view.values(key)
            frame = Rectangle(width=2.2, height=0.3, stroke_color=palette.FRAME, stroke_width=2).move_to([5.0, y, 0])
            fill = Rectangle(width=2.2, height=0.3, stroke_width=0, fill_color=colour_, fill_opacity=1)
            fill.add_updater(lambda m: m.stretch_to_fit_width(max(2.2 * float(values[at()]), 1e-3))
                             .align_to(frame, LEFT).set_y(y))
            label = Text(T["gate"][key] + " =", font=font, color=palette.INK).scale(0.3)
            label.next_to(frame, UP, buff=0.08).shift(LEFT * 0.35)
            cache: dict[int, Text] = {}      # Pango draws each character's number once (no LaTeX needed)

            def made(k: int) -> Text:
                # a trace number (animations.mobjects.number): the record of `key` at character view.start + k
                if k not in cache:
                    cache[k] = number(values[k], key, u, step=view.start + k, font=MONO, size=14.4,
                                      color=palette.INK)
                return cache[k]

            def shown_value(m):
                src = made(at())
                m.become(src.copy().next_to(label, RIGHT, buff=0.12))
                m.text, m.trace_step, m.trace_value = src.text, src.trace_step, src.trace_value

            value = made(0).copy().next_to(label, RIGHT, buff=0.12)
            value.follow = shown_value  # attached once faded in: become() would undo the fade's opacity
            return VGroup(frame, fill, label, value)

        legend = VGroup(*[Rectangle(width=0.18, height=0.22, stroke_width=0, fill_opacity=1,
                                    fill_color=colour(v, 1.0)) for v in np.linspace(-1, 1, 12)]).arrange(RIGHT, buff=0)
        legend.move_to([4.8, -2.2, 0])
        lo = Text(fmt(-bound), font=MONO, color=palette.MUTED).scale(0.28).next_to(legend, LEFT, buff=0.1)
        hi = Text(fmt(bound, signed=True), font=MONO, color=palette.MUTED).scale(0.28).next_to(legend, RIGHT, buff=0.1)
        lname = Text(T["legend"].format(unit=u, field=T["gate"][view.field]), font=font,
                     color=palette.MUTED).scale(0.28).next_to(legend, DOWN, buff=0.1)
        fills = [colour(c[k], bound) for k, _ in order]

        def paint(group):                                  # every character read so far takes its colour
            upto = int(step.get_value())
            for n, box in enumerate(group):
                box.set_fill(fills[n], opacity=1 if n <= upto else 0)

        gauges = VGroup(bar("f", palette.FORGET, 1.6), bar("i", palette.INPUT, 0.9))
        self.say("intro", [FadeIn(VGroup(title, caption, boxes, glyphs))])
        self.say("unit", [FadeIn(VGroup(legend, lo, hi, lname, gauges))])
        for gauge in gauges:
            gauge[-1].add_updater(gauge[-1].follow)
        boxes.add_updater(paint)
        self.say("colour", step.animate(rate_func=lambda t: t).set_value(len(order) - 1), rt=len(order) / 30)
        boxes.remove_updater(paint)
        self.say("gates")
        self.say("honest")
