"""The gate-by-gate scenes. Each one reads a recorded trace (see :mod:`animations.source`) and draws it.

    manim -qh animations/scenes.py ForgetGate                        # the demo trace, English
    LSTM_EXPLAINER_LANG=zh manim -ql animations/scenes.py FullStep   # Chinese captions
    LSTM_EXPLAINER_TRACE=trace.npz LSTM_EXPLAINER_UNITS=3 manim -ql animations/scenes.py UnrolledSequence
    manim-slides render -ql animations/scenes.py ForgetGate && manim-slides present ForgetGate  # in class

Scenes never compute LSTM maths: each number is ``SceneSource.value(...)``, a recorded value rounded
for display. Pauses for a lecturer are marked with ``self.next_slide()`` (manim-slides); without
manim-slides, or with ``LSTM_EXPLAINER_SLIDES=0``, the scenes are plain manim scenes and the pauses do
nothing.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from manim import (DOWN, LEFT, RIGHT, UP, Arrow, Create, FadeIn, GrowFromEdge, Indicate, LaggedStart, Line,
                   ManimColor, ReplacementTransform, Scene, Transform, TransformFromCopy, VGroup, Write, config)

if __package__ in (None, ""):  # run as a file by `manim animations/scenes.py ...`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explainer import palette
from explainer.glossary import term

from animations.mobjects import (C_PREV, H_T, LABELS, GateValves, VectorCells, belt, equation, gate_box, markup,
                                 operator, span, text, unit_names)
from animations.source import SceneSource, font_for, source_from_env


def _slides_wanted() -> bool:
    return os.environ.get("LSTM_EXPLAINER_SLIDES", "1").lower() not in ("0", "false", "no", "off")


try:
    if not _slides_wanted():
        raise ImportError("slides disabled by LSTM_EXPLAINER_SLIDES=0")
    from manim_slides import Slide

    class _Base(Slide):
        """manim-slides' ``Slide``, patched for manim ≥ 0.19 (manim-slides 5.7 still sets config keys
        ``write_to_movie``/``max_files_cached=inf``/reads ``flush_cache`` that manim 0.22 rejects)."""

        skip_reversing = True  # reversed clips double the render time and a lecturer rarely plays backwards

        def __init__(self, *args, **kwargs) -> None:
            super(Slide, self).__init__(*args, **kwargs)  # skip Slide.__init__'s config["write_to_movie"]

        def render(self, *args, **kwargs) -> None:
            saved = config.max_files_cached
            config.max_files_cached = -1  # slides need every partial movie file
            try:
                Scene.render(self, *args, **kwargs)
            finally:
                config.max_files_cached = saved
            if config.save_last_frame or config.dry_run:  # no movie, nothing to cut into slides
                return
            self._save_slides(use_cache=not (config.disable_caching or self.disable_caching),
                              flush_cache=self.flush_cache, skip_reversing=self.skip_reversing)

    SLIDES = True
except ImportError:
    class _Base(Scene):
        """Plain manim scene; ``next_slide`` is a no-op so the same scenes render without manim-slides."""

        def __init__(self, *args, output_folder=None, **kwargs) -> None:
            super().__init__(*args, **kwargs)

        def next_slide(self, *args, **kwargs) -> None:
            pass

    SLIDES = False


class LSTMScene(_Base):
    """Base of every scene: loads the :class:`SceneSource`, sets the palette background, builds captions.

    Set the class attribute ``source`` (``lstm-explainer render`` does) or the ``LSTM_EXPLAINER_*``
    environment variables to choose the trace, step, units and language.
    """

    source: SceneSource | None = None
    title_key = "full_step"

    def setup(self) -> None:
        super().setup()
        self.src = self.source if self.source is not None else source_from_env()
        self.lang = self.src.lang
        self.font = font_for(self.lang)  # raises MissingFontError for zh without a CJK font
        self.camera.background_color = ManimColor(palette.BACKGROUND)
        # cell size: the tallest column (the units, or up to 6 inputs) fits between header and caption
        self.side = min(0.62, 3.6 / max(self.src.units, min(self.src.trace.input_dim, 6)))

    # --- captions -------------------------------------------------------------
    def term(self, key: str) -> str:
        return term(key, self.lang)

    def text(self, s: str, size: float = 24, **kw):
        return text(s, font=self.font, size=size, **kw)

    def markup(self, s: str, size: float = 24, **kw):
        return markup(s, font=self.font, size=size, **kw)

    def step_caption(self, t: int | None = None) -> str:
        t = self.src.t if t is None else t
        label = self.src.label(t)
        s = f"{self.term('time_step')} t = {t}"
        return s + (f" · “{label}”" if label else "")

    def header(self) -> VGroup:
        """Title (glossary term), the step, and which units are shown."""
        title = self.text(self.term(self.title_key), size=36).to_edge(UP, buff=0.3).to_edge(LEFT, buff=0.5)
        info = self.text(self.step_caption(), size=22, color=palette.INK).next_to(title, RIGHT, buff=0.5)
        info.align_to(title, DOWN)
        u = self.units_caption()
        room = u.get_left()[0] - 0.3 - info.get_left()[0]
        if info.width > room:  # a long label (a date, a long word) must not run into the units caption
            info.scale_to_fit_width(room).align_to(title, DOWN).next_to(title, RIGHT, buff=0.5)
        return VGroup(title, info, u)

    def units_caption(self):
        """Which of the layer's units are shown, e.g. "units shown: 3, 7, 12 / 16", top right."""
        idx = self.src.trace.unit_index.tolist()
        units = f"{self.term('units_shown')}: {', '.join(map(str, idx))} / {self.src.total_units}"
        return self.text(units, size=18, color=palette.INPUT_X).to_edge(UP, buff=0.35).to_edge(RIGHT, buff=0.4)

    def footnote(self) -> VGroup:
        return self.text(self.term('hadamard'), size=18, color=palette.INPUT_X).to_corner(DOWN + RIGHT, buff=0.3)

    def caption(self, s: str, size: float = 24):
        """A line of (markup) text at the bottom of the frame."""
        return self.markup(s, size=size).to_edge(DOWN, buff=0.45)

    # --- pictures of trace values ---------------------------------------------
    def vec(self, key: str, t: int | None = None, **kw) -> VectorCells:
        """A recorded vector as coloured cells (``key`` as in :meth:`SceneSource.value`)."""
        base = key.replace("_prev", "") if key in ("c_prev", "h_prev") else key
        scale = {"x": self.src.scale("x"), "c": self.src.scale("c"), "f*c_prev": self.src.scale("c"),
                 "h": self.src.scale("h")}.get(base, self.src.scale("z") if key.startswith("z_") else 1.0)
        if key in ("h", "h_prev", "tanh_c", "g", "i*g"):
            scale = 1.0  # bounded in [-1, 1]
        limit = 6 if key == "x" else None
        if key == "x" and kw.pop("features", True) and self.src.feature_names():
            kw["row_names"] = self.src.feature_names()[:limit]
        t = self.src.t if t is None else t
        kw.setdefault("side", self.side)
        return VectorCells(self.src.value(key, t), key, scale=scale, font=self.font, limit=limit, step=t, **kw)

    def valves(self, key: str, t: int | None = None, **kw) -> GateValves:
        """A recorded gate (i, f, o) as valves that open with its value."""
        t = self.src.t if t is None else t
        kw.setdefault("side", self.side)
        return GateValves(self.src.value(key, t), key, font=self.font, step=t, **kw)

    def names(self, like) -> VGroup:
        return unit_names(self.src.unit_names(), like, font=self.font)

    def open_valves(self, v: GateValves, run_time: float = 1.0):
        return LaggedStart(*[GrowFromEdge(bar, LEFT) for bar in v.fill], lag_ratio=0.15, run_time=run_time)

    def gate_from_sum(self, gate: str, fn: str) -> None:
        """[h_{t-1}, x_t] → weighted sum z → σ/tanh → gate: the shared first half of the gate scenes.

        Leaves ``self.inputs``, ``self.z``, ``self.gate`` on screen.
        """
        zkey = "z_c" if gate == "g" else f"z_{gate}"
        h = self.vec("h_prev")
        x = self.vec("x")
        inputs = VGroup(h, x).arrange(RIGHT, buff=0.25, aligned_edge=UP).move_to(LEFT * 3.6 + DOWN * 0.3)
        names = self.names(h)
        if names.get_left()[0] < -6.9:  # long unit names: slide the inputs right until they fit
            VGroup(inputs, names).shift(RIGHT * (-6.9 - names.get_left()[0]))
        concat = self.text(self.term("concatenate"), size=20, color=palette.INPUT_X).next_to(inputs, DOWN, buff=0.25)
        self.play(FadeIn(inputs), FadeIn(names), run_time=0.8)
        self.play(x.animate.next_to(h, RIGHT, buff=0.05).align_to(h, UP), FadeIn(concat), run_time=0.8)
        self.next_slide()
        z = self.vec(zkey).move_to(LEFT * 0.6 + DOWN * 0.3).align_to(h, UP)
        arrow = Arrow(inputs.get_right(), z.get_left(), buff=0.15, color=palette.INK, stroke_width=3)
        wsum = self.text(self.term("weighted_sum"), size=20, color=palette.INPUT_X).next_to(arrow, UP, buff=0.1)
        self.play(Create(arrow), FadeIn(wsum), FadeIn(z, shift=RIGHT * 0.6), run_time=1.0)
        self.next_slide()
        if gate == "g":
            out = self.vec("g").move_to(RIGHT * 3.2 + DOWN * 0.3).align_to(h, UP)
        else:
            out = self.valves(gate).move_to(RIGHT * 3.5 + DOWN * 0.3).align_to(h, UP)
        squash = Arrow(z.get_right(), out.get_left(), buff=0.15, color=palette.color(gate), stroke_width=3)
        fn_label = self.text(self.term(fn), size=22).next_to(squash, UP, buff=0.1)
        self.play(Create(squash), FadeIn(fn_label), run_time=0.6)
        if isinstance(out, GateValves):
            self.play(*[FadeIn(r[1]) for r in out.rows], FadeIn(out.label), run_time=0.5)
            self.play(self.open_valves(out), *[FadeIn(n) for n in out.numbers], run_time=1.2)
            self.add(out)
        else:
            self.play(TransformFromCopy(z, out), run_time=1.0)
        self.inputs, self.z, self.gate = VGroup(inputs, names, concat), VGroup(z, arrow, wsum), out
        self.squash = VGroup(squash, fn_label)
        self.next_slide()


