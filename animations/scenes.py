"""The lesson's scenes, in the order of :data:`animations.chapters.LESSON` (the task, a network that reads, why a
plain RNN fails, the cell, then the sentence in reading order: the colour word, the filler words, "polluted",
the question; one full step, the whole sentence, backprop, a trained LSTM, the recap). Each reads a recorded trace (see
:mod:`animations.source`), draws the one-step scenes on the wired :class:`~animations.diagram.CellDiagram`,
and is paced by its narration (:mod:`animations.script`): one slide per narrated line, the line as the
slide's speaker notes and as a subtitle (``Scene.add_subcaption``).

    lstm-explainer render lesson --lang both                         # all of them, joined (animations.cli)
    manim -qh animations/scenes.py ForgetGate                        # the demo trace, English
    LSTM_EXPLAINER_LANG=zh manim -ql animations/scenes.py FullStep   # Chinese
    LSTM_EXPLAINER_TRACE=trace.npz LSTM_EXPLAINER_UNITS=3 manim -ql animations/scenes.py UnrolledSequence

Scenes never compute LSTM maths: each number is ``SceneSource.value(...)`` (or a value the story model
recorded), rounded for display. Without manim-slides, or with ``LSTM_EXPLAINER_SLIDES=0``, the scenes are
plain manim scenes and ``next_slide`` does nothing.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
from manim import (DOWN, LEFT, ORIGIN, RIGHT, UP, Arrow, Axes, Brace, Circumscribe, Create, DashedLine, Dot, VMobject, FadeIn, FadeOut, GrowFromEdge, Indicate, LaggedStart,
                   Line, ManimColor, Rectangle, RoundedRectangle, Scene, SurroundingRectangle, Text, MarkupText,
                   TransformFromCopy, VGroup, config)

if __package__ in (None, ""):  # run as a file by `manim animations/scenes.py ...`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from explainer import palette
from explainer.glossary import term
from explainer.presentation import common_digits, is_named, localise, product_digits, unit_name

from explainer.activations import sigmoid, tanh
from explainer.gates import GATE_STATE_TERMS, gate as gate_info, openness

from animations.chapters import EXTRAS, LESSON
from animations.diagram import CellDiagram
from animations.mobjects import (CONCAT, EQUATIONS, H_T, GateValves, VectorCells, belt, markup, number, operator, span,
                                 text, unit_names)
from animations.script import GAP_SECONDS, Facts, narration
from animations.source import SceneSource, font_for, source_from_env


def slides_wanted() -> bool:
    """Whether a render now writes manim-slides files: read at each render (not once at import), so a
    ``--no-slides`` run in a notebook or test session leaves later renders there as they were."""
    return SLIDES and os.environ.get("LSTM_EXPLAINER_SLIDES", "1").lower() not in ("0", "false", "no", "off")


try:
    from manim_slides import Slide

    class _Base(Slide):
        """manim-slides' ``Slide``, patched for manim ≥ 0.19 (manim-slides 5.7 still sets config keys
        ``write_to_movie``/``max_files_cached=inf``/reads ``flush_cache`` that manim 0.22 rejects); a plain
        scene while :func:`slides_wanted` is false."""

        skip_reversing = True  # reversed clips double the render time and a lecturer rarely plays backwards

        def __init__(self, *args, **kwargs) -> None:
            super(Slide, self).__init__(*args, **kwargs)  # skip Slide.__init__'s config["write_to_movie"]

        def next_slide(self, *args, **kwargs) -> None:
            if slides_wanted():
                super().next_slide(*args, **kwargs)

        def render(self, *args, **kwargs) -> None:
            if not slides_wanted():
                Scene.render(self, *args, **kwargs)
                return
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

    SLIDES = True  # manim-slides is installed
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
    voice = None  # an animations.voice.Voice: each line is spoken and lasts as long as it is spoken
    title_key = "full_step"

    def setup(self) -> None:
        super().setup()
        self.src = self.source if self.source is not None else source_from_env()
        self.lang = self.src.lang
        self.font = font_for(self.lang)  # raises MissingFontError for zh without a CJK font
        self.camera.background_color = ManimColor(palette.BACKGROUND)
        # cell size: the tallest column (the units, or up to 6 inputs) fits between header and caption
        self.side = min(0.62, 3.6 / max(self.src.units, min(self.src.trace.input_dim, 6)))
        self.narrate_setup()
        self.barely_trained_note()

    # --- narration: pacing, subtitles, slide notes ------------------------------------------------
    script: str = ""

    def narrate_setup(self) -> None:
        self.facts = Facts(self.src)
        self.spoken = {s.key: s for s in narration(self.script or type(self).__name__, self.facts, self.voice)}
        self.start_records()

    def start_records(self) -> None:
        """What a render keeps beside the video: the voice's start times, key frames, products, timeline."""
        self.voice_events: list[dict] = []  # where each spoken line starts (s): the lesson's audio track
        self.keyframes: list[list[tuple[str, tuple[float, float, float, float]]]] = []
        #: per key frame, each text's colour and the colour behind it (the contrast tests read these)
        self.keyframe_colours: list[list[tuple[str, str]]] = []
        #: per key frame, each text's type size (manim font size after every scaling): the projector test
        self.keyframe_sizes: list[list[float]] = []
        #: numbers shown as a product: (factors, product) — the rounding tests multiply them back
        self.products: list[tuple[list, object]] = []
        #: products in an overview (a table, the whole cell at once), not in focus: multiplied back, and held
        #: to the size of text, not of a number in focus
        self.overview_products: list[tuple[list, object]] = []
        #: ("play" | "wait", narration key, seconds) in order: the pacing test finds the longest still picture
        self.timeline: list[tuple[str, str, float]] = []

    def barely_trained_note(self) -> None:
        """A visible note when the trace's gates never leave 0.3–0.7 (a model that has hardly learned)."""
        if self.facts.barely_trained:
            # at the size of text a class reads, just over the band kept for subtitles
            note = self.text(self.term("barely_trained"), size=36, color=palette.FORGET)
            if note.width > 12.8:
                note.scale_to_fit_width(12.8)
            self.add(note.move_to(DOWN * (config.frame_height * 0.38 - note.height / 2 - 0.05)))

    def say(self, key: str, *plays, rt: float = 1.0) -> None:
        """Say line ``key``: a new slide whose notes are the line, a subtitle, the animations, then silence.

        Each item of ``plays`` is one animation or a list played together (``rt`` seconds each); the line
        lasts its reading time (:func:`animations.script.line_seconds`) however long the animations are.
        """
        line = self.spoken[key]
        self.record_keyframe()
        self.next_slide(notes=line.text)
        # the subtitle goes when the words end: a question's silence (time to think) is seen as a pause
        self.add_subcaption(line.text, duration=line.seconds - line.pause)
        if line.audio is not None:
            self.add_sound(str(line.audio))
            self.voice_events.append({"key": line.key, "start": float(self.renderer.time), "audio": str(line.audio)})
        start = float(self.renderer.time)
        budget = max(0.5, line.seconds - 0.2)
        plays = [p for p in plays if p]
        each = min(rt, budget / max(1, len(plays)))
        # the animations are spread over the line, one per equal share of it, in the order the line speaks of
        # them: the picture builds while the voice talks instead of all at once and then standing still
        slot = line.seconds / max(1, len(plays))
        for k, p in enumerate(plays):
            anims = p if isinstance(p, (list, tuple)) else [p]
            self.play(*anims, run_time=each)
            self.timeline.append(("play", key, each))
            if k < len(plays) - 1 and slot - each > 0.05:
                self.wait(slot - each)
                self.timeline.append(("wait", key, slot - each))
        # the line ends when its time is up, measured on the video's clock: a movie's frames round each play and
        # wait to whole frames, and over a lesson's hundred lines that rounding would drift from the voice
        still = max(0.05 + GAP_SECONDS, start + line.seconds + GAP_SECONDS - float(self.renderer.time))
        self.wait(still)
        self.timeline.append(("wait", key, still))

    def longest_still(self) -> tuple[float, str]:
        """The longest stretch with nothing moving (seconds) and the narration key it starts at."""
        best, run, start = (0.0, ""), 0.0, ""
        for kind, key, sec in self.timeline:
            if kind == "play":
                run = 0.0
                continue
            if run == 0.0:
                start = key
            run += sec
            best = max(best, (run, start))
        return best

    #: where a chapter's recorded numbers come from when they are not the trace's (the tests read them back)
    number_source = ""

    def tagged(self, v: float, key: str, step: int, unit: int = 0, source: str | None = None, size: float = 36,
               color: str = palette.INK, digits: int = 2):
        """A recorded number from ``source`` (default: the chapter's ``number_source``), tagged for read-back."""
        n = number(v, key, unit, step=step, font=self.font, size=size, color=color, digits=digits)
        n.trace_source = source or self.number_source
        return n

    def tick(self, s: str, size: float = 36):
        t = self.text(s, size=size, color=palette.MUTED)
        t.axis_tick = True  # an axis label, not a recorded value
        return t

    def predict(self) -> None:
        """Pause and predict: the chapter's question alone on screen for its line (about 2 s or more)."""
        if "predict" not in self.spoken:
            return
        q = _wrap(self, self.spoken["predict"].text, size=40, width=12.0).move_to(UP * 0.4)
        # a bar fills under the question: time to think, the class's cue that the answer is not given yet
        think = Line(q.get_corner(DOWN + LEFT) + DOWN * 0.35, q.get_corner(DOWN + RIGHT) + DOWN * 0.35,
                     color=palette.FRAME, stroke_width=6)
        self.say("predict", [FadeIn(q, shift=UP * 0.2)], [Create(think)], rt=1.5)
        self.remove(q, think)

    def record_keyframe(self) -> None:
        """Remember every text's bounding box and type size now (the end of a slide), its colour and the colour
        behind it: the layout, projector and contrast tests walk these."""
        boxes, colours, sizes = [], [], []
        texts = self.texts_on_screen()
        for t in texts:
            lo, hi = t.get_corner(DOWN + LEFT), t.get_corner(UP + RIGHT)
            boxes.append((t.text if hasattr(t, "text") else "", (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))))
            colours.append((ManimColor(t.get_fill_color()).to_hex(), self.backdrop(t)))
            sizes.append(float(t.font_size))
        if boxes:
            self.keyframes.append(boxes)
            self.keyframe_colours.append(colours)
            self.keyframe_sizes.append(sizes)

    def backdrop(self, t) -> str:
        """The colour behind text ``t``'s centre: the background with every filled shape drawn before the text
        and covering that point laid over it (by its fill opacity), in drawing order."""
        x, y = float(t.get_x()), float(t.get_y())
        rgb = np.array(ManimColor(palette.BACKGROUND).to_rgb(), np.float64)

        def walk(m) -> bool:  # True once t is reached (what is drawn after it does not count)
            nonlocal rgb
            if m is t:
                return True
            if isinstance(m, (Text, MarkupText)):
                return False  # another text's glyphs are not a background
            if m.points.size and float(m.get_fill_opacity()) > 0.01:
                lo, hi = m.get_corner(DOWN + LEFT), m.get_corner(UP + RIGHT)
                if lo[0] <= x <= hi[0] and lo[1] <= y <= hi[1]:
                    a = float(m.get_fill_opacity())
                    rgb = (1 - a) * rgb + a * np.array(ManimColor(m.get_fill_color()).to_rgb(), np.float64)
            return any(walk(k) for k in m.submobjects)

        for m in self.mobjects:
            if walk(m):
                break
        return ManimColor(rgb).to_hex()

    def texts_on_screen(self) -> list:
        seen, out = set(), []
        for m in self.mobjects:
            for sub in m.get_family():
                if isinstance(sub, (Text, MarkupText)) and id(sub) not in seen and sub.get_fill_opacity() > 0.05:
                    seen.add(id(sub))
                    out.append(sub)
        return out

    def tear_down(self) -> None:
        self.record_keyframe()
        super().tear_down()

    def title(self, key: str | None = None, info: str | None = None) -> VGroup:
        """The scene's title (glossary term) top left and, under it, which model, step and unit it shows."""
        title = self.text(self.term(key or self.title_key), size=38).to_edge(UP, buff=0.4).to_edge(LEFT, buff=0.65)
        group = VGroup(title)
        if info:
            i = self.text(info, size=30, color=palette.MUTED).next_to(title, DOWN, buff=0.12).align_to(title, LEFT)
            if i.width > 12.5:
                i.scale_to_fit_width(12.5).align_to(title, LEFT)
            group.add(i)
        return group

    def where(self, name: str) -> str:
        """"t = 5 · “polluted” · blue memory": the step and unit a part of the scene shows."""
        t, u = self.facts.where[name]
        return f"{self.model_tag()}t = {t} · “{self.facts.word(t)}” · {self.facts.unit(u)}"

    def model_tag(self) -> str:
        """"hand-built demo · " or "learned by training · ": which model a chapter shows, said on screen."""
        if self.facts.demo:
            return f"{self.term('hand_built')} · "
        return f"{self.term('learned')} · " if self.src.name == "story" else ""

    def diagram(self, scale: float = 0.8) -> CellDiagram:
        d = CellDiagram(font=self.font).scale(scale)
        d.to_edge(LEFT, buff=0.6).set_y(-0.45)  # the state lines' ends and their labels clear of the 4 % margin
        return d

    def put(self, d: CellDiagram, keys, name: str, size: float = 28, digits: int | dict[str, int] = 2) -> VGroup:
        """Values of ``keys`` for the (step, unit) ``facts.where[name]`` at their slots on diagram ``d``
        (``digits``: decimals for all, or per key with two for the keys it does not name)."""
        t, u = self.facts.where[name]
        per = digits if isinstance(digits, dict) else dict.fromkeys(keys, digits)
        return VGroup(*[d.value(k, float(self.src.value(k, t)[u]), u, t, size=size, digits=per.get(k, 2))
                        for k in keys])

    def read_out_digits(self, name: str) -> int:
        """Decimals at which o × tanh c, shown for the (step, unit) ``name``, multiplies to the h shown."""
        t, u = self.facts.where[name]
        return product_digits([self.src.value("o", t)[u], self.src.value("tanh_c", t)[u]], self.src.value("h", t)[u])

    def flow(self, d: CellDiagram, *wires: str):
        """Dots running along ``wires`` at once; returns (animations, dots) — remove the dots afterwards."""
        anims, dots = [], []
        for w in wires:
            a, dot = d.travel(w)
            anims.append(a)
            dots.append(dot)
        return anims, dots

    def curve(self, fn: str, z: float, value: float, key: str, unit: int, step: int, width: float = 4.6,
              height: float = 2.2) -> VGroup:
        """σ or tanh drawn over z ∈ [-6, 6] with the recorded point (z, value) marked and labelled."""
        lo = 0.0 if fn == "sigmoid" else -1.0
        ax = Axes(x_range=[-6, 6, 2], y_range=[lo, 1, 0.5], x_length=width, y_length=height, tips=False,
                  axis_config={"color": palette.FRAME, "stroke_width": 2, "include_ticks": False})
        f = sigmoid if fn == "sigmoid" else tanh
        colour = palette.color(gate_info(key).field)
        graph = ax.plot(lambda v: float(f(v)), x_range=[-6, 6], color=colour, stroke_width=4)
        zc = float(min(6.0, max(-6.0, z)))
        dot = Dot(ax.c2p(zc, value), radius=0.09, color=palette.INK)
        guide = Line(ax.c2p(zc, lo), ax.c2p(zc, value), color=palette.MUTED, stroke_width=2)
        name = self.markup(f"{span(gate_info(key).field, gate_info(key).field)} = {self.term(fn)}(z)", size=24)
        name.next_to(ax, UP, buff=0.12).align_to(ax, LEFT)
        zlab = VGroup(self.markup("z =", size=24),
                      number(z, f"z_{gate_info(key).field}", unit, step=step, font=self.font, size=24))
        zlab.arrange(RIGHT, buff=0.1).next_to(ax.c2p(zc, lo), DOWN, buff=0.15)
        vlab = VGroup(self.markup(f"{span(gate_info(key).field, gate_info(key).field)} =", size=24),
                      number(value, gate_info(key).field, unit, step=step, font=self.font, size=24))
        vlab.arrange(RIGHT, buff=0.1)
        vlab.next_to(ax, RIGHT, buff=0.25).set_y(dot.get_y())  # beside the plot, at the point's height
        g = VGroup(ax, graph, name, guide, dot, zlab, vlab)
        g.ax, g.dot, g.zlab, g.vlab, g.guide, g.frame = ax, dot, zlab, vlab, guide, VGroup(ax, graph, name)
        return g

    def panel(self) -> float:
        """x of the right panel's left edge (right of the diagram)."""
        return 1.0

    # --- captions -------------------------------------------------------------
    def term(self, key: str) -> str:
        return term(key, self.lang)

    @property
    def colon(self) -> str:
        """A label's colon: full-width in Chinese (：), as the text around it."""
        return "：" if self.lang == "zh" else ": "

    def text(self, s: str, size: float = 24, **kw):
        return text(s, font=self.font, size=size, **kw)

    def markup(self, s: str, size: float = 24, **kw):
        return markup(s, font=self.font, size=size, **kw)

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

    def open_valves(self, v: GateValves, run_time: float = 1.0):
        return LaggedStart(*[GrowFromEdge(bar, LEFT) for bar in v.fill], lag_ratio=0.15, run_time=run_time)


