"""The cell drawing of one GRU step (:class:`explainer.gru.GRUTrace`), beside the LSTM's in :mod:`.diagram`.

    z = σ(z_z)    r = σ(z_r)    h̃ = tanh(x W_h + b_h + r ⊙ (h_{t-1} U_h + b'_h))
    h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃

The top line is h itself: the update gate z is the mix between h_{t-1} (kept, ⊗ z) and the
candidate h̃ (written, ⊗ 1 − z); the reset gate r decides how much of h_{t-1} the candidate sees.
Same primitives, palette and glossary as the LSTM's drawing; every value carries its equation
with the numbers plugged in as a tooltip.
"""
from __future__ import annotations

import numpy as np

from explainer import palette
from explainer.gates import GRU_GATES
from explainer.glossary import term
from explainer.gru import GRUTrace

from .diagram import (SMALL_GATE_BOX, STATE_SCALE, _flow, _gate_box, _node, _svg_open, _text, _valve, _vec,
                      equations_block, fmt, fn_name, tip_css, tips_svg)


def gru_values(trace: GRUTrace, t: int, unit: int = 0, sample: int = 0) -> dict:
    """The numbers one drawing shows: unit ``unit`` of step ``t`` of sequence ``sample``."""
    v = {n: float(getattr(trace, n)[sample, t, unit]) for n in ("h_prev", "z_z", "z_r", "z_h", "z", "r", "h_tilde", "h")}
    v["x"], v["h_prev_all"] = trace.x[sample, t], trace.h_prev[sample, t]
    v["kept"], v["written"] = v["z"] * v["h_prev"], (1 - v["z"]) * v["h_tilde"]
    return v


#: Which equation line each value of the drawing belongs to (hovering one lights up the other).
GRU_EQUATION_OF = {"z_z": "gru_z", "z": "gru_z", "one_minus_z": "gru_z", "z_r": "gru_r", "r": "gru_r",
                   "z_h": "gru_h_tilde", "h_tilde": "gru_h_tilde", "kept": "gru_h", "written": "gru_h",
                   "h": "gru_h"}
#: The equation lines in the order they are computed.
GRU_LINES = ("gru_z", "gru_r", "gru_h_tilde", "gru_h")


def gru_equation_lines(trace: GRUTrace, v: dict, masked: bool = False) -> dict[str, str]:
    """Each equation of the step with the traced numbers plugged in, keyed by value (the drawing's
    tooltips) and by line (:data:`GRU_LINES`, the equations beside it). At a ``masked`` step
    hₜ = hₜ₋₁: the gates were computed, not used."""
    act = fn_name(trace.meta.get("activation", "tanh"))
    rec = fn_name(trace.meta.get("recurrent_activation", "sigmoid"))
    reset = "r ⊙ (hₜ₋₁·U_h + b′_h)" if trace.reset_after else "(r ⊙ hₜ₋₁)·U_h"
    eq = {"z": f"z = {rec}(z_z) = {rec}({fmt(v['z_z'])}) = {fmt(v['z'])}",
          "r": f"r = {rec}(z_r) = {rec}({fmt(v['z_r'])}) = {fmt(v['r'])}",
          "h_tilde": f"h̃ = {act}(xₜ·W_h + b_h + {reset}) = {act}({fmt(v['z_h'])}) = {fmt(v['h_tilde'])}",
          "kept": f"z ⊙ hₜ₋₁ = {fmt(v['z'])} × {fmt(v['h_prev'])} = {fmt(v['kept'])}",
          "written": f"(1 − z) ⊙ h̃ = {fmt(1 - v['z'])} × {fmt(v['h_tilde'])} = {fmt(v['written'])}",
          "h": f"hₜ = z ⊙ hₜ₋₁ + (1 − z) ⊙ h̃ = {fmt(v['kept'])} + {fmt(v['written'])} = {fmt(v['h'])}"}
    if masked:
        eq["h"] = f"hₜ = hₜ₋₁ = {fmt(v['h'])}"
    eq.update(gru_z=eq["z"], gru_r=eq["r"], gru_h_tilde=eq["h_tilde"], gru_h=eq["h"])
    return eq


