"""The classroom's defects and reading aids, checked headless (no browser): what the widgets print,
draw and say, in both languages."""
from __future__ import annotations

import html
import re
from html import unescape

import numpy as np
import pytest

from explainer import LSTM, palette
from explainer.demo import demo_trace
from widgets.cell_flow import PRESETS, CellFlow
from widgets.diagram import LAYOUT
from widgets.charts import axis_labels, colours, heatmap, line_chart, text_width
from widgets.diagram import VALVE_OPEN, cell_svg, equations_html, fmt, hover_css
from widgets.sequence import SequenceExplorer, tokenise


def _attr(tag: str, name: str) -> float:
    return float(re.search(rf'\b{name}="([-\d.]+)"', tag).group(1))


def _value_tag(html: str, name: str) -> str:
    return re.search(rf'<text[^>]*class="lstm-val lstm-val-{name}"[^>]*>', html).group(0)


def _cell(**sliders) -> CellFlow:
    flow = CellFlow()
    for k, v in sliders.items():
        flow.sliders[k].value = v
    return flow


# --- 4: relative paths, where it looked, the file name the report writes ---------------------------------
def test_relative_trace_paths_are_read_from_where_the_classroom_started(tmp_path, monkeypatch):
    trace = LSTM(3, seed=0).trace(np.ones((1, 4, 2), np.float32))
    (tmp_path / "reports").mkdir()
    trace.save(tmp_path / "reports" / "trace_btc.npz")
    monkeypatch.setenv("LSTM_EXPLAINER_CWD", str(tmp_path))
    monkeypatch.chdir("/")  # the kernel's own folder is somewhere else
    ex = SequenceExplorer(source="demo")
    assert ex.path.placeholder.endswith("trace_btc.npz")  # what `lstm-explainer bitcoin` writes
    ex.path.value = "reports/trace_btc.npz"
    ex.load_button.click()
    assert ex.trace.time == 4 and "trace_btc.npz" in ex.status.value and not ex.error
    ex.path.value = "reports/missing.npz"
    ex.load_button.click()
    assert f"{tmp_path}/reports/missing.npz" in ex.error and f"read from {tmp_path}" in ex.error


# --- 5: sign survives any magnitude ----------------------------------------------------------------------
def test_negative_values_are_drawn_differently_from_positive_ones():
    pos = _cell(c=3.0, h=0.8, x=2.0).diagram.value
    neg = _cell(c=-3.0, h=-0.8, x=-2.0).diagram.value
    assert "lstm-flow-neg" not in pos and "lstm-sign-neg" not in pos
    # c_{t-1}, the h_{t-1} bus and the x_t line: striped with a minus badge each, even at full width
    flows = re.findall(r'<polyline class="lstm-flow lstm-flow-neg" points="([^"]+)"[^>]*stroke-width="([\d.]+)"'
                       r'[^>]*stroke-dasharray="([\d.]+) ([\d.]+)"', neg)
    starts = {pts.split()[0] for pts, *_ in flows}
    assert {f"10.0,{LAYOUT['belt']:.1f}", f"10.0,{LAYOUT['bus']:.1f}", "110.0,462.0"} <= starts, starts
    for pts, width, dash, gap in flows:
        assert float(gap) >= 0.6 * float(width)  # the gaps stay visible at the widest stroke
    assert neg.count("lstm-sign-neg") >= 3


# --- 6: h_t's label is above its line --------------------------------------------------------------------
def test_h_label_is_clear_of_the_h_line():
    html = _cell(x=2.0, b_o=6.0).diagram.value
    label = _value_tag(html, "h")
    line = re.search(r'<polyline class="lstm-flow" points="655.0,215.0 655.0,360.0 750.0,360.0"[^>]*'
                     r'stroke-width="([\d.]+)"', html)
    assert line, "h line moved"
    half = float(line.group(1)) / 2
    # under the horizontal part (cap height ≈ 0.73 em), and the vertical part ends above it
    assert _attr(label, "y") - 0.73 * _attr(label, "font-size") > 360.0 + half, (label, half)
    assert 'paint-order="stroke"' in label  # and a halo keeps it readable over any flow