# --- the scenes ---------------------------------------------------------------------

class TitleWhy(LSTMScene):
    """The task, said first: two sentences that differ in one word, the question, and their two answers
    (grey is an answer, never an input); what that asks of a memory."""

    title_key = "lesson_title"
    script = "TitleWhy"

    def construct(self) -> None:
        title = self.text(self.term("lesson_title"), size=44).to_edge(UP, buff=0.55)
        question = self.text(self.term("task_question"), size=40, color=palette.HIDDEN).next_to(title, DOWN, buff=0.45)
        self.say("task", [FadeIn(title)], [FadeIn(question, shift=UP * 0.2)])
        rows = []
        for key, answer, colour, y in (("task_blue", "word_blue", palette.OUTPUT, 0.55),
                                       ("task_grey", "word_grey", palette.INK, -0.95)):
            sentence = self.text(self.term(key), size=38)
            label = self.text(self.term(answer), size=44, color=colour)
            box = SurroundingRectangle(label, color=colour, buff=0.18, corner_radius=0.1)
            arrow = Arrow(LEFT * 0.5, RIGHT * 0.5, color=palette.INK, stroke_width=5, buff=0)
            row = VGroup(sentence, arrow, VGroup(box, label)).arrange(RIGHT, buff=0.35).move_to(UP * y)
            if row.width > 12.6:
                row.scale_to_fit_width(12.6)
            rows.append(row)
        self.say("blue", [FadeIn(rows[0][0])], [GrowFromEdge(rows[0][1], LEFT), FadeIn(rows[0][2])])
        self.say("grey", [FadeIn(rows[1][0])], [GrowFromEdge(rows[1][1], LEFT), FadeIn(rows[1][2])])
        note = self.text(self.term("task_output"), size=36, color=palette.MUTED).next_to(rows[1], DOWN, buff=0.45)
        if note.width > 12.6:
            note.scale_to_fit_width(12.6)
        self.say("output", [FadeIn(note)], [Indicate(rows[1][2], color=palette.HIDDEN, scale_factor=1.1)])
        memory = self.text(self.term("task_memory"), size=38, color=palette.CELL)
        memory.move_to(note)
        self.say("memory", [note.animate.set_opacity(0)], [FadeIn(memory)])
        the_belt = belt(LEFT * 6.2 + UP * -2.75, RIGHT * 6.2 + UP * -2.75, width=12)
        self.remove(note)
        self.say("lstm", [memory.animate.next_to(the_belt, UP, buff=0.25)], [Create(the_belt)], rt=1.5)


class ReadingNetwork(LSTMScene):
    """A plain recurrent network reading the sentence: one-hot x_t, h_t handed on, the same W and b at every
    step (the unrolled picture), h_t = tanh(W[h_{t-1}, x_t] + b) with its shapes, and the readout at the end."""

    title_key = "reading_network"
    script = "ReadingNetwork"

    def construct(self) -> None:
        head = self.title()
        self.add(head)
        from explainer.demo import FEATURES, WORDS
        # the lesson's sentence ("the sky" is one token, 天空, as the demo reads it): its first three words, then,
        # past the words left out, the last one, where the readout answers
        steps = [0, 1, 2, len(WORDS) - 1]
        words = [WORDS[t] for t in steps]
        xs = [-4.1, -1.3, 1.5, 5.3]  # the gap before the last word is wider: the words left out are in it
        y_cell, y_x, y_word = 1.05, -0.55, -1.35
        cells, inputs, labels, arrows_up, arrows_h, hs = VGroup(), VGroup(), VGroup(), VGroup(), VGroup(), VGroup()
        for k, (x, w) in enumerate(zip(xs, words)):
            box = RoundedRectangle(corner_radius=0.12, width=1.55, height=1.0, stroke_color=palette.INK,
                                   stroke_width=3, fill_color=palette.PANEL, fill_opacity=1).move_to(RIGHT * x + UP * y_cell)
            name = self.markup("W, b", size=36).move_to(box)
            cells.add(VGroup(box, name))
            # x_t is the real one-hot input: one square per word the demo knows, filled where this word is it
            squares = VGroup(*[Rectangle(width=0.3, height=0.3, stroke_color=palette.INPUT_X, stroke_width=2,
                                         fill_color=palette.INPUT_X, fill_opacity=1.0 if known == w else 0.0)
                               for known in FEATURES]).arrange(RIGHT, buff=0.06).move_to(RIGHT * x + UP * y_x)
            xlab = self.markup(span("x", "x", str(steps[k])), size=36).next_to(squares, LEFT, buff=0.15)
            inputs.add(VGroup(squares, xlab))
            labels.add(self.text(f"“{localise(w, self.lang)}”", size=36).move_to(RIGHT * x + UP * y_word))
            arrows_up.add(Arrow(squares.get_top(), box.get_bottom(), buff=0.08, color=palette.INPUT_X, stroke_width=4))
            if k + 1 < len(words):
                t0, t1 = steps[k], steps[k + 1]
                end = RIGHT * (xs[k + 1] - 0.78) + UP * y_cell
                if t1 == t0 + 1:
                    arr = Arrow(box.get_right(), end, buff=0.05, color=palette.HIDDEN, stroke_width=5)
                    hs.add(self.markup(span("h", "h", str(t0)), size=36).next_to(arr, UP, buff=0.08))
                else:
                    # past the words left out the arrow breaks at ⋯: h₂ leaves "blue", h₆ arrives at "is"
                    mid = RIGHT * (x + xs[k + 1]) / 2 + UP * y_cell
                    gap = self.text("⋯", size=36).move_to(mid)
                    out = Line(box.get_right() + RIGHT * 0.05, mid + LEFT * 0.3, color=palette.HIDDEN, stroke_width=5)
                    into = Arrow(mid + RIGHT * 0.3, end, buff=0.05, color=palette.HIDDEN, stroke_width=5)
                    arr = VGroup(out, gap, into)
                    hs.add(VGroup(self.markup(span("h", "h", str(t0)), size=36).next_to(out, UP, buff=0.08),
                                  self.markup(span("h", "h", str(t1 - 1)), size=36).next_to(into, UP, buff=0.08)))
                arrows_h.add(arr)
        # before the first word there is nothing to remember: h starts at zero
        h0_arrow = Arrow(RIGHT * (xs[0] - 2.25) + UP * y_cell, cells[0][0].get_left(), buff=0.05,
                         color=palette.HIDDEN, stroke_width=5)
        h0 = self.markup(f"{span('h', 'h')} = 0", size=36).next_to(h0_arrow, UP, buff=0.08).align_to(h0_arrow, LEFT)
        first = VGroup(cells[0], inputs[0], labels[0], arrows_up[0])
        note = self.text(self.term("one_hot"), size=36, color=palette.MUTED).move_to(UP * -2.6)
        if note.width > 12.4:
            note.scale_to_fit_width(12.4)
        self.say("step", [FadeIn(first)], [FadeIn(note)])
        self.say("zeros", [Indicate(labels[0], color=palette.INPUT_X)],
                 [Indicate(inputs[0][0], color=palette.INPUT_X, scale_factor=1.3)])
        self.say("hidden", [GrowFromEdge(h0_arrow, LEFT), FadeIn(h0)], [GrowFromEdge(arrows_h[0], LEFT), FadeIn(hs[0])],
                 [FadeIn(VGroup(cells[1], inputs[1], labels[1], arrows_up[1]))])
        eq = self.markup(f"{H_T} = tanh(W{CONCAT} + b)", size=48).move_to(UP * -2.55)
        self.say("eq", [FadeOut(note)], [FadeIn(eq)])
        shapes = self.text(self.term("rnn_shapes"), size=36, color=palette.MUTED).next_to(head, DOWN, buff=0.35)
        shapes.align_to(head, LEFT)
        if shapes.width > 12.4:
            shapes.scale_to_fit_width(12.4)
        self.say("shapes", [FadeIn(shapes)], [Indicate(eq, color=palette.HIDDEN, scale_factor=1.05)])
        same = self.text(self.term("same_weights"), size=36, color=palette.INK)
        rest = VGroup(*[VGroup(cells[k], inputs[k], labels[k], arrows_up[k]) for k in (2, 3)],
                      *arrows_h[1:], *hs[1:])
        self.say("same", [FadeIn(rest)], [*[Indicate(c[1], color=palette.HIDDEN) for c in cells]])
        up = Arrow(cells[-1].get_top(), cells[-1].get_top() + UP * 0.25, buff=0.02, color=palette.HIDDEN,
                   stroke_width=5, max_tip_length_to_length_ratio=0.4)
        readout = self.text(self.term("readout"), size=36, color=palette.HIDDEN)
        readout.next_to(up, UP, buff=0.05).align_to(RIGHT * 6.4, RIGHT)
        self.remove(shapes)
        self.say("answer", [GrowFromEdge(up, DOWN), FadeIn(readout)])
        same.next_to(head, DOWN, buff=0.15).align_to(head, LEFT)
        self.say("memory", [FadeIn(same)], [*[Indicate(h, color=palette.HIDDEN) for h in hs]])