def gru_cell_svg(trace: GRUTrace, t: int, unit: int = 0, sample: int = 0, lang: str = "en",
                 title: str | None = None, masked: bool = False) -> str:
    """The GRU cell drawing of one unit of one traced step, as an ``<svg>`` string (scales to its container).

    ``masked``: the layer skipped this step (its mask was False): hₜ = hₜ₋₁ is drawn, the gates'
    values are shown as computed, not used."""
    v = gru_values(trace, t, unit, sample)
    act = fn_name(trace.meta.get("activation", "tanh"))
    rec = fn_name(trace.meta.get("recurrent_activation", "sigmoid"))
    reset = "r ⊙ (hₜ₋₁·U_h + b′_h)" if trace.reset_after else "(r ⊙ hₜ₋₁)·U_h"
    tips = gru_equation_lines(trace, v, masked)
    H, X = palette.HIDDEN, palette.INPUT_X
    top_y, bus_y, gate_y, ymul, yr = 70, 400, 300, 165, 222
    xr, xz, xmix, xrh, xc = 150, 300, 560, 440, 560
    out, labels = [_svg_open(masked)], []
    out.append(f'<rect x="55" y="28" width="650" height="400" rx="18" fill="{palette.PANEL}" '
               f'stroke="{palette.FRAME}" stroke-width="1.5"/>')
    if title:
        labels.append(_text(380, 20, title, size=13, colour=palette.MUTED))
    # --- the top line is h: hₜ₋₁ → ⊗ z → ⊕ (1 − z)⊙h̃ → hₜ
    if masked:  # a skipped step: h goes straight through, the rest is computed and not used (faded)
        out.append(_flow([(10, top_y), (750, top_y)], v["h"], STATE_SCALE, H))
        out.append('<g class="lstm-unused" opacity="0.3">')
    else:
        out.append(_flow([(10, top_y), (xz, top_y)], v["h_prev"], STATE_SCALE, H))
        out.append(_flow([(xz, top_y), (xmix, top_y)], v["kept"], STATE_SCALE, H))
        out.append(_flow([(xmix, top_y), (750, top_y)], v["h"], STATE_SCALE, H))
    labels.append(_text(12, top_y - 18, f"hₜ₋₁ = {fmt(v['h_prev'])}", anchor="start", colour=H, weight="bold",
                        name="h_prev", value=v["h_prev"]))
    if not masked:
        labels.append(_text((xz + xmix) / 2, top_y - 18, f"z⊙hₜ₋₁ = {fmt(v['kept'])}", colour=H, name="kept",
                            value=v["kept"], tip=tips["kept"]))
    labels.append(_text(748, top_y - 18, f"hₜ = hₜ₋₁ = {fmt(v['h'])}" if masked else f"hₜ = {fmt(v['h'])}",
                        anchor="end", colour=H, weight="bold", size=15, name="h", value=v["h"], tip=tips["h"]))
    if masked:  # said on the drawing itself: nothing below was used at this step
        labels.append(_text(380, top_y + 34, f"⊘ {term('gru_masked_carried', lang)}", colour=palette.INK,
                            weight="bold", size=14))
    labels.append(_text(748, top_y + 32, term("hidden_state", lang), anchor="end", colour=H, size=12))
    # --- the update gate: z keeps hₜ₋₁, and 1 − z lets the candidate in
    out.append(_flow([(xz, gate_y - 32), (xz, top_y)], v["z"], 1.0, palette.UPDATE))
    out.append(_valve(xz, (top_y + gate_y - 32) / 2 + 20, v["z"], palette.UPDATE, vertical=True))
    out.append(_flow([(xz + 20, gate_y - 32), (xz + 20, ymul), (xmix, ymul)], 1 - v["z"], 1.0, palette.UPDATE))
    labels.append(_text(xz + 30, ymul - 10, f"1 − z = {fmt(1 - v['z'])}", anchor="start", size=12,
                        colour=palette.UPDATE, name="one_minus_z", value=1 - v["z"]))
    out.append(_flow([(xc, gate_y - 32), (xc, ymul)], v["h_tilde"], 1.0, palette.CANDIDATE))
    out.append(_flow([(xmix, ymul), (xmix, top_y)], v["written"], STATE_SCALE, H))
    if not masked:
        labels.append(_text(xmix + 16, (ymul + top_y) / 2 + 4, f"(1−z)⊙h̃ = {fmt(v['written'])}", anchor="start",
                            colour=H, name="written", value=v["written"], tip=tips["written"]))
    # --- the reset gate: how much of hₜ₋₁ the candidate sees
    out.append(_flow([(xr, gate_y - 32), (xr, yr), (xrh, yr)], v["r"], 1.0, palette.RESET))
    out.append(_valve(xr, (yr + gate_y - 32) / 2, v["r"], palette.RESET, vertical=True))
    out.append(_flow([(xrh, bus_y), (xrh, yr)], 0.5, 1.0, H))
    out.append(_flow([(xrh, yr), (xc - 30, yr), (xc - 30, gate_y - 32)], v["r"], 1.0, palette.RESET))
    labels.append(_text(xrh - 10, yr - 12, reset, anchor="end", size=11, colour=palette.RESET))
    # --- inputs: hₜ₋₁ and xₜ on the bus, feeding the three blocks
    out.append(_flow([(10, bus_y), (xc, bus_y)], float(np.max(np.abs(v["h_prev_all"]))), 1.0, H))
    out.append(_flow([(110, 462), (110, bus_y)], float(np.max(np.abs(v["x"]))), STATE_SCALE, X))
    for gx in (xr, xz, xc):
        out.append(f'<line x1="{gx}" y1="{bus_y}" x2="{gx}" y2="{gate_y + 32}" stroke="{palette.FRAME}" '
                   f'stroke-width="1.5"/>')
    labels.append(_text(12, bus_y - 18, f"hₜ₋₁ = {_vec(v['h_prev_all'])}", anchor="start", colour=H,
                        weight="bold"))
    labels.append(_text(130, 458, f"xₜ = {_vec(v['x'])}", anchor="start", colour=X, weight="bold", name="x",
                        value=v["x"]))
    labels.append(_text(xc + 10, bus_y + 22, "[hₜ₋₁, xₜ] → [z_z | z_r | z_h]", size=11, colour=palette.MUTED))
    for x, y, sym in ((xz, top_y, "×"), (xmix, top_y, "+"), (xmix, ymul, "×"), (xrh, yr, "×")):
        out.append(_node(x, y, sym))
    if masked:
        out.append("</g>")
    out.append(_gate_box(xr, gate_y, "r", rec, v["r"], v["z_r"], lang, tips, pre="z_r", unused=masked,
                         box=SMALL_GATE_BOX))
    out.append(_gate_box(xz, gate_y, "z", rec, v["z"], v["z_z"], lang, tips, pre="z_z", unused=masked,
                         box=SMALL_GATE_BOX))
    out.append(_gate_box(xc, gate_y, "h_tilde", act, v["h_tilde"], v["z_h"], lang, tips, symbol="h̃", pre="z_h",
                         unused=masked, keep_name=True, box=SMALL_GATE_BOX))
    out.extend(labels)
    # the tooltips: a bar per value's line (the values and gates name theirs in data-tip; kept, written and h
    # carry the LSTM drawing's names c and h), shown by hover or a tap
    bars = {"z": tips["z"], "zz": tips["z"], "r": tips["r"], "zr": tips["r"], "h_tilde": tips["h_tilde"],
            "zh": tips["h_tilde"], "c": tips["h"], "h": tips["h"]}
    out.append(f"<style>{tip_css(bars)}</style>" + tips_svg(bars))
    out.append("</svg>")
    return "".join(out)


