"""One self-contained HTML page of a traced sequence: opens from disk, with no Python and no network.

    lstm-explainer export-html --trace demo|story|FILE.npz --out page.html [--lang en|zh|both] [--video lesson.mp4]

No Python runs in the browser, so the maths stays here: the page embeds, for every unit and
every step, the cell drawing :func:`widgets.diagram.cell_svg` makes, its equations with the
numbers plugged in, and the c/h charts; the gate heatmaps once per language. Its JavaScript
only switches between those pictures and handles the controls (play/pause, step, speed, the
time slider, the unit menu, the keys space/←/→/Home/End, the language). No CDN, no external
font, no server; an optional lesson video is inlined as a data URI.

That is the recorded page, for traces the page cannot recompute (masked steps, peepholes, other
activations, no weights) and for a GRU's trace (:class:`explainer.gru.GRUTrace`: its own cell
drawing and equations, h over time, its three gates from the gate table). The trained story and any plain LSTM's trace with its weights get the
live page instead (:mod:`widgets.live`): the page itself runs the model.
"""
from __future__ import annotations
from explainer.errors import InputError

import base64
import json
from html import escape
from pathlib import Path

import numpy as np

from explainer import palette
from explainer.demo import WORDS, demo_trace
from explainer.glossary import LANGS, term
from explainer.gru import GRUTrace, load_gated_trace
from explainer.presentation import localise
from explainer.trace import SequenceTrace

from . import views
from .charts import HEATMAP_JS
from .diagram import hover_css
from .live import can_run

#: Units a page shows at most (the most active ones); every unit costs a drawing per step.
MAX_UNITS = 8
#: Largest video inlined (bytes): a data URI of a bigger file makes a page browsers struggle with.
MAX_VIDEO = 200 * 1024 * 1024
#: A recorded page holds a cell drawing per step and unit (the charts once per unit, their marks per step):
#: 200 steps of 8 units in two languages ≈ 70 MB, more than a phone's browser opens comfortably.
MAX_RECORDED_STEPS = 200


def demo_source() -> SequenceTrace:
    """The demo LSTM over its story, with the words in both languages (same features, same steps)."""
    trace = demo_trace(WORDS)
    for lang in LANGS:
        trace.meta[f"labels_{lang}"] = [localise(w, lang) for w in WORDS]
    return trace


def story_source(langs=LANGS) -> SequenceTrace:
    """The trained story LSTM over its sentence, with the words and unit names in each language."""
    from explainer.sources import trace_source

    traces = {lang: trace_source("story", lang) for lang in langs}
    trace = traces[langs[0]]
    for lang, tr in traces.items():
        if not np.array_equal(tr.c, trace.c):
            raise InputError("the story's sentence differs between languages; export one language at a time")
        trace.meta[f"labels_{lang}"] = list(tr.meta.get("labels", []))
        trace.meta[f"unit_names_{lang}"] = list(tr.meta.get("unit_names", []))
    return trace


def load_source(name: str, lang: str = "en", langs=None) -> SequenceTrace:
    """``"demo"``, ``"story"`` or the path of a saved trace; a file is validated before it is used."""
    if name == "demo":
        return demo_source()
    if name == "story":
        return story_source(tuple(langs or (lang,)))
    path = Path(name).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"no trace file at {path.resolve()}; --trace takes demo, story or a .npz "
                                "written by SequenceTrace.save")
    return load_gated_trace(path)  # an LSTM's trace or a GRU's, validated


def _icon(path: str) -> str:
    return (f'<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" style="vertical-align:middle">'
            f'<path d="{path}" fill="currentColor"/></svg>')


#: Control icons as inline SVG: no icon font, nothing to fetch, the same in every browser.
ICONS = {
    "first": _icon("M1 2h2v12H1zM9 2v12L3 8zM15 2v12L9 8z"),
    "back": _icon("M3 2h2v12H3zM13 2v12L6 8z"),
    "play": _icon("M4 2v12l10-6z"),
    "pause": _icon("M3 2h4v12H3zM9 2h4v12H9z"),
    "forward": _icon("M3 2v12l7-6zM11 2h2v12h-2z"),
    "last": _icon("M1 2v12l6-6zM7 2v12l6-6zM13 2h2v12h-2z"),
}