class PlainRNNFails(LSTMScene):
    """Chapter 2, the problem measured: accuracy against distance for trained plain RNNs and LSTMs (the shipped
    ``story compare`` table), then a trained RNN's h at every word of one new sentence, rewritten at each word."""

    title_key = "rnn_fails"
    script = "PlainRNNFails"

    number_source = "compare"

    def construct(self) -> None:
        from animations.learned import rnn_fails_data
        d = rnn_fails_data(self.lang)
        head = self.title()
        self.add(head)
        # --- the comparison: accuracy against distance ---------------------------------------------
        far = d.distances[-1]
        ax = Axes(x_range=[0, far, 20], y_range=[0, 1, 0.5], x_length=8.6, y_length=3.6, tips=False,
                  axis_config={"color": palette.FRAME, "stroke_width": 3, "include_ticks": True})
        ax.move_to(RIGHT * -0.6 + UP * 0.1)
        ticks = VGroup(*[self.tick(str(x)).next_to(ax.c2p(x, 0), DOWN, buff=0.15) for x in range(0, far + 1, 20)])
        ticks.add(*[self.tick(f"{int(y * 100)} %").next_to(ax.c2p(0, y), LEFT, buff=0.15) for y in (0.5, 1.0)])
        x_title = self.text(self.term("filler_axis"), size=36, color=palette.MUTED)
        x_title.next_to(ticks[0], DOWN, buff=0.12).align_to(ax, LEFT)
        if x_title.get_right()[0] > 6.3:
            x_title.scale((6.3 - x_title.get_left()[0]) / x_title.width, about_edge=LEFT)
        note = self.text(self.term("compare_note").format(n=d.seeds, m=d.per_distance), size=36, color=palette.MUTED)
        if note.width > 12.8:
            note.scale_to_fit_width(12.8)
        note.next_to(head, DOWN, buff=0.25).align_to(head, LEFT)
        self.say("task", [FadeIn(note)], [Create(ax), FadeIn(ticks), FadeIn(x_title)])
        # no memory at all: always the most common answer, counted on the sentences each point was scored on
        base = VGroup(*[DashedLine(ax.c2p(x0, float(a0)), ax.c2p(x1, float(a1)), color=palette.MUTED, stroke_width=3)
                        for x0, a0, x1, a1 in zip(d.distances, d.majority, d.distances[1:], d.majority[1:])])
        base_label = self.text(self.term("majority_line"), size=36, color=palette.MUTED)
        base_label.next_to(ax.c2p(far / 2, float(d.majority.min())), DOWN, buff=0.12)  # under the line, over the axis
        base_label.align_to(ax, LEFT).shift(RIGHT * 0.25)
        lines = {}
        for key, acc, colour in (("lstm", d.lstm, palette.CELL), ("rnn", d.rnn, palette.HIDDEN)):
            pts = [ax.c2p(x, float(a)) for x, a in zip(d.distances, acc)]
            curve = VMobject(color=colour, stroke_width=6).set_points_as_corners(pts)
            dots = VGroup(*[Dot(p, radius=0.07, color=colour) for p in pts])
            lines[key] = VGroup(curve, dots)
        self.say("chart", [Create(lines["lstm"][0]), Create(lines["rnn"][0])],
                 [FadeIn(lines["lstm"][1]), FadeIn(lines["rnn"][1])], rt=1.5)
        lstm_name = self.text("LSTM", size=36, color=palette.CELL)
        lstm_val = self.tagged(float(d.lstm[-1]), "lstm", len(d.distances) - 1, color=palette.CELL)
        VGroup(lstm_name, lstm_val).arrange(RIGHT, buff=0.2).next_to(ax.c2p(far, float(d.lstm[-1])), RIGHT, buff=0.3)
        # (an Indicate that scales a line would leave its dots and cross its label)
        self.say("lstm", [FadeIn(lstm_name), FadeIn(lstm_val)],
                 [Indicate(lines["lstm"][0], color=palette.CELL, scale_factor=1.0)])
        i20 = d.distances.index(20)
        rnn_name = self.text(self.term("plain_rnn"), size=36, color=palette.HIDDEN)
        rnn_vals = VGroup()
        for k in (0, i20, len(d.distances) - 1):
            n = self.tagged(float(d.rnn[k]), "rnn", k, color=palette.HIDDEN)
            rnn_vals.add(n.next_to(ax.c2p(d.distances[k], float(d.rnn[k])), DOWN, buff=0.2))
        rnn_vals[0].shift(RIGHT * 0.35)
        rnn_name.next_to(rnn_vals[-1], RIGHT, buff=0.2)
        if rnn_name.get_right()[0] > 6.4:
            rnn_name.next_to(ax.c2p(far, float(d.rnn[-1])), UP, buff=0.25).align_to(RIGHT * 6.4, RIGHT)
        self.say("rnn", [FadeIn(rnn_name)], [LaggedStart(*[FadeIn(n) for n in rnn_vals], lag_ratio=0.5)], rt=1.5)
        self.say("base", [Create(base), FadeIn(base_label)],
                 [Indicate(lines["rnn"][0], color=palette.HIDDEN, scale_factor=1.0)])
        chart = VGroup(ax, ticks, x_title, note, base, base_label, *lines.values(), lstm_name, lstm_val, rnn_vals,
                       rnn_name)
        # --- inside: the trained RNN's h and the trained LSTM's c at every word of one new sentence -------
        T, U = d.h.shape
        left, right = -5.75, 6.3  # room at the left for each strip's name
        w = (right - left) / T
        side = 0.42

        def strip(values: np.ndarray, top: float, positive: str, scale: float) -> VGroup:
            """One column per word, one row per unit; the colour is the sign, the strength |value| / scale."""
            cells = VGroup()
            for t in range(values.shape[0]):
                for u in range(values.shape[1]):
                    v = float(values[t, u])
                    cells.add(Rectangle(width=w * 0.92, height=side * 0.9, stroke_width=0,
                                        fill_color=positive if v >= 0 else palette.NEGATIVE,
                                        fill_opacity=0.08 + 0.9 * min(1.0, abs(v) / scale))
                              .move_to(RIGHT * (left + w * (t + 0.5)) + UP * (top - side * u)))
            return cells

        h_strip = strip(d.h, 1.85, palette.HIDDEN, 1.0)  # h is in −1…1
        c_strip = strip(d.c, -0.1, palette.CELL, float(np.abs(d.c).max()))
        # each strip named at its left: which network, which memory
        names = VGroup(self.markup(span("h", "h"), size=44).next_to(h_strip, LEFT, buff=0.15),
                       self.markup(span("c", "c"), size=44).next_to(c_strip, LEFT, buff=0.15))
        caption = self.text(self.term("rnn_strip"), size=36)
        if caption.width > 12.8:
            caption.scale_to_fit_width(12.8)
        caption.next_to(head, DOWN, buff=0.25).align_to(head, LEFT)
        # how to read the strips, top right beside the title: the colour is the sign, pale is near 0
        key = VGroup()
        for colour, label in ((palette.HIDDEN, "sign_h"), (palette.CELL, "sign_c"), (palette.NEGATIVE, None)):
            key.add(VGroup(Rectangle(width=0.32, height=0.32, stroke_width=0, fill_color=colour, fill_opacity=0.9),
                           self.text(self.term(label) if label else "< 0", size=36)).arrange(RIGHT, buff=0.12))
        key.add(self.text(self.term("pale_zero"), size=36, color=palette.MUTED))
        key.arrange(RIGHT, buff=0.35).align_to(RIGHT * 6.3, RIGHT).set_y(head[0].get_y())
        if key.get_left()[0] < head.get_right()[0] + 0.3:
            key.scale((6.3 - head.get_right()[0] - 0.3) / key.width, about_edge=RIGHT)
        # the colour word's column, boxed in each strip (one box over both would cross the LSTM's caption)
        colour_box = VGroup(*[SurroundingRectangle(VGroup(*cells[d.colour_step * U:(d.colour_step + 1) * U]),
                                                   color=palette.INK, buff=0.06) for cells in (h_strip, c_strip)])
        # under the LSTM's strip: the colour word, the filler words braced, the question
        fillers = VGroup(*c_strip[(d.colour_step + 1) * U:(d.later_step + 1) * U])
        brace = Brace(fillers, DOWN, buff=0.08, color=palette.MUTED)
        brace_label = self.text(self.term("n_fillers").format(n=d.later_step - d.colour_step), size=36,
                                color=palette.MUTED).next_to(brace, DOWN, buff=0.05)
        question = self.text(f"“{d.words[-1]}”", size=36).set_y(brace_label.get_y())
        question.align_to(RIGHT * right, RIGHT)
        colour_word = self.text(f"“{d.words[d.colour_step]}”", size=36).move_to([colour_box.get_x(),
                                                                              brace_label.get_y(), 0])
        self.say("inside", [FadeOut(chart)], [FadeIn(caption), FadeIn(names[0]), FadeIn(key[0]), FadeIn(key[2:]),
                                               LaggedStart(*[FadeIn(r) for r in h_strip], lag_ratio=0.005)])
        # the filler word that changes h most, and the number it changes, from what to what (the narration's
        # "moves a number by …" is their difference)
        k_max = int(np.argmax(d.per_word))
        t_max = d.colour_step + 1 + k_max
        u_max = int(np.argmax(np.abs(d.h[t_max] - d.h[t_max - 1])))
        # the one number that word moves: its cell before and after the word (−0.61 → 0.88)
        ring = SurroundingRectangle(VGroup(h_strip[(t_max - 1) * U + u_max], h_strip[t_max * U + u_max]),
                                    color=palette.HIDDEN, buff=0.05, stroke_width=6)
        moral = VGroup(self.text(self.term("rnn_rewrites").format(w=d.words[t_max]), size=36, color=palette.HIDDEN),
                       self.tagged(float(d.h[t_max - 1, u_max]), "h", t_max - 1, unit=u_max, source="rnn_h", size=40,
                                   color=palette.HIDDEN),
                       self.text("→", size=36),
                       self.tagged(float(d.h[t_max, u_max]), "h", t_max, unit=u_max, source="rnn_h", size=40,
                                   color=palette.HIDDEN))
        moral.arrange(RIGHT, buff=0.2).set_y(-2.5).align_to(RIGHT * -6.3, LEFT)
        if moral.get_right()[0] > 6.3:
            moral.scale((6.3 - moral.get_left()[0]) / moral.width, about_edge=LEFT)
        if self.facts.flags["rewritten"]:
            self.say("rewritten", [Create(ring)], [FadeIn(moral)])
        else:
            self.say("rewritten", [Indicate(VGroup(*h_strip[(d.colour_step + 1) * U:(d.later_step + 1) * U]),
                                            color=palette.HIDDEN, scale_factor=1.0)])
        # the LSTM on the same sentence: its cell state, and its largest change at one filler word
        before, after = self.term("lstm_strip").split("{x}")
        k_c = int(np.argmax(d.c_per_word))
        parts = [self.text(before.strip(), size=36, color=palette.CELL),
                 self.tagged(float(d.c_per_word[k_c]), "c_step", k_c, source="lstm_c", size=40, color=palette.CELL)]
        if after.strip():  # in Chinese the number ends the caption
            parts.append(self.text(after.strip(), size=36, color=palette.CELL))
        lstm_caption = VGroup(*parts).arrange(RIGHT, buff=0.15)
        if lstm_caption.width > 12.6:
            lstm_caption.scale_to_fit_width(12.6)
        lstm_caption.align_to(RIGHT * -6.3, LEFT).set_y(0.42)
        self.say("lstm_c", [FadeIn(lstm_caption), FadeIn(names[1]), FadeIn(key[1]),
                            LaggedStart(*[FadeIn(r) for r in c_strip], lag_ratio=0.005)],
                 [Create(colour_box), FadeIn(colour_word), GrowFromEdge(brace, UP), FadeIn(brace_label),
                  FadeIn(question)])
        self.say("fix", [Indicate(c_strip, color=palette.CELL, scale_factor=1.0)])


