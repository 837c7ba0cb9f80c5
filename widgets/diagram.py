"""The classic LSTM cell drawing, as an SVG string generated from one :class:`~explainer.trace.StepTrace`.

Layout (Olah's drawing, read left to right)::

    c_{t-1} ━━━━(⊗)━━━━━━━━━━(⊕)━━━━━━━━━━┳━━━━━ c_t         the cell-state belt
                 │             │           tanh
                 │            (⊗)          │
                 │           │    │   ┌──(⊗)───────┐
               [ f σ ]   [ i σ ] [ g tanh ] [ o σ ] │
    h_{t-1} ─────┴──────────┴───────┴──────┘        └──── h_t

Nothing here computes the LSTM: every number is read from the trace. The two terms of the
cell update, f⊙c_{t-1} ("kept") and i⊙g ("written"), are not stored in a trace, so they are
shown as the products of the traced factors, and :func:`update_terms` checks that they add
up to the traced cₜ.

How values are drawn (one fixed scale per quantity, the same in every frame):

* a flow's width and opacity grow with |value| (states saturate at |v| = ``STATE_SCALE``,
  gates at 1); a negative value is drawn striped with a "−" badge, at any magnitude;
* a gate is a valve: a housing and two shutters that meet when the gate is shut and leave
  a 36 px gap when it is open; its flow to the ⊗ node fades as the gate closes;
* every value is printed, with 3 decimals, and carried at full precision in a
  ``data-value`` attribute of an element with class ``lstm-val-<name>``, where ``<name>``
  is one of ``VALUE_NAMES`` (tests and the browser read those); hovering it shows its
  equation with the numbers plugged in.

A masked step (the layer's mask was False there) is drawn as skipped: the belt and the
hidden state pass straight through, cₜ = cₜ₋₁ and hₜ = hₜ₋₁, and the gates the cell computed
there are greyed and marked "not used". A trace that names other activations
(``meta["activation"]``, ``meta["recurrent_activation"]``) gets them in every label and
equation, e.g. ``g = relu(z_g)``.

Strings come from :mod:`explainer.glossary`, colours from :mod:`explainer.palette`.
"""
from __future__ import annotations
from explainer.errors import InputError

from html import escape

import numpy as np

from explainer import gates, palette, presentation
from explainer.presentation import CSS_FONTS, DIGITS_DETAIL, activation_symbol as fn_name
from explainer.glossary import term
from explainer.trace import StepTrace

from .charts import HATCH_DEF, HATCH_ID, num, text_width

#: A state of this magnitude gets the widest, most opaque flow.
STATE_SCALE = 2.0
WIDTH, HEIGHT = 760, 470
FONT = CSS_FONTS
#: The cell drawing's geometry, in its own units (viewBox WIDTH × HEIGHT): the belt, bus and gate rows, the
#: gates' columns, the gate boxes. The live page's JavaScript draws with this same dict (``live.live_data``).
LAYOUT = {"belt": 82, "bus": 400, "gate_y": 298, "ymul": 165, "ytanh": 140, "yout": 215,
          "xf": 128, "xadd": 340, "xi": 270, "xg": 412, "xo": 554, "xt": 655, "gate_w": 136, "gate_h": 84}
#: Type sizes in the drawing's units. Every printed number is at least ``number``: at a drawing
#: :data:`PROJECTOR_WIDTH` CSS px wide (what a 1280×720 projector at 150 % zoom leaves it) that is 16 CSS px.
TYPE = {"number": 21, "value": 24, "gate_title": 13, "label": 14, "note": 12, "tip": 16}
#: How wide (CSS px) the projector layouts draw the drawing: its numbers then measure 16.6 CSS px (at least
#: 16 needs WIDTH × 16 / 21 = 579 px; the rest is margin for rounding).
PROJECTOR_WIDTH = 600

#: Names of the values the diagram prints (class ``lstm-val-<name>``).
VALUE_NAMES = ("x", "h_prev", "c_prev", "zi", "zf", "zc", "zo", "i", "f", "g", "o",
               "kept", "written", "c", "tanh_c", "h")


def update_terms(step: StepTrace, unit: int = 0, sample: int = 0) -> tuple[float, float]:
    """The two terms of cₜ = f⊙c_{t-1} + i⊙g for one unit (the trace's ``kept`` and ``written``).

    Returns ``(kept, written)``; raises if they do not add up to the traced cₜ, which
    would mean the trace is inconsistent (never silently draw a wrong picture).
    """
    kept = step.kept[sample, unit]
    written = step.written[sample, unit]
    c = step.c[sample, unit]
    if not np.isclose(kept + written, c, rtol=1e-5, atol=1e-5):
        raise InputError(f"trace is inconsistent: f*c_prev + i*g = {kept + written} but c = {c}")
    return float(kept), float(written)