# --- the scenes ---------------------------------------------------------------------

class ForgetGate(LSTMScene):
    """f = σ(W_f[h_{t-1}, x_t] + b_f), then f ⊙ c_{t-1}: near 0 the unit forgets, near 1 it keeps."""

    title_key = "forget_gate"

    def construct(self) -> None:
        head = self.header()
        eq = equation("f", font=self.font).next_to(head, DOWN, buff=0.35)
        self.add(head, self.footnote())  # added, not faded in: every animation deep-copies its mobjects (slow)
        self.play(Write(eq), run_time=1.0)
        self.next_slide()
        self.gate_from_sum("f", "sigmoid")
        # f ⊙ c_{t-1}: the old memory passes through the valves
        # a cut at a slide break (fading would deep-copy them all); remove the mobjects that were added
        self.remove(*self.inputs, *self.z, *self.squash)
        eq2 = self.markup(f"{span('f', 'f')} ⊙ {C_PREV}", size=30).move_to(eq)
        c_prev = self.vec("c_prev")
        f = self.gate
        row = VGroup(c_prev, operator("⊙", font=self.font), f.copy(), operator("=", font=self.font),
                     self.vec("f*c_prev"))
        row.arrange(RIGHT, buff=0.45).move_to(DOWN * 0.3)
        for m in (row[1], row[3]):
            m.set_y(c_prev.cells.get_center()[1])
        names = self.names(c_prev)
        self.play(ReplacementTransform(eq, eq2), Transform(f, row[2]), FadeIn(c_prev), FadeIn(names),
                  FadeIn(row[1]), run_time=1.0)
        self.play(FadeIn(row[3]), TransformFromCopy(c_prev.cells, row[4].cells), FadeIn(row[4].label),
                  run_time=1.2)
        self.add(row[4])
        self.play(Indicate(row[4].cells, color=palette.FORGET, scale_factor=1.05), run_time=0.8)
        rule = self.caption(f"f ≈ 0 → {self.term('forget')},   f ≈ 1 → {self.term('keep')}")
        self.play(FadeIn(rule), run_time=0.6)
        self.next_slide()
        self.wait(0.5)