def _json_for_script(obj) -> str:
    """JSON that is safe inside a <script> element: no ``</``, ``<!--`` or ``<script``, so neither
    "</script>" can end it early nor "<!--" followed by "<script" can put the HTML parser in the state where the real end tag is not
    seen (the rest of the page would be swallowed). ``\\u003c`` is the same string to JSON.parse; only
    those three openings are escaped, so the page's own SVG strings stay their size."""
    import re

    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return re.sub(r"<(?=/|!--|script)", r"\\u003c", text, flags=re.IGNORECASE)


def page_data(trace: SequenceTrace, langs: tuple[str, ...], sample: int = 0) -> dict:
    """Everything the page shows, drawn here: per language, per unit, per step."""
    data = {"time": trace.time, "units": trace.units, "langs": list(langs), "lang": {},
            "skipped": views.skipped(trace, sample).tolist()}
    for lang in langs:
        names = views.unit_names(trace, lang)
        frames, charts = [], []
        for u in range(trace.units):
            picture, marks = views.charts_frames(trace, u, sample, lang)  # the charts once, their marks per step
            charts.append(picture)
            frames.append([[*views.step_html(trace, t, u, sample, lang), marks[t]]  # the LSTM's cell or the GRU's
                           for t in range(trace.time)])
        data["lang"][lang] = {
            "frames": frames, "charts": charts, "heatmaps": views.heatmaps_html(trace, 0, 0, sample, lang),
            "units": names, "labels": views.time_labels(trace, lang),
            "ui": {k: term(k, lang) for k in ("time_step", "unit", "speed", "play", "pause", "step_back", "step_forward",
                                              "keys_hint", "page_title", "page_cannot", "lesson_video",
                                              "cell_drawing", "language", "masked_carried")},
        }
        if views.is_gru(trace):  # a GRU's page says so, and that only h is carried at a masked step
            data["lang"][lang]["ui"].update(page_title=term("gru_page_title", lang),
                                            masked_carried=term("gru_masked_carried", lang))
    return data


def export_html(trace: SequenceTrace, out: str | Path, langs=("en",), *, title: str = "",
                video: str | Path | None = None, max_units: int = MAX_UNITS, source: str = "",
                live: bool = True) -> Path:
    """Write the page for ``trace`` to ``out``; returns its path.

    ``langs`` is a tuple of ``"en"``/``"zh"`` (the first is shown first). The trained story, and any
    trace of a plain LSTM that carries its weights, get the live page (:mod:`widgets.live`: the page
    computes); other traces (masked, peepholes, other activations, no weights) and ``live=False`` get
    the recorded page, where a layer wider than ``max_units`` shows its most active units.
    """
    langs = tuple(langs)
    for lang in langs:
        if lang not in LANGS:
            raise InputError(f"unknown language {lang!r}; choose from {LANGS}")
    if not isinstance(trace, (SequenceTrace, GRUTrace)):
        raise InputError(f"expected an explainer.SequenceTrace or GRUTrace, got {type(trace).__name__}")
    gru = views.is_gru(trace)
    full = trace.units
    video_html = ""
    if video is not None:
        vpath = Path(video).expanduser()
        if not vpath.is_file():
            raise FileNotFoundError(f"no video at {vpath.resolve()} (--video takes an .mp4 file)")
        if vpath.stat().st_size > MAX_VIDEO:
            raise InputError(f"{vpath.name} is {vpath.stat().st_size / 2**20:.0f} MiB; a page inlines at most "
                             f"{MAX_VIDEO / 2**20:.0f} MiB: render the lesson at a lower quality")
        mime = {".mp4": "video/mp4", ".webm": "video/webm"}.get(vpath.suffix.lower())
        if mime is None:
            raise InputError(f"{vpath.name}: --video takes an .mp4 or .webm file")
        b64 = base64.b64encode(vpath.read_bytes()).decode("ascii")
        video_html = (f'<section class="lstm-video"><h2 data-ui="lesson_video"></h2>'
                      f'<video controls preload="metadata" style="max-width:100%" src="data:{mime};base64,{b64}">'
                      f'</video></section>')
    if live and not gru and (trace.meta.get("source") == "story" or can_run(trace)):
        from .live import live_data, page

        data = live_data(trace, langs)
        html = page(data, _json_for_script(data), title or term("page_title", langs[0]), ICONS, video_html)
        return _write(out, html)
    if trace.time > MAX_RECORDED_STEPS:
        raise InputError(f"this trace has {trace.time:,} steps; a recorded page draws every step and holds at most "
                         f"{MAX_RECORDED_STEPS} (a drawing per step and unit). Trace a shorter "
                         f"window of the sequence, e.g. `trace --model … --input` with at most {MAX_RECORDED_STEPS} steps")
    if trace.units > max_units:
        trace = trace.narrow(trace.most_active(max_units))
    data = page_data(trace, langs)
    data["source"] = source
    data["narrowed"] = f"{trace.units}/{full}" if full > trace.units else ""
    page = PAGE.format(
        lang=langs[0], title=escape(title or term("gru_page_title" if gru else "page_title", langs[0])), css=PAGE_CSS + hover_css(".lstm-page"),
        data=_json_for_script(data), video=video_html, script=HEATMAP_JS + PAGE_JS, **{f"i_{k}": v for k, v in ICONS.items()},
        ink=palette.INK, muted=palette.MUTED, frame=palette.FRAME, panel=palette.PANEL,
        speeds="".join(f'<option value="{ms}"{" selected" if ms == 900 else ""}>{lbl}</option>'
                       for lbl, ms in (("0.5×", 1800), ("1×", 900), ("2×", 450), ("4×", 225))),
        lang_buttons="".join(f'<button type="button" class="lstm-lang" data-lang="{lg}">'
                             f'{"English" if lg == "en" else "中文"}</button>' for lg in langs) if len(langs) > 1 else "",
    )
    return _write(out, page)