def step_values(step: StepTrace, unit: int = 0, sample: int = 0,
                masked: bool = False) -> dict[str, float | np.ndarray]:
    """Every value the diagram prints for ``unit`` of ``sample``, read from the trace.

    ``masked``: the layer skipped this step and handed its state on (cₜ = cₜ₋₁, hₜ = hₜ₋₁);
    there is no cell update, so no ``kept``/``written`` terms. A step said to be masked whose
    state changed is refused (the trace would be inconsistent).
    """
    s, u = sample, unit
    if not 0 <= u < step.units:
        raise InputError(f"unit {unit} out of range: this step has {step.units} units (0..{step.units - 1})")
    if not 0 <= s < step.h.shape[0]:
        raise InputError(f"sample {sample} out of range: this step has a batch of {step.h.shape[0]}")
    if masked:
        for new, old in (("c", "c_prev"), ("h", "h_prev")):
            a, b = getattr(step, new)[s, u], getattr(step, old)[s, u]
            if a != b:
                raise InputError(f"trace is inconsistent: the step is masked, so {new} must equal {old}, "
                                 f"but {new} = {a} and {old} = {b}")
        kept = written = None
    else:
        kept, written = update_terms(step, u, s)
    v = {"x": step.x[s], "h_prev": step.h_prev[s]}
    for gate, block in (("i", "i"), ("f", "f"), ("g", "c"), ("o", "o")):
        v["z" + block] = float(step.z_block(block)[s, u])
        v[gate] = float(getattr(step, gate)[s, u])
    v.update(c_prev=float(step.c_prev[s, u]), c=float(step.c[s, u]), tanh_c=float(step.tanh_c[s, u]),
             h=float(step.h[s, u]))
    if not masked:
        v.update(kept=kept, written=written)
    return v


def fmt(v: float) -> str:
    """How every number is printed on the diagram: explicit sign, :data:`DIGITS_DETAIL` decimals, a true
    minus sign; a value that rounds to zero prints as ``0.000`` (never ``−0.000``)."""
    return presentation.fmt(v, DIGITS_DETAIL, signed=True)


def _factor(v: float) -> str:
    """A number as a factor in a product: ``0.982`` or ``(−1.000)``."""
    return presentation.factor(v, DIGITS_DETAIL)


def _vec(a: np.ndarray, limit: int = 4) -> str:
    """A vector on one line: its first ``limit`` entries, then "…". A longer vector with at most two entries
    not zero (a one-hot word) is shown whole, each run of zeros as "0 ×k": "[0 ×8, 1.000, 0 ×11]" says
    which entry is the word's 1, where the first four entries would show only zeros."""
    a = np.asarray(a).reshape(-1)
    if a.size == 1:
        return fmt(float(a[0]))
    if a.size > limit and np.count_nonzero(a) <= 2:
        parts, zeros = [], 0
        for x in [*a.tolist(), None]:
            if x == 0:
                zeros += 1
                continue
            if zeros:
                parts.append("0" if zeros == 1 else f"0 ×{zeros}")
            zeros = 0
            if x is not None:
                parts.append(fmt(float(x)))
        return f"[{', '.join(parts)}]"
    body = ", ".join(fmt(float(x)) for x in a[:limit])
    return f"[{body}{', …' if a.size > limit else ''}]"


def _signed_peak(a) -> float:
    """The entry of largest magnitude, with its sign (how a vector input is drawn on one line)."""
    a = np.asarray(a, float).reshape(-1)
    return float(a[np.argmax(np.abs(a))]) if a.size else 0.0


# --- the equations behind every value -----------------------------------------------------------
#: Which equation line explains each printed value (hovering one highlights the other).
EQUATION_OF = {"zf": "f", "f": "f", "zi": "i", "i": "i", "zc": "g", "g": "g", "zo": "o", "o": "o",
               "c_prev": "c", "kept": "c", "written": "c", "c": "c", "tanh_c": "h", "h": "h",
               "x": "z", "h_prev": "z"}


def equation_lines(v: dict, activation: str = "tanh", recurrent_activation: str = "sigmoid",
                   masked: bool = False, held=(), lang: str = "en") -> dict[str, str]:
    """Each equation of the step with the traced numbers plugged in, keyed by its line name.

    ``activation`` (candidate and read-out) and ``recurrent_activation`` (i, f, o) are Keras's
    names. At a ``masked`` step the state lines say what happened there: cₜ = cₜ₋₁, hₜ = hₜ₋₁
    (the gate lines still hold: the cell computed them, the layer did not use them). ``held``
    names the fields a what-if clamp set here (:mod:`explainer.intervention`): their line says
    the value was held, not computed, since its equation no longer gives it.
    """
    fns = {"tanh": fn_name(activation), "sigmoid": fn_name(recurrent_activation)}
    lines = {"z": presentation.z_equation()}
    for g in gates.GATES:
        fn, z = fns[g.activation], "z" + g.block
        lines[g.field] = (f"{presentation.gate_from_z(g.field, activation, recurrent_activation)} = "
                          f"{fn}({num(v[z], 2)}) = {num(v[g.field])}")
    if masked:
        lines["c"] = f"cₜ = cₜ₋₁ = {num(v['c'])}"
        lines["h"] = f"hₜ = hₜ₋₁ = {num(v['h'])}"
        return lines
    act = fns["tanh"]
    lines["c"] = (f"{presentation.equation('c')} = {_factor(v['f'])} × {_factor(v['c_prev'])} + "
                  f"{_factor(v['i'])} × {_factor(v['g'])} = {num(v['c'])}")
    lines["h"] = (f"{presentation.equation('h', activation=activation)} = {_factor(v['o'])} × {act}({num(v['c'])}) = "
                  f"{_factor(v['o'])} × {_factor(v['tanh_c'])} = {num(v['h'])}")
    for k in held:
        name = {"c": "cₜ", "h": "hₜ"}.get(k, k)
        lines[k] = f"{name} = {num(v[k])} ({term('held_here', lang)})"
    return lines


