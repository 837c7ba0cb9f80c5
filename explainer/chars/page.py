"""The coloured text: every character's background is one unit's value at that character.

Karpathy, Johnson & Fei-Fei's picture: a diverging scale (slate grey for negative, white
at 0, the cell state's colour for positive; :func:`explainer.palette.scale`), the same bound ±M
on both sides (M = the largest |value| shown), a legend. Hovering or tapping a character
shows that step's gates f, i, o, the candidate g, c and h of the unit.

:func:`page` writes one offline HTML file (no server, no network): the text travels as
JSON inside the page and is put on screen with ``textContent``, so nothing in the text can
become markup. :func:`fragment` is the same view without the page around it (the widget).
All UI text is in English and Chinese (the corpus itself stays as it is).
"""
from __future__ import annotations
from ..errors import InputError

import json
from pathlib import Path

import numpy as np

from .. import palette

FIELDS = ("f", "i", "o", "g", "c", "tanh_c", "h")

TEXT = {
    "en": {"title": "A real LSTM, one cell at a time", "colour": "colour: unit {unit}'s {field}",
           "hover": "Hover over or tap a character to see this unit's gates at that step.",
           "char": "character", "pos": "position", "legend": "{field} of unit {unit}",
           "unit": "unit", "lang": "中文", "best": "best unit for {prop} (r = {r})",
           "props": {"string": "inside a string", "comment": "inside a comment", "bracket_depth": "bracket depth",
                     "indent": "indentation level", "line_position": "position in the line"},
           "gate": {"f": "forget gate f", "i": "input gate i", "o": "output gate o", "g": "candidate g",
                    "c": "cell state c", "tanh_c": "tanh(c)", "h": "output h"}},
    "zh": {"title": "真实的 LSTM：一次看一个单元", "colour": "颜色：单元 {unit} 的 {field}",
           "hover": "把鼠标移到字符上（或点一下），看这个单元在这一步的门。",
           "char": "字符", "pos": "位置", "legend": "单元 {unit} 的 {field}",
           "unit": "单元", "lang": "English", "best": "{prop}的最佳单元（r = {r}）",
           "props": {"string": "在字符串里", "comment": "在注释里", "bracket_depth": "括号深度",
                     "indent": "缩进层级", "line_position": "在行中的位置"},
           "gate": {"f": "遗忘门 f", "i": "输入门 i", "o": "输出门 o", "g": "候选值 g",
                    "c": "细胞状态 c", "tanh_c": "tanh(c)", "h": "输出 h"}},
}


def colour(value: float, bound: float, field: str = "c") -> str:
    """The background of one character: ``value`` on the diverging scale of ``field`` clipped to ±bound."""
    stops = palette.scale(field)
    v = float(np.clip(value / bound if bound > 0 else 0.0, -1, 1))
    for (v0, c0), (v1, c1) in zip(stops, stops[1:]):
        if v <= v1:
            t = (v - v0) / (v1 - v0)
            a, b = (int(c0[k:k + 2], 16) for k in (1, 3, 5)), (int(c1[k:k + 2], 16) for k in (1, 3, 5))
            return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))
    return stops[-1][1]


def view_data(text: str, fields: dict[str, np.ndarray], unit: int, field: str = "c",
              report: dict | None = None) -> dict:
    """What the view shows: the text, one unit's fields at every character, the colour field and its bound."""
    if field not in FIELDS:
        raise InputError(f"field must be one of {FIELDS}, got {field!r}")
    units = fields["c"].shape[1]
    if not 0 <= unit < units:
        raise InputError(f"unit must be in [0, {units}), got {unit}")
    values = {k: np.round(fields[k][:, unit].astype(np.float64), 4).tolist() for k in FIELDS}
    bound = float(np.abs(fields[field][:, unit]).max()) or 1.0
    props = {k: v for k, v in (report or {}).get("properties", {}).items() if v.get("unit") is not None}
    return {"text": text, "unit": int(unit), "field": field, "bound": bound, "values": values,
            "stops": [list(s) for s in palette.scale("c")], "props": props, "ui": TEXT}


def _json_for_script(data: dict) -> str:
    """JSON safe inside <script>: no '<', '>', '&' or line separators can close or break it."""
    s = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for a, b in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        s = s.replace(a, b)
    return s


STYLE = """
.cells { font-family: system-ui, sans-serif; color: %(ink)s; max-width: 60em; }
.cells pre { font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre-wrap;
  border: 1px solid %(frame)s; padding: .6em; background: %(bg)s; }
.cells pre span { cursor: pointer; }
.cells pre span.on { outline: 2px solid %(ink)s; }
.cells .legend { display: flex; align-items: center; gap: .5em; font-size: 13px; margin: .4em 0; }
.cells .bar { width: 14em; height: 1em; border: 1px solid %(frame)s;
  background: linear-gradient(to right, %(neg)s, %(bg)s, %(pos)s); }
.cells .info { font: 13px ui-monospace, monospace; min-height: 3.2em; white-space: pre; background: %(panel)s;
  border: 1px solid %(frame)s; padding: .4em; }
.cells button { float: right; }
""" % {"ink": palette.INK, "frame": palette.FRAME, "bg": palette.BACKGROUND, "neg": palette.NEGATIVE,
       "pos": palette.CELL, "panel": palette.PANEL}

