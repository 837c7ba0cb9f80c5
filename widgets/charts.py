"""Small SVG charts (line chart, heatmap) for the widgets: strings, not matplotlib figures.

A widget tick re-renders a few kilobytes of SVG into an ``ipywidgets.HTML`` instead of
redrawing a figure, which keeps a slider or the Play button responsive. Heatmaps colour
each quantity on its own palette scale (:func:`explainer.palette.scale`: forget white→red,
input white→green, …), with a colour bar and a label under every column.

Time-axis labels (dates, words) are thinned and rotated so they never overlap:
:func:`axis_labels` decides which to print from an estimate of their width.
"""
from __future__ import annotations

from html import escape
from typing import Callable, Sequence

import numpy as np

from explainer import palette
from explainer.presentation import (CSS_FONTS, DIGITS_DETAIL, decade, fmt, nice_limit, nice_step,  # noqa: F401
                                    nice_ticks, sci, tick_text)

FONT = CSS_FONTS


def text_width(s: str, size: float) -> float:
    """Estimated width in px of ``s`` at font ``size`` (CJK glyphs are square, Latin ~0.6 em)."""
    return sum(size if ord(ch) > 0x2E80 else 0.62 * size for ch in str(s))


def short(s: str, limit: int = 12) -> str:
    s = str(s)
    return s if len(s) <= limit else s[:limit - 1] + "…"


def axis_labels(labels: Sequence[str], spacing: float, size: float = 11) -> tuple[list[int], bool]:
    """Which labels to print on an axis with ``spacing`` px between ticks, and whether rotated.

    Horizontal when every label fits its slot; otherwise rotated by 45°, where a label needs
    ~1.5 × font size across the axis, and thinned to every k-th tick so none overlap.
    """
    n = len(labels)
    if n == 0:
        return [], False
    widest = max(text_width(short(s), size) for s in labels)
    if widest + 6 <= spacing:
        return list(range(n)), False
    step = max(1, int(np.ceil(1.5 * size / max(spacing, 1e-9))))
    if step == 1:  # rotated, every label fits: a word is never dropped (a sentence must read whole)
        return list(range(n)), True
    if widest + 6 <= 2 * spacing and widest < 3.5 * size:  # short labels: thin, stay horizontal
        return list(range(0, n, 2)), False
    return list(range(0, n, step)), True


def _axis_svg(labels, xs: Sequence[float], y: float, size: float = 10, colour: str = palette.MUTED,
              css: str = "lstm-axis-label") -> tuple[str, float]:
    """Tick labels under an axis; returns (svg, height they take)."""
    if not len(labels):
        return "", 0.0
    spacing = (xs[1] - xs[0]) if len(xs) > 1 else 1e9
    shown, rotated = axis_labels(labels, spacing, size)
    out = []
    for t in shown:
        s = escape(short(labels[t]))
        if rotated:
            out.append(f'<text class="{css}" x="{xs[t]:.1f}" y="{y + size:.1f}" font-size="{size}" fill="{colour}" '
                       f'text-anchor="end" transform="rotate(-45 {xs[t]:.1f} {y + size:.1f})">{s}</text>')
        else:
            out.append(f'<text class="{css}" x="{xs[t]:.1f}" y="{y + size:.1f}" font-size="{size}" fill="{colour}" '
                       f'text-anchor="middle">{s}</text>')
    widest = max(text_width(short(labels[t]), size) for t in shown)
    return "".join(out), (0.71 * widest + size + 4 if rotated else size + 4)


#: The hatching of a skipped (masked) step; every picture that uses it defines it (same id, same pattern).
HATCH_ID = "lstm-skip-hatch"
HATCH_DEF = (f'<defs><pattern id="{HATCH_ID}" width="8" height="8" patternUnits="userSpaceOnUse" '
             f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="8" stroke="#B0B0B0" stroke-width="3"/>'
             f'</pattern></defs>')


def runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """The runs of True in ``flags`` as ``(first, last)`` index pairs: ``[F, T, T, F, T] → [(1, 2), (4, 4)]``."""
    out, start = [], None
    for k, f in enumerate(list(flags) + [False]):
        if f and start is None:
            start = k
        elif not f and start is not None:
            out.append((start, k - 1))
            start = None
    return out


def skipped_svg(skipped: Sequence[bool], xs: Sequence[float], top: float, height: float, below: float,
                label: str, size: float = 10, clip: tuple[float, float] | None = None) -> tuple[str, float]:
    """Grey hatching over the skipped (masked) steps of a time axis, and ``label`` under them.

    ``xs`` are the centres of the steps; ``top``/``height`` the plot area to hatch (``clip``: its
    left and right ends); ``below`` the y under the axis where the labels go. Under each run of skipped steps: a grey bracket, with
    the label centred under it when it fits there; otherwise one "▨ label" key at the left.
    Returns (svg, height the labels take under ``below``).
    """
    found = runs(skipped)
    if not found:
        return "", 0.0
    step = (xs[1] - xs[0]) if len(xs) > 1 else 20.0
    out, fits = [], True
    lo, hi = clip if clip is not None else (-np.inf, np.inf)
    spans = [(max(xs[a] - step / 2, lo), min(xs[b] + step / 2, hi)) for a, b in found]
    for x0, x1 in spans:
        out.append(f'<rect class="lstm-skipped" x="{x0:.1f}" y="{top:.1f}" width="{x1 - x0:.1f}" height="{height:.1f}" '
                   f'fill="#FFFFFF" fill-opacity="0.55"/>'
                   f'<rect x="{x0:.1f}" y="{top:.1f}" width="{x1 - x0:.1f}" height="{height:.1f}" '
                   f'fill="url(#{HATCH_ID})"/>'
                   f'<line x1="{x0 + 1:.1f}" x2="{x1 - 1:.1f}" y1="{below + 3:.1f}" y2="{below + 3:.1f}" '
                   f'stroke="{palette.MUTED}" stroke-width="3"/>')
        fits = fits and text_width(label, size) <= x1 - x0 + 4
    if fits:
        for x0, x1 in spans:
            out.append(f'<text class="lstm-skipped-label" x="{(x0 + x1) / 2:.1f}" y="{below + 7 + size:.1f}" '
                       f'font-size="{size}" fill="{palette.MUTED}" text-anchor="middle">{escape(label)}</text>')
    else:  # too narrow to say under each run: one key, at the left of the axis
        x = min(spans[0][0], 4.0)
        out.append(f'<rect x="{x:.1f}" y="{below + 8:.1f}" width="{size + 2}" height="{size}" fill="url(#{HATCH_ID})" '
                   f'stroke="{palette.MUTED}"/>'
                   f'<text class="lstm-skipped-label" x="{x + size + 6:.1f}" y="{below + 7 + size:.1f}" '
                   f'font-size="{size}" fill="{palette.MUTED}">{escape(label)}</text>')
    return HATCH_DEF + "".join(out), size + 10


def colours(values: np.ndarray, stops: Sequence[tuple[float, str]]) -> np.ndarray:
    """Hex colours of ``values`` on the piecewise-linear scale ``stops`` ((value, "#rrggbb"), …)."""
    xs = np.array([s[0] for s in stops], float)
    rgb = np.array([[int(c[k:k + 2], 16) for k in (1, 3, 5)] for _, c in stops], float)
    v = np.clip(np.asarray(values, float), xs[0], xs[-1])
    chan = np.stack([np.interp(v, xs, rgb[:, k]) for k in range(3)], axis=-1)
    chan = np.round(np.nan_to_num(chan, nan=128.0)).astype(int)
    return np.vectorize(lambda r, g, b: f"#{r:02x}{g:02x}{b:02x}")(chan[..., 0], chan[..., 1], chan[..., 2])