#: The halo of a hovered value (drawn behind the text's own colour).
HOVER_HALO = palette.HIGHLIGHT  # the quantity colours are dark: a pale halo keeps them readable


def hover_css(root: str) -> str:
    """CSS that lights up a value in the drawing and its equation line together, whichever is hovered.

    ``root`` is a selector of an element that contains both (``:has`` needs no JavaScript). The
    rules serve an LSTM's drawing and a GRU's (:data:`widgets.gru_diagram.GRU_EQUATION_OF`).
    """
    from .gru_diagram import GRU_EQUATION_OF  # the GRU's lines have names of their own (gru_…)

    rules = []
    pairs = [(k, e) for k, e in EQUATION_OF.items()] + [(k, e) for k, e in GRU_EQUATION_OF.items()]
    for eq in sorted({e for _, e in pairs}):
        vals = [k for k, e in pairs if e == eq]
        triggers = [f"{root}:has(.lstm-eq-{eq}:hover)"] + [f"{root}:has(.lstm-val-{k}:hover)" for k in vals]
        rules.append(", ".join(f"{t} .lstm-eq-{eq}" for t in triggers) + "{background:" + palette.HIGHLIGHT + "}")
        # the hovered value keeps its own colour inside a dark halo: a yellow halo washed out orange c
        # values and yellow g values (too little contrast); ink around any palette colour reads
        rules.append(", ".join(f"{t} .lstm-val-{k}" for t in triggers for k in vals)
                     + "{stroke:" + HOVER_HALO + ";stroke-width:5px;font-weight:bold}")
    return "<style>" + "\n".join(rules) + "</style>"


# --- drawing primitives -----------------------------------------------------------------
def _mag(v: float, scale: float) -> float:
    return min(abs(float(v)) / scale, 1.0)


def _flow(points, v: float, scale: float, colour: str) -> str:
    """A polyline whose width and opacity follow |v|.

    A negative value is drawn striped (dashes as long as the line is wide, butt ends, so they
    stay apart at any width) and carries a "−" badge at its middle: the sign survives any magnitude.
    """
    m = _mag(v, scale)
    width, opacity = 1.5 + 12.0 * m, 0.18 + 0.82 * m
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    if v >= 0:
        return (f'<polyline class="lstm-flow" points="{pts}" fill="none" stroke="{colour}" stroke-width="{width:.2f}" '
                f'stroke-opacity="{opacity:.3f}" stroke-linecap="round" stroke-linejoin="round"/>')
    dash = max(6.0, 1.6 * width)
    (x0, y0), (x1, y1) = points[0], points[1]
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    return (f'<polyline class="lstm-flow lstm-flow-neg" points="{pts}" fill="none" stroke="{colour}" '
            f'stroke-width="{width:.2f}" stroke-opacity="{max(opacity, 0.45):.3f}" stroke-linecap="butt" '
            f'stroke-linejoin="round" stroke-dasharray="{dash:.1f} {0.7 * dash:.1f}"/>'
            f'<g class="lstm-sign-neg"><circle cx="{mx:.1f}" cy="{my:.1f}" r="8" fill="white" stroke="{colour}" '
            f'stroke-width="1.5"/><text x="{mx:.1f}" y="{my + 4.5:.1f}" font-size="14" font-weight="bold" '
            f'fill="{colour}" text-anchor="middle">−</text></g>')


def _text(x, y, s: str, *, size=13, colour=palette.INK, anchor="middle", weight="normal",
          name: str | None = None, value=None, tip: str | None = None) -> str:
    cls = f' class="lstm-val lstm-val-{name}"' if name else ""
    data = ""
    if value is not None:
        data = ' data-value="' + " ".join(repr(float(a)) for a in np.asarray(value).reshape(-1)) + '"'
    # the value's equation rides along in data-eq; a tap (focus) or the pointer (hover) shows it in the
    # drawing's own tooltip (:func:`tips_svg`), which works on a touch screen, unlike a native <title>
    key = EQUATION_OF.get(name, name) if tip else None  # which tooltip bar it shows (:func:`tips_svg`)
    eq = (f' data-eq="{escape(tip)}"' + (f' data-tip="{key}"' if key else "") + ' tabindex="0"') if tip else ""
    halo = ' paint-order="stroke" stroke="white" stroke-width="4" stroke-linejoin="round"' if name else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}" text-anchor="{anchor}" '
            f'font-weight="{weight}"{cls}{data}{eq}{halo}>{escape(s)}</text>')


def tips_svg(eq: dict[str, str]) -> str:
    """The drawing's tooltips: one bar per equation line, across the top of the drawing, hidden until one of
    its values (or its gate) is hovered or tapped (:func:`tip_css`). Drawn last, on top of everything."""
    out = ['<g class="lstm-tips">']
    for k, line in eq.items():
        out.append(f'<g class="lstm-tip lstm-tip-{k}" visibility="hidden"><rect x="4" y="2" width="{WIDTH - 8}" '
                   f'height="30" rx="6" fill="{palette.INK}" fill-opacity="0.92"/>'
                   + _text(WIDTH / 2, 23, line, size=TYPE["tip"], colour="white") + "</g>")
    return "".join(out) + "</g>"