class TheQuestion(LSTMScene):
    """Chapter 7, the question: at the last word the output gate opens, h = o ⊙ tanh c carries the memory out,
    and the readout (Dense + softmax on h) gives one probability per answer; the answer."""

    title_key = "ch_question"
    script = "TheQuestion"

    def construct(self) -> None:
        self.predict()
        fx = self.facts
        T, u = fx.where["question"]
        word = f" · “{fx.word(T)}”" if self.src.label(T) else ""
        head = self.title(info=f"{self.model_tag()}t = {T}{word}")
        self.add(head)
        U = self.src.units
        o, tc, h = (self.src.value(k, T) for k in ("o", "tanh_c", "h"))
        # shown together, o ⊙ tanh c must multiply to the h shown: more digits where two would not
        digits = common_digits([([o[k], tc[k]], h[k]) for k in range(U)])
        cols = VGroup()
        for key in ("o", "tanh_c", "h"):
            v = self.vec(key, T, side=min(0.75, 2.4 / U), number_size=40, digits=digits)
            v.label.scale(40 / 26).next_to(v.cells, UP, buff=0.25)
            cols.add(v)
        cols.arrange(RIGHT, buff=0.9, aligned_edge=DOWN)
        names = unit_names(fx.units(), cols[0], font=self.font, size=36)
        left = VGroup(names, cols)
        role = self.markup(EQUATIONS["h"], size=36).next_to(head, DOWN, buff=0.3).align_to(head, LEFT)
        left.next_to(role, DOWN, buff=0.35).align_to(RIGHT * -6.3, LEFT)
        self.products += [([cols[0].numbers[k], cols[1].numbers[k]], cols[2].numbers[k]) for k in range(U)]
        ops = VGroup(self.text("⊙", size=48).move_to((cols[0].cells.get_right() + cols[1].cells.get_left()) / 2),
                     self.text("=", size=48).move_to((cols[1].cells.get_right() + cols[2].cells.get_left()) / 2))
        self.say("role", [FadeIn(role)])
        self.say("open", [FadeIn(names), FadeIn(cols[0])], [Indicate(cols[0].cells[u], color=palette.OUTPUT)])
        self.say("h", [FadeIn(cols[1]), FadeIn(ops[0])], [FadeIn(ops[1]), FadeIn(cols[2])])
        top = cols.get_bottom()[1] - 0.3  # the readout goes below, across the width
        if not fx.flags.get("readout"):
            note = self.text(self.term("no_readout"), size=36, color=palette.MUTED)
            if note.width > 12.6:
                note.scale_to_fit_width(12.6)
            self.say("answer", [FadeIn(note.align_to(RIGHT * -6.3, LEFT).set_y(top - 0.4))])
            return
        p = np.asarray(self.src.trace.meta["probabilities"], np.float64)
        answers = fx.answers()
        box = self.text(self.term("readout_layer"), size=36, color=palette.HIDDEN)
        box.align_to(UP * top, UP).set_x(cols[2].get_x() - 0.5)
        if box.get_right()[0] > 6.4:
            box.shift(LEFT * (box.get_right()[0] - 6.4))
        bars = VGroup()
        order = list(np.argsort(-p))[:2]  # the answer and the runner-up (the narration reads both)
        for k in order:
            name = self.text(answers[k], size=40)
            bar = Rectangle(width=max(0.03, 3.0 * float(p[k])), height=0.45, stroke_width=0,
                            fill_color=palette.HIDDEN, fill_opacity=0.85)
            val = number(float(p[k]), "probabilities", int(k), step=T, font=self.font, size=40)
            val.trace_source = "readout"
            bars.add(VGroup(name, bar, val))
        name_w = max(b[0].width for b in bars)
        for r, row in enumerate(bars):
            row[0].move_to(ORIGIN, aligned_edge=LEFT).shift(DOWN * 0.7 * r)
            row[1].move_to(RIGHT * (name_w + 0.3) + DOWN * 0.7 * r, aligned_edge=LEFT)
            row[2].next_to(row[1], RIGHT, buff=0.25)
        bars.next_to(box, DOWN, buff=0.3).align_to(box, LEFT)
        # above the subtitle band; where many units leave no room, the columns rise into the equation's place
        # (the equation is their headings) rather than the readout sliding over them
        overflow = max(0.0, -2.85 - bars.get_bottom()[1])
        lift = min(overflow, role.get_top()[1] - left.get_top()[1]) if overflow > 0.05 else 0.0
        VGroup(box, bars).shift(UP * overflow)
        rise = [FadeOut(role), VGroup(left, ops).animate.shift(UP * lift)] if lift > 0 else []
        arrow = Arrow(cols[2].cells.get_bottom() + UP * lift, box.get_top(), buff=0.1, color=palette.HIDDEN,
                      stroke_width=5)
        self.say("readout", rise, [GrowFromEdge(arrow, LEFT), FadeIn(box)], [FadeIn(bars)])
        ring = SurroundingRectangle(bars[0], color=palette.HIDDEN, buff=0.12, corner_radius=0.08)
        colon = "：" if self.lang == "zh" else ": "
        answer = self.text(f"{self.term('task_answer')}{colon}{answers[int(np.argmax(p))]}", size=48,
                           color=palette.HIDDEN)
        answer.next_to(bars, LEFT, buff=0.8).align_to(RIGHT * -6.3, LEFT)
        if answer.get_right()[0] > bars.get_left()[0] - 0.3:
            answer.next_to(bars, RIGHT, buff=0.6)
        self.say("answer", [Create(ring)], [FadeIn(answer)])
        self.say("why", [Indicate(cols[0], color=palette.OUTPUT, scale_factor=1.04)])


class TheCell(LSTMScene):
    """The wired cell, built piece by piece: belt, [h_{t-1}, x_t], the four gate boxes, ⊙ and + nodes, tanh(c)."""

    title_key = "the_cell"
    script = "TheCell"

    def construct(self) -> None:
        head = self.title()
        self.add(head)
        d = self.diagram()
        w = d.wires
        belt_parts = VGroup(w["c_prev"], w["kept"], w["c"])
        labels = d.end_labels
        a, dots = self.flow(d, "c_prev")
        self.say("belt", [Create(belt_parts), FadeIn(labels[0]), FadeIn(labels[1])], a)
        self.remove(*dots)
        # the right panel, laid out at once: its captions in order, top to bottom, scaled together if a trained
        # trace's model lines would reach the subtitle band
        x0, x1, top, bottom = self.panel(), 6.45, 2.6, -2.9
        n_u, n_x = self.src.total_units, self.src.trace.input_dim
        concat = self.markup(f"{CONCAT}", size=36)
        shape = self.text(f"{n_u} + {n_x} = {n_u + n_x}", size=30, color=palette.MUTED)
        eq = self.markup(f"z = W{CONCAT} + b", size=36)
        shapes = self.text(f"z: {4 * n_u}   W: {4 * n_u} × {n_u + n_x}   b: {4 * n_u}", size=28, color=palette.MUTED)
        fns = self.markup(f"{span('f', 'f')}, {span('i', 'i')}, {span('o', 'o')} = σ(z)     "
                          f"{span('g', 'g')} = tanh(z)", size=32)
        hadamard = self.text(self.term("hadamard"), size=30, color=palette.MUTED)
        names = self.facts.units()
        # a unit with no name of its own ("unit 2: unit 2") says nothing: only named units are listed
        meta, index = self.src.trace.meta, self.src.trace.unit_index.tolist()
        lines = [f"{self.term('unit_word')} {k}{self.colon}{n}" for k, n in zip(index, names) if is_named(meta, k, self.lang)]
        if not self.facts.demo:  # a trained trace: what goes in, and when
            feats = self.facts.features()
            shown = ", ".join(feats[:3]) + (f", … ({len(feats)})" if len(feats) > 3 else "")
            lines.insert(0, f"{self.term('features_word')}{self.colon}{shown}")
            first, last = self.src.label(0), self.src.label(self.src.trace.time - 1)
            if first and last:
                lines.insert(1, f"{self.term('date')}{self.colon}{first} → {last}")
        model = VGroup(*[self.text(line, size=28) for line in lines]).arrange(DOWN, aligned_edge=LEFT, buff=0.14)
        panel = VGroup(concat, shape, eq, shapes, fns, hadamard, model)
        for m in panel:
            if m.width > x1 - x0:
                m.scale_to_fit_width(x1 - x0)
        for k, buff in enumerate((0.18, 0.45, 0.18, 0.35, 0.4, 0.4), start=1):
            panel[k].next_to(panel[k - 1], DOWN, buff=buff)
        panel.move_to([(x0 + x1) / 2, 0, 0]).align_to(UP * 1.95, UP)
        if panel.get_bottom()[1] < bottom:
            panel.shift(UP * min(top - panel.get_top()[1], bottom - panel.get_bottom()[1]))
        if panel.height > top - bottom:
            panel.scale((top - bottom) / panel.height).move_to([(x0 + x1) / 2, (top + bottom) / 2, 0])
        for m in panel:
            m.set_x((x0 + x1) / 2)
        self.say("concat", [Create(VGroup(w["h_prev"], w["x"], w["bus"])), FadeIn(labels[2]), FadeIn(labels[3]),
                            FadeIn(d.concat_label)], [FadeIn(concat), FadeIn(shape)])
        boxes = VGroup(*d.boxes.values())
        self.say("gates", [Create(VGroup(*[w[f"in_{k}"] for k in "figo"])), FadeIn(boxes)])
        self.say("sum", [FadeIn(eq), FadeIn(shapes)], [FadeIn(fns), *[Indicate(b[0], scale_factor=1.08)
                                                                      for b in d.boxes.values()]])
        nodes = VGroup(d.nodes["mul_f"], d.nodes["mul_i"], d.nodes["plus"])
        self.say("nodes", [Create(VGroup(w["f"], w["i"], w["g"], w["ig"])), FadeIn(nodes), FadeIn(hadamard)])
        self.say("out", [Create(VGroup(w["to_tanh"], w["tanh_c"])), FadeIn(d.tanh_c)],
                 [Create(VGroup(w["o"], w["h"])), FadeIn(d.nodes["mul_o"]), FadeIn(labels[4])])
        self.say("model", [FadeIn(model)])