def line_chart(series: Sequence[dict], *, marker: int | None = None, **kw) -> str:
    """A line chart (see :func:`line_chart_frames`), marked at step ``marker`` (None: unmarked)."""
    head, marks = line_chart_frames(series, **kw)
    return head + marks(marker) + "</svg>"


def line_chart_frames(series: Sequence[dict], *, labels: Sequence[str] | None = None,
                      title: str = "", ylim: tuple[float, float] | None = None, log: bool = False,
                      width: int = 380, height: int = 190, css_class: str = "lstm-chart",
                      xlabel: str = "", ylabel: str = "", skipped: Sequence[bool] | None = None,
                      skipped_label: str = "", percent: bool = False,
                      text_scale: float = 1.0) -> tuple[str, Callable[[int | None], str]]:
    """A line chart, split into the picture (without its closing ``</svg>``) and ``marks(t)``, the SVG of its
    step-``t`` marker and legend: a page that steps through time stores the picture once and one small
    ``marks(t)`` per step (its size grows with the steps, not with their square). Each series is a dict: ``y`` (values over time), ``colour``, optional
    ``width`` (stroke), ``opacity``, ``label`` (legend) and ``name`` (CSS class of its marker
    value, ``lstm-val-<name>``). ``marker`` draws a vertical line at that index with each
    named series' value printed. ``log`` plots log10 of the values (they must be > 0).
    ``skipped`` (one flag per step) hatches the steps a masked layer skipped, ``skipped_label``
    under them. ``percent`` prints the values (fractions) as percentages. ``text_scale`` makes every text of the
    chart that many times its usual size (11 px ticks, legend and axis names, 10 px step labels, 12 px title),
    and the margins that hold them with it: a chart read from across a room (the Why-an-LSTM tab) uses 1.4.
    """
    k = float(text_scale)
    size, step_size, line = 11 * k, 10 * k, 13 * k  # ticks, legend and axis names; step labels; a legend line
    ys = [np.asarray(s["y"], float) for s in series]
    n = max(len(y) for y in ys)
    plotted = [np.log10(np.maximum(y, 1e-300)) if log else y for y in ys]
    ys = [np.asarray(s.get("true", s["y"]), float) for s in series]  # printed values: unclamped
    if ylim is None:
        lo = min(float(np.min(y)) for y in plotted)
        hi = max(float(np.max(y)) for y in plotted)
        lo, hi = (lo - 0.5, hi + 0.5) if hi - lo < 1e-9 else (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    else:
        lo, hi = ylim
    n_legend = sum(1 for s in series if "label" in s)
    # the legend sits above the plot; the y axis' ticks (and its name) left of it
    L, R = round(52 * k) + (round(14 * k) if ylabel else 0), 12
    T = round(28 * k + line * max(0, n_legend - 1))
    if not title and not n_legend:  # nothing above the plot (a title in the page's HTML): room for the top tick alone
        T = round(10 * k)
    pw = width - L - R
    xs = [L + (pw * t / (n - 1) if n > 1 else pw / 2) for t in range(n)]
    axis, axis_h = _axis_svg(labels or [], xs, 0.0, step_size) if labels is not None else ("", 0.0)
    skip_h = 0.0
    if skipped is not None and any(skipped):
        skip_h = skipped_svg(skipped, xs, 0, 1, 0, skipped_label, step_size)[1]
    B = 8 + axis_h + skip_h + (14 * k if xlabel else 0)
    height = int(max(height, T + 90 + B))
    ph = height - T - B

    def py(v):
        return T + ph * (1 - (np.clip(v, lo, hi) - lo) / (hi - lo))

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="{size:g}" '
           f'style="max-width:100%;height:auto">',
           f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="{palette.PANEL}" stroke="{palette.GRID}"/>',
           f'<text x="4" y="{16 * k:g}" font-size="{12 * k:g}" font-weight="bold" fill="{palette.INK}">{escape(title)}</text>']
    if log:  # a tick and a grid line per decade (every other one when there are many)
        decades = np.arange(np.ceil(lo), np.floor(hi) + 1)
        ticks = decades[::max(1, int(np.ceil(len(decades) / 7)))]
    else:
        ticks = nice_ticks(lo, hi)
    for v in ticks:
        tick = decade(v) if log else f"{v * 100:.0f} %" if percent else tick_text(v, ticks)
        out.append(f'<text x="{L - 4}" y="{py(v) + 4 * k:.1f}" text-anchor="end" fill="{palette.MUTED}">{tick}</text>')
        if log or v == 0.0:
            out.append(f'<line x1="{L}" x2="{L + pw}" y1="{py(v):.1f}" y2="{py(v):.1f}" stroke="{palette.FRAME}" stroke-dasharray="3 3"/>')
    if axis:
        out.append(f'<g transform="translate(0 {T + ph + 4})">{axis}</g>')
    if skip_h:
        out.append(skipped_svg(skipped, xs, T, ph, T + ph + 4 + axis_h, skipped_label, step_size, clip=(L, L + pw))[0])
    if xlabel:
        out.append(f'<text x="{L + pw / 2:.1f}" y="{height - 4}" text-anchor="middle" fill="{palette.INK}">{escape(xlabel)}</text>')
    if ylabel:
        out.append(f'<text x="{12 * k:g}" y="{T + ph / 2:.1f}" text-anchor="middle" fill="{palette.INK}" '
                   f'transform="rotate(-90 {12 * k:g} {T + ph / 2:.1f})">{escape(ylabel)}</text>')
    for s, y in zip(series, plotted):
        pts = " ".join(f"{xs[t]:.1f},{py(v):.1f}" for t, v in enumerate(y))
        dash = ' stroke-dasharray="6 4"' if s.get("dashed") else ""
        out.append(f'<polyline points="{pts}" fill="none" stroke="{s.get("colour", palette.INK)}" '
                   f'stroke-width="{s.get("width", 2)}" stroke-opacity="{s.get("opacity", 1)}"{dash}/>')

    def marks(marker: int | None) -> str:
        svg = []
        if marker is not None:
            svg.append(f'<line x1="{xs[marker]:.1f}" x2="{xs[marker]:.1f}" y1="{T}" y2="{T + ph}" '
                       f'stroke="{palette.INK}" stroke-width="1" stroke-dasharray="4 3"/>')
        row = 0
        for s, y, raw in zip(series, plotted, ys):  # legend; named series print their value at the marker
            if "label" not in s:
                continue
            colour = s.get("colour", palette.INK)
            if marker is not None and "name" in s and marker < len(y):
                svg.append(f'<circle cx="{xs[marker]:.1f}" cy="{py(y[marker]):.1f}" r="4" fill="{colour}"/>')
                shown = sci(raw[marker]) if log else f"{raw[marker] * 100:.0f} %" if percent else num(raw[marker])
                svg.append(f'<text x="{width - R}" y="{16 * k + line * row:g}" text-anchor="end" fill="{colour}" '
                           f'class="lstm-val lstm-val-{s["name"]}" data-value="{float(raw[marker])!r}">'
                           f'{escape(s["label"])} = {shown}</text>')
            else:
                svg.append(f'<text x="{width - R}" y="{16 * k + line * row:g}" text-anchor="end" fill="{colour}">'
                           f'{escape(s["label"])}</text>')
            row += 1
        return "".join(svg)

    return "".join(out), marks


