"""Masked steps and other activations in the views: a skipped step is shown as skipped, and
every equation printed is one the traced numbers satisfy.

The traces come from a padded batch run through ``Sequential([Masking(0.0), LSTM(...)])``, as
a Keras user pads sequences; the browser half needs /usr/bin/chromium and ``playwright``.
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from explainer import LSTM, Masking, Sequential
from explainer.activations import lookup
from explainer.glossary import term
from widgets import views
from widgets.charts import line_chart, num, runs
from widgets.diagram import cell_svg, equation_lines, equations_html, step_values
from widgets.export import export_html, page_data
from widgets.sequence import SequenceExplorer


def padded_trace(activation: str = "tanh", recurrent_activation: str = "sigmoid"):
    """Two sequences of 8 steps: the first padded before (3 steps), the second after (2 steps)."""
    x = np.random.default_rng(3).normal(size=(2, 8, 3)).astype(np.float32)
    x[0, :3] = 0.0
    x[1, 6:] = 0.0
    model = Sequential([Masking(0.0, input_shape=(8, 3)),
                        LSTM(4, return_sequences=True, seed=2, activation=activation,
                             recurrent_activation=recurrent_activation)])
    trace = model.trace(2 * x)[0]
    assert trace.mask.tolist() == [[False] * 3 + [True] * 5, [True] * 6 + [False] * 2]
    return trace


def _value(svg: str, name: str) -> float:
    m = re.search(rf'lstm-val-{name}"[^>]*data-value="([^"]+)"', svg)
    assert m, f"no lstm-val-{name} in the drawing"
    return float(m.group(1).split()[0])


def test_masked_step_is_drawn_as_carried_over_not_as_a_cell_update():
    trace = padded_trace()
    for b, t in ((0, 1), (1, 7)):
        opts = views.cell_options(trace, t, b)
        assert opts["masked"]
        for u in range(trace.units):
            svg = cell_svg(trace.step(t), unit=u, sample=b, **opts)
            assert "lstm-cell-masked" in svg and term("masked_carried") in svg
            # the state passes through: the printed c and h are the carried ones, read from the trace
            assert _value(svg, "c") == float(trace.c[b, t, u]) == float(trace.c_prev[b, t, u])
            assert _value(svg, "h") == float(trace.h[b, t, u]) == float(trace.h_prev[b, t, u])
            assert "cₜ = cₜ₋₁ = " in svg and "hₜ = hₜ₋₁ = " in svg
            # no cell update drawn: no valves, no kept/written terms, no ⊗/⊕; the four gates greyed, "not used"
            assert "lstm-valve" not in svg and "lstm-val-kept" not in svg and "lstm-val-written" not in svg
            assert svg.count("lstm-gate-unused") == 4 and svg.count(term("not_used")) >= 4
            assert _value(svg, "f") == float(trace.f[b, t, u])  # what the cell computed there, marked unused
    live = cell_svg(trace.step(4), unit=0, sample=0, **views.cell_options(trace, 4, 0))
    assert "lstm-cell-masked" not in live and "lstm-gate-unused" not in live and live.count("lstm-valve") == 3
    zh = cell_svg(trace.step(1), unit=0, sample=0, lang="zh", **views.cell_options(trace, 1, 0))
    assert term("masked_carried", "zh") in zh and term("not_used", "zh") in zh


def test_masked_equations_say_the_state_was_carried_and_the_gates_unused():
    trace = padded_trace()
    html = equations_html(trace.step(1), unit=2, sample=0, lang="en", **views.cell_options(trace, 1, 0))
    assert "lstm-eq-masked" in html and term("masked_carried") in html
    assert html.count("lstm-eq-unused") == 4 and html.count(term("not_used")) == 4
    c = f"{float(trace.c[0, 1, 2]):.3f}".replace("-", "−")
    assert f"cₜ = cₜ₋₁ = <b>{c}</b>" in html.replace("−0.000", "0.000")
    assert "f ⊙ cₜ₋₁" not in html  # no cell-update equation: the numbers there do not satisfy it
    assert html.count('class="lstm-eq ') == 6  # as many lines as a live step: nothing below moves
    live = equations_html(trace.step(4), unit=2, sample=0, **views.cell_options(trace, 4, 0))
    assert live.count('class="lstm-eq ') == 6 and "lstm-eq-unused" not in live and "f ⊙ cₜ₋₁" in live


def test_a_step_called_masked_whose_state_changed_is_refused():
    trace = padded_trace()
    with pytest.raises(ValueError, match="masked, so c must equal c_prev"):
        step_values(trace.step(4), unit=0, sample=0, masked=True)  # a live step: c was updated


def _num(s: str) -> float:
    return float(s.replace("−", "-").strip("()"))


@pytest.mark.parametrize("act,rec", [("tanh", "sigmoid"), ("relu", "hard_sigmoid"), ("softsign", "sigmoid")])
def test_every_printed_equation_holds_for_the_traced_numbers(act, rec):
    """Each line `g = fn(z_g) = fn(z) = v` and `hₜ = o ⊙ fn(cₜ) = …` names the layer's own
    activation, and applying that function to the traced numbers gives the printed result."""
    trace = padded_trace(act, rec)
    names = {"tanh": act, "sigmoid": rec}
    shown = {"sigmoid": "σ"}
    for b in range(trace.batch):
        for t in range(trace.time):
            opts = views.cell_options(trace, t, b)
            for u in range(trace.units):
                v = step_values(trace.step(t), u, b, masked=opts["masked"])
                lines = equation_lines(v, act, rec, masked=opts["masked"])
                for g in ("i", "f", "g", "o"):
                    a = lookup(names["tanh" if g == "g" else "sigmoid"])
                    fn = shown.get(a.name, a.name)
                    m = re.fullmatch(rf"{g} = {re.escape(fn)}\(z_{g}\) = {re.escape(fn)}\((\S+)\) = (\S+)", lines[g])
                    assert m, lines[g]
                    z = float(trace.z_block(g)[b, t, u])
                    assert _num(m.group(2)) == pytest.approx(float(a.fn(np.float64(z))), abs=6e-4)
                    assert _num(m.group(1)) == pytest.approx(z, abs=6e-3)
                if opts["masked"]:
                    assert lines["c"] == f"cₜ = cₜ₋₁ = {num(v['c'])}" and lines["h"] == f"hₜ = hₜ₋₁ = {num(v['h'])}"
                    assert v["c"] == v["c_prev"] and v["h"] == float(trace.h_prev[b, t, u])
                    continue
                fn = shown.get(lookup(act).name, act)
                m = re.fullmatch(rf"hₜ = o ⊙ {re.escape(fn)}\(cₜ\) = (\S+) × {re.escape(fn)}\((\S+)\) = "
                                 rf"(\S+) × (\S+) = (\S+)", lines["h"])
                assert m, lines["h"]
                o, c, tanh_c, h = (_num(m.group(k)) for k in (1, 2, 4, 5))
                assert tanh_c == pytest.approx(float(lookup(act).fn(np.float64(trace.c[b, t, u]))), abs=6e-4)
                assert h == pytest.approx(o * tanh_c, abs=2e-3)
    if act != "tanh":  # the drawing names it too, in the read-out box and the candidate's box
        svg = cell_svg(trace.step(5), unit=0, sample=0, **views.cell_options(trace, 5, 0))
        assert f">{act}<" in svg and f"{act}(cₜ) = " in svg and "tanh(" not in svg and ">tanh<" not in svg


def test_unbounded_activation_gets_its_own_range_and_colour_scale():
    trace = padded_trace("relu", "hard_sigmoid")
    html = views.heatmaps_html(trace, 0, 0, 0, "en")
    assert "candidate g  [0, ∞)  (relu)" in html and "forget gate f  [0, 1]  (hard_sigmoid)" in html
    top = f"{float(np.abs(trace.g[0]).max()):.3g}"
    assert f">{top}</text>" in html  # the colour bar ends at the largest traced g, not at 1
    h_chart = views.charts_html(trace, 0, 0, 0, "en").split("</svg>")[1]
    top = float(np.abs(trace.h[0]).max())
    ticks = [float(v.replace("−", "-")) for v in re.findall(r'text-anchor="end" fill="#[0-9A-F]{6}">([−\d.]+)</text>', h_chart)]
    assert max(ticks) >= min(top, 1.0) and max(ticks) <= max(top, 1.0) * 1.5  # the h axis reaches the largest |h|
    assert all(round(v * 2) == v * 2 for v in ticks)  # on round ticks (never ±1.01)


def test_runs_of_skipped_steps():
    assert runs([False, True, True, False, True]) == [(1, 2), (4, 4)]
    assert runs([]) == [] and runs([True]) == [(0, 0)] and runs([False, False]) == []


def test_charts_and_heatmaps_hatch_exactly_the_skipped_steps():
    trace = padded_trace()
    for b, skipped in ((0, [0, 1, 2]), (1, [6, 7])):
        assert np.flatnonzero(views.skipped(trace, b)).tolist() == skipped
        html = views.heatmaps_html(trace, 0, 0, b, "en")
        rects = re.findall(r'<rect class="lstm-skipped" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', html)
        assert len(rects) == 4  # one run per sample, in each of the four gate heatmaps
        marker = re.search(r'class="lstm-hm-marker" data-x0="([\d.]+)" data-cw="([\d.]+)"', html)
        x0, cw = float(marker.group(1)), float(marker.group(2))
        x, w = float(rects[0][0]), float(rects[0][1])
        assert (x - x0) / cw == pytest.approx(skipped[0]) and w / cw == pytest.approx(len(skipped))
        assert term("masked_short") in html
        charts = views.charts_html(trace, 0, 0, b, "en")
        assert charts.count('class="lstm-skipped"') == 2 and term("masked_short") in charts
    plain = padded_trace()
    plain.mask = None
    assert "lstm-skipped" not in views.heatmaps_html(plain, 0, 0, 0) + views.charts_html(plain, 0, 0, 0)
    assert "lstm-skipped" not in line_chart([{"y": [0, 1, 2]}], labels=["a", "b", "c"], skipped=[False] * 3)


def test_explorer_status_line_says_a_step_was_skipped(tmp_path):
    trace = padded_trace()
    path = tmp_path / "masked.npz"
    trace.save(path)
    w = SequenceExplorer(lang="en", source="demo")
    w.load(path)  # through the file, as a user does: the mask survives saving
    w.time.value = 1
    assert "lstm-masked-status" in w.status.value and "step 1 was skipped (masked)" in w.status.value
    assert "lstm-cell-masked" in w.diagram.value and "lstm-eq-masked" in w.equations.value
    assert "skipped (masked)" in w.diagram.value  # the drawing's title says it too
    assert not w.error
    w.time.value = 4
    assert "lstm-masked-status" not in w.status.value and "lstm-cell-masked" not in w.diagram.value
    w.sample.value = 1  # the second sequence is padded at its end
    w.time.value = 7
    assert "step 7 was skipped" in w.status.value
    assert float(re.search(r'lstm-val-c"[^>]*data-value="([^"]+)"', w.diagram.value).group(1)) == float(
        trace.c[1, 6, 0])
    w.set_lang("zh")
    assert "第 7 步被跳过" in w.status.value and term("masked_carried", "zh") in w.diagram.value


def test_exported_page_marks_the_skipped_steps(tmp_path):
    trace = padded_trace()
    data = page_data(trace, ("en", "zh"))
    assert data["skipped"] == [True, True, True, False, False, False, False, False]
    for lang in ("en", "zh"):
        frames = data["lang"][lang]["frames"]
        for u in range(trace.units):
            masked = ["lstm-cell-masked" in frames[u][t][0] for t in range(trace.time)]
            assert masked == data["skipped"]
    html = export_html(trace, tmp_path / "page.html", ("en",)).read_text(encoding="utf-8")
    assert 'id="lstm-skipped"' in html


@pytest.mark.browser
def test_exported_page_of_a_masked_trace_in_chromium(tmp_path, chromium, screens):
    trace = padded_trace()
    trace.meta["labels"] = ["<pad>", "<pad>", "<pad>", "the", "sky", "was", "blue", "."]
    path = export_html(trace, tmp_path / "page.html", ("en", "zh"))
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    try:
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        status = page.locator("#lstm-skipped")
        page.keyboard.press("ArrowRight")  # t = 1: padding, skipped
        assert status.is_visible() and "t = 1" in status.text_content()
        assert term("masked_carried") in status.text_content()
        diagram = page.locator("#lstm-diagram")
        assert diagram.locator(".lstm-cell-masked").count() == 1
        assert diagram.locator(".lstm-gate-unused").count() == 4
        assert float(diagram.locator(".lstm-val-c").get_attribute("data-value")) == float(trace.c[0, 1, 0])
        # the heatmaps hatch the three padded columns, labelled
        assert page.locator("#lstm-heatmaps .lstm-skipped").count() == 4
        assert page.locator("#lstm-heatmaps .lstm-skipped-label").first.is_visible()
        page.wait_for_timeout(400)
        page.screenshot(path=str(screens / "page_masked_step_1400x900.png"))
        for _ in range(3):
            page.keyboard.press("ArrowRight")  # t = 4: a real step
        assert status.is_hidden() and diagram.locator(".lstm-cell-masked").count() == 0
        assert float(diagram.locator(".lstm-val-c").get_attribute("data-value")) == float(trace.c[0, 4, 0])
        page.keyboard.press("Home")
        page.locator(".lstm-lang", has_text="中文").click()
        assert term("masked_carried", "zh") in status.text_content()
        assert not errors, errors
    finally:
        page.close()
