"""The wired LSTM cell, drawn the classic way: cell-state belt on top, four gate boxes, ⊙ and + nodes, tanh(c).

:class:`CellDiagram` is one reusable mobject for every one-step scene. Every wire is a path from one
node to another (``diagram.wires[name]``), so a scene can send a value along it
(:meth:`CellDiagram.travel`) instead of making it appear; ``diagram.slots[name]`` is where the value
of that wire is written, beside the wire and never on it.

Layout in the diagram's own coordinates (it is then scaled and moved as one mobject)::

    c_{t-1} ──────(⊙)──────────(+)─────────┬──────── c_t        y = 2.0  belt
                   │            │          │
                   │           (⊙) i⊙g    tanh                 y = 0.9
                   │          ╱   ╲        │
                  [σ]f     [σ]i  [tanh]g  [σ]o ──(⊙)──┐         y = -0.6 gates
                   │        │      │       │           │
    h_{t-1} ──────┴────────┴──────┴───────┘           └──── h_t y = -1.7 / -2.3
                 x_t ↑
"""
from __future__ import annotations

import numpy as np
from manim import (DOWN, LEFT, Circle, Dot, FadeIn, FadeOut, MoveAlongPath, RoundedRectangle, Succession, VGroup,
                   VMobject)

from explainer import palette
from explainer.gates import GATES

from animations.mobjects import C_PREV, C_T, H_PREV, H_T, X_T, markup, number, span, text

BELT_Y, MID_Y, GATE_Y, BUS_Y, H_Y = 2.0, 0.75, -0.6, -1.7, -2.35
X = {"f": -2.9, "i": -1.5, "g": -0.1, "o": 1.3, "plus": -0.8, "tanh": 2.95, "left": -4.6, "right": 4.6,
     "x_in": -3.7}
SYMBOL = {"sigmoid": "σ", "tanh": "tanh"}


def _tint(colour: str, share: float) -> str:
    """``colour`` mixed with the white background (an opaque pale fill)."""
    c = np.array([int(colour[k:k + 2], 16) for k in (1, 3, 5)], dtype=float)
    mixed = 255 - share * (255 - c)
    return "#" + "".join(f"{int(round(v)):02X}" for v in mixed)


def _path(*points) -> VMobject:
    p = VMobject()
    p.set_points_as_corners([np.array([x, y, 0.0]) for x, y in points])
    return p


