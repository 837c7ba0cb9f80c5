"""The live offline page: the model's weights in one HTML file, and a forward pass in its JavaScript.

    lstm-explainer export-html --trace story --out page.html --lang both

The page carries the weights (W, U, b of the LSTM and, for the trained story, the Dense
readout) and ``widgets/live.js``, which computes one LSTM step, the readout and softmax in
float64 — the only place the maths exists twice; ``tests/test_widgets_live.py`` runs it in
Chromium against :mod:`explainer`'s forward pass. With no server it offers:

* "one cell": sliders for x, h_{t-1}, c_{t-1} and each gate's weighted sum z redraw the cell;
* "a sentence": the student types into the trained story model (tokenised by the rules of
  :func:`explainer.story.words.tokenise`, unknown words named) and steps through every word, sees
  the answer and the readout's probabilities; "what if" clamps a gate, c or h at a step and unit
  (:mod:`explainer.intervention`), and the changed run is shown beside the original;
* the whole state (tab, sentence, step, unit, sliders, clamps, language) in the URL fragment;
* a phone layout (the drawing's shapes, the numbers in large type below it, tap a value for its
  equation, swipe to step).

The drawing is ``widgets/diagram.py``'s cell, redrawn by the page with the same geometry and the
same labels; the test compares every number and label of the two drawings on the same state.
"""
from __future__ import annotations
from explainer.errors import InputError

import hashlib
from html import escape
from importlib import resources
from string import Template

import numpy as np

from explainer import gates, palette
from explainer.intervention import RANGES as CLAMP_RANGES
from explainer.glossary import term
from explainer.presentation import CSS_FONTS
from explainer.trace import SequenceTrace

from .charts import HEATMAP_JS
from .diagram import FONT, GATE_BOX, HEIGHT, LAYOUT, OPEN, PROJECTOR_WIDTH, SHUT, TYPE, WIDTH, fn_name, gate_title, tip_css

#: The cell tab's sliders: name → (low, high), and where they start.
CELL_RANGES = {"x": (-2.0, 2.0), "h_prev": (-1.0, 1.0), "c_prev": (-3.0, 3.0),
               "zi": (-6.0, 6.0), "zf": (-6.0, 6.0), "zc": (-6.0, 6.0), "zo": (-6.0, 6.0)}
CELL_START = {"x": 1.0, "h_prev": 0.3, "c_prev": 1.2, "zi": -1.0, "zf": 3.0, "zc": 0.5, "zo": 1.0}
UI_KEYS = ("page_title", "time_step", "unit", "play", "pause", "step_back", "step_forward", "keys_hint", "language",
           "tab_cell", "tab_sentence", "type_sentence", "unknown_words", "no_tokens", "answer", "original", "what_if",
           "clamp_field", "clamp_value", "clamp_add", "clamp_clear", "copy_link", "copied", "sliders_note",
           "story_context", "watch_line", "cell_drawing", "tab_sequence", "heatmaps_opening", "heatmaps_original",
           "link_not_understood", "page_live", "clamp_out_of_range", "clamp_range", "clamp_any_number",
           "clamps_cleared")


def can_run(trace: SequenceTrace) -> bool:
    """Whether the page's forward pass reproduces ``trace``: a plain LSTM with all its weights, every unit,
    no mask, no peepholes (other traces get the recorded page of :mod:`widgets.export`). What-if clamps it
    records are carried over: the page opens with them held."""
    w = trace.weights
    return ("kernel" in w and "recurrent_kernel" in w and trace.mask is None
            and not trace.meta.get("peephole") and not trace.meta.get("go_backwards")
            and "activation" not in trace.meta
            and w["recurrent_kernel"].shape[0] == trace.units
            and np.array_equal(trace.unit_index, np.arange(trace.units)))


def _model(weights: dict, dense=None) -> tuple[dict, dict | None]:
    f64 = lambda a: np.asarray(a, np.float64).tolist()
    u = weights["recurrent_kernel"].shape[0]
    model = {"W": f64(weights["kernel"]), "U": f64(weights["recurrent_kernel"]),
             "b": f64(weights.get("bias", np.zeros(4 * u)))}
    readout = None if dense is None else {"W": f64(dense.params["kernel"]), "b": f64(dense.params["bias"])}
    return model, readout


def _digest(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a, np.float32).tobytes())
    return h.hexdigest()[:12]