def tip_css(keys=None) -> str:
    """CSS (inside the drawing's own ``<style>``) that shows the tooltip of the value hovered or tapped.

    A tap focuses the value (it has a tabindex) and, on a touch screen, also counts as hover: either shows it.
    Values and gates name their bar in ``data-tip``, so the rules name no value. ``keys``: the bars' names
    (the LSTM's equation lines unless given; the GRU's drawing names its own)."""
    keys = sorted(set(EQUATION_OF.values())) if keys is None else list(keys)
    show = ", ".join(f".lstm-cell-diagram:has([data-tip={k}]:{state}) .lstm-tip-{k}" for k in keys
                     for state in ("hover", "focus"))
    return show + "{visibility:visible}\n.lstm-cell-diagram [data-eq]{cursor:pointer; outline:none}"


def _node(x, y, symbol: str) -> str:
    return (f'<circle cx="{x}" cy="{y}" r="13" fill="white" stroke="{palette.INK}" stroke-width="1.5"/>'
            + _text(x, y + 6, symbol, size=18))


VALVE_SPAN = 46     # px across the flow: fully shut, the shutters meet; fully open, a 36 px gap
VALVE_OPEN = 36


def _valve(x, y, value: float, colour: str, vertical: bool) -> str:
    """A valve across a flow: a housing and two shutters whose gap is the gate's value (0 shut, 1 open)."""
    gap = VALVE_OPEN * float(np.clip(value, 0, 1))
    half, side, t = VALVE_SPAN / 2, (VALVE_SPAN - gap) / 2, 9
    if vertical:  # the flow runs vertically; the shutters slide in from left and right
        return (f'<g class="lstm-valve"><rect x="{x - half - 3}" y="{y - t / 2 - 3}" width="{VALVE_SPAN + 6}" '
                f'height="{t + 6}" rx="3" fill="white" fill-opacity="0.6" stroke="{palette.INK}" stroke-width="1"/>'
                f'<rect x="{x - half:.1f}" y="{y - t / 2}" width="{side:.1f}" height="{t}" fill="{colour}"/>'
                f'<rect x="{x + gap / 2:.1f}" y="{y - t / 2}" width="{side:.1f}" height="{t}" fill="{colour}"/></g>')
    return (f'<g class="lstm-valve"><rect x="{x - t / 2 - 3}" y="{y - half - 3}" width="{t + 6}" '
            f'height="{VALVE_SPAN + 6}" rx="3" fill="white" fill-opacity="0.6" stroke="{palette.INK}" stroke-width="1"/>'
            f'<rect x="{x - t / 2}" y="{y - half:.1f}" width="{t}" height="{side:.1f}" fill="{colour}"/>'
            f'<rect x="{x - t / 2}" y="{y + gap / 2:.1f}" width="{t}" height="{side:.1f}" fill="{colour}"/></g>')


def _fit(s: str, size: float, room: float) -> float:
    """The font size (at most ``size``, at least 9) at which ``s`` fits in ``room`` px."""
    return max(9.0, min(size, size * room / max(text_width(s, size), 1e-9)))


#: A gate box: width, height, the value's and z's type sizes, and the baselines of its title, value and z
#: (from the box's top). The LSTM's cell draws :data:`GATE_BOX`; the GRU's drawing keeps the smaller one.
GATE_BOX = {"w": LAYOUT["gate_w"], "h": LAYOUT["gate_h"], "value": TYPE["number"], "z": TYPE["number"],
            "y_title": 17, "y_value": 45, "y_z": 74}
SMALL_GATE_BOX = {"w": 118, "h": 64, "value": 15, "z": 11, "y_title": 16, "y_value": 37, "y_z": 55}


def gate_title(field_term: str, fn: str, lang: str, w: float, keep_name: bool = False) -> tuple[str, float]:
    """A gate box's title and its font size: "forget gate · σ", or, when a long activation's name would not
    fit the box's width ``w``, only the activation's name (or only the gate's, ``keep_name``)."""
    title = f"{term(field_term, lang)} · {fn}"
    size = _fit(title, TYPE["gate_title"], w - 8)
    if text_width(title, size) > w - 4:  # a long activation name: the gate's letter is on the next line
        title = term(field_term, lang) if keep_name else fn
        size = _fit(title, TYPE["gate_title"], w - 8)
    return title, round(size, 1)


def _gate_box(cx, cy, gate: str, fn: str, value: float, z: float, lang: str, tips: dict,
              unused: bool = False, symbol: str | None = None, pre: str = "z", box: dict = GATE_BOX,
              keep_name: bool = False) -> str:
    """A gate: a box filled from below to its value's level, with its name, value and z.

    ``unused``: the cell computed the gate but the layer skipped the step; the box is grey
    and dashed, and says "not used" where z would be. ``symbol`` and ``pre``: how the value and its
    pre-activation are written (a GRU's candidate: ``h̃`` and ``z_h``). ``box``: its size and type
    (:data:`GATE_BOX`). ``keep_name``: when name and activation do not fit on one line, keep the name (the
    equations beside say the activation). A tap on the box (it is focusable) shows the gate's equation
    (:func:`tip_css`).
    """
    g = gates.gate(gate) if gate in gates.FIELDS else gates.gru_gate(gate)  # an LSTM's gate or a GRU's
    colour = palette.MUTED if unused else g.color
    w, h = box["w"], box["h"]
    x0, y0 = cx - w / 2, cy - h / 2
    level = float(np.clip((value - g.low) / (g.high - g.low), 0.0, 1.0))  # an unbounded activation fills the box
    name = "z" + g.block
    title, size = gate_title(g.term, fn, lang, w, keep_name)
    dash = ' stroke-dasharray="6 4"' if unused else ""
    out = (f'<g class="lstm-gate lstm-gate-{gate}{" lstm-gate-unused" if unused else ""}" '
           f'data-eq="{escape(tips[gate])}" data-tip="{gate}" tabindex="0">'
           f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" rx="8" fill="white" stroke="{colour}" '
           f'stroke-width="2.5"{dash}/>')
    if not unused:
        out += (f'<rect x="{x0 + 2}" y="{y0 + 2 + (h - 4) * (1 - level):.1f}" width="{w - 4}" '
                f'height="{(h - 4) * level:.1f}" rx="6" fill="{colour}" fill-opacity="0.28"/>')
    out += (_text(cx, y0 + box["y_title"], title, size=size, colour=g.color if not unused else colour, weight="bold")
            + _text(cx, y0 + box["y_value"], f"{symbol or gate} = {fmt(value)}", size=box["value"], weight="bold",
                    colour=palette.MUTED if unused else palette.INK, name=gate, value=value, tip=tips[gate]))
    if unused:
        out += _text(cx, y0 + box["y_z"], term("not_used", lang), size=TYPE["note"], colour=palette.MUTED)
    else:
        out += _text(cx, y0 + box["y_z"], f"{pre} = {fmt(z)}", size=box["z"], colour=palette.MUTED, name=name,
                     value=z, tip=tips[gate])
    return out + "</g>"