class InputGate(LSTMScene):
    """i = σ(W_i[h_{t-1}, x_t] + b_i) and g = tanh(W_c[h_{t-1}, x_t] + b_c) side by side, then i ⊙ g."""

    title_key = "input_gate"

    def construct(self) -> None:
        head = self.header()
        eqs = VGroup(equation("i", font=self.font, size=26), equation("g", font=self.font, size=26))
        eqs.arrange(RIGHT, buff=0.8).next_to(head, DOWN, buff=0.35)
        self.add(head, self.footnote())
        self.play(Write(eqs), run_time=1.0)
        self.next_slide()
        h, x = self.vec("h_prev"), self.vec("x")
        inputs = VGroup(h, x).arrange(RIGHT, buff=0.05, aligned_edge=UP).move_to(LEFT * 4.3 + DOWN * 0.3)
        names = self.names(h)
        if names.get_left()[0] < -6.9:
            VGroup(inputs, names).shift(RIGHT * (-6.9 - names.get_left()[0]))
        self.play(FadeIn(inputs), FadeIn(names), run_time=0.8)
        zi, zc = self.vec("z_i"), self.vec("z_c")
        zs = VGroup(zi, zc).arrange(RIGHT, buff=0.3, aligned_edge=UP).move_to(LEFT * 1.2 + DOWN * 0.3)
        wsum = self.text(self.term("weighted_sum"), size=20, color=palette.INPUT_X).next_to(zs, DOWN, buff=0.25)
        self.play(FadeIn(zs, shift=RIGHT * 0.6), FadeIn(wsum), run_time=1.0)
        self.next_slide()
        i = self.valves("i")
        g = self.vec("g")
        VGroup(i, g).arrange(RIGHT, buff=0.4, aligned_edge=UP).move_to(RIGHT * 3.5 + DOWN * 0.3)
        fns = VGroup(self.text(f"σ → {self.term('input_gate')}", size=20).next_to(i, DOWN, buff=0.25),
                     self.text(f"tanh → {self.term('candidate')}", size=20).next_to(g, DOWN, buff=0.25))
        fns[0].align_to(i, LEFT)
        fns[1].align_to(g, LEFT)
        self.play(FadeIn(i.rows), FadeIn(i.label), TransformFromCopy(zc, g), FadeIn(fns), run_time=1.0)
        self.play(self.open_valves(i), run_time=1.0)
        self.next_slide()
        # i ⊙ g: what gets written into the cell state
        self.remove(inputs, names, zs, wsum, fns)
        ig = self.vec("i*g")
        dot, eq = operator("⊙", font=self.font), operator("=", font=self.font)
        row = VGroup(i.copy(), dot, g.copy(), eq, ig).arrange(RIGHT, buff=0.45).move_to(DOWN * 0.3)
        for m in (dot, eq):
            m.set_y(ig.cells.get_center()[1])
        rnames = self.names(row[0])
        self.play(Transform(i, row[0]), Transform(g, row[2]), FadeIn(dot), FadeIn(rnames), run_time=1.0)
        self.play(FadeIn(eq), TransformFromCopy(g.cells, ig.cells),
                  FadeIn(ig.label), run_time=1.0)
        self.add(ig)
        self.play(FadeIn(self.caption(f"{self.term('write')}: {LABELS['i*g']} → {self.term('cell_state')}")), run_time=0.6)
        self.next_slide()
        self.wait(0.5)


