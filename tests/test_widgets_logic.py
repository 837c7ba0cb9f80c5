"""Widget logic, headless: what the widgets show is exactly what the reference LSTM computes."""
from __future__ import annotations

import re

import numpy as np
import pytest

from explainer import LSTM, LSTMCell, palette
from explainer.demo import demo_trace
from explainer.trace import ARRAY_FIELDS
from widgets.cell_flow import DEFAULT, PRESETS, CellFlow
from widgets.diagram import VALUE_NAMES, cell_svg, fmt, step_values, update_terms
from widgets.memory import MemoryWidget
from widgets.sequence import SequenceExplorer


def shown(html: str, name: str) -> tuple[str, list[float]]:
    """(printed text, full-precision data-value) of the element of class lstm-val-<name>."""
    m = re.search(rf'class="lstm-val lstm-val-{name}" data-value="([^"]*)"[^>]*>([^<]*)<', html)
    assert m, f"no value {name!r} in the drawing"
    return m.group(2), [float(v) for v in m.group(1).split()]


def reference_step(x, h, c, W, U, b):
    """A fresh reference cell with 1 input and 1 unit; W, U, b are dicts over the blocks i, f, c, o."""
    cell = LSTMCell(1, 1)
    cell.params["kernel"][0] = [W[k] for k in "ifco"]
    cell.params["recurrent_kernel"][0] = [U[k] for k in "ifco"]
    cell.params["bias"][:] = [b[k] for k in "ifco"]
    f32 = lambda v: np.array([[v]], np.float32)  # noqa: E731
    return cell.step(f32(x), f32(h), f32(c))


# --- cell-state flow ---------------------------------------------------------------------
def test_slider_changes_show_exactly_the_reference_cell():
    flow = CellFlow()
    W, U, b = dict(DEFAULT.W), dict(DEFAULT.U), dict(DEFAULT.b)
    before = flow.step.c[0, 0]
    flow.sliders["x"].value = 1.3
    flow.sliders["c"].value = -0.7
    flow.sliders["h"].value = 0.45
    flow.sliders["W_f"].value = 2.2
    flow.sliders["U_o"].value = -1.1
    flow.sliders["b_i"].value = -1.5
    W["f"], U["o"], b["i"] = 2.2, -1.1, -1.5
    ref = reference_step(1.3, 0.45, -0.7, W, U, b)
    for name in ARRAY_FIELDS:
        np.testing.assert_array_equal(getattr(flow.step, name), getattr(ref, name), err_msg=name)
    assert flow.step.c[0, 0] != before
    html = flow.diagram.value
    text, value = shown(html, "c")
    assert value == [float(ref.c[0, 0])] and text == f"cₜ = {fmt(float(ref.c[0, 0]))}"
    for gate in "ifgo":
        text, value = shown(html, gate)
        assert value == [float(getattr(ref, gate)[0, 0])] and text.endswith(fmt(value[0]))
    assert shown(html, "h")[1] == [float(ref.h[0, 0])]
    assert f"= <b>{fmt(float(ref.c[0, 0]))}</b>" in flow.equations.value


def test_slider_redraw_is_fast():
    """The issue's budget: a cell-state-flow slider tick (observer + step + SVG) ≤ 30 ms median."""
    import time

    flow = CellFlow()
    ticks = []
    for v in np.linspace(-2, 2, 41):
        t0 = time.perf_counter()
        flow.sliders["x"].value = float(v)
        ticks.append(time.perf_counter() - t0)
    assert np.median(ticks) < 0.030


def test_every_value_is_printed():
    html = CellFlow().diagram.value
    for name in VALUE_NAMES:
        shown(html, name)


@pytest.mark.parametrize("key", sorted(PRESETS))
def test_presets_keep_their_promises(key):
    flow = CellFlow()
    flow.preset.value = key                  # as the dropdown does it
    s, p = flow.step, PRESETS[key]
    assert p.promise
    for gate, (lo, hi) in p.promise.items():
        assert lo <= getattr(s, gate)[0, 0] <= hi, (key, gate, getattr(s, gate)[0, 0])
    assert flow.sliders["c"].value == p.c and flow.sliders["b_f"].value == p.b["f"]
    c, c_prev, g, h = s.c[0, 0], s.c_prev[0, 0], s.g[0, 0], s.h[0, 0]
    story = {"remember": abs(c - c_prev) < 0.01, "forget": abs(c) < 0.01,
             "write": abs(c - g) < 0.01, "read": abs(h - np.tanh(c)) < 0.01 and abs(c - c_prev) < 0.01}
    assert story[key], (key, c, c_prev, g, h)
    ref = reference_step(p.x, p.h, p.c, p.W, p.U, p.b)
    np.testing.assert_array_equal(s.c, ref.c)