# --- the cell -----------------------------------------------------------------------------
def _svg_open(masked: bool) -> str:
    cls = "lstm-cell-diagram lstm-cell-masked" if masked else "lstm-cell-diagram"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="{cls}" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT}" '
            f'style="background:{palette.BACKGROUND};width:100%;height:auto;display:block">'
            f'<style>{tip_css()}</style>')


def cell_svg(step: StepTrace, unit: int = 0, sample: int = 0, lang: str = "en", title: str | None = None,
             masked: bool = False, activation: str = "tanh", recurrent_activation: str = "sigmoid",
             held=()) -> str:
    """The classic cell drawing of one unit of one traced step, as an ``<svg>`` string.

    The drawing scales to the width of its container (``width:100%``); every value carries a
    tooltip with its equation, numbers plugged in. ``masked``: the layer skipped this step (its
    mask was False), drawn by :func:`skipped_cell_svg`. ``activation``/``recurrent_activation``: the
    layer's, by Keras's names (a trace's ``meta`` records them when they are not tanh/sigmoid).
    ``held``: the fields a what-if clamp set at this step and unit (their tooltips say so).
    """
    v = step_values(step, unit, sample, masked=masked)
    eq = equation_lines(v, activation, recurrent_activation, masked=masked, held=held, lang=lang)
    tips = {k: eq[e] for k, e in EQUATION_OF.items()}
    if masked:
        return skipped_cell_svg(v, eq, lang, title, activation, recurrent_activation)
    act, rec = fn_name(activation), fn_name(recurrent_activation)
    C, H, X = palette.CELL, palette.HIDDEN, palette.INPUT_X
    L, T = LAYOUT, TYPE
    belt_y, bus_y, gate_y, ymul, ytanh, yout = L["belt"], L["bus"], L["gate_y"], L["ymul"], L["ytanh"], L["yout"]
    xf, xadd, xi, xg, xo, xt = L["xf"], L["xadd"], L["xi"], L["xg"], L["xo"], L["xt"]
    top, bottom = gate_y - L["gate_h"] / 2, gate_y + L["gate_h"] / 2  # the gate boxes' edges
    out = [_svg_open(False)]
    labels = []  # printed last, on top of every flow
    # the cell body
    out.append(f'<rect x="55" y="28" width="650" height="400" rx="18" fill="{palette.PANEL}" stroke="{palette.FRAME}" stroke-width="1.5"/>')
    if title:
        labels.append(_text(380, 20, title, size=T["label"], colour=palette.MUTED))
    # --- cell-state belt: c_{t-1} → ⊗ f → ⊕ i⊙g → cₜ
    out.append(_flow([(10, belt_y), (xf, belt_y)], v["c_prev"], STATE_SCALE, C))
    out.append(_flow([(xf, belt_y), (xadd, belt_y)], v["kept"], STATE_SCALE, C))
    out.append(_flow([(xadd, belt_y), (750, belt_y)], v["c"], STATE_SCALE, C))
    labels.append(_text(12, belt_y - 22, f"cₜ₋₁ = {fmt(v['c_prev'])}", size=T["number"], anchor="start", colour=C,
                        weight="bold", name="c_prev", value=v["c_prev"], tip=tips["c_prev"]))
    # the kept term sits under its stretch of the belt, between the ⊗ and the ⊕
    labels.append(_text(xf + 16, belt_y + 40, f"f⊙cₜ₋₁ = {fmt(v['kept'])}", size=T["number"], anchor="start",
                        colour=C, name="kept", value=v["kept"], tip=tips["kept"]))
    labels.append(_text(748, belt_y - 22, f"cₜ = {fmt(v['c'])}", anchor="end", colour=C, weight="bold",
                        size=T["value"], name="c", value=v["c"], tip=tips["c"]))
    labels.append(_text(748, belt_y + 32, term("cell_state", lang), anchor="end", colour=C, size=T["label"]))
    # --- forget gate → ⊗ on the belt; its valve sits on the gate's own line, clear of the belt
    out.append(_flow([(xf, top), (xf, belt_y)], v["f"], 1.0, palette.FORGET))
    out.append(_valve(xf, (belt_y + top) / 2 + 20, v["f"], palette.FORGET, vertical=True))
    # --- input gate and candidate → ⊗ → ⊕
    out.append(_flow([(xi, top), (xi, ymul), (xadd, ymul)], v["i"], 1.0, palette.INPUT))
    out.append(_flow([(xg, top), (xg, ymul), (xadd, ymul)], v["g"], 1.0, palette.CANDIDATE))
    out.append(_valve(xi, ymul + 45, v["i"], palette.INPUT, vertical=True))
    out.append(_flow([(xadd, ymul), (xadd, belt_y)], v["written"], STATE_SCALE, C))
    labels.append(_text(xadd + 16, (ymul + belt_y) / 2 + 4, f"i⊙g = {fmt(v['written'])}", size=T["number"],
                        anchor="start", colour=C, name="written", value=v["written"], tip=tips["written"]))
    # --- read-out: cₜ → tanh → ⊗ o → hₜ
    out.append(_flow([(xt, belt_y), (xt, ytanh)], v["c"], STATE_SCALE, C))
    out.append(_flow([(xt, ytanh), (xt, yout)], v["tanh_c"], 1.0, C))
    bw = max(64.0, text_width(act, T["label"]) + 16)  # the read-out box fits the activation's name
    out.append(f'<rect x="{xt - bw / 2:.1f}" y="{ytanh - 14}" width="{bw:.1f}" height="28" rx="12" fill="white" '
               f'stroke="{C}" stroke-width="2"/>')
    labels.append(_text(xt, ytanh + 5, act, size=T["label"], colour=C))
    # tanh(cₜ) labels the stretch from the read-out box down to the ⊗, left of it, above the o flow
    labels.append(_text(xt - 12, yout - 20, f"{act}(cₜ) = {fmt(v['tanh_c'])}", anchor="end", size=T["number"],
                        colour=C, name="tanh_c", value=v["tanh_c"], tip=tips["tanh_c"]))
    out.append(_flow([(xo, top), (xo, yout), (xt, yout)], v["o"], 1.0, palette.OUTPUT))
    out.append(_valve(xo, (yout + top) / 2, v["o"], palette.OUTPUT, vertical=True))
    out.append(_flow([(xt, yout), (xt, bus_y - 40), (750, bus_y - 40)], v["h"], 1.0, H))
    # hₜ's label sits under its line, right of where the line turns: no flow ever crosses it
    labels.append(_text(748, bus_y - 40 + 32, f"hₜ = {fmt(v['h'])}", anchor="end", colour=H, weight="bold",
                        size=T["value"], name="h", value=v["h"], tip=tips["h"]))
    labels.append(_text(748, bus_y + 18, term("hidden_state", lang), anchor="end", colour=H, size=T["label"]))
    # --- inputs: h_{t-1} and xₜ concatenated on the bus, feeding all four gates
    out.append(_flow([(10, bus_y), (xo, bus_y)], _signed_peak(v["h_prev"]), 1.0, H))
    out.append(_flow([(110, 462), (110, bus_y)], _signed_peak(v["x"]), STATE_SCALE, X))
    for gx in (xf, xi, xg, xo):
        out.append(f'<line x1="{gx}" y1="{bus_y}" x2="{gx}" y2="{bottom}" stroke="{palette.FRAME}" stroke-width="1.5"/>')
    labels.append(_text(12, bus_y - 16, f"hₜ₋₁ = {_vec(v['h_prev'])}", size=T["number"], anchor="start", colour=H,
                        weight="bold", name="h_prev", value=v["h_prev"], tip=eq["z"]))
    labels.append(_text(130, 458, f"xₜ = {_vec(v['x'])}", size=T["number"], anchor="start", colour=X, weight="bold",
                        name="x", value=v["x"], tip=eq["z"]))
    labels.append(_text(xg + 40, bus_y + 22, "[hₜ₋₁, xₜ] → z = xₜ·W + hₜ₋₁·U + b", size=T["note"],
                        colour=palette.MUTED))
    # --- gates drawn last, on top of their flows
    out.append(_gate_box(xf, gate_y, "f", rec, v["f"], v["zf"], lang, tips))
    out.append(_gate_box(xi, gate_y, "i", rec, v["i"], v["zi"], lang, tips))
    out.append(_gate_box(xg, gate_y, "g", act, v["g"], v["zc"], lang, tips))
    out.append(_gate_box(xo, gate_y, "o", rec, v["o"], v["zo"], lang, tips))
    for x, y, s in ((xf, belt_y, "×"), (xadd, belt_y, "+"), (xadd, ymul, "×"), (xt, yout, "×")):
        out.append(_node(x, y, s))
    out.extend(labels)
    out.append(tips_svg(eq))
    out.append("</svg>")
    return "".join(out)