class CellStateUpdate(LSTMScene):
    """c_t = f ⊙ c_{t-1} + i ⊙ g on the cell-state conveyor belt."""

    title_key = "cell_update"

    def construct(self) -> None:
        head = self.header()
        eq = equation("c", font=self.font).next_to(head, DOWN, buff=0.35)
        self.add(head, self.footnote())  # added, not faded in: every animation deep-copies its mobjects (slow)
        self.play(Write(eq), run_time=1.0)
        the_belt = belt(LEFT * 7.2 + DOWN * 0.2, RIGHT * 7.2 + DOWN * 0.2)
        c_prev = self.vec("c_prev").move_to(LEFT * 5.3 + DOWN * 0.2)
        names = self.names(c_prev)
        belt_label = self.text(f"{self.term('cell_state')} →", size=20, color=palette.CELL)
        belt_label.next_to(VGroup(c_prev, names), DOWN, buff=0.3).to_edge(LEFT, buff=0.4)
        self.play(Create(the_belt), FadeIn(belt_label), FadeIn(c_prev), FadeIn(names), run_time=1.0)
        self.next_slide()
        f = self.valves("f", width=0.9).move_to(LEFT * 2.6 + DOWN * 0.2)
        times = operator("⊙", font=self.font).next_to(f, LEFT, buff=0.2)
        self.play(FadeIn(f.rows), FadeIn(f.label), FadeIn(times), run_time=0.6)
        self.play(self.open_valves(f), run_time=0.8)
        kept = self.vec("f*c_prev").move_to(RIGHT * 0.2 + DOWN * 0.2)
        self.play(TransformFromCopy(c_prev.cells, kept.cells), FadeIn(kept.label), run_time=1.0)
        self.add(kept)
        self.next_slide()
        ig = self.vec("i*g").move_to(RIGHT * 2.6 + DOWN * 0.2)
        plus = operator("+", font=self.font).next_to(ig, LEFT, buff=0.25)
        self.play(FadeIn(ig, shift=UP * 0.8), FadeIn(plus), run_time=1.0)
        self.next_slide()
        c = self.vec("c").move_to(RIGHT * 5.4 + DOWN * 0.2)
        eqs = operator("=", font=self.font).next_to(c, LEFT, buff=0.25)
        self.play(FadeIn(eqs), TransformFromCopy(VGroup(kept.cells, ig.cells), c.cells), FadeIn(c.label),
                  run_time=1.2)
        self.add(c)
        self.play(Indicate(c.cells, color=palette.CELL, scale_factor=1.05), run_time=0.8)
        self.next_slide()
        self.wait(0.5)