class InputGate(LSTMScene):
    """Chapter 4, at the colour word: g = tanh(W_g[h_{t-1}, x_t] + b_g) proposes, i = σ(W_i[h_{t-1}, x_t] + b_i)
    lets it in, and i ⊙ g is written to the belt (each on its curve, with the recorded sums)."""

    title_key = "ch_write"
    script = "InputGate"

    def construct(self) -> None:
        self.predict()
        head = self.title(info=self.where("write"))
        d = self.diagram()
        eqs = VGroup(self.markup(EQUATIONS["g"], size=24), self.markup(EQUATIONS["i"], size=24))
        self.add(head, d)
        t, u = self.facts.where["write"]
        ic = self.curve("sigmoid", float(self.src.value("z_i", t)[u]), float(self.src.value("i", t)[u]), "i", u, t,
                        width=3.0, height=1.15)
        gc = self.curve("tanh", float(self.src.value("z_g", t)[u]), float(self.src.value("g", t)[u]), "g", u, t,
                        width=3.0, height=1.15)
        # each equation stands over its own curve (it names the curve: the curve's own label is left out); the
        # value beside each plot ends inside the right margin
        for c, eq, y in ((gc, eqs[0], 1.2), (ic, eqs[1], -1.15)):
            c.shift(RIGHT * (1.45 - c.ax.get_left()[0]) + UP * (y - c.ax.get_center()[1]))
            c.frame.remove(c.frame[2])
            eq.next_to(c.ax, UP, buff=0.3).align_to(c.ax, LEFT)
        self.say("g", [FadeIn(eqs[0]), Indicate(d.boxes["g"][0], color=palette.CANDIDATE)], [FadeIn(gc.frame)])
        self.say("i", [FadeIn(eqs[1]), Indicate(d.boxes["i"][0], color=palette.INPUT)], [FadeIn(ic.frame)])
        a, dots = self.flow(d, "in_g")
        self.say("zg", a, [FadeIn(gc.zlab), Create(gc.guide)], [FadeIn(gc.dot), FadeIn(gc.vlab),
                                                               FadeIn(self.put(d, ["g"], "write"))])
        self.remove(*dots)
        a, dots = self.flow(d, "in_i")
        self.say("zi", a, [FadeIn(ic.zlab), Create(ic.guide)], [FadeIn(ic.dot), FadeIn(ic.vlab),
                                                               FadeIn(self.put(d, ["i"], "write"))])
        self.remove(*dots)
        ig = self.put(d, ["i*g", "c"], "write")
        a, dots = self.flow(d, "i", "g")
        a2, dots2 = self.flow(d, "ig", "c")
        vals = [float(self.src.value(k, t)[u]) for k in ("i", "g", "i*g")]
        digits = product_digits(vals[:2], vals[2])
        prod = VGroup(self.markup(f"{span('i', 'i')} ⊙ {span('g', 'g')} =", size=28),
                      *[number(v, k, u, step=t, font=self.font, size=28, digits=digits)
                        for v, k in zip(vals, ("i", "g", "i*g"))])
        prod.insert(2, self.text("×", size=28)).insert(4, self.text("=", size=28))
        prod.arrange(RIGHT, buff=0.12).move_to(RIGHT * 3.75 + DOWN * 2.7)
        self.products.append(([prod[1], prod[3]], prod[5]))
        self.say("ig", a, a2, [FadeIn(ig), FadeIn(prod)])
        self.remove(*dots, *dots2)


class HoldingQuietly(LSTMScene):
    """Chapter 5, the filler words after the colour: f ≈ 1 keeps c, i ≈ 0 writes nothing, o ≈ 0 so h ≈ 0 —
    kept, not said. One column per word, one row per quantity, for the unit that stored the colour."""

    title_key = "ch_hold"
    script = "HoldingQuietly"

    def construct(self) -> None:
        self.predict()
        fx = self.facts
        t_w, u = fx.where["write"]
        steps = [t_w] + list(fx.hold_steps)  # the colour word, then the words held over
        head = self.title(info=f"{self.model_tag()}{fx.unit(u)}")
        self.add(head)
        x_name, x0 = -6.2, -0.9
        dx = min(2.6, 5.2 / (len(steps) - 1)) if len(steps) > 1 else 2.6
        xs = [x0 + dx * k for k in range(len(steps))]
        words = VGroup(*[self.text(f"“{fx.word(t)}”", size=36) for t in steps])
        for w, x in zip(words, xs):
            if w.width > dx - 0.2:  # long step labels (a trace's dates) shrink to their column
                w.scale_to_fit_width(dx - 0.2)
            w.move_to(RIGHT * x + UP * 2.15)
        rows = {}
        # the memory kept (f, i, c), then what is said of it: h = o ⊙ tanh c, its factors on the rows above it
        ys = {"f": 1.4, "i": 0.7, "c": 0.0, "o": -0.75, "tanh_c": -1.45, "h": -2.15}
        names = {"f": "forget_gate", "i": "input_gate", "o": "output_gate", "c": "cell_state", "h": "hidden_state"}
        digits = {k: fx.hold_digits for k in ("o", "tanh_c", "h")}  # o × tanh c multiplies to the h shown
        for key, y in ys.items():
            name = f"tanh {span('c', 'c')}" if key == "tanh_c" else f"{span(key, key)}  {self.term(names[key])}"
            label = self.markup(name, size=36).move_to(UP * y)
            label.align_to(RIGHT * x_name, LEFT)
            vals = VGroup(*[number(float(self.src.value(key, t)[u]), key, u, step=t, font=self.font, size=40,
                                   digits=digits.get(key, 2)).move_to(RIGHT * x + UP * y) for t, x in zip(steps, xs)])
            rows[key] = VGroup(label, vals)
        for k in range(len(steps)):
            self.overview_products.append(([rows["o"][1][k], rows["tanh_c"][1][k]], rows["h"][1][k]))
        # the column the narration reads out: the first word held over (the colour word's column is context)
        k_h = steps.index(fx.where["hold"][0])
        col0 = SurroundingRectangle(VGroup(words[k_h], *[rows[k][1][k_h] for k in ys]), color=palette.FRAME, buff=0.15,
                                    corner_radius=0.08)
        self.say("keep", [FadeIn(words), FadeIn(rows["f"]), FadeIn(rows["c"])], [Create(col0)])
        self.say("write", [FadeIn(rows["i"])])
        quiet = []
        if fx.flags.get("quiet"):
            # said with the line that says it (added after the last line, it was never on screen)
            note = self.text(self.term("kept_not_said"), size=40, color=palette.HIDDEN)
            note.next_to(rows["h"][1][-1], RIGHT, buff=0.5)
            if note.get_right()[0] > 6.4:  # under the h row, over the subtitles' band (y ≥ −3.04)
                note.align_to(RIGHT * 6.4, RIGHT).set_y(-2.98 + note.height / 2)
            quiet = [FadeIn(note)]
        self.say("quiet", [FadeIn(rows["o"])], [FadeIn(rows["tanh_c"]), FadeIn(rows["h"]), *quiet])
        if "belt" in self.spoken:
            lane = belt(RIGHT * (xs[0] - 0.6) + UP * -0.38, RIGHT * (xs[-1] + 0.6) + UP * -0.38, width=8)
            # the frame moves to the last word the line names
            self.say("belt", [Create(lane), col0.animate.set_x(xs[-1])], [Indicate(rows["c"][1][-1], color=palette.CELL)])
        self.rows = rows


class ForgetGate(LSTMScene):
    """Chapter 6, at "polluted": f = σ(W_f[h_{t-1}, x_t] + b_f) drops (its σ curve, z_f, the one weight that
    causes it), f ⊙ c_{t-1} erases the old colour, and c_t = f ⊙ c_{t-1} + i ⊙ g writes the new fact."""

    title_key = "ch_forget"
    script = "ForgetGate"

    def construct(self) -> None:
        self.predict()
        t, u = self.facts.where["forget"]
        head = self.title(info=self.where("forget"))
        d = self.diagram()
        mid = 3.75  # the right panel's centre (x 1.05 to 6.45, inside the margin)
        eq = self.markup(EQUATIONS["f"], size=26).move_to(RIGHT * mid + UP * 2.2)
        self.add(head, d, eq)
        zf = float(self.src.value("z_f", t)[u])
        f = float(self.src.value("f", t)[u])
        curve = self.curve("sigmoid", zf, f, "f", u, t, width=3.0, height=1.5)
        curve.shift(RIGHT * (1.45 - curve.ax.get_left()[0]) + UP * (0.8 - curve.ax.get_center()[1]))
        curve.frame.remove(curve.frame[2])  # the equation above names the curve
        w = self.facts.weight
        if w is not None and "weight" in self.spoken:
            wsym = "W" if w["matrix"] == "W" else "U"
            # the unit is the one the info line names: the caption says only which input, into which gate
            row = VGroup(self.text(f"{wsym}[{w['from']} → {self.term('forget_gate')}] =", size=28),
                         number(w["w"], "weight", u, step=t, font=self.font, size=28, color=palette.FORGET))
            row.arrange(RIGHT, buff=0.15)
            if row.width > 5.2:
                row.scale_to_fit_width(5.2)
            row.move_to(RIGHT * mid + DOWN * 1.0)
            row[1].trace_matrix, row[1].trace_row = w["matrix"], w["row"]
            box = SurroundingRectangle(row, color=palette.FORGET, buff=0.12, corner_radius=0.08)
            self.say("weight", [FadeIn(row), Create(box)], [Indicate(d.boxes["f"][0], color=palette.FORGET)])
        a, dots = self.flow(d, "in_f")
        self.say("zf", a, [FadeIn(curve.frame), FadeIn(curve.zlab)])
        self.remove(*dots)
        fval = self.put(d, ["f"], "forget", size=32)  # f ⊙ c_{t-1}'s factors and product are in focus: 48 px
        self.say("curve", [Create(curve.guide), FadeIn(curve.dot)], [FadeIn(curve.vlab), FadeIn(fval)])
        vals = self.put(d, ["c_prev", "f*c_prev"], "forget", size=32)
        self.products.append(([fval[0], vals[0]], vals[1]))
        a, dots = self.flow(d, "c_prev", "kept")
        self.say("erased", [FadeIn(vals[0])], a, [FadeIn(vals[1])])
        self.remove(*dots)
        # the new fact, written at the same word by another unit: its i ⊙ g, the digits at which it multiplies
        tn, un = self.facts.where["new"]
        ig_vals = [float(self.src.value(k, tn)[un]) for k in ("i", "g", "i*g")]
        dn = product_digits(ig_vals[:2], ig_vals[2])
        if "new" in self.spoken:
            # the unit's name on its own line, the product under it at the size of a product in focus
            who = self.text(f"{self.facts.unit(un)}{self.colon.strip()}", size=28)
            new = VGroup(self.markup(f"{span('i', 'i')} ⊙ {span('g', 'g')} =", size=28),
                         *[number(v, k, un, step=tn, font=self.font, size=28, digits=dn)
                           for v, k in zip(ig_vals, ("i", "g", "i*g"))])
            new.insert(2, self.text("×", size=28)).insert(4, self.text("=", size=28))
            new.arrange(RIGHT, buff=0.12).move_to(RIGHT * mid + DOWN * 2.45)
            who.next_to(new, UP, buff=0.2).align_to(new, LEFT)
            self.products.append(([new[1], new[3]], new[5]))
            self.say("new", [FadeIn(who), FadeIn(new[:2])], [FadeIn(new[2:4])], [FadeIn(new[4:])])
        # the update, every unit: c_t = f ⊙ c_{t-1} + i ⊙ g
        update = self.markup(EQUATIONS["c"], size=28).move_to(RIGHT * mid + UP * 2.2)
        ig = self.put(d, ["i*g", "c"], "forget")
        a, dots = self.flow(d, "ig", "c")
        drawn = VGroup(curve.frame, curve.zlab, curve.guide, curve.dot, curve.vlab)
        self.say("update", [FadeOut(eq), FadeOut(drawn), FadeIn(update)], a, [FadeIn(ig)])
        self.remove(*dots)
        listing = VGroup()
        for k, name in enumerate(self.facts.units()):
            listing.add(VGroup(self.text(f"{name}{self.colon}c =", size=28),
                               number(float(self.src.value("c", t)[k]), "c", k, step=t, font=self.font, size=28,
                                      color=palette.CELL)).arrange(RIGHT, buff=0.12))
        listing.arrange(DOWN, aligned_edge=LEFT, buff=0.15)
        listing.move_to(RIGHT * mid + UP * 1.0)
        if listing.width > 5.2:
            listing.scale_to_fit_width(5.2).move_to(RIGHT * mid + UP * 1.0)
        self.say("sum", [FadeIn(listing)], [Indicate(VGroup(d.nodes["mul_f"], d.nodes["plus"]), color=palette.CELL)])