def skipped_cell_svg(v: dict, eq: dict, lang: str = "en", title: str | None = None, activation: str = "tanh",
                recurrent_activation: str = "sigmoid") -> str:
    """The cell at a step the layer skipped (masked): the state passes straight through.

    cₜ = cₜ₋₁ along the belt and hₜ = hₜ₋₁ along the bottom, a note saying so, and the four
    gates the cell computed there greyed and dashed, marked "not used" (no valves, no flows:
    nothing they computed reached the state). ``v`` and ``eq`` are :func:`step_values` and
    :func:`equation_lines` of the masked step.
    """
    act, rec = fn_name(activation), fn_name(recurrent_activation)
    not_used = term("not_used", lang)
    tips = {k: eq[e] for k, e in EQUATION_OF.items() if e in eq}
    for g in ("f", "i", "g", "o"):
        tips[g] = f"{eq[g]} ({not_used})"
    C, H, X = palette.CELL, palette.HIDDEN, palette.MUTED
    L, T = LAYOUT, TYPE
    belt_y, bus_y, gate_y = L["belt"], L["bus"], L["gate_y"]
    out = [_svg_open(True),
           HATCH_DEF,
           f'<rect x="55" y="28" width="650" height="400" rx="18" fill="{palette.PANEL}" stroke="{palette.FRAME}" '
           f'stroke-width="1.5" stroke-dasharray="8 5"/>',
           f'<rect x="55" y="28" width="650" height="400" rx="18" fill="url(#{HATCH_ID})" fill-opacity="0.45"/>']
    labels = []
    if title:
        labels.append(_text(380, 20, title, size=T["label"], colour=palette.MUTED))
    # the state passes through unchanged: one belt, one hidden-state line
    out.append(_flow([(10, belt_y), (750, belt_y)], v["c"], STATE_SCALE, C))
    out.append(_flow([(10, bus_y), (750, bus_y)], v["h"], 1.0, H))
    labels.append(_text(12, belt_y - 22, f"cₜ₋₁ = {fmt(v['c_prev'])}", size=T["number"], anchor="start", colour=C,
                        weight="bold", name="c_prev", value=v["c_prev"], tip=eq["c"]))
    labels.append(_text(748, belt_y - 22, f"cₜ = cₜ₋₁ = {fmt(v['c'])}", anchor="end", colour=C, weight="bold",
                        size=T["value"], name="c", value=v["c"], tip=eq["c"]))
    labels.append(_text(748, belt_y + 32, term("cell_state", lang), anchor="end", colour=C, size=T["label"]))
    labels.append(_text(12, bus_y - 16, f"hₜ₋₁ = {_vec(v['h_prev'])}", size=T["number"], anchor="start", colour=H,
                        weight="bold", name="h_prev", value=v["h_prev"], tip=eq["h"]))
    labels.append(_text(748, bus_y - 16, f"hₜ = hₜ₋₁ = {fmt(v['h'])}", anchor="end", colour=H, weight="bold",
                        size=T["value"], name="h", value=v["h"], tip=eq["h"]))
    labels.append(_text(748, bus_y + 24, term("hidden_state", lang), anchor="end", colour=H, size=T["label"]))
    labels.append(_text(130, 458, f"xₜ = {_vec(v['x'])}", size=T["number"], anchor="start", colour=X, name="x",
                        value=v["x"]))
    # the note, in the middle of the cell
    note, sub = term("masked_carried", lang), f"f, i, g, o: {not_used}"
    size = _fit(note, 19, 560)
    out.append(f'<g class="lstm-masked-note"><rect x="90" y="130" width="580" height="70" rx="12" fill="white" '
               f'stroke="{palette.MUTED}" stroke-width="2"/>'
               + _text(380, 160, note, size=round(size, 1), colour=palette.INK, weight="bold")
               + _text(380, 186, sub, size=T["label"], colour=palette.MUTED) + "</g>")
    for g, fn, z in (("f", rec, "zf"), ("i", rec, "zi"), ("g", act, "zc"), ("o", rec, "zo")):
        out.append(_gate_box(L["x" + g], gate_y, g, fn, v[g], v[z], lang, tips, unused=True))
    out.extend(labels)
    out.append(tips_svg({**eq, **{g: tips[g] for g in ("f", "i", "g", "o")}}))
    out.append("</svg>")
    return "".join(out)


