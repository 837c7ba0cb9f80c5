"""The one palette. Animations, widgets and plots all import these colours.

Each LSTM quantity keeps one colour everywhere, so a learner who has seen the forget
gate in crimson in a video recognises it in crimson in a notebook heatmap.

The six quantity colours (f, i, g, o, c, h) are dark enough to be read as text on the white page
(WCAG contrast ≥ 4.5 : 1) and stay apart under simulated protanopia, deuteranopia and tritanopia
(Machado et al. 2009, CIEDE2000 ΔE ≥ 10 for every pair); tests/test_palette.py measures both. A yellow
g or an orange c cannot reach 4.5 : 1 on white, hence brown and ochre; every coloured thing also
carries its letter, so no quantity is told by colour alone.
"""
from __future__ import annotations

FORGET = "#D42C5D"      # f: crimson
INPUT = "#006A44"       # i: green
CANDIDATE = "#5D3A00"   # g: brown
OUTPUT = "#0676C7"      # o: blue
CELL = "#8C5E00"        # c: ochre
HIDDEN = "#623486"      # h: purple
INPUT_X = "#5F6B6D"     # x: neutral grey, the data coming in
UPDATE = "#159A8C"      # GRU z: teal, the mix between h_{t-1} and h̃
RESET = "#C2407A"       # GRU r: raspberry, how much of h_{t-1} the candidate sees
BACKGROUND = "#FFFFFF"
INK = "#222222"
MUTED = "#666666"       # secondary text: axis ticks, captions
FRAME = "#BBBBBB"       # outlines and guide lines
GRID = "#CCCCCC"        # plot frames and grids
HIGHLIGHT = "#FFF1A8"   # behind a hovered value or equation: pale yellow, under the dark quantity colours
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
    # the GRU's gates; its candidate h̃ plays the LSTM candidate's part (new content) and keeps its colour
    "z": UPDATE,
    "r": RESET,
    "h_tilde": CANDIDATE,
}

#: Colour scales for heatmaps, as (value, colour) stops: each quantity keeps its own colour.
#: A gate lives in [0, 1] and runs from white (shut) to its colour (open); a signed quantity
#: (the candidate in [-1, 1], the states) runs from grey (negative) through white to its colour.
NEGATIVE = "#5D6D7E"    # the negative side of a signed scale: slate grey, no gate's hue


def scale(field: str) -> tuple[tuple[float, str], ...]:
    """The heatmap colour stops of a trace field: ``((0, "#FFFFFF"), (1, FORGET))`` for ``"f"``."""
    if field in ("i", "f", "o", "z", "r"):
        return ((0.0, BACKGROUND), (1.0, color(field)))
    return ((-1.0, NEGATIVE), (0.0, BACKGROUND), (1.0, color(field)))


def color(field: str) -> str:
    """The palette colour of a trace field such as ``"f"`` or ``"c_prev"``."""
    try:
        return COLORS[field]
    except KeyError:
        raise KeyError(f"no palette colour for {field!r}; known fields: {sorted(COLORS)}") from None