def test_forget_preset_says_the_memory_is_gone():
    flow = CellFlow(preset="forget")
    assert "the old memory is gone" in flow.equations.value
    flow.set_lang("zh")
    assert "旧记忆被清除" in flow.equations.value and "遗忘门" in flow.diagram.value
    assert "forget gate" not in flow.diagram.value


def test_several_units_edit_only_the_selected_unit():
    flow = CellFlow(units=3)
    before = flow.step
    flow.unit_select.value = 2
    flow.sliders["b_f"].value = -4.0
    s = flow.step
    assert flow.weights()["bias"][3 + 2] == np.float32(-4.0)  # forget block, unit 2
    np.testing.assert_array_equal(s.f[0, :2], before.f[0, :2])
    assert s.f[0, 2] < before.f[0, 2]
    assert shown(flow.diagram.value, "f")[1] == [float(s.f[0, 2])]
    flow.unit_select.value = 0
    assert flow.sliders["b_f"].value == DEFAULT.b["f"]


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="1 to 4 units"):
        CellFlow(units=5)
    with pytest.raises(ValueError, match="unknown preset"):
        CellFlow().apply_preset("dream")
    with pytest.raises(ValueError, match="unknown language"):
        CellFlow(lang="fr")


# --- diagram -------------------------------------------------------------------------------
def test_diagram_reads_the_trace_and_refuses_an_inconsistent_one():
    step = demo_trace().step(5)
    v = step_values(step, unit=0)
    assert v["f"] == float(step.f[0, 0]) and v["c"] == float(step.c[0, 0])
    kept, written = update_terms(step, 0)
    assert kept + written == pytest.approx(float(step.c[0, 0]), abs=1e-6)
    step.c[0, 0] += 0.5
    with pytest.raises(ValueError, match="inconsistent"):
        cell_svg(step, unit=0)
    with pytest.raises(ValueError, match="out of range"):
        step_values(step, unit=3)


# --- sequence explorer -----------------------------------------------------------------------
def test_time_slider_shows_the_traced_step():
    trace = demo_trace()
    ex = SequenceExplorer(source="demo")
    t = trace.meta["labels"].index("polluted")
    ex.time.value = t
    assert shown(ex.diagram.value, "f")[1] == [float(trace.f[0, t, 0])]
    assert trace.f[0, t, 0] < 0.1  # the demo's story: "polluted" wipes the blue memory
    assert "the old memory is gone" in ex.equations.value
    assert shown(ex.charts.value, "c_series")[1] == [float(trace.c[0, t, 0])]
    ex.unit.value = 1
    assert shown(ex.diagram.value, "o")[1] == [float(trace.o[0, t, 1])]
    assert "1: grey memory" in ex.heatmaps.value


def test_a_one_hot_word_shows_where_its_1_is():
    """The story model reads one-hot words: at "polluted" the drawing prints xₜ whole, runs of zeros as
    "0 ×k", so the 1 (the word's index in the vocabulary) is on screen, not hidden behind four zeros and "…"."""
    ex = SequenceExplorer(source="story")
    t = ex.time.value
    x = ex.trace.x[0, t]
    k = int(np.flatnonzero(x)[0])
    assert np.count_nonzero(x) == 1 and x[k] == 1 and x.size > 4
    after = x.size - k - 1
    parts = ([f"0 ×{k}"] if k > 1 else ["0"] * k) + ["+1.000"] + ([f"0 ×{after}"] if after > 1 else ["0"] * after)
    assert f"xₜ = [{', '.join(parts)}]" in ex.diagram.value, re.findall(r"xₜ = [^<]*", ex.diagram.value)
    assert "xₜ = [0.000, 0.000" not in ex.diagram.value


def test_explorer_runs_the_demo_on_edited_words_and_loads_files(tmp_path):
    ex = SequenceExplorer(source="demo")
    ex.words.value = "polluted polluted blue"
    ex.run_button.click()
    assert ex.trace.time == 3 and ex.time.max == 2
    np.testing.assert_array_equal(ex.trace.c, demo_trace(["polluted", "polluted", "blue"]).c)

    wide = LSTM(40, seed=1).trace(np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32))
    path = wide.save(tmp_path / "wide.npz")
    ex.path.value = str(path)
    ex.load_button.click()
    assert ex.trace.units == 16 and ex.full_units == 40
    assert "16 most active of 40" in ex.status.value
    assert ex.sample.max == 1
    ex.sample.value, ex.time.value, ex.unit.value = 1, 4, 3
    k = int(ex.trace.unit_index[3])
    assert shown(ex.diagram.value, "c")[1] == [float(wide.c[1, 4, k])]

    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    ex.path.value = str(tmp_path / "bad.npz")
    ex.load_button.click()
    assert "lstm-error" in ex.status.value and "bad.npz" in ex.status.value and "not" in ex.status.value
    ex.words.value = "   "
    ex.run_button.click()
    assert "type at least one word" in ex.status.value