#: How the page a phone reads is made (the phone line under a drawing names it; README, "One page").
PHONE_PAGE_COMMAND = "lstm-explainer export-html --out page.html --lang both"
#: On a phone (≤ 600 px) a cell drawing keeps its numbers ≥ 14 px and so scrolls sideways in its box: the line
#: under it (:func:`phone_page_html`, in a widget of class ``lstm-phone``) says that the one-file page is the
#: phone's view and how it is made; wider, it is not shown (display:none also keeps it out of a desk's grid).
PHONE_CSS = """
.lstm-phone {display:none}
@media (max-width: 600px) {.lstm-phone {display:block} .lstm-phone .lstm-phone-page {font-size:14px; line-height:1.3}}
"""


def phone_page_html(lang: str = "en") -> str:
    """The phone line under a drawing (shown by :data:`PHONE_CSS` on a phone only), in ``lang``."""
    # the command breaks between its words only (a phone would break "lstm-explainer" at its hyphen)
    command = " ".join(f'<span style="white-space:nowrap">{escape(w)}</span>' for w in PHONE_PAGE_COMMAND.split())
    return (f'<div class="lstm-phone-page" style="color:{palette.MUTED};margin-bottom:6px">'
            + escape(term("phone_page", lang)).format(command=f"<code>{command}</code>") + "</div>")