def live_data(trace: SequenceTrace, langs: tuple[str, ...]) -> dict:
    """What the page's JavaScript needs: weights, the sequence (or the story's vocabulary), labels, strings."""
    from . import views

    story = trace.meta.get("source") == "story"
    seq: dict = {"unit_names": {lg: views.unit_names(trace, lg) for lg in langs}}
    if story:
        from explainer.story import _shipped, colour_words, pollution_word, vocabulary, weights_path

        model, unit = _shipped()
        lstm, dense = model.layers[0], model.layers[-1]
        m, readout = _model(lstm.params, dense)
        seq.update(vocab={lg: vocabulary(lg) for lg in langs}, colours={lg: colour_words(lg) for lg in langs},
                   pollution={lg: pollution_word(lg) for lg in langs}, memory_unit=int(unit),
                   default={lg: (" " if lg == "en" else "").join(trace.meta.get(f"labels_{lg}") or
                                                                  trace.meta["labels"]) for lg in langs})
        what = (f"explainer/story/{weights_path().name}: LSTM({lstm.units}) + Dense({dense.units}, softmax), "
                f"sha256 {_digest(*model.get_weights())}")
        start_t, start_u = views.watch_point(trace)  # the memory unit where its forget gate shuts
    else:
        if not can_run(trace):
            raise InputError("this trace cannot be recomputed in the page (it needs a plain LSTM's full weights, "
                             "no mask); export it as a recorded page")
        m, readout = _model(trace.weights)
        seq.update(vocab=None, x=np.asarray(trace.x[0], np.float64).tolist(),
                   labels={lg: views.time_labels(trace, lg) for lg in langs},
                   memory_unit=trace.meta.get("memory_unit"))
        what = (f"{trace.layer}: LSTM({trace.units}) on {trace.input_dim} inputs, "
                f"sha256 {_digest(*(trace.weights[k] for k in sorted(trace.weights)))}")
        start_t, start_u = views.watch_point(trace)
    from explainer.intervention import recorded

    clamps = [{"t": q.step, "u": q.unit, "f": q.field, "v": q.value} for q in recorded(trace.meta)]
    # the gates × words heatmaps of the sequence the page opens with, drawn by the recorded page's code
    # (views.heatmaps_html): the page marks the step and unit on them and shows them while that sequence is shown
    heatmaps = {lg: {"html": views.heatmaps_html(trace, start_t, start_u, 0, lg), "labels": views.time_labels(trace, lg)}
                for lg in langs}
    titles = {lg: {g.field: list(gate_title(g.term, fn_name(g.activation), lg, GATE_BOX["w"])) for g in gates.GATES}
              for lg in langs}
    pal = {k: getattr(palette, k) for k in ("INK", "MUTED", "FRAME", "PANEL", "BACKGROUND", "CELL", "HIDDEN",
                                            "INPUT_X", "FORGET", "INPUT", "CANDIDATE", "OUTPUT")}
    pal.update({g.field: g.color for g in gates.GATES}, c=palette.CELL, h=palette.HIDDEN)
    return {
        "langs": list(langs), "model": m, "readout": readout, "seq": seq, "carries": what, "heatmaps": heatmaps,
        # what each clamp may be, from explainer.intervention (the gate table); null = unbounded (JSON has no inf)
        "clamp_ranges": {f: [lo if np.isfinite(lo) else None, hi if np.isfinite(hi) else None]
                         for f, (lo, hi) in CLAMP_RANGES.items()},
        "gates": {g.field: {"block": g.block, "low": g.low, "high": g.high, "color": g.color} for g in gates.GATES},
        "gate_titles": titles, "palette": pal, "font": FONT,
        # the drawing's geometry, type and tooltip style: diagram.py's, so the two drawings cannot drift apart
        "layout": LAYOUT, "type": TYPE, "gate_box": GATE_BOX, "width": WIDTH, "height": HEIGHT, "tip_css": tip_css(),
        "terms": {lg: {"cell_state": term("cell_state", lg), "hidden_state": term("hidden_state", lg),
                       "hadamard_note": term("hadamard_note", lg), "held_here": term("held_here", lg),
                       "narrate_between": term("narrate_between", lg),
                       **{f"narrate_{n}_{s}": term(f"narrate_{n}_{s}", lg) for n in ("forget", "input", "output")
                          for s in ("closed", "open")}} for lg in langs},
        "narrate": {"shut": SHUT, "open": OPEN},
        "ui": {lg: {k: term(k, lg) for k in UI_KEYS} for lg in langs},
        "cell": {"ranges": CELL_RANGES, "start": CELL_START},
        "start": {"tab": "sentence", "t": start_t, "u": start_u, "iv": clamps},
    }