def num(v: float, digits: int = DIGITS_DETAIL) -> str:
    """A number as printed in the widgets (:func:`explainer.presentation.fmt`): a true minus sign, never "−0.000"."""
    return fmt(v, digits)


def colour_bar(stops: Sequence[tuple[float, str]], x: float, y: float, height: float, uid: str,
               range_label: tuple[str, str] | None = None) -> str:
    """A vertical colour bar for ``stops`` with its end (and zero) values printed (or ``range_label``'s
    low and high texts at the ends)."""
    lo, hi = stops[0][0], stops[-1][0]
    grad = "".join(f'<stop offset="{(hi - v) / (hi - lo):.3f}" stop-color="{c}"/>' for v, c in reversed(stops))
    out = [f'<defs><linearGradient id="{uid}" x1="0" x2="0" y1="0" y2="1">{grad}</linearGradient></defs>',
           f'<rect x="{x}" y="{y}" width="10" height="{height}" fill="url(#{uid})" stroke="{palette.FRAME}"/>']
    for v in sorted({lo, hi, 0.0} if lo < 0 < hi else {lo, hi}):
        ty = y + height * (hi - v) / (hi - lo)
        text = f"{v:g}" if range_label is None or v not in (lo, hi) else range_label[v == hi]
        out.append(f'<text x="{x + 14}" y="{ty + 3.5:.1f}" fill="{palette.MUTED}" font-size="10">{escape(text)}</text>')
    return "".join(out)