def legend_html(lang: str = "en") -> str:
    """What the drawing's marks mean, drawn with the drawing's own valve and flow: a shut and an open
    valve, a thin and a thick flow (|value|), a striped flow with its "−" badge (a negative value)."""
    def svg(body: str, w: int = 64) -> str:
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="26" viewBox="0 0 {w} 26" '
                f'style="vertical-align:middle">{body}</svg>')

    f = palette.FORGET
    items = [
        (svg(_valve(27, 13, 0.0, f, True) + _valve(89, 13, 1.0, f, True), 118), term("legend_valve", lang)),
        (svg(_flow([(4, 6), (60, 6)], 0.3, STATE_SCALE, palette.CELL)
             + _flow([(4, 19), (60, 19)], STATE_SCALE, STATE_SCALE, palette.CELL)), term("legend_width", lang)),
        (svg(_flow([(4, 13), (76, 13)], -1.0, STATE_SCALE, palette.CELL), 80), term("legend_stripes", lang)),
    ]
    return ('<div class="lstm-legend" style="display:flex;flex-wrap:wrap;gap:2px 18px;align-items:center;'
            f'font-size:14px;color:{palette.MUTED};margin:2px 0">'
            + "".join(f'<span>{mark} {escape(text)}</span>' for mark, text in items) + "</div>")


#: A gate below SHUT is narrated as closed, one above OPEN as open (the page's narration reads the same):
#: the gate table's thresholds.
SHUT, OPEN = gates.CLOSED, gates.OPEN


def narrate(step: StepTrace, unit: int = 0, sample: int = 0, lang: str = "en", masked: bool = False) -> list[str]:
    """What this step does, in words, for gates that are clearly shut or open (:func:`explainer.gates.openness`).

    Never empty: when every gate is part-open, one line gives the share each lets through; at a ``masked``
    step, that its gates were not used (they did nothing).
    """
    if masked:
        return [term("narrate_masked", lang)]
    v = step_values(step, unit, sample)
    lines = []
    for gate, name in (("f", "forget"), ("i", "input"), ("o", "output")):
        state = gates.openness(v[gate])
        if state != "between":
            lines.append(term(f"narrate_{name}_{state}", lang))
    return lines or [term("narrate_between", lang).format(f=num(v["f"], 2), i=num(v["i"], 2), o=num(v["o"], 2))]


def equations_html(step: StepTrace, unit: int = 0, sample: int = 0, lang: str = "en", masked: bool = False,
                   activation: str = "tanh", recurrent_activation: str = "sigmoid", held=()) -> str:
    """The step's equations with the traced numbers filled in (⊙ is element-wise), one line each.

    Line ``k`` has class ``lstm-eq-<k>``; hovering it lights up its values in the drawing (and
    the other way round, see :func:`hover_css`). The narration line always takes its place,
    empty or not, so nothing below it moves when a gate opens or closes. At a ``masked``
    step the first line says the step was skipped, cₜ = cₜ₋₁ and hₜ = hₜ₋₁ follow, and the gate
    lines are greyed and marked "computed, not used" (same number of lines: nothing moves).
    """
    v = step_values(step, unit, sample, masked=masked)
    eq = equation_lines(v, activation, recurrent_activation, masked=masked, held=held, lang=lang)
    colour = {"f": palette.FORGET, "i": palette.INPUT, "g": palette.CANDIDATE, "o": palette.OUTPUT,
              "c": palette.CELL, "h": palette.HIDDEN}
    story = narrate(step, unit, sample, lang, masked=masked)
    return equations_block(eq, colour, ("f", "i", "g", "o"), ("c", "h"), lang, masked, "masked_carried",
                           " · ".join(story))


def equations_block(eq: dict, colour: dict, gate_lines, state_lines, lang: str, masked: bool,
                    carried: str, story: str) -> str:
    """The equation lines of a step (an LSTM's or a GRU's), each edged in its quantity's colour, then
    the narration: the gate lines, then the state lines (their results in bold). At a ``masked`` step
    the glossary's ``carried`` line comes first, then the states carried over, then the gate lines
    greyed as computed, not used. Nothing moves between steps: the narration line always takes its place."""
    def row(k: str, unused: bool = False) -> str:
        text = escape(eq[k])
        if k in state_lines:
            head, _, rest = text.rpartition(" = ")
            text = f"{head} = <b>{rest}</b>"
        style = f"border-left:4px solid {colour[k]};padding-left:6px"
        if unused:
            text += f" <small>— {escape(term('not_used', lang))}</small>"
            style = f"border-left:4px dashed {palette.MUTED};padding-left:6px;color:{palette.MUTED}"
        return f'<div class="lstm-eq lstm-eq-{k}{" lstm-eq-unused" if unused else ""}" style="{style}">{text}</div>'

    if masked:
        rows = [f'<div class="lstm-eq-masked" style="font-weight:bold;padding-left:10px">'
                f'⊘ {escape(term(carried, lang))}</div>'] + [row(k) for k in state_lines]
        rows += [row(k, unused=True) for k in gate_lines]
    else:
        rows = [row(k) for k in (*gate_lines, *state_lines)]
        rows.append(f'<div class="lstm-eq-note"><small>{escape(term("hadamard_note", lang))}</small></div>')
    rows.append('<div class="lstm-narration" style="min-height:1.6em;font-style:italic">'
                + (escape(story) if story else "&nbsp;") + "</div>")
    return ('<div class="lstm-equations" style="font-family:DejaVu Sans Mono,monospace;line-height:1.55;'
            'font-size:13px">' + "".join(rows) + "</div>")


__all__ = ["legend_html", "cell_svg", "skipped_cell_svg", "equations_html", "equations_block", "equation_lines", "hover_css", "narrate", "step_values",
           "update_terms", "fmt", "fn_name", "VALUE_NAMES"]