class FullStep(LSTMScene):
    """Everything flows through the wired cell; the six equations are built one by one, ending on all six."""

    title_key = "ch_step"
    script = "FullStep"

    def construct(self) -> None:
        head = self.title(info=self.where("step"))
        d = self.diagram()
        self.add(head, d)
        t, u = self.facts.where["step"]
        rows = VGroup()

        # o and tanh c beside h carry one decimal more where two would not multiply to it (0.95 × 0.72 ≠ 0.69)
        digits = {"o": self.facts.step_digits, "tanh_c": self.facts.step_digits}

        def eq_row(key: str, value_key: str) -> VGroup:
            r = VGroup(self.markup(EQUATIONS[key], size=26), self.markup("=", size=26),
                       number(float(self.src.value(value_key, t)[u]), value_key, u, step=t, font=self.font, size=28,
                              digits=digits.get(value_key, 2)))
            r.arrange(RIGHT, buff=0.12)
            return r

        # the six equations right of the cell, one column, in the order they are computed
        x0, x1 = self.panel(), 6.45
        steps = [("f", "f", ("in_f", "f"), ["c_prev", "f"]), ("i", "i", ("in_i", "i"), ["i"]),
                 ("g", "g", ("in_g", "g"), ["g"]), ("o", "o", ("in_o", "o"), ["o"]),
                 ("c", "c", ("c_prev", "kept", "ig", "c"), ["f*c_prev", "i*g", "c"]),
                 ("h", "h", ("to_tanh", "tanh_c", "h"), ["tanh_c", "h"])]
        shown = {}  # slot → its number on the cell
        for k, (key, vkey, wires, slots) in enumerate(steps):
            r = eq_row(key, vkey)
            r.move_to([0, 2.05 - 0.62 * k, 0]).align_to(RIGHT * x0, LEFT)
            if r.get_right()[0] > x1:
                r.scale((x1 - x0) / r.width, about_edge=LEFT)
            rows.add(r)
            a, dots = self.flow(d, *wires)
            vals = self.put(d, slots, "step", size=28, digits=digits)
            shown.update(zip(slots, vals))
            self.say(key, a, [FadeIn(vals), FadeIn(r)])
            self.remove(*dots)
        for factors, product in ((("f", "c_prev"), "f*c_prev"), (("i", "g"), "i*g"), (("o", "tanh_c"), "h")):
            self.overview_products.append(([shown[k] for k in factors], shown[product]))
        passed = VGroup(self.text("→ t + 1:", size=28, color=palette.MUTED),
                        self.text(self.term("passed_on"), size=28, color=palette.MUTED))
        passed.arrange(DOWN, aligned_edge=LEFT, buff=0.15).next_to(rows, DOWN, buff=0.45).align_to(RIGHT * x0, LEFT)
        if passed.get_right()[0] > x1:
            passed.scale((x1 - x0) / passed.width, about_edge=LEFT)
        a, dots = self.flow(d, "c", "h")
        self.say("next", a, [FadeIn(passed)])
        self.remove(*dots)
        self.rows = rows


class UnrolledSequence(LSTMScene):
    """The cell over the whole sequence: c on the belt step by step, and a gates × steps heatmap.

    Its captions say which unit changed most at which step, computed from the trace (:class:`Facts`).
    """

    title_key = "unrolled"
    script = "UnrolledSequence"
    max_steps = 10

    def window(self) -> range:
        T, n = self.src.trace.time, min(self.max_steps, self.src.trace.time)
        start = min(max(0, self.src.t - n + 2), T - n)
        return range(start, start + n)

    def construct(self) -> None:
        steps = list(self.window())
        head = self.title()
        self.add(head)
        n, U = len(steps), self.src.units
        edge = 6.45  # texts stay inside the 4 % margin (x ≤ 6.54)
        left, right = -4.2, edge
        width = (right - left) / n
        xs = [left + width * (k + 0.5) for k in range(n)]
        side = min(0.5, width * 0.6, 1.5 / U)
        H = U * side + (U - 1) * 0.06
        top = 2.65 - H / 2 - 0.05
        belt_y = top - H / 2 - 0.22
        the_belt = belt(LEFT * edge + UP * belt_y, RIGHT * edge + UP * belt_y, width=16)
        cols = []
        for k, t in enumerate(steps):
            c = self.vec("c", t, side=side, number_size=24)
            c.remove(c.label)
            c.shift(RIGHT * xs[k] + UP * top - c.cells.get_center())
            cols.append(c)
        # a name per row of c, as the heatmap's rows have: which memory each belt lane carries
        names = self.facts.units()
        belt_label = VGroup()
        for uu in range(U):
            lab = self.markup(f"{span('c', 'c')}  {names[uu]}", size=24)
            if lab.width > left + edge - 0.1:  # as wide as the heatmap's row names below
                lab.scale_to_fit_width(left + edge - 0.1)
            belt_label.add(lab.set_y(cols[0].cells[uu].get_y()).align_to(RIGHT * (left - 0.1), RIGHT))
        tags = VGroup()
        for k, t in enumerate(steps):
            tag = self.text(self.facts.word(t), size=26, color=palette.INK)
            if tag.width > width * 0.88:  # a gap between neighbouring words
                tag.scale_to_fit_width(width * 0.88)
            tags.add(tag.move_to(RIGHT * xs[k] + UP * (belt_y - 0.4)))
        self.say("belt", [Create(the_belt), FadeIn(belt_label)],
                 [LaggedStart(*[FadeIn(VGroup(c.cells, tag)) for c, tag in zip(cols, tags)], lag_ratio=0.15)],
                 rt=1.5)
        for c in cols:
            self.add(c.cells)
        # heatmap: rows = gates × units, columns = steps; colour = gate value on one fixed scale
        row_h = min(0.4, 3.0 / (4 * U))  # a few units: tall rows that use the frame
        y0 = tags.get_bottom()[1] - 0.35
        heat = VGroup()
        labels = VGroup()
        for gi, gt in enumerate(("f", "i", "g", "o")):
            g = gate_info(gt)
            for uu in range(U):
                r = gi * U + uu
                y = y0 - row_h * (r + 0.5) - gi * 0.08
                for k, t in enumerate(steps):
                    val = float(self.src.value(gt, t)[uu])
                    level = (val - g.low) / (g.high - g.low)
                    cell = Rectangle(width=width * 0.96, height=row_h * 0.9, stroke_width=0, fill_color=g.color,
                                     fill_opacity=0.05 + 0.9 * level)
                    heat.add(cell.move_to(RIGHT * xs[k] + UP * y))
                lab = self.markup(f"{span(gt, gt)}  {names[uu]}", size=24)
                if lab.height > row_h * 0.95:
                    lab.scale_to_fit_height(row_h * 0.95)
                if lab.width > left + edge - 0.1:
                    lab.scale_to_fit_width(left + edge - 0.1)
                labels.add(lab.move_to(UP * y).align_to(RIGHT * (left - 0.1), RIGHT))
        heat_title = self.text(self.term("heatmap"), size=24, color=palette.MUTED)
        if heat_title.width > left + edge - 0.25:
            heat_title.scale_to_fit_width(left + edge - 0.25)
        heat_title.set_y(tags.get_y()).align_to(LEFT * edge, LEFT)
        self.say("heat", [FadeIn(heat_title), FadeIn(labels)], [FadeIn(heat)])
        for k in range(3):
            key = f"change{k}"
            if key not in self.facts.where or key not in self.spoken:
                continue
            t, uu = self.facts.where[key]
            col = steps.index(t) if t in steps else None
            if col is None:
                self.say(key)
                continue
            box = SurroundingRectangle(VGroup(cols[col].cells, tags[col]), color=palette.FORGET, buff=0.08)
            c0, c1 = float(self.src.value("c_prev", t)[uu]), float(self.src.value("c", t)[uu])
            note = VGroup(self.text(f"“{self.facts.word(t)}” · {self.facts.unit(uu)}{self.colon} c", size=28),
                          number(c0, "c_prev", uu, step=t, font=self.font, size=28), self.text("→", size=28),
                          number(c1, "c", uu, step=t, font=self.font, size=28))
            note.arrange(RIGHT, buff=0.15).next_to(head, RIGHT, buff=0.6).align_to(head, DOWN)
            if note.get_right()[0] > edge:  # right-aligned at the margin; shrunk only where it would reach the title
                note.shift(LEFT * (note.get_right()[0] - edge))
                room = edge - (head.get_right()[0] + 0.4)
                if note.width > room:
                    note.scale_to_fit_width(room).align_to(RIGHT * edge, RIGHT)
            self.say(key, [Create(box), FadeIn(note), Indicate(cols[col].cells[uu], color=palette.CELL,
                                                                scale_factor=1.15)])
            self.record_keyframe()  # the note leaves with its line: the layout checks see it first
            self.remove(box, note)
        self.say("rest", [Indicate(VGroup(*[c.cells for c in cols]), color=palette.CELL, scale_factor=1.03)],
                 [Circumscribe(heat, color=palette.FRAME)])  # "... the gates hold it" (no flash of other colours)