def script() -> str:
    return resources.files(__package__).joinpath("live.js").read_text(encoding="utf-8")


def page(data: dict, json_text: str, title: str, icons: dict, video: str = "") -> str:
    """The page's HTML around ``data`` (``json_text`` is it, made safe for a ``<script>``)."""
    langs = data["langs"]
    lang_buttons = "".join(f'<button type="button" class="lstm-lang" data-lang="{lg}">'
                           f'{"English" if lg == "en" else "中文"}</button>' for lg in langs) if len(langs) > 1 else ""
    sliders = "".join(
        f'<label class="lstm-slider"><span class="lstm-sl-name">{escape(_slider_label(k))}</span>'
        f'<input type="range" id="lstm-sl-{k}" min="{lo}" max="{hi}" step="0.01" value="{CELL_START[k]}">'
        f'<span class="lstm-slv" id="lstm-slv-{k}"></span></label>' for k, (lo, hi) in CELL_RANGES.items())
    fields = "".join(f'<option value="{f}">{f}</option>' for f in ("f", "i", "o", "g", "c", "h"))
    return LIVE_PAGE.format(lang=langs[0], title=escape(title), css=LIVE_CSS, data=json_text, script=HEATMAP_JS + script(),
                            lang_buttons=lang_buttons, sliders=sliders, fields=fields, video=video,
                            carries=escape(term("page_live", langs[0]).format(what=data["carries"])),
                            **{f"i_{k}": v for k, v in icons.items()})


def _slider_label(k: str) -> str:
    return {"x": "xₜ", "h_prev": "hₜ₋₁", "c_prev": "cₜ₋₁", "zi": "z_i", "zf": "z_f", "zc": "z_g", "zo": "z_o"}[k]