# --- 7: valves ---------------------------------------------------------------------------------------------
def _valve_gaps(html: str) -> list[float]:
    gaps = []
    for g in re.findall(r'<g class="lstm-valve">(.*?)</g>', html):
        rects = re.findall(r"<rect [^>]*>", g)[1:]
        a, b = rects
        if "height=\"9\"" in a:  # shutters side by side
            gaps.append(_attr(b, "x") - (_attr(a, "x") + _attr(a, "width")))
        else:
            gaps.append(_attr(b, "y") - (_attr(a, "y") + _attr(a, "height")))
    return gaps


def test_valves_shut_fully_open_wide_and_sit_clear_of_the_boxes():
    shut = _valve_gaps(CellFlow(preset="forget").diagram.value)  # f ≈ 0, i ≈ 0
    assert shut[0] == pytest.approx(0.0, abs=0.2) and shut[1] == pytest.approx(0.0, abs=0.2)
    open_ = _valve_gaps(_cell(b_f=8.0, b_i=8.0, b_o=8.0, W_f=0, W_i=0, W_o=0, U_f=0, U_i=0, U_o=0).diagram.value)
    assert all(g == pytest.approx(VALVE_OPEN, abs=0.2) for g in open_), open_
    html = CellFlow().diagram.value
    box_top = LAYOUT["gate_y"] - LAYOUT["gate_h"] / 2
    for g in re.findall(r'<g class="lstm-valve">(<rect [^>]*>)', html):  # the housing
        assert _attr(g, "y") + _attr(g, "height") < box_top - 4, g


# --- 8: time axes ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("labels", [
    [f"2019-12-{d:02d}" for d in range(10, 17)],
    "the sky over the harbour was a brilliant cloudless blue until the factories upstream polluted it grey".split(),
    [str(t) for t in range(200)],
])
def test_time_axis_labels_never_overlap(labels):
    svg = line_chart([{"y": np.arange(len(labels), dtype=float)}], labels=labels, width=400)
    ticks = re.findall(r'<text class="lstm-axis-label" x="([\d.]+)"[^>]*?(transform="rotate[^"]*")?>([^<]*)<', svg)
    assert ticks
    xs = [float(x) for x, _, _ in ticks]
    rotated = bool(ticks[0][1])
    for (x0, _, s0), (x1, _, s1) in zip(ticks, ticks[1:]):
        room = float(x1) - float(x0)
        need = 1.4 * 10 if rotated else (text_width(s0, 10) + text_width(s1, 10)) / 2
        assert room >= need, (labels[:3], s0, s1, room, need)
    assert xs == sorted(xs)


def test_axis_labels_rotate_only_when_needed():
    assert axis_labels(["a", "b", "c"], 50) == ([0, 1, 2], False)
    shown, rotated = axis_labels([f"2019-12-{d}" for d in range(10, 17)], 45)
    assert rotated and shown == list(range(7))


# --- 9: heatmaps in the palette, with a colour bar and labels --------------------------------------------------
def test_heatmaps_use_each_gates_palette_colour_with_colour_bar_and_labels():
    ex = SequenceExplorer(source="demo")
    html = ex.heatmaps.value
    for field in "ifgo":
        assert f'id="lstm-scale-{field}"' in html and f'stop-color="{palette.color(field)}"' in html
    assert colours(np.array([1.0]), palette.scale("f"))[0].lower() == palette.FORGET.lower()
    assert colours(np.array([0.0]), palette.scale("f"))[0].lower() == "#ffffff"
    for word in ex.trace.meta["labels"]:
        assert f">{word}</text>" in html
    assert "0: blue memory" in html
    svg = heatmap(np.array([[0.0, 1.0]]), stops=palette.scale("o"), col_labels=["a", "b"])
    assert palette.OUTPUT.lower() in svg.lower()
    # every cell tells its value on hover or a tap (focus), not through a native <title>
    assert "<title>" not in html and html.count('class="lstm-hm-cell" tabindex="0"') == 4 * ex.trace.units * ex.trace.time
    f = ex.trace.f[0, :, 0]
    tips = re.findall(r'class="lstm-hm-tip"[^>]*>([^<]*)</text>', html.split("</svg>")[1])  # the forget gate's map
    assert tips[:ex.trace.time] == [f"0: blue memory · {w} = {v:.3f}".replace("-", "−")
                                    for w, v in zip(ex.trace.meta["labels"], f)]


