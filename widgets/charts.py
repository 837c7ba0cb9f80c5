"""Small SVG charts (line chart, heatmap) for the widgets: strings, not matplotlib figures.

A widget tick re-renders a few kilobytes of SVG into an ``ipywidgets.HTML`` instead of
redrawing a figure, which keeps a slider or the Play button responsive. Colormaps are
matplotlib's (``palette.GATE_CMAP`` / ``palette.STATE_CMAP``), sampled once per value.
"""
from __future__ import annotations

from html import escape
from typing import Sequence

import numpy as np

from explainer import palette

FONT = "DejaVu Sans, Noto Sans CJK SC, sans-serif"


def _hex_colours(values: np.ndarray, cmap: str, vmin: float, vmax: float) -> np.ndarray:
    """Hex colours of ``values`` under the matplotlib colormap ``cmap`` on a fixed [vmin, vmax] scale."""
    from matplotlib import colormaps  # lazy: matplotlib is only needed once a heatmap is drawn

    rgba = colormaps[cmap](np.clip((np.asarray(values, float) - vmin) / (vmax - vmin), 0, 1))
    rgb = np.round(rgba[..., :3] * 255).astype(int)
    return np.vectorize(lambda r, g, b: f"#{r:02x}{g:02x}{b:02x}")(rgb[..., 0], rgb[..., 1], rgb[..., 2])


def line_chart(series: Sequence[dict], *, labels: Sequence[str] | None = None, marker: int | None = None,
               title: str = "", ylim: tuple[float, float] | None = None, log: bool = False,
               width: int = 380, height: int = 190, css_class: str = "lstm-chart") -> str:
    """A line chart. Each series is a dict: ``y`` (values over time), ``colour``, optional
    ``width`` (stroke), ``opacity``, ``label`` (legend) and ``name`` (CSS class of its marker
    value, ``lstm-val-<name>``). ``marker`` draws a vertical line at that index with each
    named series' value printed. ``log`` plots log10 of the values (they must be > 0).
    """
    ys = [np.asarray(s["y"], float) for s in series]
    n = max(len(y) for y in ys)
    plotted = [np.log10(np.maximum(y, 1e-300)) if log else y for y in ys]
    if ylim is None:
        lo = min(float(np.min(y)) for y in plotted)
        hi = max(float(np.max(y)) for y in plotted)
        lo, hi = (lo - 0.5, hi + 0.5) if hi - lo < 1e-9 else (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    else:
        lo, hi = ylim
    L, R, T, B = 46, 12, 26, 30
    pw, ph = width - L - R, height - T - B

    def px(t):
        return L + (pw * t / (n - 1) if n > 1 else pw / 2)

    def py(v):
        return T + ph * (1 - (np.clip(v, lo, hi) - lo) / (hi - lo))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11">',
           f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="{palette.PANEL}" stroke="{palette.GRID}"/>',
           f'<text x="{L}" y="16" font-size="12" font-weight="bold" fill="{palette.INK}">{escape(title)}</text>']
    if log:  # a tick and a grid line per decade (every other one when there are many)
        decades = np.arange(np.ceil(lo), np.floor(hi) + 1)
        ticks = decades[::max(1, int(np.ceil(len(decades) / 7)))]
    else:
        ticks = (lo, hi) + ((0.0,) if lo < 0 < hi else ())
    for v in ticks:
        tick = f"1e{v:.0f}" if log else f"{v:.2f}"
        out.append(f'<text x="{L - 4}" y="{py(v) + 4:.1f}" text-anchor="end" fill="{palette.MUTED}">{tick}</text>')
        if log or v == 0.0:
            out.append(f'<line x1="{L}" x2="{L + pw}" y1="{py(v):.1f}" y2="{py(v):.1f}" stroke="{palette.FRAME}" stroke-dasharray="3 3"/>')
    if labels is not None:
        step = max(1, int(np.ceil(len(labels) / 12)))
        for t in range(0, len(labels), step):
            out.append(f'<text x="{px(t):.1f}" y="{height - 12}" text-anchor="middle" fill="{palette.MUTED}">'
                       f'{escape(str(labels[t]))[:10]}</text>')
    for s, y in zip(series, plotted):
        pts = " ".join(f"{px(t):.1f},{py(v):.1f}" for t, v in enumerate(y))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{s.get("colour", palette.INK)}" '
                   f'stroke-width="{s.get("width", 2)}" stroke-opacity="{s.get("opacity", 1)}"/>')
    if marker is not None:
        out.append(f'<line x1="{px(marker):.1f}" x2="{px(marker):.1f}" y1="{T}" y2="{T + ph}" stroke="{palette.INK}" '
                   f'stroke-width="1" stroke-dasharray="4 3"/>')
        k = 0
        for s, y, raw in zip(series, plotted, ys):
            if "name" not in s or marker >= len(y):
                continue
            colour = s.get("colour", palette.INK)
            out.append(f'<circle cx="{px(marker):.1f}" cy="{py(y[marker]):.1f}" r="4" fill="{colour}"/>')
            shown = f"{raw[marker]:.2e}" if log else f"{raw[marker]:+.3f}"
            out.append(f'<text x="{width - R}" y="{16 + 13 * k}" text-anchor="end" fill="{colour}" '
                       f'class="lstm-val lstm-val-{s["name"]}" data-value="{float(raw[marker])!r}">'
                       f'{escape(s.get("label", s["name"]))} = {shown}</text>')
            k += 1
    out.append("</svg>")
    return "".join(out)


def heatmap(matrix: np.ndarray, *, cmap: str, vmin: float, vmax: float, title: str = "",
            row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None,
            marker: int | None = None, highlight_row: int | None = None, cell: tuple[int, int] = (30, 16),
            css_class: str = "lstm-heatmap") -> str:
    """A ``(rows, cols)`` heatmap on a fixed [vmin, vmax] colour scale; hovering a cell shows its value."""
    m = np.asarray(matrix, float)
    rows, cols = m.shape
    cw, ch = cell
    cw = int(np.clip(cw if cols * cw <= 640 else 640 // cols, 3, cw))  # long sequences: narrower columns
    L, T = 118, 22
    width, height = L + cw * cols + 8, T + ch * rows + 6
    colours = _hex_colours(m, cmap, vmin, vmax)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="10">',
           f'<text x="2" y="14" font-size="12" font-weight="bold" fill="{palette.INK}">{escape(title)}</text>']
    for r in range(rows):
        if row_labels is not None:
            out.append(f'<text x="{L - 4}" y="{T + ch * r + ch - 3}" text-anchor="end" fill="{palette.MUTED}">'
                       f'{escape(str(row_labels[r]))[:19]}</text>')
        for c in range(cols):
            out.append(f'<rect x="{L + cw * c}" y="{T + ch * r}" width="{cw}" height="{ch}" fill="{colours[r, c]}">'
                       f'<title>{m[r, c]:+.3f}</title></rect>')
    if highlight_row is not None:
        out.append(f'<rect x="{L}" y="{T + ch * highlight_row}" width="{cw * cols}" height="{ch}" fill="none" '
                   f'stroke="{palette.INK}" stroke-width="1.5"/>')
    if marker is not None:
        out.append(f'<rect x="{L + cw * marker}" y="{T}" width="{cw}" height="{ch * rows}" fill="none" '
                   f'stroke="{palette.INK}" stroke-width="2"/>')
    out.append("</svg>")
    return "".join(out)


__all__ = ["line_chart", "heatmap"]