class OutputGate(LSTMScene):
    """o = σ(W_o[h_{t-1}, x_t] + b_o), tanh(c_t), h_t = o ⊙ tanh(c_t)."""

    title_key = "output_gate"

    def construct(self) -> None:
        head = self.header()
        eq = equation("o", font=self.font).next_to(head, DOWN, buff=0.35)
        self.add(head, self.footnote())  # added, not faded in: every animation deep-copies its mobjects (slow)
        self.play(Write(eq), run_time=1.0)
        self.next_slide()
        self.gate_from_sum("o", "sigmoid")
        # a cut at a slide break (fading would deep-copy them all); remove the mobjects that were added
        self.remove(*self.inputs, *self.z, *self.squash)
        eq2 = equation("h", font=self.font).move_to(eq)
        c = self.vec("c")
        tc = self.vec("tanh_c")
        o = self.gate
        dot, eqs = operator("⊙", font=self.font), operator("=", font=self.font)
        h = self.vec("h")
        row = VGroup(c, tc, dot, o.copy(), eqs, h).arrange(RIGHT, buff=0.4).move_to(DOWN * 0.3)
        for m in (dot, eqs):
            m.set_y(h.cells.get_center()[1])
        names = self.names(c)
        self.play(ReplacementTransform(eq, eq2), Transform(o, row[3]), FadeIn(c), FadeIn(names), run_time=1.0)
        self.play(TransformFromCopy(c.cells, tc.cells), FadeIn(tc.label), run_time=0.8)
        self.add(tc)
        self.next_slide()
        self.play(FadeIn(dot), FadeIn(eqs), TransformFromCopy(tc.cells, h.cells), FadeIn(h.label), run_time=1.2)
        self.add(h)
        self.play(FadeIn(self.caption(f"{self.term('read_out')}: {self.term('hidden_state')} {H_T}")), run_time=0.6)
        self.next_slide()
        self.wait(0.5)


