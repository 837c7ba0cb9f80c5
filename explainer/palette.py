"""The one palette. Animations, widgets and plots all import these colours.

Each LSTM quantity keeps one colour everywhere, so a learner who has seen the forget
gate in red in a video recognises it in red in a notebook heatmap.
"""
from __future__ import annotations

FORGET = "#E0483E"      # f: red
INPUT = "#3DAA4E"       # i: green
CANDIDATE = "#E8B923"   # g: yellow
OUTPUT = "#3A78C9"      # o: blue
CELL = "#F08A24"        # c: orange
HIDDEN = "#8E56C2"      # h: purple
INPUT_X = "#7F8C8D"     # x: neutral grey, the data coming in
BACKGROUND = "#FFFFFF"
INK = "#222222"
MUTED = "#666666"       # secondary text: axis ticks, captions
FRAME = "#BBBBBB"       # outlines and guide lines
GRID = "#CCCCCC"        # plot frames and grids
PANEL = "#FAFAFA"       # the background of a drawing's panel

#: Colour for each trace field (see :class:`explainer.trace.StepTrace`).
COLORS: dict[str, str] = {
    "f": FORGET,
    "i": INPUT,
    "g": CANDIDATE,
    "o": OUTPUT,
    "c": CELL,
    "c_prev": CELL,
    "tanh_c": CELL,
    "h": HIDDEN,
    "h_prev": HIDDEN,
    "x": INPUT_X,
}

#: Matplotlib colormap names: gates live in [0, 1] (sequential), states are signed (diverging).
GATE_CMAP = "viridis"
STATE_CMAP = "RdBu_r"


def color(field: str) -> str:
    """The palette colour of a trace field such as ``"f"`` or ``"c_prev"``."""
    try:
        return COLORS[field]
    except KeyError:
        raise KeyError(f"no palette colour for {field!r}; known fields: {sorted(COLORS)}") from None