# --- 11: the narration line keeps its place ------------------------------------------------------------------
def test_narration_line_is_always_there():
    trace = demo_trace()
    for t in range(trace.time):
        html = equations_html(trace.step(t), 0)
        assert html.count('class="lstm-narration" style="min-height:1.6em') == 1
    quiet = _cell(b_f=0.0, b_i=0.0, b_o=0.0, W_f=0, W_i=0, W_o=0, U_f=0, U_i=0, U_o=0)  # all gates 0.5
    # never empty: every gate part-open, it gives the share each one lets through
    f, i, o = (float(getattr(quiet.step, g)[0, 0]) for g in "fio")
    assert f"every gate part-open: f = {f:.2f} keeps" in quiet.equations.value and f"o = {o:.2f}" in quiet.equations.value


# --- 12: words as a reader types them ---------------------------------------------------------------------------
def test_punctuation_and_capitals_do_not_hide_words():
    assert tokenise("The sky was Blue. Then: polluted, grey!") == ["the", "sky", "was", "blue", "then", "polluted",
                                                                   "grey"]
    assert tokenise("天空是蓝色的。后来 污染,灰色") == ["天空是蓝色的", "后来", "污染", "灰色"]
    ex = SequenceExplorer(source="demo")
    ex.words.value = "The sky: Blue. polluted, IS? Purple"
    ex.run_button.click()  # "the" "sky" is the demo's one token "the sky"
    assert ex.trace.meta["labels"] == ["the sky", "blue", "polluted", "is", "purple"]
    np.testing.assert_array_equal(ex.trace.x[0], demo_trace(["the sky", "blue", "polluted", "is", "purple"]).x[0])
    assert "purple" in ex.status.value and "blue," not in ex.status.value.split("vocabulary")[-1]
    assert ex.trace.meta["prediction"] == "grey"  # the readout answers from h at the last word
    ex.set_lang("zh")
    ex.words.value = "蓝色 污染 现在是"
    ex.run_button.click()
    np.testing.assert_array_equal(ex.trace.c, demo_trace(["blue", "polluted", "is"]).c)
    assert "不在演示词表中" not in ex.status.value


# --- 13: the preset menu lets go ----------------------------------------------------------------------------------
def test_preset_menu_stops_naming_a_preset_once_a_slider_moves():
    flow = CellFlow(preset="remember")
    assert flow.preset.value == "remember"
    flow.sliders["b_f"].value = -2.0
    assert flow.preset.value == ""
    flow.preset.value = "remember"  # choosing it again puts the cell back
    assert flow.sliders["b_f"].value == PRESETS["remember"].b["f"]


# --- 14: Chinese is complete ----------------------------------------------------------------------------------
ALLOWED = {"tanh", "log", "LSTM", "GRU", "RNN", "npz", "English", "TraceRecorder", "cell"}


def _visible_text(w) -> list[str]:
    """Every string a widget tree shows: labels, options, tooltips, placeholders, HTML text (not CSS)."""
    out = []
    for name in ("description", "tooltip", "placeholder", "value"):
        v = getattr(w, name, None)
        if isinstance(v, str) and (name != "value" or w.__class__.__name__ in ("HTML", "Label")):
            # a command to type (<code>) is a name, not a sentence to translate
            v = re.sub(r"<style>.*?</style>|<title>.*?</title>|<code>.*?</code>", " ", v, flags=re.S)
            out.append(html.unescape(re.sub(r"<[^>]+>", " ", v)))
    for opt in getattr(w, "_options_labels", ()) or ():
        out.append(str(opt))
    for title in getattr(w, "titles", ()) or ():
        out.append(str(title))
    for child in getattr(w, "children", ()) or ():
        out.extend(_visible_text(child))
    return out


def english_words(texts) -> set[str]:
    """Words of two or more Latin letters (variable names such as c_t, W or z_f are single letters)."""
    words = set()
    for s in texts:
        s = html.unescape(re.sub(r"<[^>]+>", " ", s))
        s = re.sub(r"\S*/\S*|\S+\.npz", " ", s)  # a path (a placeholder such as reports/bitcoin/trace_btc.npz) is a name
        for w in re.findall(r"[A-Za-z][A-Za-z_]*[A-Za-z]", s):
            if w not in ALLOWED and not re.fullmatch(r"[A-Za-z](_[A-Za-z]+)?", w):
                words.add(w)
    return words