#: The page's style; its colours and fonts are the palette's and the presentation's ($names filled below).
LIVE_CSS = Template("""
[hidden] {display:none !important}
body {font-family: $fonts; margin: 10px 16px; color: $ink; font-size: 15px}
/* a sideways swipe on the drawing steps through the sentence: it must never become the phone's own
   back / forward gesture (the page and its state would be lost), so neither html nor body overscrolls sideways
   and the drawing leaves only vertical panning (and zoom) to the browser */
html, body {overscroll-behavior-x: none}
#lstm-seq-diagram {touch-action: pan-y pinch-zoom}
h1 {font-size: 20px; margin: 2px 0 6px}
button {font-size: 15px; cursor: pointer}
.lstm-bar-top {display:flex; flex-wrap:wrap; gap:6px 10px; align-items:center; position:sticky; top:0; background:white;
  padding:5px 0; z-index:2; border-bottom:1px solid #ddd}
.lstm-bar-top button {min-width:40px; height:34px}
.lstm-tab[aria-pressed=true], .lstm-lang[aria-pressed=true] {font-weight:bold; background:#e8e8e8}
#lstm-time {flex:1 1 200px; min-width:120px}
.lstm-step {font-weight:bold}
.lstm-context {margin:6px 0; padding:4px 8px; border-left:4px solid $cell; background:#FAF6EE}
.lstm-text-row {display:flex; gap:8px; align-items:center; flex-wrap:wrap}
#lstm-text {flex:1 1 420px; font-size:16px; padding:4px 6px; min-width:0}
.lstm-unknown, .lstm-link-note, .lstm-iv-msg {color:#B03A2E}
.lstm-iv-msg {flex-basis:100%; margin:0} .lstm-iv-msg:empty {display:none}
.lstm-words {display:flex; flex-wrap:wrap; gap:4px; margin:6px 0}
.lstm-word {font-size:15px; padding:2px 7px; border:1px solid #ccc; background:white; border-radius:4px}
.lstm-word-now {background:#222; color:white}
.lstm-word-iv {border:2px dashed $forget}
.lstm-grid {display:grid; grid-template-columns:minmax(300px, 1fr) minmax(260px, 400px); gap:4px 18px;
  grid-template-areas:"draw head" "draw side" "eqs side"; grid-template-rows:auto auto 1fr; align-items:start}
.lstm-grid[hidden] {display:none}
.lstm-head {grid-area:head} .lstm-draw {grid-area:draw; max-width:min(900px, calc((100vh - 130px) * 1.62))} .lstm-side {grid-area:side}
.lstm-eqs {grid-area:eqs}
.lstm-main {display:flex; flex-flow:row wrap; gap:6px 18px; align-items:flex-start}
.lstm-left {flex:1 1 520px; min-width:300px; max-width:min(900px, calc((100vh - 150px) * 1.62))}
.lstm-right {flex:1 1 380px; min-width:280px}
.lstm-equations {font-family:DejaVu Sans Mono, monospace; line-height:1.5; font-size:14px}
.lstm-tip {min-height:1.4em; font-family:DejaVu Sans Mono, monospace; font-size:14px; color:#444}
.lstm-probs, .lstm-compare {border-collapse:collapse; margin:6px 0; font-size:15px}
.lstm-probs td, .lstm-probs th, .lstm-compare td, .lstm-compare th {padding:2px 8px; text-align:left}
.lstm-probs td.lstm-p, .lstm-probs td.lstm-p2 {position:relative; min-width:110px}
.lstm-bar {position:absolute; left:0; top:3px; bottom:3px; background:$hidden; opacity:.25}
.lstm-bar2 {background:#222}
.lstm-answer {font-size:17px; margin:4px 0}
.lstm-whatif {margin:6px 0; padding:6px 8px; border:1px dashed #999; display:flex; flex-wrap:wrap; gap:6px; align-items:center}
.lstm-whatif input[type=number] {width:5em; font-size:15px}
.lstm-iv-item {font-size:14px}
.lstm-slider {display:flex; align-items:center; gap:8px; margin:2px 0}
.lstm-sl-name {min-width:3.5em; font-weight:bold}
.lstm-slider input {flex:1 1 200px}
.lstm-slv {min-width:4em; font-family:DejaVu Sans Mono, monospace}
.lstm-hint, .lstm-note {color:#666; font-size:14px}
.lstm-val {cursor:pointer}
.lstm-heatmaps svg {cursor:pointer}
/* a short screen (a projector at 150 % zoom): one toolbar row, the drawing gets the width */
@media (max-height: 620px) { h1 {display:none} .lstm-hint {display:none} body {margin:2px 10px}
  .lstm-bar-top {padding:2px 0; gap:2px 6px} .lstm-bar-top button {height:28px; min-width:30px; font-size:14px}
  #lstm-time {flex:1 1 100px; min-width:80px}
  .lstm-grid {grid-template-columns:minmax(300px, 1fr) minmax(220px, 270px)}
  .lstm-draw {max-width:none}
  .lstm-tip {display:none}
  .lstm-side, .lstm-head {font-size:14px} .lstm-context {font-size:14px; margin:2px 0}
  .lstm-word {font-size:14px; padding:1px 5px} #lstm-text {font-size:14px}
  .lstm-whatif button, .lstm-whatif select, .lstm-whatif input {font-size:14px} }
/* a projector (1280×720 at 150 % zoom is 853×480 CSS px): the drawing at least $projector px wide, so its numbers
   are 16 CSS px; the equations and the narration beside it, the sentence's words and the rest below them */
@media (max-height: 620px) and (min-width: 820px) {
  .lstm-grid {grid-template-columns:minmax(${projector}px, 1fr) minmax(200px, 300px); grid-template-areas:"draw eqs" "draw head" "draw side";
    grid-template-rows:auto auto 1fr}
  .lstm-eqs {font-size:13px; line-height:1.35}
  .lstm-eqs .lstm-narration {font-size:15px; font-weight:bold}
}
/* a touch screen has no hover and no keyboard: tap a value for its equation, swipe to step */
@media (hover: none) { .lstm-hint {display:none} }
.lstm-touch .lstm-hint {display:none}
@media (max-width: 600px) {
  body {margin:4px 6px}
  h1 {font-size:16px; margin:0 0 2px}
  .lstm-bar-top {gap:3px 4px; padding:3px 0}
  .lstm-bar-top button {min-width:34px; height:32px; padding:0 4px}
  #lstm-time {flex:1 1 100%; order:9}
  .lstm-hide-phone {display:none}
  .lstm-left, .lstm-right {flex:1 1 100%; min-width:0; max-width:100%}
  .lstm-grid {grid-template-columns:100%; grid-template-areas:"head" "draw" "eqs" "side"}
  .lstm-draw {max-width:100%} .lstm-hint {display:none}
  /* the drawing shows the shapes; its numbers are printed in large type below it */
  .lstm-cell-diagram .lstm-val, .lstm-cell-diagram .lstm-title {visibility:hidden}
  .lstm-cell-diagram .lstm-tips {display:none}  /* a tap's equation is the large line under the drawing */
  .lstm-equations {font-size:14px; overflow-wrap:anywhere}
  /* the heatmaps' labels would be 7 px at a phone's width: they are for a wider screen */
  .lstm-heatmaps, #lstm-hm-note {display:none}
}
""").substitute(projector=PROJECTOR_WIDTH, fonts=CSS_FONTS, ink=palette.INK, cell=palette.CELL, forget=palette.FORGET,
                              hidden=palette.HIDDEN)