# --- why an LSTM ------------------------------------------------------------------------------
@pytest.mark.parametrize("lang, green, red, said", [
    ("en", "green", "red", r"(\d+) (green|red) lines"),
    ("zh", "绿色", "红色", r"(\d+) 条(绿色|红色)线"),
])
def test_why_an_lstm_text_names_the_line_colours_the_rnn_chart_draws(lang, green, red, said):
    """The plain RNN's sentences are grouped by their gradient; the text counts each group's lines by the colour
    the chart draws them in (green = answered right, red = wrong), never by the sky's colour word."""
    from widgets.memory import groups

    m = MemoryWidget(distractors=40, lang=lang)
    panel = re.search(r'<svg[^>]*lstm-grad-rnn.*?</svg>', m.chart.value, re.S).group(0)
    strokes = re.findall(r'<polyline [^>]*stroke="(#[0-9A-Fa-f]{6})"', panel)
    name = {palette.INPUT: green, palette.FORGET: red}
    idx_groups = groups(m.data["rnn_dh"][:, m.data["colour_step"]])
    rnn_text = m.summary.value.split("</b>:")[-1]
    told = [p for p in re.split(r"[;；]", re.sub(r"<[^>]+>", "", rnn_text)) if re.search(said, p)]
    assert len(told) == len(idx_groups) == 2
    for idx, part in zip(idx_groups, told):
        drawn = {}
        for i in idx:
            drawn[name[strokes[i]]] = drawn.get(name[strokes[i]], 0) + 1
        assert {c: int(n) for n, c in re.findall(said, part)} == drawn, part
    # the legend names the same two colours with the swatches it draws
    legend = re.search(r'class="lstm-legend".*?</div>', m.chart.value, re.S).group(0)
    for colour, word in ((palette.INPUT, green), (palette.FORGET, red)):
        assert re.search(rf'color:{colour};[^>]*>━</span> {word}', legend)


def test_memory_widget_shows_the_recorded_gradients_of_both_trained_models():
    from explainer.story import words as W
    from explainer.story.compare import shipped_table
    from widgets.memory import gradients_over_distance, groups, story_batch, story_models

    m = MemoryWidget(distractors=40)
    data = m.data
    x, y, sents = story_batch(40)
    assert x.shape[1] == 40 + 5 and all(s.distractors == 40 for s in sents)
    assert [W.VOCABULARY[t][0] for t in sents[0].tokens[:2]] == ["the sky", "was"]
    models = story_models()
    g_lstm = models["lstm"].trace_gradients(x, y)[0]
    g_rnn = models["rnn"].trace_gradients(x, y)[0]
    assert g_lstm.kind == "lstm" and g_rnn.kind == "simple_rnn"
    k = data["colour_step"]
    for name, g in (("lstm_dc", g_lstm.dc), ("rnn_dh", g_rnn.dh)):
        norms = np.linalg.norm(g.astype(np.float64), axis=-1)
        np.testing.assert_allclose(data[name], norms / norms[:, -1:], rtol=1e-12)  # every sentence, no median
    # one line per sentence in each panel, coloured by the model's own answer
    for cell in ("lstm", "rnn"):
        panel = re.search(rf'<svg[^>]*lstm-grad-{cell}.*?</svg>', m.chart.value, re.S).group(0)
        strokes = re.findall(r'<polyline [^>]*stroke="(#[0-9A-Fa-f]{6})"', panel)
        right = data["right"][cell]
        assert len(strokes) == data["n"] == 32
        assert strokes == [palette.INPUT if r else palette.FORGET for r in right]
    # the interpretation is the data: the LSTM's range at the colour word, the RNN's groups
    lstm_at = data["lstm_dc"][:, k]
    assert _printed(m.summary.value, "lstm_dc-lo") == lstm_at.min() and _printed(m.summary.value, "lstm_dc-hi") == lstm_at.max()
    rnn_at = data["rnn_dh"][:, k]
    parts = groups(rnn_at)
    assert len(parts) == 2 and np.log10(rnn_at[parts[1]].min()) - np.log10(rnn_at[parts[0]].max()) > 1  # bimodal
    for gi, idx in enumerate(parts):
        assert _printed(m.summary.value, f"rnn_dh-{gi}-lo") == rnn_at[idx].min()
        assert f"on {len(idx)} sentences" in m.summary.value
    assert "groups more than a decade apart" in m.summary.value and "median" not in m.summary.value
    np.testing.assert_array_equal(gradients_over_distance(40)["rnn_dh"], data["rnn_dh"])  # same sentences every time
    for axis in ("steps before the question", "‖∂L/∂sₜ‖ / ‖∂L/∂s_T‖ (log scale)"):
        assert axis in m.chart.value
    # accuracy against distance first: the shipped `story compare` table, the marker at the slider's distance
    table = shipped_table()
    assert m.children.index(m.accuracy) < m.children.index(m.chart)
    d40 = table["distances"].index(40)
    assert _printed(m.accuracy.value, "acc_lstm") == table["lstm"]["accuracy"][d40]
    assert _printed(m.accuracy.value, "acc_rnn_min") == table["rnn"]["min"][d40]
    # the no-memory line is the majority answer of the very sentences scored at 40 filler words
    from explainer.story.analysis import distance_sentences
    counts = np.bincount([s.colour for s in distance_sentences(40, table["per_distance"], table["eval_seed"])])
    assert _printed(m.accuracy.value, "acc_majority") == pytest.approx(counts.max() / counts.sum())
    assert 0.2 < counts.max() / counts.sum() < 0.4
    text = m.summary.value.lower()
    for claim in ("vanish", "explode", "never", "always"):
        assert claim not in text
    m.distractors.value = 60
    assert m.data["T"] == 65 and m.data["right"]["lstm"].sum() >= m.data["right"]["rnn"].sum()
    assert re.search(r"\de[-+]?\d", re.sub(r'data-value="[^"]*"', "", m.summary.value)) is None