class Backprop(LSTMScene):
    """Chapter 10, backprop through time built step by step on the lesson's sentence (with "polluted"), for the
    trained story LSTM's colour memory: the chain rule along the belt, dL/dc_{t-1} = dL/dc_t · f_t + (the path
    through h), worked at three words with the recorded numbers; the recorded gradient at every word; then both
    trained models (LSTM: c, plain RNN: h) on the same 40 sentences, one faint line per sentence, log scale."""

    title_key = "backprop"
    script = "Backprop"

    number_source = "backprop"
    #: log10 of the spread panels' axis ends: 0.001 … 10
    LOG_RANGE = (-3, 1)

    def construct(self) -> None:
        from animations.learned import backprop_data
        bp = backprop_data(self.lang)
        fx = self.facts
        T = len(bp.words)
        head = self.title(info=self.term("bp_which"))
        self.add(head)
        # --- the sentence and the loss ---------------------------------------------------------------
        # the model's words apart, in both languages: "the sky" is one word to it, and "蓝色的鸟儿" would read
        # "blue bird"
        sep = " · "
        half = (T + 1) // 2
        sentence = VGroup(*[self.text(sep.join(ws), size=36) for ws in (bp.words[:half], bp.words[half:])])
        sentence.arrange(DOWN, aligned_edge=LEFT, buff=0.15).align_to(RIGHT * -6.3, LEFT).align_to(UP * 2.3, UP)
        for line in sentence:
            if line.width > 12.6:
                line.scale_to_fit_width(12.6).align_to(RIGHT * -6.3, LEFT)
        loss = _wrap(self, self.term("bp_loss").format(answer=bp.answer), 36, 12.6)
        loss.next_to(sentence, DOWN, buff=0.5).align_to(RIGHT * -6.3, LEFT)
        self.say("why", [FadeIn(sentence[0])], [FadeIn(sentence[1])])
        grad = self.markup(self.term("bp_grad"), size=36).next_to(loss, DOWN, buff=0.35).align_to(RIGHT * -6.3, LEFT)
        sign = self.text(self.term("bp_sign"), size=36, color=palette.MUTED)
        sign.next_to(grad, DOWN, buff=0.25).align_to(grad, LEFT)
        self.say("loss", [FadeIn(loss)], [FadeIn(grad), FadeIn(sign)])
        # --- the chain rule, worked at three words ----------------------------------------------------
        # the sentence makes way: the table starts at the top, its last row clear of a two-row subtitle
        chain = self.markup(self.term("bp_chain"), size=36).align_to(UP * 2.3, UP).align_to(RIGHT * -6.3, LEFT)
        units = self.text(self.term("bp_units").format(unit=fx["bp_unit"]), size=36, color=palette.MUTED)
        units.next_to(chain, DOWN, buff=0.2).align_to(RIGHT * -6.3, LEFT)
        cols = (-6.3, -3.2, -1.3, 0.7, 1.0, 3.95)  # word | dL/dc_t | × f_t | = belt path | recorded dL/dc_{t−1}
        header = VGroup(self.text(self.term("bp_col_word"), size=36, color=palette.MUTED),
                        self.markup("dL/dc<sub>t</sub>", size=36, color=palette.MUTED),
                        self.markup(f"× {span('f', 'f', 't')}", size=36),
                        self.text(f"= {self.term('bp_col_belt')}", size=36, color=palette.MUTED),
                        self.markup("dL/dc<sub>t−1</sub>", size=36, color=palette.MUTED))
        y0 = units.get_bottom()[1] - 0.35
        for m, x in zip(header, (cols[0], cols[1], cols[2], cols[3], cols[5])):
            m.move_to(UP * y0).align_to(RIGHT * x, LEFT)
        # one thing leaves, then the next comes: a cross-fade of two texts in one place reads as neither
        self.say("chain", [FadeOut(loss), FadeOut(grad), FadeOut(sign), FadeOut(sentence)],
                 [FadeIn(chain), FadeIn(units)], [FadeIn(header)])
        y = y0
        for k, t in enumerate(bp.chain_steps):
            d = bp.row_digits(t)
            gap = bp.chain_steps[k - 1] - 1 - t if k else 0  # words between this row and the one above, not worked
            if gap > 0:  # marked and named, and the narration says how many, so the jump in the numbers is not
                # a mistake
                y -= 0.55
                skipped = " · ".join(f"“{w}”" for w in bp.words[t + 1:t + 1 + gap])
                dots = self.text(f"… {skipped} …", size=36, color=palette.MUTED)
                self.add(dots.move_to(UP * y).align_to(RIGHT * cols[0], LEFT))
                y -= 0.55
            else:
                y -= 0.55
            row = VGroup(self.text(f"“{bp.words[t]}”", size=36),
                         self.tagged(bp.scaled(t), "dc", t, digits=d),
                         self.tagged(float(bp.belt[t]), "belt", t, color=palette.FORGET, digits=bp.f_digits(t)),
                         self.tagged(bp.direct(t), "direct", t, digits=d),
                         self.tagged(bp.scaled(t - 1), "dc", t - 1, digits=d))
            for m, x in zip(row, (cols[0], cols[1], cols[2] + 0.25, cols[4], cols[5])):
                m.move_to(UP * y).align_to(RIGHT * x, LEFT)
            self.products.append(([row[1], row[2]], row[3]))
            box = SurroundingRectangle(row[2], color=palette.FORGET, buff=0.08) if t == bp.poll_step else None
            self.say(f"step{k}", [FadeIn(row[0]), FadeIn(row[1])], [FadeIn(row[2]), FadeIn(row[3])],
                     [FadeIn(row[4])] + ([Create(box)] if box is not None else []))
        table = [m for m in self.mobjects if m is not head and isinstance(m, VMobject)]
        # --- the recorded gradient at every word ------------------------------------------------------
        left, right, base, top = -6.0, 6.2, -1.95, -0.1
        w = (right - left) / T
        size = np.abs(bp.dc) / bp.unit_size
        hmax = top - base
        bars = VGroup(*[Rectangle(width=w * 0.72, height=max(0.01, hmax * float(size[t] / size.max())), stroke_width=0,
                                  fill_color=palette.CELL, fill_opacity=0.85)
                        .move_to(RIGHT * (left + w * (t + 0.5)) + UP * base, aligned_edge=DOWN) for t in range(T)])
        axis = Line(RIGHT * left + UP * base, RIGHT * right + UP * base, color=palette.FRAME, stroke_width=3)
        marks = VGroup()
        for t in (bp.colour_step, bp.poll_step, T - 1):
            m = self.text(f"“{bp.words[t]}”", size=36).next_to(bars[t], DOWN, buff=0.12).set_y(base - 0.3)
            marks.add(m.shift(LEFT * max(0.0, m.get_right()[0] - 6.4)))
        caption = self.text(self.term("bp_bars").format(unit=fx["bp_unit"]), size=36, color=palette.MUTED)
        if caption.width > 12.6:
            caption.scale_to_fit_width(12.6)
        caption.align_to(RIGHT * -6.3, LEFT).align_to(UP * 2.3, UP)
        self.say("sentence", [FadeOut(VGroup(*table))], [FadeIn(caption), Create(axis)],
                 [LaggedStart(*[GrowFromEdge(bars[t], DOWN) for t in reversed(range(T))], lag_ratio=0.1),
                  FadeIn(marks)], rt=1.5)
        at_colour = self.tagged(bp.scaled(bp.colour_step), "dc", bp.colour_step, size=36)
        at_last = self.tagged(bp.scaled(T - 1), "dc", T - 1, size=36)
        at_colour.next_to(bars[bp.colour_step], UP, buff=0.12)
        at_last.next_to(bars[T - 1], UP, buff=0.12)
        if at_last.get_right()[0] > 6.4:
            at_last.shift(LEFT * (at_last.get_right()[0] - 6.4))
        self.say("blame", [FadeIn(at_colour), FadeIn(at_last)],
                 [Indicate(bars[bp.colour_step], color=palette.CELL, scale_factor=1.3)])
        a, b = bp.words[bp.colour_step + 1], bp.words[bp.poll_step - 1]
        fill_y = 1.3  # between the caption and the bars, so no number sits on a bar
        fill = VGroup(self.text(self.term("bp_fillers").format(a=a, b=b), size=36),
                      self.tagged(bp.filler_product, "fprod", 0, size=36, color=palette.FORGET))
        fill.arrange(RIGHT, buff=0.25).align_to(RIGHT * -6.3, LEFT).set_y(fill_y)
        rec = VGroup(self.text(self.term("bp_recorded_share").format(a=bp.words[bp.colour_step], b=b), size=36),
                     self.tagged(bp.filler_ratio, "fratio", 0, size=36, color=palette.CELL))
        rec.arrange(RIGHT, buff=0.25).next_to(fill, DOWN, buff=0.25).align_to(fill, LEFT)
        self.say("fillers", [FadeIn(fill)], [FadeIn(rec)])
        chapter_a = VGroup(*[m for m in self.mobjects if m is not head and isinstance(m, VMobject)])
        # --- both trained models, the same 40 sentences ------------------------------------------------
        from animations.learned import VANISHED, gradient_spread
        self.sp = sp = gradient_spread()
        head2 = self.title(info=self.term("sp_which").format(n=sp.n, fillers=sp.fillers))
        self.spread_top = head2.get_bottom()[1]
        # the panels come with the switch and the lines with the measure, so nothing is talked about on an empty
        # screen; each model's line then adds its range at the colour word
        axes = self.spread_axes()
        self.spread_groups: dict[int, VGroup] = {}  # each model's 40 lines (spread_lines fills it)
        lines = [self.spread_lines(0), self.spread_lines(1)]
        # one of the sentences, while the narration describes them: its colour, two fillers, …, the question
        ws, c0 = sp.words(self.lang), sp.colour_step
        example = self.text(self.term("sp_example").format(a=" · ".join(ws[:c0 + 1]), k=sp.fillers,
                                                           b=" · ".join(ws[-2:])), size=36)
        if example.width > 12.6:
            example.scale_to_fit_width(12.6)
        example.align_to(RIGHT * -6.3, LEFT).set_y(self.spread_top - 0.4)
        self.say("switch", [FadeOut(chapter_a)], [FadeOut(head), FadeIn(head2), FadeIn(example)], axes[1])
        # the lines while "one line per sentence" is said
        self.say("measure", [FadeOut(example)] + axes[0] + lines[0][0], lines[1][0])
        self.say("lstm_lines", lines[0][1])
        # the sentences the narration counts, brought forward: those where under a hundredth arrives, then those
        # where the gradient grows
        at = sp.rnn_at_colour
        groups = [[j for j in range(sp.n) if at[j] < VANISHED], [j for j in range(sp.n) if at[j] > 1.0]]
        # a group is lifted by opacity alone: every sentence is one line of one width
        lift = [[self.spread_groups[1][j].animate.set_stroke(opacity=1.0) for j in g] for g in groups]
        self.say("rnn_lines", lines[1][1], *lift)
        self.say("rnn_why", [Indicate(self.spread_panels[1][0], color=palette.HIDDEN, scale_factor=1.02)])
        # what the first half measured, in place of the measure's key: f at the event and while the memory is kept
        kept = [t for t in range(bp.colour_step + 1, T) if t != bp.poll_step]
        lo, hi = min(kept, key=lambda t: bp.belt[t]), max(kept, key=lambda t: bp.belt[t])
        belt_f = VGroup(self.text(self.term("bp_belt_f"), size=36),
                        self.text(self.term("bp_f_at").format(w=bp.words[bp.poll_step]), size=36),
                        self.tagged(float(bp.belt[bp.poll_step]), "belt", bp.poll_step, color=palette.FORGET,
                                    digits=bp.f_digits(bp.poll_step)),
                        self.text(f"· {self.term('bp_f_kept')}", size=36),
                        self.tagged(float(bp.belt[lo]), "belt", lo, color=palette.FORGET, digits=2),
                        self.text(self.term("sp_range_to"), size=36),
                        self.tagged(float(bp.belt[hi]), "belt", hi, color=palette.FORGET, digits=2))
        belt_f.arrange(RIGHT, buff=0.2)
        if belt_f.width > 12.6:
            belt_f.scale_to_fit_width(12.6)
        belt_f.align_to(RIGHT * -6.3, LEFT).set_y(self.spread_top - 0.4)
        self.say("trick", [FadeOut(self.spread_measure)], [FadeIn(belt_f)],
                 [Indicate(self.spread_groups[0], color=palette.CELL, scale_factor=1.02)])

    def spread_axes(self) -> list:
        """Two panels, the LSTM's ‖dL/dc_t‖ and the plain RNN's ‖dL/dh_t‖, each over its last word's, from the
        colour word to the last word, on a log scale 0.001 … 10."""
        steps = self.sp.lstm.shape[1]
        y_lo, y_hi = -2.3, self.spread_top - 2.0  # the ranges under the names clear the "10" tick
        lo, hi = self.LOG_RANGE
        panels = VGroup()
        # the left panel's widest tick, "0.001", ends inside the 4 % margin
        for k, (x0, x1) in enumerate(((-4.95, -0.3), (1.55, 6.35))):
            ax = Axes(x_range=[0, steps - 1, steps - 1], y_range=[lo, hi, 1], x_length=x1 - x0, y_length=y_hi - y_lo,
                      tips=False, axis_config={"color": palette.FRAME, "stroke_width": 3, "include_ticks": True})
            ax.move_to(RIGHT * (x0 + x1) / 2 + UP * (y_lo + y_hi) / 2)
            ticks = VGroup(*[self.tick(f"{10.0 ** e:g}").next_to(ax.c2p(0, e), LEFT, buff=0.12)
                             for e in range(lo, hi + 1)])
            one = DashedLine(ax.c2p(0, 0), ax.c2p(steps - 1, 0), color=palette.FRAME, stroke_width=2)
            # one label for the whole axis: two end labels would run into each other on a panel this narrow
            ends = self.text(self.term("sp_span"), size=36, color=palette.MUTED)
            ends.next_to(ax.c2p((steps - 1) / 2, lo), DOWN, buff=0.12)
            sym = (f"LSTM{self.colon}‖dL/d{span('c', 'c')}‖" if k == 0
                   else f"{self.term('plain_rnn')}{self.colon}‖dL/d{span('h', 'h')}‖")
            name = self.markup(sym, size=36).next_to(ax, UP, buff=0.6).align_to(ax, LEFT)
            panels.add(VGroup(ax, ticks, one, ends, name))
        self.spread_panels = panels
        measure = self.text(self.term("sp_measure_short"), size=36, color=palette.MUTED)
        if measure.width > 12.6:
            measure.scale_to_fit_width(12.6)
        measure.align_to(RIGHT * -6.3, LEFT).set_y(self.spread_top - 0.4)
        self.spread_measure = measure
        return [[FadeIn(measure)], [FadeIn(panels)]]

    def spread_lines(self, k: int) -> list:
        """Model k's 40 sentences as faint lines, and its range at the colour word."""
        sp = self.sp
        values = sp.lstm if k == 0 else sp.rnn
        colour = palette.CELL if k == 0 else palette.HIDDEN
        ax = self.spread_panels[k][0]
        lo, hi = self.LOG_RANGE
        lines = VGroup()
        self.spread_groups[k] = lines
        # every sentence alike: one sentence singled out invites a story the 40 do not tell
        for row in values:
            pts = [ax.c2p(t, float(np.clip(np.log10(max(v, 1e-12)), lo, hi))) for t, v in enumerate(row)]
            lines.add(VMobject(stroke_color=colour, stroke_width=2, stroke_opacity=0.45).set_points_as_corners(pts))
        at = values[:, 0]
        j_lo, j_hi = int(np.argmin(at)), int(np.argmax(at))
        rng = VGroup(self.tagged(float(at[j_lo]), "lstm" if k == 0 else "rnn", 0, unit=j_lo, source="spread", size=36,
                                 color=colour, digits=3 if k == 1 else 2),  # as the narration says it
                     self.text(self.term("sp_range_to"), size=36, color=colour),
                     self.tagged(float(at[j_hi]), "lstm" if k == 0 else "rnn", 0, unit=j_hi, source="spread", size=36,
                                 color=colour))
        rng.arrange(RIGHT, buff=0.12).next_to(self.spread_panels[k][4], DOWN, buff=0.1).align_to(ax, LEFT)
        return [[Create(lines)], [FadeIn(rng)]]


