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
  gates at 1); a negative state is drawn dashed;
* a gate is a valve: two shutters whose opening is the gate's value, and its flow to the
  ⊗ node fades as the gate closes;
* every value is printed, with 3 decimals, and carried at full precision in a
  ``data-value`` attribute of an element with class ``lstm-val-<name>``, where ``<name>``
  is one of ``VALUE_NAMES`` (tests and the browser read those).

Strings come from :mod:`explainer.glossary`, colours from :mod:`explainer.palette`.
"""
from __future__ import annotations

from html import escape

import numpy as np

from explainer import palette
from explainer.glossary import term
from explainer.trace import StepTrace

#: A state of this magnitude gets the widest, most opaque flow.
STATE_SCALE = 2.0
WIDTH, HEIGHT = 760, 470
FONT = "DejaVu Sans, Noto Sans CJK SC, Noto Sans SC, sans-serif"

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
        raise ValueError(f"trace is inconsistent: f*c_prev + i*g = {kept + written} but c = {c}")
    return float(kept), float(written)


def step_values(step: StepTrace, unit: int = 0, sample: int = 0) -> dict[str, float | np.ndarray]:
    """Every value the diagram prints for ``unit`` of ``sample``, read from the trace."""
    s, u = sample, unit
    if not 0 <= u < step.units:
        raise ValueError(f"unit {unit} out of range: this step has {step.units} units (0..{step.units - 1})")
    if not 0 <= s < step.h.shape[0]:
        raise ValueError(f"sample {sample} out of range: this step has a batch of {step.h.shape[0]}")
    kept, written = update_terms(step, u, s)
    v = {"x": step.x[s], "h_prev": step.h_prev[s]}
    for gate, block in (("i", "i"), ("f", "f"), ("g", "c"), ("o", "o")):
        v["z" + block] = float(step.z_block(block)[s, u])
        v[gate] = float(getattr(step, gate)[s, u])
    v.update(c_prev=float(step.c_prev[s, u]), kept=kept, written=written, c=float(step.c[s, u]),
             tanh_c=float(step.tanh_c[s, u]), h=float(step.h[s, u]))
    return v


def fmt(v: float) -> str:
    """How every number is printed on the diagram (3 decimals, explicit sign)."""
    return f"{v:+.3f}"


def _vec(a: np.ndarray, limit: int = 4) -> str:
    a = np.asarray(a).reshape(-1)
    if a.size == 1:
        return fmt(float(a[0]))
    body = ", ".join(fmt(float(x)) for x in a[:limit])
    return f"[{body}{', …' if a.size > limit else ''}]"


# --- drawing primitives -----------------------------------------------------------------
def _mag(v: float, scale: float) -> float:
    return min(abs(float(v)) / scale, 1.0)


def _flow(points, v: float, scale: float, colour: str) -> str:
    """A polyline whose width and opacity follow |v|; dashed when v < 0."""
    m = _mag(v, scale)
    width, opacity = 1.5 + 12.0 * m, 0.18 + 0.82 * m
    dash = ' stroke-dasharray="10 5"' if v < 0 else ""
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return (f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="{width:.2f}" '
            f'stroke-opacity="{opacity:.3f}" stroke-linecap="round" stroke-linejoin="round"{dash}/>')


def _text(x, y, s: str, *, size=13, colour=palette.INK, anchor="middle", weight="normal",
          name: str | None = None, value=None) -> str:
    cls = f' class="lstm-val lstm-val-{name}"' if name else ""
    data = ""
    if value is not None:
        data = ' data-value="' + " ".join(repr(float(a)) for a in np.asarray(value).reshape(-1)) + '"'
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}" text-anchor="{anchor}" '
            f'font-weight="{weight}"{cls}{data}>{escape(s)}</text>')


def _node(x, y, symbol: str) -> str:
    return (f'<circle cx="{x}" cy="{y}" r="13" fill="white" stroke="{palette.INK}" stroke-width="1.5"/>'
            + _text(x, y + 6, symbol, size=18))


def _valve(x, y, value: float, colour: str, vertical: bool) -> str:
    """Two shutters across a flow; the gap between them is the gate's value (0 shut, 1 open)."""
    gap, half = 4 + 22 * float(np.clip(value, 0, 1)), 16
    if vertical:  # the flow runs vertically; shutters slide in from left and right
        return (f'<rect x="{x - half - 14}" y="{y - 3}" width="{half + 14 - gap / 2:.1f}" height="6" fill="{colour}"/>'
                f'<rect x="{x + gap / 2:.1f}" y="{y - 3}" width="{half + 14 - gap / 2:.1f}" height="6" fill="{colour}"/>')
    return (f'<rect x="{x - 3}" y="{y - half - 14}" width="6" height="{half + 14 - gap / 2:.1f}" fill="{colour}"/>'
            f'<rect x="{x - 3}" y="{y + gap / 2:.1f}" width="6" height="{half + 14 - gap / 2:.1f}" fill="{colour}"/>')