class FullStep(LSTMScene):
    """The four steps in order on one cell diagram, ending with h_t and c_t passed on to step t+1."""

    title_key = "full_step"

    def construct(self) -> None:
        head = self.header()
        self.add(head, self.footnote())
        top, bottom, boxes_y, vals_y = 1.95, -2.55, -1.35, 0.0  # rows: belt, h line, gate boxes, gate values
        the_belt = belt(LEFT * 6.6 + UP * top, RIGHT * 6.6 + UP * top)
        h_line = belt(LEFT * 6.6 + UP * bottom, RIGHT * 6.6 + UP * bottom, width=10).set_color(palette.HIDDEN)
        xs = {"f": -3.6, "i": -1.8, "g": 0.0, "o": 2.2}
        boxes = {k: gate_box({"g": "tanh"}.get(k, "σ"), k, font=self.font).move_to(RIGHT * v + UP * boxes_y)
                 for k, v in xs.items()}
        wires = VGroup(*[Line(RIGHT * v + UP * bottom, RIGHT * v + UP * (boxes_y - 0.35), color=palette.INPUT_X,
                              stroke_width=2) for v in xs.values()])
        mul_f = operator("⊙", font=self.font, size=34).move_to(RIGHT * xs["f"] + UP * top)
        plus = operator("+", font=self.font, size=34).move_to(RIGHT * xs["g"] + UP * top)
        tanh_c = gate_box("tanh", "c", font=self.font, width=1.0, height=0.55).move_to(RIGHT * 4.3 + UP * 0.3)
        mul_o = operator("⊙", font=self.font, size=34).move_to(RIGHT * 4.3 + UP * boxes_y)
        self.play(Create(VGroup(the_belt, h_line, wires)), *[FadeIn(b) for b in boxes.values()],
                  FadeIn(VGroup(mul_f, plus, tanh_c, mul_o)), run_time=1.2)
        self.next_slide()
        side = min(0.42, 1.3 / self.src.units)

        def show(key: str, x: float, y: float, kind: str = "vec") -> VGroup:
            m = (self.valves(key, side=side, width=0.7) if kind == "valve"
                 else self.vec(key, side=side, **({"features": False} if key == "x" else {})))
            m.label.scale(0.85).next_to(m[0], UP, buff=0.1)
            cells = m.rows if kind == "valve" else m.cells
            return m.shift(RIGHT * x + UP * y - cells.get_center())

        # the inputs: c_{t-1} on the belt, h_{t-1} and x_t on the bottom line
        c_prev = show("c_prev", -5.5, top)
        h_prev = show("h_prev", -5.5, bottom)
        x = show("x", -4.6, bottom)
        self.play(FadeIn(c_prev), FadeIn(h_prev), FadeIn(x), run_time=0.8)
        # 1. forget gate: f ⊙ c_{t-1}
        f = show("f", xs["f"] + 0.3, vals_y, "valve")
        self.play(Indicate(boxes["f"][0], color=palette.FORGET), FadeIn(f), run_time=0.8)
        kept = show("f*c_prev", -1.9, top)
        self.play(TransformFromCopy(c_prev.cells, kept.cells), FadeIn(kept.label), run_time=0.8)
        self.add(kept)
        self.next_slide()
        # 2. input gate and candidate
        i = show("i", xs["i"] + 0.3, vals_y, "valve")
        g = show("g", xs["g"] + 0.5, vals_y)
        self.play(Indicate(boxes["i"][0], color=palette.INPUT), Indicate(boxes["g"][0], color=palette.CANDIDATE),
                  FadeIn(i), FadeIn(g), run_time=0.8)
        self.next_slide()
        # 3. cell-state update: c_t = f ⊙ c_{t-1} + i ⊙ g
        c = show("c", 1.3, top)
        self.play(TransformFromCopy(VGroup(kept.cells, g.cells), c.cells), FadeIn(c.label), run_time=1.0)
        self.add(c)
        self.next_slide()
        # 4. output gate: h_t = o ⊙ tanh(c_t)
        o = show("o", xs["o"] + 0.3, vals_y, "valve")
        self.play(Indicate(boxes["o"][0], color=palette.OUTPUT), FadeIn(o), run_time=0.8)
        h = show("h", 5.6, bottom)
        self.play(TransformFromCopy(c.cells, h.cells), FadeIn(h.label), run_time=1.0)
        self.add(h)
        self.next_slide()
        # h_t and c_t are passed on to the next step
        passed = self.text(f"→ t + 1: {self.term('passed_on')}", size=22).to_edge(DOWN, buff=0.3).to_edge(LEFT)
        self.play(c.animate.set_x(5.6), FadeIn(passed), run_time=1.0)
        self.next_slide()
        self.wait(0.5)