class TrainedLSTM(LSTMScene):
    """The trained story LSTM's colour memory beside the hand-built demo's blue memory: the same mechanism."""

    title_key = "trained_same"
    script = "TrainedLSTM"

    def construct(self) -> None:
        self.facts.learned()
        st = self.facts.story
        head = self.title()
        self.add(head)
        demo, dt_poll = st["demo"], st["demo_poll"]
        trace, u = st["trace"], st["unit"]
        demo_words = [self.facts.word(t) if self.src.name == "demo" else localise(w, self.lang)
                      for t, w in enumerate(demo.meta["labels"])]
        top = self.panel_rows(f"{self.term('hand_built')} · {unit_name(demo.meta, 0, self.lang)}",
                              demo, 0, demo_words, "demo", y=1.65, highlight=dt_poll)
        bottom = self.panel_rows(f"{self.term('learned')} · {unit_name(trace.meta, u, self.lang)}", trace, u,
                                 [str(w) for w in trace.meta["labels"]], "story", y=-1.2, highlight=st["poll"])
        self.say("intro", [FadeIn(top.frame), FadeIn(VGroup(*top.f_cells)), FadeIn(VGroup(*top.c_cells))],
                 [FadeIn(bottom.frame)])
        k = st["colour"]
        self.say("store", [FadeIn(bottom.c_cells[k]), Indicate(bottom.words[k], color=palette.CELL)])
        rest = [m for j, m in enumerate(bottom.c_cells) if j != k]
        self.say("keep", [FadeIn(VGroup(*bottom.f_cells)), FadeIn(VGroup(*rest))])
        self.say("poll", [Create(top.ring)], [Create(bottom.ring)])
        answer = self.text(f"→ “{trace.meta['prediction']}”", size=28, color=palette.HIDDEN)
        answer.next_to(bottom.words, DOWN, buff=0.15).align_to(bottom.words[-1], RIGHT)
        self.say("same", [FadeIn(answer)])

    def panel_rows(self, title: str, trace, unit: int, words: list[str], source: str, y: float, highlight: int):
        """A panel: its title, then per step the forget gate and the cell state of ``unit`` (numbers), words below."""
        T = trace.time
        left, right = -5.5, 6.45  # inside the 4 % margin
        w = (right - left) / T
        xs = [left + w * (k + 0.5) for k in range(T)]
        size = 24 if w >= 1.2 else 20  # numbers and words: larger where the columns leave room
        frame = VGroup()
        ttl = self.text(title, size=26).move_to(UP * (y + 0.95)).align_to(RIGHT * -6.45, LEFT)
        frame.add(ttl)
        rows = {"f": y + 0.3, "c": y - 0.3}
        for key, ry in rows.items():
            frame.add(self.markup(span(key, key), size=28).move_to(RIGHT * (left - 0.3) + UP * ry))
        f_cells, c_cells = [], []
        for k in range(T):
            for key, store in (("f", f_cells), ("c", c_cells)):
                v = float(getattr(trace, key)[0, k, unit])
                n = number(v, key, unit, step=k, font=self.font, size=size)
                n.trace_source = source
                scale = 1.0 if key == "f" else max(1e-6, float(abs(trace.c[0, :, unit]).max()))
                box = Rectangle(width=w * 0.96, height=0.5, stroke_color=palette.color(key), stroke_width=1.5,
                                fill_color=palette.color(key), fill_opacity=0.08 + 0.6 * min(1.0, abs(v) / scale))
                box.move_to(RIGHT * xs[k] + UP * rows[key])
                store.append(VGroup(box, n.move_to(box)))
        wd = VGroup(*[self.text(words[k], size=size) for k in range(T)])
        # words wider than their column take two rows, every other word on the lower one
        stagger = any(t.width > w * 0.8 for t in wd)
        for k, t in enumerate(wd):
            if t.width > w * (1.9 if stagger else 0.9):
                t.scale_to_fit_width(w * (1.9 if stagger else 0.9))
            t.move_to(RIGHT * xs[k] + UP * (y - 0.8 - (0.32 if stagger and k % 2 else 0.0)))
        frame.add(wd)
        ring = SurroundingRectangle(VGroup(f_cells[highlight], c_cells[highlight], wd[highlight]),
                                    color=palette.FORGET, buff=0.06)
        out = VGroup(frame)
        out.frame, out.f_cells, out.c_cells, out.words, out.ring = frame, f_cells, c_cells, wd, ring
        return out


_BREAKS = frozenset(" ,") | {"，", "："}  # where a caption may break: a space, a comma (either width) or a full-width colon


def _wrap(scene: LSTMScene, s: str, size: float, width: float) -> VGroup:
    """``s`` as one line of text, or two centred lines broken at the space or comma nearest its middle when
    one line is wider than ``width``."""
    one = scene.text(s, size=size)
    cuts = [k for k, ch in enumerate(s) if ch in _BREAKS]
    if one.width <= width or not cuts:
        return VGroup(one.scale_to_fit_width(min(width, one.width)))
    k = min(cuts, key=lambda k: abs(k - len(s) / 2))
    two = VGroup(scene.text(s[:k + 1].strip(), size=size), scene.text(s[k + 1:].strip(), size=size))
    two.arrange(DOWN, buff=0.25)
    return two.scale_to_fit_width(width) if two.width > width else two


class Recap(LSTMScene):
    """The six equations, what each gate did in the story, and two common tutorial mistakes corrected."""

    title_key = "recap"
    script = "Recap"

    def construct(self) -> None:
        head = self.title()
        self.add(head)
        eqs = VGroup(*[self.markup(EQUATIONS[k], size=30) for k in ("f", "i", "g", "o", "c", "h")])
        eqs.arrange(DOWN, aligned_edge=LEFT, buff=0.25).to_edge(LEFT, buff=0.7).to_edge(UP, buff=1.2)
        self.say("eqs", [LaggedStart(*[FadeIn(e) for e in eqs], lag_ratio=0.3)], rt=2.0)
        fx = self.facts
        did = VGroup(
            self.markup(f"{span('f', 'f')}{self.colon}{self.term('forget')} · {fx.unit(fx.where['forget'][1])} · "
                        f"“{fx['word_forget']}”", size=26),
            self.markup(f"{span('i', 'i')} ⊙ {span('g', 'g')}{self.colon}{self.term('write')} · {fx.unit(fx.where['write'][1])} · "
                        f"“{fx['word_write']}”", size=26),
            self.markup(f"{span('o', 'o')}{self.colon}{self.term('read_out')} · {fx.unit(fx.where['open'][1])} · “{fx['word_open']}”",
                        size=26))
        did.arrange(DOWN, aligned_edge=LEFT, buff=0.35).next_to(eqs, RIGHT, buff=0.9).align_to(eqs, UP).shift(DOWN * 0.3)
        if did.get_right()[0] > 6.9:
            did.scale((6.9 - did.get_left()[0]) / did.width, about_edge=LEFT)
        self.say("gates", *[[FadeIn(line)] for line in did])  # f, i, o in the order the line names them
        y = -1.95  # the boxes stay well above the subtitle band (a player's two-row subtitle reaches ~15 %)
        m1 = self.mistake(self.term("mistake_matmul"), self.term("mistake_matmul_fix")).move_to(LEFT * 3.3 + UP * y)
        self.say("mistake1", [FadeIn(m1[0]), FadeIn(m1[1][0])], [FadeIn(m1[1][1])])
        fix = (f"{span('i', 'i')} = σ(W<sub>i</sub>{CONCAT} + b<sub>i</sub>)")
        m2 = self.mistake(self.term("mistake_input"), fix, markup_fix=True).move_to(RIGHT * 3.3 + UP * y)
        self.say("mistake2", [FadeIn(m2[0]), FadeIn(m2[1][0])], [FadeIn(m2[1][1])])
        # "a belt that keeps memories" (the update of c), "and gates that learn …" (f, i, o)
        self.say("end", [Indicate(eqs[4], color=palette.CELL, scale_factor=1.05)],
                 [Indicate(VGroup(eqs[0], eqs[1], eqs[3]), color=palette.INK, scale_factor=1.03)])  # not yellow

    def mistake(self, wrong: str, right: str, markup_fix: bool = False) -> VGroup:
        a = self.text(f"✗ {wrong}", size=28, color=palette.FORGET)
        b = (self.markup(f"✓ {right}", size=28) if markup_fix else self.text(f"✓ {right}", size=28,
                                                                             color=palette.INPUT))
        g = VGroup(a, b).arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        if g.width > 5.8:  # two boxes side by side, clear of the frame's 4 % edges
            g.scale_to_fit_width(5.8)
        box = SurroundingRectangle(g, color=palette.FRAME, buff=0.2, corner_radius=0.1)
        return VGroup(box, g)


def _story_available() -> bool:
    from animations.learned import available
    return available()


_NEEDS_STORY = (PlainRNNFails, Backprop, TrainedLSTM)  # they draw the trained story LSTM and its recorded gradients
SCENES: dict[str, type[LSTMScene]] = {name: cls for name in LESSON
                                      if (cls := globals()[name]) not in _NEEDS_STORY or _story_available()}


def scene_class(name: str) -> type[LSTMScene]:
    """The scene class called ``name``: a lesson scene (:data:`SCENES`) or an opt-in chapter
    (:data:`animations.chapters.EXTRAS`, imported only when asked: it loads a model of its own)."""
    if name in SCENES:
        return SCENES[name]
    if name in EXTRAS:
        import importlib
        return getattr(importlib.import_module(EXTRAS[name]), name)
    raise KeyError(f"unknown scene {name!r}")