def heatmap_columns(cols: int, cw: int = 30) -> tuple[int, int, int]:
    """Where a heatmap's columns are: the left margin, the column width (narrower for long
    sequences) and the picture's width — so a click's x can be turned back into a step."""
    cw = int(np.clip(cw if cols * cw <= 560 else 560 // cols, 3, cw))
    return 112, cw, 112 + cw * cols + 46


#: How a heatmap cell's value shows (inside each heatmap's own <style>): hidden until hovered or tapped.
HEATMAP_TIP_CSS = (f".lstm-hm-tip{{visibility:hidden;text-anchor:end;font-size:12px;font-weight:bold;fill:{palette.INK};"
                   "stroke:white;stroke-width:4px;paint-order:stroke}"
                   ".lstm-hm-cell:hover .lstm-hm-tip,.lstm-hm-cell:focus .lstm-hm-tip{visibility:visible}"
                   f".lstm-hm-cell{{outline:none}}.lstm-hm-cell:hover rect,.lstm-hm-cell:focus rect{{stroke:{palette.INK}}}")


def heatmap(matrix: np.ndarray, *, stops: Sequence[tuple[float, str]], title: str = "",
            row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None,
            marker: int | None = None, highlight_row: int | None = None, cell: tuple[int, int] = (30, 16),
            css_class: str = "lstm-heatmap", uid: str = "hm", skipped: Sequence[bool] | None = None,
            skipped_label: str = "", range_label: tuple[str, str] | None = None) -> str:
    """A ``(rows, cols)`` heatmap on the fixed colour scale ``stops`` with a colour bar.

    Rows are labelled on the left, columns (time: words or dates) underneath; hovering or tapping a
    cell shows its row, column and value in the title row. The marker column and the highlighted row carry the classes
    ``lstm-hm-marker`` / ``lstm-hm-row`` and ``data-x0``/``data-cw`` (``data-y0``/``data-ch``)
    so a page can move them without redrawing. ``skipped`` (one flag per column) hatches the
    steps a masked layer skipped, with ``skipped_label`` under them. ``range_label`` prints other
    ends on the colour bar (e.g. ``("0", "≥ 3.2")`` for an unbounded activation).
    """
    m = np.asarray(matrix, float)
    rows, cols = m.shape
    ch = cell[1]
    L, cw, _ = heatmap_columns(cols, cell[0])
    T = 24
    xs = [L + cw * c + cw / 2 for c in range(cols)]
    axis, axis_h = _axis_svg(col_labels, xs, 0.0, size=10) if col_labels is not None else ("", 0.0)
    skip, skip_h = ("", 0.0)
    if skipped is not None and any(skipped):
        skip, skip_h = skipped_svg(skipped, xs, T, ch * rows, T + ch * rows + 3 + axis_h, skipped_label)
    width, height = heatmap_columns(cols, cell[0])[2], int(T + ch * rows + 6 + axis_h + skip_h)
    fill = colours(m, stops)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="10" style="max-width:100%;height:auto">'
           f'<style>{HEATMAP_TIP_CSS}</style>',
           f'<text x="2" y="14" font-size="12" font-weight="bold" fill="{palette.INK}">{escape(title)}</text>']
    for r in range(rows):
        row = short(row_labels[r], 18) if row_labels is not None else str(r)
        if row_labels is not None:
            out.append(f'<text x="{L - 4}" y="{T + ch * r + ch - 4}" text-anchor="end" fill="{palette.MUTED}">'
                       f'{escape(row)}</text>')
        for c in range(cols):
            # the cell's value, in the title row, when the pointer is over it or a tap focused it (not a native
            # <title>, which never shows on a touch screen)
            col = f" · {short(col_labels[c])}" if col_labels is not None else ""
            out.append(f'<g class="lstm-hm-cell" tabindex="0"><rect x="{L + cw * c}" y="{T + ch * r}" width="{cw}" '
                       f'height="{ch}" fill="{fill[r, c]}" data-value="{float(m[r, c])!r}"/><text class="lstm-hm-tip" '
                       f'x="{width - 4}" y="14">{escape(f"{row}{col} = {num(m[r, c])}")}</text></g>')
    out.append(f'<rect x="{L}" y="{T}" width="{cw * cols}" height="{ch * rows}" fill="none" stroke="{palette.GRID}"/>')
    if axis:
        out.append(f'<g transform="translate(0 {T + ch * rows + 3})">{axis}</g>')
    out.append(skip)
    out.append(colour_bar(stops, L + cw * cols + 8, T, ch * rows, uid, range_label))
    if highlight_row is not None:
        out.append(f'<rect class="lstm-hm-row" data-y0="{T}" data-ch="{ch}" x="{L}" y="{T + ch * highlight_row}" '
                   f'width="{cw * cols}" height="{ch}" fill="none" stroke="{palette.INK}" stroke-width="1.5"/>')
    if marker is not None:
        out.append(f'<rect class="lstm-hm-marker" data-x0="{L}" data-cw="{cw}" data-n="{cols}" x="{L + cw * marker}" y="{T}" '
                   f'width="{cw}" height="{ch * rows}" fill="none" stroke="{palette.INK}" stroke-width="2"/>')
    out.append("</svg>")
    return "".join(out)


#: The pages' one script for :func:`heatmap`'s pictures (the recorded page and the live page both use it):
#: ``lstmHeatmapMark(root, t, u)`` moves every marker column to step ``t`` and the outlined row to unit ``u``
#: without redrawing; ``lstmHeatmapStep(event)`` is the step of the column a click landed on (or null),
#: read back through the marker's ``data-x0``/``data-cw`` and the picture's scale on screen.
HEATMAP_JS = r"""
function lstmHeatmapMark(root, t, u) {
  root.querySelectorAll('.lstm-hm-marker').forEach(r => r.setAttribute('x', +r.dataset.x0 + t * r.dataset.cw));
  root.querySelectorAll('.lstm-hm-row').forEach(r => r.setAttribute('y', +r.dataset.y0 + u * r.dataset.ch));
}
function lstmHeatmapStep(event) {
  const svg = event.target.closest && event.target.closest('svg.lstm-heatmap');
  const m = svg && svg.querySelector('.lstm-hm-marker');
  if (!m) return null;
  const box = svg.getBoundingClientRect(), x = (event.clientX - box.left) * svg.viewBox.baseVal.width / box.width;
  const col = Math.floor((x - m.dataset.x0) / m.dataset.cw), n = +m.dataset.n;
  return x >= +m.dataset.x0 && col >= 0 && col < n ? col : null;
}
"""

__all__ = ["HEATMAP_JS", "line_chart", "heatmap", "colours", "colour_bar", "axis_labels", "num", "sci", "decade", "nice_ticks",
           "nice_limit", "tick_text", "heatmap_columns", "text_width", "runs",
           "skipped_svg", "HATCH_DEF"]