def _gate_box(cx, cy, gate: str, fn: str, value: float, z: float, lang: str) -> str:
    """A gate: a box filled from below to its value's level, with its name, value and z."""
    colour = palette.color(gate)
    w, h = 118, 64
    x0, y0 = cx - w / 2, cy - h / 2
    lo, hi = (-1.0, 1.0) if gate == "g" else (0.0, 1.0)  # candidate is tanh: [-1, 1]
    level = (value - lo) / (hi - lo)
    name = {"f": "zf", "i": "zi", "g": "zc", "o": "zo"}[gate]
    return (f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" rx="8" fill="white" stroke="{colour}" stroke-width="2.5"/>'
            f'<rect x="{x0 + 2}" y="{y0 + 2 + (h - 4) * (1 - level):.1f}" width="{w - 4}" height="{(h - 4) * level:.1f}" '
            f'rx="6" fill="{colour}" fill-opacity="0.28"/>'
            + _text(cx, y0 + 16, f"{term({'f': 'forget_gate', 'i': 'input_gate', 'g': 'candidate', 'o': 'output_gate'}[gate], lang)} · {fn}",
                    size=12, colour=colour, weight="bold")
            + _text(cx, y0 + 37, f"{gate} = {fmt(value)}", size=15, weight="bold", name=gate, value=value)
            + _text(cx, y0 + 55, f"z = {fmt(z)}", size=11, colour=palette.MUTED, name=name, value=z))


# --- the cell -----------------------------------------------------------------------------
def cell_svg(step: StepTrace, unit: int = 0, sample: int = 0, lang: str = "en", title: str | None = None) -> str:
    """The classic cell drawing of one unit of one traced step, as an ``<svg>`` string."""
    v = step_values(step, unit, sample)
    C, H, X = palette.CELL, palette.HIDDEN, palette.INPUT_X
    belt_y, bus_y, gate_y = 70, 400, 300
    xf, xadd, xi, xg, xo, xt = 140, 340, 280, 410, 545, 655
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="lstm-cell-diagram" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT}" style="background:{palette.BACKGROUND}">']
    # the cell body
    out.append(f'<rect x="55" y="28" width="650" height="400" rx="18" fill="{palette.PANEL}" stroke="{palette.FRAME}" stroke-width="1.5"/>')
    if title:
        out.append(_text(380, 20, title, size=13, colour=palette.MUTED))
    # --- cell-state belt: c_{t-1} → ⊗ f → ⊕ i⊙g → cₜ
    out.append(_flow([(10, belt_y), (xf, belt_y)], v["c_prev"], STATE_SCALE, C))
    out.append(_flow([(xf, belt_y), (xadd, belt_y)], v["kept"], STATE_SCALE, C))
    out.append(_flow([(xadd, belt_y), (750, belt_y)], v["c"], STATE_SCALE, C))
    out.append(_valve(xf + 32, belt_y, v["f"], palette.FORGET, vertical=False))
    out.append(_text(12, belt_y - 16, f"cₜ₋₁ = {fmt(v['c_prev'])}", anchor="start", colour=C, weight="bold",
                     name="c_prev", value=v["c_prev"]))
    out.append(_text((xf + xadd) / 2 + 25, belt_y - 16, f"f⊙cₜ₋₁ = {fmt(v['kept'])}", colour=C, name="kept", value=v["kept"]))
    out.append(_text(748, belt_y - 16, f"cₜ = {fmt(v['c'])}", anchor="end", colour=C, weight="bold", size=15,
                     name="c", value=v["c"]))
    out.append(_text(748, belt_y + 30, term("cell_state", lang), anchor="end", colour=C, size=12))
    # --- forget gate → ⊗ on the belt
    out.append(_flow([(xf, gate_y - 32), (xf, belt_y)], v["f"], 1.0, palette.FORGET))
    # --- input gate and candidate → ⊗ → ⊕
    ymul = 165
    out.append(_flow([(xi, gate_y - 32), (xi, ymul), (xadd, ymul)], v["i"], 1.0, palette.INPUT))
    out.append(_flow([(xg, gate_y - 32), (xg, ymul), (xadd, ymul)], v["g"], 1.0, palette.CANDIDATE))
    out.append(_valve(xi, ymul + 45, v["i"], palette.INPUT, vertical=True))
    out.append(_flow([(xadd, ymul), (xadd, belt_y)], v["written"], STATE_SCALE, C))
    out.append(_text(xadd + 10, (ymul + belt_y) / 2 + 4, f"i⊙g = {fmt(v['written'])}", anchor="start", colour=C,
                     name="written", value=v["written"]))
    # --- read-out: cₜ → tanh → ⊗ o → hₜ
    ytanh, yout = 150, 235
    out.append(_flow([(xt, belt_y), (xt, ytanh)], v["c"], STATE_SCALE, C))
    out.append(_flow([(xt, ytanh), (xt, yout)], v["tanh_c"], 1.0, C))
    out.append(f'<rect x="{xt - 32}" y="{ytanh - 14}" width="64" height="28" rx="12" fill="white" stroke="{C}" stroke-width="2"/>')
    out.append(_text(xt, ytanh + 5, "tanh", size=13, colour=C))
    out.append(_text(xt - 38, ytanh + 5, f"tanh(cₜ) = {fmt(v['tanh_c'])}", anchor="end", size=11, colour=C,
                     name="tanh_c", value=v["tanh_c"]))
    out.append(_flow([(xo, gate_y - 32), (xo, yout), (xt, yout)], v["o"], 1.0, palette.OUTPUT))
    out.append(_valve(xo, yout + 30, v["o"], palette.OUTPUT, vertical=True))
    out.append(_flow([(xt, yout), (xt, bus_y), (750, bus_y)], v["h"], 1.0, H))
    out.append(_text(748, bus_y - 12, f"hₜ = {fmt(v['h'])}", anchor="end", colour=H, weight="bold", size=15,
                     name="h", value=v["h"]))
    out.append(_text(748, bus_y + 22, term("hidden_state", lang), anchor="end", colour=H, size=12))
    # --- inputs: h_{t-1} and xₜ concatenated on the bus, feeding all four gates
    bus_v = float(np.abs(v["h_prev"]).max()) if np.size(v["h_prev"]) else 0.0
    out.append(_flow([(10, bus_y), (xo, bus_y)], bus_v, 1.0, H))
    x_mag = float(np.abs(v["x"]).max())
    out.append(_flow([(110, 462), (110, bus_y)], x_mag, STATE_SCALE, X))
    for gx in (xf, xi, xg, xo):
        out.append(f'<line x1="{gx}" y1="{bus_y}" x2="{gx}" y2="{gate_y + 32}" stroke="{palette.FRAME}" stroke-width="1.5"/>')
    out.append(_text(12, bus_y - 12, f"hₜ₋₁ = {_vec(v['h_prev'])}", anchor="start", colour=H, weight="bold",
                     name="h_prev", value=v["h_prev"]))
    out.append(_text(122, 458, f"xₜ = {_vec(v['x'])}", anchor="start", colour=X, weight="bold", name="x", value=v["x"]))
    out.append(_text(xg, bus_y + 18, "[hₜ₋₁, xₜ] → z = xₜ·W + hₜ₋₁·U + b", size=11, colour=palette.MUTED))
    # --- gates drawn last, on top of their flows
    out.append(_gate_box(xf, gate_y, "f", "σ", v["f"], v["zf"], lang))
    out.append(_gate_box(xi, gate_y, "i", "σ", v["i"], v["zi"], lang))
    out.append(_gate_box(xg, gate_y, "g", "tanh", v["g"], v["zc"], lang))
    out.append(_gate_box(xo, gate_y, "o", "σ", v["o"], v["zo"], lang))
    for x, y, s in ((xf, belt_y, "×"), (xadd, belt_y, "+"), (xadd, ymul, "×"), (xt, yout, "×")):
        out.append(_node(x, y, s))
    out.append("</svg>")
    return "".join(out)