def test_zh_views_show_no_english(tmp_path):
    from widgets import dashboard

    d = dashboard(lang="zh")
    assert english_words(_visible_text(d)) == set()
    d.sequence.words.value = ""  # the error lines too
    d.sequence.run_button.click()
    assert d.sequence.error and english_words([d.sequence.status.value]) == set()
    d.sequence.path.value = str(tmp_path / "missing.npz")
    d.sequence.load_button.click()
    assert "找不到轨迹文件" in d.sequence.error
    assert english_words([re.sub(r"\S*/\S*", "", d.sequence.status.value)]) == set()  # paths are names
    (tmp_path / "bad.npz").write_bytes(b"junk")
    d.sequence.path.value = str(tmp_path / "bad.npz")
    d.sequence.load_button.click()
    assert "bad.npz" in d.sequence.error and "内容无法识别" in d.sequence.error
    assert english_words([d.sequence.status.value.replace("bad.npz", "")]) == set()  # file names are names
    wide = LSTM(20, seed=1).trace(np.random.default_rng(0).normal(size=(1, 5, 3)).astype(np.float32))
    d.sequence.set_trace(wide)
    assert english_words(_visible_text(d.sequence)) == set()
    assert "显示 20 个单元中最活跃的 16 个" in d.sequence.status.value


def test_after_a_trace_the_status_has_no_stray_dot_and_the_words_box_is_empty(tmp_path):
    wide = LSTM(20, seed=1).trace(np.random.default_rng(0).normal(size=(1, 5, 3)).astype(np.float32))
    ex = SequenceExplorer(wide)
    status = re.sub(r"<[^>]+>", "", ex.status.value).strip()
    assert not status.startswith("·") and status.startswith("showing the 16 most active of 20 units")
    assert ex.words.value == ""


# --- 15: cosmetics -------------------------------------------------------------------------------------------
def test_numbers_and_labels_read_cleanly():
    assert fmt(-0.0001) == "0.000" and fmt(-0.5) == "−0.500" and fmt(0.25) == "+0.250"
    flow = _cell(c=-1.0, x=0.0)
    for html in (flow.diagram.value, flow.equations.value):
        assert "−0.000" not in html and "-0.000" not in html and "+0.000" not in html
    eq = flow.equations.value
    assert "+ +" not in eq and "× +" not in eq and "× (−1.000)" in eq
    assert "⊙: element-wise product ⊙" not in eq and "⊙ is the element-wise product" in eq
    from widgets import MemoryWidget

    m = MemoryWidget(distractors=0)  # the rebuilt chart prints no clamped value and no step count to pluralise
    assert "e-12" not in m.chart.value and "1 steps" not in m.summary.value
    ex = SequenceExplorer(source="demo")
    assert ex.run_button.layout.width == "auto"  # "run the demo LSTM" is never cut off
    ex.words.value = " ".join(["sky"] * 200)
    ex.run_button.click()
    assert len(re.sub(r"<[^>]+>", "", ex.status.value)) < 200 and "200 words" in ex.status.value


# --- 2 (widget side): a step that cannot be drawn never shows the previous step's picture -------------------------
def test_a_step_that_cannot_be_drawn_clears_the_drawing():
    ex = SequenceExplorer(source="demo")
    good = ex.diagram.value
    ex.trace.c[0, 3, 0] += 1.0  # damaged after it was shown
    ex.time.value = 3
    assert ex.diagram.value != good and "lstm-cell-diagram" not in ex.diagram.value
    assert "t = 3" in ex.diagram.value and "step 3" in ex.error
    ex.time.value = 2
    assert "lstm-cell-diagram" in ex.diagram.value and not ex.error


# --- playback and reading aids -------------------------------------------------------------------------------------
def test_keys_and_buttons_step_and_play():
    ex = SequenceExplorer(source="demo")
    assert ex.time.value == 5  # opened on "polluted", where the blue memory's forget gate closes
    ex.on_key({"type": "keydown", "key": "Home"})
    assert ex.time.value == 0
    ex.on_key({"type": "keydown", "key": "ArrowRight"})
    ex.on_key({"type": "keydown", "key": "PageDown"})  # a presenter's clicker sends PageDown / PageUp
    assert ex.time.value == 2
    ex.on_key({"type": "keydown", "key": "End"})
    assert ex.time.value == 7
    ex.on_key({"type": "keydown", "key": "PageUp"})
    assert ex.time.value == 6
    ex.on_key({"type": "keydown", "key": "Home"})
    ex.on_key({"type": "keydown", "key": "ArrowRight"})
    ex.on_key({"type": "keydown", "key": "ArrowRight"})
    assert ex.time.value == 2
    ex.on_key({"type": "keydown", "key": "ArrowLeft"})
    assert ex.time.value == 1
    ex.on_key({"type": "keydown", "key": " "})
    assert ex.play.playing
    ex.forward.click()  # stepping pauses
    assert not ex.play.playing and ex.time.value == 2
    ex.back.click()
    ex.back.click()
    ex.back.click()
    assert ex.time.value == 0
    ex.speed.value = 225
    assert ex.play.interval == 225
    assert ex.events is not None and ex.events.watched_events == ["keydown"]