SCRIPT = r"""
(function () {
  const D = JSON.parse(document.getElementById(ROOT + "-data").textContent);
  const root = document.getElementById(ROOT);
  let lang = "en", on = null;
  const hex = c => [1, 3, 5].map(k => parseInt(c.slice(k, k + 2), 16));
  function colour(v) {            // the same interpolation as explainer.chars.page.colour
    v = Math.max(-1, Math.min(1, D.bound > 0 ? v / D.bound : 0));
    const s = D.stops;
    for (let k = 0; k + 1 < s.length; k++) {
      if (v <= s[k + 1][0]) {
        const t = (v - s[k][0]) / (s[k + 1][0] - s[k][0]), a = hex(s[k][1]), b = hex(s[k + 1][1]);
        return "#" + a.map((x, j) => Math.round(x + (b[j] - x) * t).toString(16).padStart(2, "0")).join("");
      }
    }
    return s[s.length - 1][1];
  }
  const dark = css => { const [r, g, b] = css.match(/\d+/g).map(Number); return 0.299 * r + 0.587 * g + 0.114 * b < 115; };
  const pre = root.querySelector("pre"), info = root.querySelector(".info");
  const vals = D.values[D.field];
  for (let k = 0; k < D.text.length; k++) {
    const ch = D.text[k];
    if (ch === "\n") { pre.appendChild(document.createTextNode("\n")); continue; }
    const s = document.createElement("span");
    s.textContent = ch; s.dataset.k = k; s.style.background = colour(vals[k]);
    if (dark(s.style.background)) s.style.color = "#FFFFFF";   // ink stays readable on the darkest values
    pre.appendChild(s);
  }
  function show(k) {
    const T = D.ui[lang], V = D.values, f = x => (x >= 0 ? " " : "") + x.toFixed(3);
    info.textContent = T.char + " " + JSON.stringify(D.text[k]) + "   " + T.pos + " " + k + "\n" +
      ["f", "i", "o", "g"].map(g => T.gate[g] + " = " + f(V[g][k])).join("   ") + "\n" +
      ["c", "tanh_c", "h"].map(g => T.gate[g] + " = " + f(V[g][k])).join("   ");
    info.dataset.k = k;
  }
  function pick(e) {
    const s = e.target.closest("span[data-k]"); if (!s) return;
    if (on) on.classList.remove("on"); on = s; s.classList.add("on"); show(+s.dataset.k);
  }
  pre.addEventListener("mouseover", pick); pre.addEventListener("click", pick);
  function label() {
    const T = D.ui[lang];
    root.querySelector("h2").textContent = T.title;
    root.querySelector(".what").textContent = T.colour.replace("{unit}", D.unit).replace("{field}", T.gate[D.field]);
    root.querySelector(".hint").textContent = T.hover;
    root.querySelector(".lname").textContent = T.legend.replace("{unit}", D.unit).replace("{field}", T.gate[D.field]);
    root.querySelector("button").textContent = T.lang;
    root.querySelector(".props").textContent = Object.entries(D.props).map(([p, b]) =>
      T.best.replace("{prop}", T.props[p] || p).replace("{r}", b.r.toFixed(2)) + ": " + T.unit + " " + b.unit +
      " (" + b.field + ")").join("  ·  ");
    if (info.dataset.k !== undefined) show(+info.dataset.k);
  }
  root.querySelector("button").addEventListener("click", () => { lang = lang === "en" ? "zh" : "en"; label(); });
  root.querySelector(".lo").textContent = (-D.bound).toFixed(2);
  root.querySelector(".hi").textContent = "+" + D.bound.toFixed(2);
  label();
})();
"""


def fragment(data: dict, root: str = "cells") -> str:
    """The view as an HTML fragment (style, markup, data, script) with element ids prefixed by ``root``."""
    return (f"<style>{STYLE}</style><div class='cells' id='{root}'><button></button><h2></h2>"
            "<div class='what'></div><div class='props' style='font-size:13px;color:%s'></div>"
            "<div class='legend'><span class='lo'></span><span class='bar'></span><span class='hi'></span>"
            "<span class='lname'></span></div><div class='hint' style='font-size:13px'></div>"
            "<div class='info'></div><pre></pre></div>" % palette.MUTED
            + f"<script type='application/json' id='{root}-data'>{_json_for_script(data)}</script>"
            + f"<script>const ROOT = {json.dumps(root)};{SCRIPT}</script>")


def page(data: dict, out: str | Path) -> Path:
    """Write the offline one-file page; written to a temporary name and renamed when complete."""
    out = Path(out)
    html = ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{TEXT['en']['title']}</title></head><body>{fragment(data)}</body></html>")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    return out