def narrate(step: StepTrace, unit: int = 0, sample: int = 0, lang: str = "en") -> list[str]:
    """What this step does, in words, for gates that are clearly shut (< 0.1) or open (> 0.9)."""
    v = step_values(step, unit, sample)
    lines = []
    for gate, name in (("f", "forget"), ("i", "input"), ("o", "output")):
        if v[gate] < 0.1:
            lines.append(term(f"narrate_{name}_closed", lang))
        elif v[gate] > 0.9:
            lines.append(term(f"narrate_{name}_open", lang))
    return lines


def equations_html(step: StepTrace, unit: int = 0, sample: int = 0, lang: str = "en") -> str:
    """The step's arithmetic with the traced numbers filled in (⊙ is element-wise)."""
    v = step_values(step, unit, sample)
    C, H = palette.CELL, palette.HIDDEN
    rows = [
        f'<span style="color:{C}">cₜ</span> = <span style="color:{palette.FORGET}">f</span> ⊙ cₜ₋₁ + '
        f'<span style="color:{palette.INPUT}">i</span> ⊙ <span style="color:{palette.CANDIDATE}">g</span> = '
        f'{fmt(v["f"])} × {fmt(v["c_prev"])} + {fmt(v["i"])} × {fmt(v["g"])} = <b>{fmt(v["c"])}</b>',
        f'<span style="color:{H}">hₜ</span> = <span style="color:{palette.OUTPUT}">o</span> ⊙ tanh(cₜ) = '
        f'{fmt(v["o"])} × {fmt(v["tanh_c"])} = <b>{fmt(v["h"])}</b>',
        f'<small>⊙: {escape(term("hadamard", lang))}</small>',
    ]
    story = narrate(step, unit, sample, lang)
    if story:
        rows.append("<i>" + escape(" · ".join(story)) + "</i>")
    return '<div class="lstm-equations" style="font-family:monospace;line-height:1.6">' + "<br>".join(rows) + "</div>"


__all__ = ["cell_svg", "equations_html", "narrate", "step_values", "update_terms", "fmt", "VALUE_NAMES"]