class UnrolledSequence(LSTMScene):
    """Several steps side by side: the cell state travels along the belt and changes slowly, h changes fast."""

    title_key = "unrolled"
    max_steps = 7

    def window(self) -> range:
        """Up to :attr:`max_steps` consecutive steps ending at (or just after) the scene's step."""
        T, n = self.src.trace.time, min(self.max_steps, self.src.trace.time)
        start = min(max(0, self.src.t - n + 2), T - n)
        return range(start, start + n)

    def construct(self) -> None:
        steps = self.window()
        title = self.text(self.term(self.title_key), size=36).to_edge(UP, buff=0.3).to_edge(LEFT, buff=0.5)
        self.add(title, self.units_caption())
        n = len(steps)
        width = 12.4 / n
        xs = [-6.2 + width * (k + 0.5) for k in range(n)]
        # vertical layout from the column height H: label, c column, step tag, label, h column, caption
        units = self.src.units
        side = min(0.5, width * 0.45, 1.8 / units)
        H = units * side + (units - 1) * 0.06
        top = 2.4 - 0.35 - H / 2
        tag_y = top - H / 2 - 0.45
        bottom = tag_y - 0.45 - 0.35 - H / 2
        the_belt = belt(LEFT * 7.0 + UP * top, RIGHT * 7.0 + UP * top, width=30)
        h_line = belt(LEFT * 7.0 + UP * bottom, RIGHT * 7.0 + UP * bottom, width=14).set_color(palette.HIDDEN)
        side_labels = VGroup(
            self.text(f"c · {self.term('cell_state')} · {self.term('changes_slowly')}", size=20,
                      color=palette.CELL).move_to(UP * 2.75),
            self.text(f"h · {self.term('hidden_state')} · {self.term('changes_fast')}", size=20,
                      color=palette.HIDDEN).move_to(UP * (bottom - H / 2 - 0.3)))
        self.play(Create(the_belt), Create(h_line), FadeIn(side_labels), run_time=0.8)
        self.next_slide()
        prev_c = prev_h = None
        self.columns = []
        for k, t in enumerate(steps):
            c = self.vec("c", t, side=side, label=f"c<sub>{t}</sub>")
            h = self.vec("h", t, side=side, label=f"h<sub>{t}</sub>")
            for m, y in ((c, top), (h, bottom)):
                m.label.scale(0.8).next_to(m.cells, UP, buff=0.08)
                m.shift(RIGHT * xs[k] + UP * y - m.cells.get_center())  # the cells sit on the belt
            word = self.src.label(t)
            tag = self.text(f"t={t}" + (f"\n{word}" if word else ""), size=16, color=palette.INPUT_X)
            if tag.width > width * 0.95:
                tag.scale_to_fit_width(width * 0.95)
            tag.move_to(RIGHT * xs[k] + UP * tag_y)
            anims = [FadeIn(tag)]
            anims.append(TransformFromCopy(prev_c.cells, c.cells) if prev_c is not None else FadeIn(c.cells))
            anims.append(TransformFromCopy(prev_h.cells, h.cells) if prev_h is not None else FadeIn(h.cells))
            self.play(*anims, FadeIn(c.label), FadeIn(h.label), run_time=0.7)
            self.add(c, h)
            if t == self.src.t:
                self.play(Indicate(VGroup(c, h), color=palette.FORGET, scale_factor=1.04), run_time=0.6)
                self.next_slide()
            prev_c, prev_h = c, h
            self.columns.append((t, c, h))
        self.next_slide()
        self.wait(0.5)


SCENES: dict[str, type[LSTMScene]] = {cls.__name__: cls for cls in
                                      (ForgetGate, InputGate, CellStateUpdate, OutputGate, FullStep,
                                       UnrolledSequence)}