LIVE_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style></head>
<body class="lstm-page lstm-live">
<h1 data-ui="page_title">{title}</h1>
<div class="lstm-bar-top" role="toolbar">
  <button type="button" class="lstm-tab" data-tab="sentence" data-ui="tab_sentence"></button>
  <button type="button" class="lstm-tab" data-tab="cell" data-ui="tab_cell"></button>
  <button type="button" id="lstm-first" aria-label="t = 0" class="lstm-hide-phone">{i_first}</button>
  <button type="button" id="lstm-back" aria-label="←">{i_back}</button>
  <button type="button" id="lstm-play" aria-label="▶">{i_play}</button>
  <button type="button" id="lstm-forward" aria-label="→">{i_forward}</button>
  <button type="button" id="lstm-last" aria-label="t = T" class="lstm-hide-phone">{i_last}</button>
  <select id="lstm-unit" aria-label="unit"></select>
  {lang_buttons}
  <button type="button" id="lstm-copy" data-ui="copy_link"></button><span id="lstm-copied" role="status"></span>
  <input type="range" id="lstm-time" min="0" value="0" step="1" aria-label="t">
</div>
<p class="lstm-hint" data-ui="keys_hint"></p>
<p class="lstm-link-note" id="lstm-link-note" role="status" hidden></p>
<section id="lstm-panel-sentence" class="lstm-grid">
  <div class="lstm-head">
    <p class="lstm-context" id="lstm-context"></p>
    <div class="lstm-text-row" id="lstm-text-row"><input type="text" id="lstm-text" data-ui-ph="type_sentence" maxlength="400"
      autocomplete="off" spellcheck="false"><span class="lstm-unknown" id="lstm-unknown" role="status"></span></div>
    <div class="lstm-words" id="lstm-words"></div>
  </div>
  <div class="lstm-draw"><span class="lstm-step" id="lstm-step"></span>
    <div id="lstm-seq-diagram" class="lstm-diagram"></div><p class="lstm-tip" id="lstm-tip"></p></div>
  <div class="lstm-eqs lstm-equations" id="lstm-seq-equations"></div>
  <div class="lstm-side">
    <div class="lstm-whatif"><b data-ui="what_if"></b> <span data-ui="clamp_field"></span>
      <select id="lstm-iv-field">{fields}</select> <span data-ui="clamp_value"></span>
      <input type="number" id="lstm-iv-value" min="0" max="1" step="0.05" value="1">
      <button type="button" id="lstm-iv-add" data-ui="clamp_add"></button>
      <button type="button" id="lstm-iv-clear" data-ui="clamp_clear"></button>
      <p class="lstm-iv-msg" id="lstm-iv-msg" role="alert"></p>
      <div id="lstm-iv-list"></div></div>
    <div id="lstm-probs"></div>
    <div id="lstm-seq-charts"></div>
    <div id="lstm-heatmaps" class="lstm-heatmaps"></div><p class="lstm-note" id="lstm-hm-note"></p>
  </div>
</section>
<section id="lstm-panel-cell" hidden>
  <p class="lstm-note" data-ui="sliders_note"></p>
  <div class="lstm-main">
    <div class="lstm-left"><div id="lstm-cell-diagram" class="lstm-diagram"></div>
      <div class="lstm-equations" id="lstm-cell-equations"></div></div>
    <div class="lstm-right">{sliders}</div>
  </div>
</section>
{video}
<p class="lstm-note" id="lstm-carries">{carries}</p>
<script type="application/json" id="lstm-data">{data}</script>
<script>{script}</script>
</body></html>
"""

__all__ = ["live_data", "can_run", "page", "script", "CELL_RANGES"]