def _printed(html: str, name: str) -> float:
    return float(re.search(rf'lstm-val-{name}" data-value="([^"]+)"', html).group(1))


# --- dashboard and command -----------------------------------------------------------------------
def test_dashboard_language_switch():
    from widgets import dashboard

    d = dashboard()
    assert d.tabs.titles == ("Cell-state flow", "Sequence explorer", "What if", "Why an LSTM", "Training timelapse")
    d.language.value = "zh"
    assert d.tabs.titles == ("细胞状态的流动", "序列浏览", "假如……", "为什么需要 LSTM", "训练过程回放")
    assert d.whatif.answers == ("灰色的", "灰色的") and "固定" not in d.whatif.status.value
    assert "遗忘门" in d.cell_flow.diagram.value and "遗忘门" in d.sequence.diagram.value
    assert d.memory.distractors.description == "干扰词数" and "普通 RNN" in d.memory.summary.value


def test_classroom_command(capsys, tmp_path):
    from explainer.cli import main

    assert main(["classroom", "--dry-run", "--port", "9123"]) == 0
    out = capsys.readouterr().out
    assert "--Voila.ip=127.0.0.1" in out and "--port=9123" in out and "classroom.ipynb" in out
    assert "http://127.0.0.1:9123/" in out
    assert main(["classroom", "--port", "80"]) == 2
    assert "between 1024 and 65535" in capsys.readouterr().err
    assert main(["classroom", "--trace", str(tmp_path / "missing.npz"), "--dry-run"]) == 2
    assert "no trace file" in capsys.readouterr().err


def test_the_readmes_gradient_figures_are_what_the_view_shows():
    """The README quotes the *Why an LSTM* tab (32 sentences, 40 distractor words): its ranges at the colour word
    are the view's own numbers, rounded as printed — the LSTM's ‖dL/dc‖ ratio and the RNN's two groups."""
    from pathlib import Path

    from widgets.memory import gradients_over_distance, groups

    text = " ".join((Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").split())
    m = re.search(r"‖dL/dc‖ at the colour word is (\d\.\d+)–(\d\.\d+) of its value at the question on every sentence",
                  text)
    g = re.search(r"(\d\.\d) × 10⁻⁴ to (\d\.\d) × 10⁻⁴ on the (\d+) \"red\" sentences, (\d\.\d+) to (\d\.\d) on the "
                  r"(\d+) \"blue\" and \"green\" ones", text)
    assert m and g, "the README's figures for the Why an LSTM tab moved: keep this test reading them"
    data = gradients_over_distance(40)
    assert data["n"] == 32
    k = data["colour_step"]
    lstm = data["lstm_dc"][:, k]
    assert (float(m.group(1)), float(m.group(2))) == (round(lstm.min(), 2), round(lstm.max(), 2))
    rnn = data["rnn_dh"][:, k]
    low, high = groups(rnn)
    assert (float(g.group(1)), float(g.group(2))) == (round(rnn[low].min() * 1e4, 1), round(rnn[low].max() * 1e4, 1))
    assert int(g.group(3)) == len(low) and {data["colours"][i] for i in low} == {"red"}
    assert (float(g.group(4)), float(g.group(5))) == (round(rnn[high].min(), 2), round(rnn[high].max(), 1))
    assert int(g.group(6)) == len(high) and {data["colours"][i] for i in high} == {"blue", "green"}