def test_every_value_explains_itself_and_lights_up_its_equation():
    flow = _cell(b_f=-4.0, W_f=0.0, U_f=0.0)
    html = flow.diagram.value
    tip = unescape(re.search(r'lstm-val-f" data-value="[^"]*" data-eq="([^"]*)"', html).group(1))
    f = float(flow.step.f[0, 0])
    assert tip == f"f = σ(z_f) = σ(−4.00) = {f:.3f}"
    assert 'class="lstm-eq lstm-eq-f"' in flow.equations.value
    css = hover_css(".lstm-cellflow")
    assert ".lstm-cellflow:has(.lstm-val-f:hover) .lstm-eq-f" in css
    assert ".lstm-cellflow:has(.lstm-eq-c:hover) .lstm-val-kept" in css


def test_settings_string_restores_the_sliders():
    a = _cell(x=1.25, c=-2.0, W_o=3.5, b_f=-6.0)
    s = a.settings()
    assert len(s) < 200 and "x=1.25" in s
    b = CellFlow()
    b.apply_settings(s)
    assert all(b.sliders[k].value == a.sliders[k].value for k in a.sliders)
    np.testing.assert_array_equal(b.step.c, a.step.c)
    b.apply_settings("?cell=x=0.5,bf=2")  # as it arrives in a URL
    assert b.sliders["x"].value == 0.5 and b.sliders["b_f"].value == 2.0
    before = b.settings()
    with pytest.raises(ValueError, match=r"Wf=99 must be a number in \[-8, 8\]"):
        b.apply_settings("x=1,Wf=99")
    with pytest.raises(ValueError, match="not a setting"):
        b.apply_settings("speed=3")
    assert b.settings() == before  # a bad string changes nothing
    b.settings_text.value = "nonsense"
    b.restore_button.click()
    assert "lstm-error" in b.settings_hint.value
    multi = CellFlow(units=3)
    multi.unit_select.value = 2
    multi.sliders["b_i"].value = 4.0
    other = CellFlow(units=3, settings=multi.settings())
    assert other.unit == 2 and other.sliders["b_i"].value == 4.0


def test_classroom_refuses_a_corrupt_trace_before_serving(tmp_path, capsys):
    from explainer.cli import main

    bad = tmp_path / "corrupt.npz"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["classroom", "--trace", str(bad), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "cannot serve corrupt.npz" in err and "Nothing was started" in err and "Traceback" not in err


# --- 2: traces are validated on load; the message names step and field -------------------------------------------
def _damaged(kind: str):
    trace = demo_trace()
    if kind == "nan":
        trace.h[0, 4, 1] = np.nan
    else:  # c ≠ f·c_prev + i·g at step 3
        trace.c[0, 3, 0] += 0.5
        trace.tanh_c[0, 3, 0] = np.tanh(trace.c[0, 3, 0])
    return trace


@pytest.mark.parametrize("kind,step,field", [("nan", 4, "h"), ("equation", 3, "c")])
def test_a_damaged_trace_is_refused_with_its_step_and_field(kind, step, field, tmp_path):
    bad = _damaged(kind)
    ex = SequenceExplorer(source="demo")
    shown = ex.trace
    with pytest.raises(ValueError, match=rf"step {step}\b.*"):
        ex.set_trace(bad)
    assert ex.trace is shown  # the trace on screen stays, drawn as it was
    ex._guard(ex.set_trace, bad)
    assert f"step {step}" in ex.error and f"'{field}'" in ex.error and "lstm-error" in ex.status.value
    zh = SequenceExplorer(lang="zh", source="demo")
    zh._guard(zh.set_trace, bad)
    assert f"第 {step} 步，字段 {field}" in zh.error


def test_a_damaged_trace_file_is_refused_on_load(tmp_path):
    from explainer.npzfile import save_npz
    from explainer.trace import ARRAY_FIELDS, FORMAT

    bad = _damaged("equation")
    arrays = {n: getattr(bad, n) for n in ARRAY_FIELDS}
    arrays["unit_index"] = bad.unit_index
    path = save_npz(tmp_path / "edited.npz", arrays, {"format": FORMAT, "layer": "lstm", "meta": bad.meta})
    ex = SequenceExplorer(source="demo")
    ex.path.value = str(path)
    ex.load_button.click()
    assert "edited.npz" in ex.error and "step 3" in ex.error and "lstm-cell-diagram" in ex.diagram.value
    assert ex.trace.time == 8 and not np.array_equal(ex.trace.c, bad.c)  # still the demo, unchanged
    from explainer.cli import main

    assert main(["classroom", "--trace", str(path), "--dry-run"]) == 2


# --- training timelapse ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """A real recording: a small LSTM trained 4 epochs with a TraceRecorder on one probe sequence."""
    from explainer.callbacks import TraceRecorder
    from explainer.layers import Dense
    from explainer.model import Sequential
    from explainer.optimizers import Adam

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6, 2)).astype(np.float32)
    y = x[:, :3, :1].sum(axis=1)  # remember the start of the sequence
    model = Sequential([LSTM(4, input_shape=(None, 2)), Dense(1)], seed=0)
    model.compile("mse", Adam(0.05))
    path = tmp_path_factory.mktemp("rec") / "timelapse.npz"
    rec = TraceRecorder(x[:1], path=path)
    model.fit(x, y, epochs=4, batch_size=16, callbacks=[rec], verbose=0)
    return path, rec.result