def gru_equations_html(trace: GRUTrace, t: int, unit: int = 0, sample: int = 0, lang: str = "en",
                       masked: bool = False) -> str:
    """The step's equations with the traced numbers filled in, one line each (class ``lstm-eq-<line>``,
    lit up with its values in the drawing, :func:`widgets.diagram.hover_css`), then one sentence.
    Each line is edged in its gate's colour from the gate table; at a ``masked`` step the first line
    says h was carried over and the gate lines are greyed as computed, not used."""
    v = gru_values(trace, t, unit, sample)
    eq = gru_equation_lines(trace, v, masked)
    colour = {f"gru_{g.field}": g.color for g in GRU_GATES} | {"gru_h": palette.HIDDEN}
    story = term("narrate_masked", lang) if masked else gru_narrate(trace, t, unit, sample, lang)
    return equations_block(eq, colour, GRU_LINES[:-1], GRU_LINES[-1:], lang, masked, "gru_masked_carried", story)


def gru_narrate(trace: GRUTrace, t: int, unit: int = 0, sample: int = 0, lang: str = "en") -> str:
    """One sentence: how much of h_{t-1} the update gate kept and how much of the candidate it let in."""
    v = gru_values(trace, t, unit, sample)
    if lang == "zh":
        return (f"{term('update_gate', 'zh')} z = {fmt(v['z'])}：保留 {v['z']:.0%} 的 hₜ₋₁，"
                f"写入 {1 - v['z']:.0%} 的{term('candidate_hidden', 'zh')} h̃ = {fmt(v['h_tilde'])}；"
                f"{term('reset_gate', 'zh')} r = {fmt(v['r'])}。")
    return (f"{term('update_gate', 'en')} z = {fmt(v['z'])}: keeps {v['z']:.0%} of hₜ₋₁ and lets in "
            f"{1 - v['z']:.0%} of the {term('candidate_hidden', 'en')} h̃ = {fmt(v['h_tilde'])}; "
            f"{term('reset_gate', 'en')} r = {fmt(v['r'])}.")