class CellDiagram(VGroup):
    """A wired LSTM cell. ``unit_label`` names the unit whose values are written on it.

    Parts a scene can address:

    * ``boxes[field]`` for ``f, i, g, o`` — the gate boxes (σ, σ, tanh, σ), coloured from the palette;
    * ``nodes["mul_f"|"mul_i"|"plus"|"mul_o"]`` and ``tanh_c`` — the ⊙, + and tanh nodes;
    * ``wires[name]`` — paths values travel along: ``c_prev, kept, ig, c, to_tanh, tanh_c, h`` and
      ``in_f, in_i, in_g, in_o`` (the concatenated vector into each box), ``f, i, g, o`` (gate to node);
    * ``slots[key]`` — where the value of ``key`` (a :class:`SceneSource` key) is written.
    """

    def __init__(self, font: str = "", **kw) -> None:
        super().__init__(**kw)
        self.font = font
        ink, grey = palette.INK, palette.INPUT_X
        self.wires: dict[str, VMobject] = {}

        def wire(name, colour, *points, width=4):
            w = _path(*points).set_stroke(colour, width)
            self.wires[name] = w
            return w

        xf, xi, xg, xo, xp, xt = X["f"], X["i"], X["g"], X["o"], X["plus"], X["tanh"]
        L, R = X["left"], X["right"]
        belt_c = palette.CELL
        # the belt (drawn in pieces so each piece is a wire between two nodes)
        wire("c_prev", belt_c, (L, BELT_Y), (xf, BELT_Y), width=10)
        wire("kept", belt_c, (xf, BELT_Y), (xp, BELT_Y), width=10)
        wire("c", belt_c, (xp, BELT_Y), (R, BELT_Y), width=10)
        wire("to_tanh", belt_c, (xt, BELT_Y), (xt, MID_Y))
        # h_{t-1} and x_t join into one bus: the concatenated vector [h_{t-1}, x_t]
        wire("h_prev", palette.HIDDEN, (L, BUS_Y), (X["x_in"], BUS_Y))
        wire("x", grey, (X["x_in"], H_Y - 0.35), (X["x_in"], BUS_Y))
        wire("bus", ink, (X["x_in"], BUS_Y), (xo, BUS_Y))
        for k in "figo":
            wire(f"in_{k}", ink, (X["x_in"], BUS_Y), (X[k], BUS_Y), (X[k], GATE_Y))
        # gate outputs, each from its box to the node it feeds
        wire("f", palette.FORGET, (xf, GATE_Y), (xf, BELT_Y))
        wire("i", palette.INPUT, (xi, GATE_Y), (xi, MID_Y), (xp, MID_Y))
        wire("g", palette.CANDIDATE, (xg, GATE_Y), (xg, MID_Y), (xp, MID_Y))
        wire("ig", palette.INPUT, (xp, MID_Y), (xp, BELT_Y))
        wire("o", palette.OUTPUT, (xo, GATE_Y), (xt, GATE_Y))
        wire("tanh_c", belt_c, (xt, MID_Y), (xt, GATE_Y))
        wire("h", palette.HIDDEN, (xt, GATE_Y), (xt, H_Y), (R, H_Y))
        self.wire_group = VGroup(*self.wires.values())
        # gate boxes
        self.boxes: dict[str, VGroup] = {}
        for gt in GATES:
            colour = gt.color
            box = RoundedRectangle(corner_radius=0.12, width=0.9, height=0.6, stroke_color=colour, stroke_width=4,
                                   fill_color=_tint(colour, 0.22), fill_opacity=1)  # opaque: wires end under it
            sym = text(SYMBOL[gt.activation], font=font, size=26 if gt.activation == "sigmoid" else 25)
            b = VGroup(box, sym.move_to(box)).move_to([X[gt.field], GATE_Y, 0])
            name = markup(span(gt.field, gt.field), font=font, size=28).next_to(box, LEFT, buff=0.12)
            name.shift(DOWN * 0.02)
            b.add(name)
            b.letter = name
            self.boxes[gt.field] = b
        # nodes
        def node(symbol, colour, x, y):
            c = Circle(radius=0.28, stroke_color=colour, stroke_width=4, fill_color=palette.BACKGROUND,
                       fill_opacity=1)
            return VGroup(c, text(symbol, font=font, size=30).move_to(c)).move_to([x, y, 0])

        self.nodes = {"mul_f": node("⊙", palette.FORGET, xf, BELT_Y), "plus": node("+", palette.CELL, xp, BELT_Y),
                      "mul_i": node("⊙", palette.INPUT, xp, MID_Y), "mul_o": node("⊙", palette.OUTPUT, xt, GATE_Y)}
        tb = RoundedRectangle(corner_radius=0.3, width=0.95, height=0.6, stroke_color=belt_c, stroke_width=4,
                              fill_color=palette.BACKGROUND, fill_opacity=1)
        self.tanh_c = VGroup(tb, text("tanh", font=font, size=25).move_to(tb)).move_to([xt, MID_Y, 0])
        # end labels of the state lines
        self.end_labels = VGroup(
            markup(C_PREV, font=font, size=32).move_to([L + 0.5, BELT_Y + 0.45, 0]),
            markup(C_T, font=font, size=32).move_to([R - 0.3, BELT_Y + 0.45, 0]),
            markup(H_PREV, font=font, size=32).move_to([L + 0.42, BUS_Y - 0.42, 0]),
            markup(X_T, font=font, size=32).move_to([X["x_in"] + 0.4, H_Y - 0.3, 0]),
            markup(H_T, font=font, size=32).move_to([R - 0.3, H_Y - 0.42, 0]),
        )
        self.concat_label = markup(f"[{H_PREV}, {X_T}]", font=font, size=26).move_to([-0.9, BUS_Y - 0.36, 0])
        # boxes and nodes are drawn over the wires that end in them, also where a scene draws a wire after them
        for m in (*self.boxes.values(), *self.nodes.values(), self.tanh_c):
            m.set_z_index(1)
        self.add(self.wire_group, *self.boxes.values(), *self.nodes.values(), self.tanh_c, self.end_labels,
                 self.concat_label)
        # where each value is written: beside its wire, never on it
        # a value sits 0.62 beside its wire: half the width of "−0.88" at size 28, plus a margin
        self.slots = {
            "c_prev": np.array([L + 0.75, BELT_Y - 0.38, 0]),
            "f*c_prev": np.array([(xf + xp) / 2, BELT_Y - 0.38, 0]),
            "c": np.array([R - 0.85, BELT_Y - 0.38, 0]),
            "f": np.array([xf + 0.62, (GATE_Y + BELT_Y) / 2 - 0.2, 0]),
            "i": np.array([xi + 0.62, (GATE_Y + MID_Y) / 2 + 0.05, 0]),  # right of its wire: clear of f's value
            "g": np.array([xg + 0.62, (GATE_Y + MID_Y) / 2 + 0.05, 0]),
            "i*g": np.array([xp + 0.62, (MID_Y + BELT_Y) / 2 + 0.05, 0]),
            "o": np.array([(xo + 0.45 + xt - 0.28) / 2 + 0.08, GATE_Y - 0.34, 0]),
            "tanh_c": np.array([xt + 0.62, (MID_Y + GATE_Y) / 2 + 0.02, 0]),
            "h": np.array([R - 0.85, H_Y + 0.3, 0]),
            "h_prev": np.array([L + 0.75, BUS_Y + 0.3, 0]),
            "z": np.array([X["f"], GATE_Y - 0.62, 0]),
        }
        self._slot_dot = VGroup(*[Dot(p, radius=0.001, fill_opacity=0) for p in self.slots.values()])
        self.add(self._slot_dot)  # the slots move with the diagram when it is scaled or shifted
        self._slot_keys = list(self.slots)
        self.values = VGroup()
        self.add(self.values)

    # --- addressing --------------------------------------------------------------------------------
    def slot(self, key: str) -> np.ndarray:
        """Current position of a value slot (follows the diagram's scale and position)."""
        return self._slot_dot[self._slot_keys.index(key)].get_center()

    def value(self, key: str, v: float, unit: int, step: int, size: float = 28, digits: int = 2):
        """A trace number for ``key`` written at its slot, scaled with the diagram (``digits`` decimals)."""
        colour = palette.INK
        n = number(v, key, unit, step=step, font=self.font, size=size, color=colour, digits=digits)
        n.scale(self.get_scale())
        n.move_to(self.slot(key))
        return n

    def get_scale(self) -> float:
        return self.wires["c_prev"].get_width() / (X["f"] - X["left"])

    def travel(self, wire: str, colour: str | None = None, run_time: float = 1.0):
        """A dot running along ``wires[wire]``: the value moves, it does not teleport."""
        path = self.wires[wire]
        dot = Dot(path.get_start(), radius=0.09 * self.get_scale() + 0.03,
                  color=colour or path.get_stroke_color())
        return Succession(FadeIn(dot, run_time=0.01), MoveAlongPath(dot, path, run_time=run_time),
                          FadeOut(dot, run_time=0.01)), dot

    def highlight_wires(self, *names: str, width: float = 8):
        return [self.wires[n].animate.set_stroke(width=width) for n in names]