def test_timelapse_shows_each_recorded_epoch(recording):
    from widgets.timelapse import TimelapseWidget

    path, result = recording
    w = TimelapseWidget(str(path))
    assert w.epochs == [0, 1, 2, 3, 4] and w.epoch.value == 4
    for k in (0, 2, 4):
        w.epoch.value = k
        trace = result.at(k)
        t = w.time.value
        assert float(re.search(r'lstm-val-f" data-value="([^"]+)"', w.diagram.value).group(1)) == float(
            trace.f[0, t, 0])
        assert float(re.search(r'lstm-val-loss" data-value="([^"]+)"', w.charts.value).group(1)) == pytest.approx(
            result.logs[max(k, 1)]["loss"])
    assert not np.array_equal(result.at(0).f, result.at(4).f)  # the gates did learn
    w.set_lang("zh")
    assert "训练轮次" in w.diagram.value and english_words(_visible_text(w)) == set()


def test_timelapse_refuses_a_bad_recording(tmp_path, recording, capsys):
    from explainer.cli import main
    from widgets.timelapse import TimelapseWidget

    w = TimelapseWidget(None)
    assert "TraceRecorder" in w.status.value
    (tmp_path / "bad.npz").write_bytes(b"junk")
    w.path.value = str(tmp_path / "bad.npz")
    w.load_button.click()
    assert "lstm-error" in w.status.value and w.traces == []
    assert main(["classroom", "--timelapse", str(tmp_path / "bad.npz"), "--dry-run"]) == 2
    assert "cannot serve bad.npz" in capsys.readouterr().err
    assert main(["classroom", "--timelapse", str(recording[0]), "--dry-run"]) == 0


# --- the trained story as a source -----------------------------------------------------------------------------------
def test_story_trace_in_the_explorer_and_the_page_in_both_languages(tmp_path):
    from explainer.sources import trace_source
    from explainer.story.words import pollution_word
    from widgets.export import export_html, load_source

    ex = SequenceExplorer(source="demo")
    ex.story_button.click()
    story = trace_source("story", "en")
    assert not ex.error and ex.trace.meta["source"] == "story"
    np.testing.assert_array_equal(ex.trace.c, story.c)
    assert pollution_word("en") in ex.time_labels() and "2: colour memory" in ex.unit_names()
    ex.set_lang("zh")  # the story is retold in Chinese: same numbers, Chinese words
    np.testing.assert_array_equal(ex.trace.c, story.c)
    assert pollution_word("zh") in ex.time_labels() and english_words(_visible_text(ex)) == set()

    trace = load_source("story", langs=("en", "zh"))
    html = export_html(trace, tmp_path / "story.html", ("en", "zh")).read_text(encoding="utf-8")
    assert pollution_word("en") in html and pollution_word("zh") in html and "颜色记忆" in html