def _write(out: str | Path, html: str) -> Path:
    """Write through a temporary file, so a failed export never leaves half a page that looks complete."""
    from explainer.paths import replacing

    out = Path(out)
    if out.is_dir():
        raise InputError(f"--out {out} is a folder; give the page's file name, e.g. {out / 'page.html'}")
    blocking = next((p for p in out.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise InputError(f"--out {out}: {blocking} is a file, not a directory, so no page can be written inside it")
    out.parent.mkdir(parents=True, exist_ok=True)
    # a temporary file of its own per run: two exports into the same --out never write into one file
    with replacing(out) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return out


PAGE_CSS = """
body {font-family: DejaVu Sans, Noto Sans CJK SC, Noto Sans SC, sans-serif; margin: 12px 18px; color: #222}
h1 {font-size: 20px; margin: 4px 0 8px}
.lstm-controls {display:flex; flex-wrap:wrap; gap:6px 10px; align-items:center; position:sticky; top:0;
  background:white; padding:6px 0; z-index:2; border-bottom:1px solid #ddd}
.lstm-controls button {font-size:15px; min-width:38px; height:32px; cursor:pointer}
.lstm-controls input[type=range] {flex:1 1 240px; min-width:160px}
.lstm-step {font-weight:bold; min-width:150px}
.lstm-main {display:flex; flex-flow:row wrap; gap:6px 18px; align-items:flex-start}
.lstm-left {flex:1 1 520px; min-width:300px; max-width:900px}
.lstm-right {flex:1 1 400px; min-width:300px}
.lstm-charts {display:flex; flex-flow:row wrap; gap:4px 12px}
.lstm-diagram svg, .lstm-charts svg {animation: lstm-step-in .25s ease-out}
@keyframes lstm-step-in {from {opacity:.35} to {opacity:1}}
.lstm-hint, .lstm-note {color:#666; font-size:13px}
/* the drawing fits the window's height, so a projector at 150 % zoom still shows all of it */
.lstm-left {max-width:min(900px, calc((100vh - 120px) * 1.62))}
@media (max-height: 620px) {
  body {margin:4px 10px}
  h1 {font-size:15px; margin:0 0 2px}
  .lstm-controls {padding:2px 0; gap:2px 6px}
  .lstm-controls button {height:26px; min-width:30px}
  .lstm-hint {display:none}
  .lstm-skipped-status {font-size:13px; margin:0; padding:0 6px}
  .lstm-left {max-width:calc((100vh - 95px) * 1.62); flex:3 1 480px}
  .lstm-right {flex:1 1 200px; min-width:180px}
}
/* a projector (853×480 CSS px at 150 % zoom): no title, the drawing as large as the height allows, the narration
   and the equations beside it, then the charts; the heatmaps below (the columns' boxes become one grid's cells) */
@media (max-height: 620px) and (min-width: 820px) {
  h1 {display:none}
  .lstm-main {display:grid; grid-template-columns:minmax(0, min(calc((100vh - 80px) * 1.617), 72%)) minmax(200px, 1fr);
    grid-template-areas:"diagram eqs" "diagram charts" "heat heat"; grid-template-rows:auto 1fr auto; gap:2px 12px}
  .lstm-left, .lstm-right {display:contents}
  #lstm-diagram {grid-area:diagram; min-width:0} #lstm-equations {grid-area:eqs; min-width:0}
  #lstm-charts {grid-area:charts; min-width:0} #lstm-heatmaps {grid-area:heat}
  #lstm-equations .lstm-equations {display:flex; flex-direction:column; font-size:12px !important; line-height:1.35 !important}
  #lstm-equations .lstm-narration {order:-1; font-weight:bold; font-size:14px}
}
.lstm-lang[aria-pressed=true] {font-weight:bold; background:#eee}
.lstm-skipped-status {font-weight:bold; margin:2px 0; padding:2px 8px; border-left:4px solid #888; background:#F4F4F4}
"""

PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style></head>
<body class="lstm-page">
<h1 data-ui="page_title">{title}</h1>
<div class="lstm-controls" role="toolbar">
  <button type="button" id="lstm-first" aria-label="t = 0">{i_first}</button>
  <button type="button" id="lstm-back" data-tip="step_back">{i_back}</button>
  <button type="button" id="lstm-play" data-tip="play">{i_play}</button>
  <button type="button" id="lstm-forward" data-tip="step_forward">{i_forward}</button>
  <button type="button" id="lstm-last" aria-label="t = T">{i_last}</button>
  <label><span data-ui="speed"></span> <select id="lstm-speed">{speeds}</select></label>
  <input type="range" id="lstm-time" min="0" value="0" step="1">
  <span class="lstm-step" id="lstm-step"></span>
  <label><span data-ui="unit"></span> <select id="lstm-unit"></select></label>
  {lang_buttons}
</div>
<p class="lstm-hint" data-ui="keys_hint"></p>
<p class="lstm-skipped-status" id="lstm-skipped" role="status" hidden></p>
<div class="lstm-main">
  <div class="lstm-left"><div class="lstm-diagram" id="lstm-diagram"></div><div id="lstm-equations"></div></div>
  <div class="lstm-right"><div class="lstm-charts" id="lstm-charts"></div><div id="lstm-heatmaps"></div></div>
</div>
{video}
<p class="lstm-note" data-ui="page_cannot"></p>
<script type="application/json" id="lstm-data">{data}</script>
<template id="lstm-icon-play">{i_play}</template><template id="lstm-icon-pause">{i_pause}</template>
<script>{script}</script>
</body></html>
"""

# The page's only JavaScript: it picks which of the embedded pictures to show. No maths here.
PAGE_JS = r"""
(function () {
  const D = JSON.parse(document.getElementById('lstm-data').textContent);
  const $ = (id) => document.getElementById(id);
  const st = {t: 0, u: 0, lang: D.langs[0], timer: null};
  const range = $('lstm-time');
  range.max = D.time - 1;

  function ui(key) { return D.lang[st.lang].ui[key]; }

  function relabel() {
    const L = D.lang[st.lang];
    document.documentElement.lang = st.lang;
    document.querySelectorAll('[data-ui]').forEach(e => { e.textContent = ui(e.dataset.ui); });
    document.querySelectorAll('[data-tip]').forEach(e => { e.title = ui(e.dataset.tip); e.setAttribute('aria-label', ui(e.dataset.tip)); });
    document.title = ui('page_title');
    const sel = $('lstm-unit');
    sel.innerHTML = '';
    L.units.forEach((name, k) => { const o = document.createElement('option'); o.value = k; o.textContent = name; sel.appendChild(o); });
    sel.value = st.u;
    $('lstm-heatmaps').innerHTML = L.heatmaps;
    document.querySelectorAll('.lstm-lang').forEach(b => b.setAttribute('aria-pressed', b.dataset.lang === st.lang));
    show();
  }

  function show() {
    const L = D.lang[st.lang];
    const f = L.frames[st.u][st.t];
    $('lstm-diagram').innerHTML = f[0];
    $('lstm-equations').innerHTML = f[1];
    const charts = $('lstm-charts');
    if (charts.dataset.shown !== st.lang + '/' + st.u) {  // the charts change with the unit and language only
      charts.innerHTML = L.charts[st.u];
      charts.dataset.shown = st.lang + '/' + st.u;
    }
    charts.querySelectorAll('g.lstm-marks').forEach((g, k) => { g.innerHTML = f[2][k]; });
    range.value = st.t;
    $('lstm-step').textContent = ui('time_step') + ' t = ' + st.t + ' (' + L.labels[st.t] + ')';
    const skip = $('lstm-skipped');
    skip.textContent = D.skipped[st.t] ? '⊘ t = ' + st.t + ' · ' + ui('masked_carried') : '';
    skip.hidden = !D.skipped[st.t];
    lstmHeatmapMark(document, st.t, st.u);
    $('lstm-play').innerHTML = $(st.timer ? 'lstm-icon-pause' : 'lstm-icon-play').innerHTML;
    $('lstm-play').title = ui(st.timer ? 'pause' : 'play');
  }

  function go(t) { st.t = Math.max(0, Math.min(D.time - 1, t)); show(); }
  function pause() { if (st.timer) { clearInterval(st.timer); st.timer = null; } }
  function step(k) { pause(); go(st.t + k); }
  function play() {
    if (st.timer) { pause(); show(); return; }
    if (st.t >= D.time - 1) st.t = 0;
    st.timer = setInterval(() => { if (st.t >= D.time - 1) { pause(); show(); } else go(st.t + 1); },
                           +$('lstm-speed').value);
    show();
  }

  $('lstm-first').onclick = () => { pause(); go(0); };
  $('lstm-last').onclick = () => { pause(); go(D.time - 1); };
  $('lstm-back').onclick = () => step(-1);
  $('lstm-forward').onclick = () => step(1);
  $('lstm-play').onclick = play;
  $('lstm-speed').onchange = () => { if (st.timer) { pause(); play(); } };
  range.oninput = () => { pause(); go(+range.value); };
  $('lstm-unit').onchange = (e) => { st.u = +e.target.value; show(); };
  $('lstm-heatmaps').addEventListener('click', (e) => { const t = lstmHeatmapStep(e); if (t !== null) { pause(); go(t); } });
  document.querySelectorAll('.lstm-lang').forEach(b => b.onclick = () => { st.lang = b.dataset.lang; relabel(); });
  document.addEventListener('keydown', (e) => {   // anywhere in the page; a clicker's PageDown/PageUp even in a menu
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.target.tagName === 'SELECT' && !['PageDown', 'PageUp'].includes(e.key)) return;
    const keys = {' ': play, 'ArrowRight': () => step(1), 'ArrowLeft': () => step(-1), 'PageDown': () => step(1),
                  'PageUp': () => step(-1), 'Home': () => { pause(); go(0); }, 'End': () => { pause(); go(D.time - 1); }};
    if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
  });
  // a focused button would also "click" on the space key's release: the key is ours
  document.addEventListener('keyup', (e) => { if (e.key === ' ' && e.target.tagName === 'BUTTON') e.preventDefault(); });
  relabel();
})();
"""


__all__ = ["export_html", "load_source", "demo_source", "page_data", "MAX_UNITS"]
