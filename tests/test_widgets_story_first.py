"""The trained story first: the explorer and the timelapse open on the story model's colour memory,
say what to watch, and the smaller reading defects (ticks, numbers, words on the axes) are gone."""
from __future__ import annotations

import re

import numpy as np
import pytest

from explainer.story import story_trace
from widgets import views
from widgets.charts import axis_labels, decade, heatmap, line_chart, nice_ticks, sci
from widgets.sequence import SequenceExplorer
from widgets.timelapse import TimelapseWidget


def _value(html: str, name: str) -> float:
    return float(re.search(rf'lstm-val-{name}" data-value="([^"]+)"', html).group(1))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_explorer_opens_on_the_story_models_memory_unit_where_its_forget_gate_closes(lang):
    trace = story_trace(lang=lang)
    u = trace.meta["memory_unit"]
    t = trace.meta["words"].index(trace.meta["pollution_word"])
    ex = SequenceExplorer(lang=lang)
    assert ex.trace.meta["source"] == "story" and (ex.time.value, ex.unit.value) == (t, u)
    assert _value(ex.diagram.value, "f") == float(trace.f[0, t, u]) < 0.1
    others = np.delete(trace.f[0, :, u], t)
    watch = ex.watch.value
    for v in (others.min(), others.max(), trace.f[0, t, u], trace.c_prev[0, t, u], trace.c[0, t, u]):
        assert f"{v:.2f}".replace("-", "−") in watch  # every number of the line is the trace's
    assert trace.meta["pollution_word"] in watch and (("Watch" in watch) == (lang == "en"))
    ex.time.value = 3
    ex.language.value = "zh" if lang == "en" else "en"  # switching language keeps the reader's step and unit
    assert (ex.time.value, ex.unit.value) == (3, u)


def test_the_demo_sentence_knows_all_its_words_in_both_languages():
    for lang in ("en", "zh"):
        ex = SequenceExplorer(lang=lang, source="demo")
        assert ex.trace.time == 8
        assert "unknown" not in ex.status.value and "不在演示词表" not in ex.status.value, ex.status.value
        assert ex.time.value == 5 and ex.unit.value == 0  # "polluted": the blue memory's forget gate closes


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_timelapse_ships_the_story_model_learning_in_both_languages(lang):
    w = TimelapseWidget(lang=lang)
    final = w.traces[-1]
    shipped = story_trace(lang=lang)
    np.testing.assert_allclose(final.c, shipped.c, atol=1e-5)  # the recording ends in the shipped model
    assert w.epochs[0] == 0 and w.epochs[-1] == 40 and len(w.epochs) == 41
    assert "lstm-explainer story train --timelapse" in w.status.value  # how to make a new one
    assert views.time_labels(final, lang) == shipped.meta["words"]
    for word in shipped.meta["words"]:
        assert f">{word}<" in w.charts.value, word  # every word under the heatmap, in the reader's language
    u = shipped.meta["memory_unit"]
    assert w.unit.value == u and w.time.value == shipped.meta["words"].index(shipped.meta["pollution_word"])
    w.epoch.value = 0  # before training the forget gate has not learnt to close
    assert _value(w.diagram.value, "f") > 0.3


def test_loss_axis_starts_at_zero_on_round_ticks():
    w = TimelapseWidget()
    loss_svg = [s for s in w.charts.value.split("</svg>") if "lstm-val-loss" in s][0]
    ticks = re.findall(r'text-anchor="end" fill="#[0-9A-Fa-f]{6}">([^<]+)</text>', loss_svg)
    values = [float(v.replace("−", "-")) for v in ticks]
    assert min(values) == 0.0 and all(v >= 0 for v in values), ticks
    assert len(set(ticks)) == len(ticks)


@pytest.mark.parametrize("lo, hi", [(-1.01, 1.01), (-1.55, 1.55), (0.0, 1.2), (-3.3, 0.2)])
def test_ticks_are_round(lo, hi):
    ticks = nice_ticks(lo, hi)
    assert len(ticks) >= 2 and all(lo <= v <= hi for v in ticks)
    step = ticks[1] - ticks[0]
    assert any(np.isclose(step, m * 10.0 ** k) for m in (1, 2, 5) for k in range(-3, 3))
    assert all(np.isclose(v / step, round(v / step)) for v in ticks)
    svg = line_chart([{"y": np.linspace(lo, hi, 5)}], ylim=(lo, hi))
    assert "1.01" not in svg and "1.55" not in svg


def test_numbers_are_never_printed_in_e_notation():
    assert [decade(k) for k in (-4, -1, 0, 2)] == ["10⁻⁴", "0.1", "1", "100"]
    assert sci(0.305) == "0.305" and sci(3.05e-4) == "3.0 × 10⁻⁴" and sci(-2e-7) == "−2.0 × 10⁻⁷"
    svg = line_chart([{"y": [1e-5, 0.3, 1.0], "label": "a", "name": "a"}], log=True, ylim=(-5.3, 0.3), marker=1)
    assert not re.search(r"\de[-+]?\d", re.sub(r'data-value="[^"]*"', "", svg))


def test_zh_axes_show_every_word():
    words = story_trace(lang="zh").meta["words"]
    shown, rotated = axis_labels(words, 390 / len(words) - 6, 10)
    assert shown == list(range(len(words)))
    hm = heatmap(np.zeros((3, len(words))), stops=((0.0, "#FFFFFF"), (1.0, "#FF0000")), col_labels=words)
    for w in words:
        assert f">{w}<" in hm


def test_every_glossary_key_is_defined_once():
    """A key written twice in the glossary silently replaces the first (one view's words in another's mouth)."""
    import inspect
    from collections import Counter

    import explainer.glossary as g

    keys = re.findall(r'^    "([a-z0-9_]+)": \{', inspect.getsource(g), flags=re.M)
    assert [k for k, n in Counter(keys).items() if n > 1] == []


def test_a_bad_cell_link_is_said_at_the_top_in_the_readers_language():
    from widgets import dashboard
    from widgets.cell_flow import DEFAULT

    d = dashboard(lang="zh", cell="x=9,h=0.1")
    assert "?cell=" in d.notice.value and "未能恢复" in d.notice.value and "[-3, 3]" in d.notice.value
    assert not re.search(r"must be|not a setting|cannot read", d.notice.value)  # no English reason in Chinese
    assert d.cell_flow.sliders["x"].value == DEFAULT.x  # the default cell, as the notice says
    d = dashboard(cell="x=0.3")
    assert d.notice.value == "" and d.cell_flow.sliders["x"].value == 0.3


def test_the_source_menu_switches_between_story_demo_and_a_file(tmp_path):
    from explainer import LSTM

    ex = SequenceExplorer()
    assert [v for _, v in ex.source_menu.options] == ["story", "demo"] and ex.source_menu.value == "story"
    ex.source_menu.value = "demo"
    assert ex.trace.time == 8 and ex.unit.value == 0
    path = LSTM(4, seed=1).trace(np.zeros((1, 5, 2), np.float32)).save(tmp_path / "mine.npz")
    ex.load(path)
    assert ex.source_menu.options[-1] == ("mine.npz", "file") and ex.source_menu.value == "file"
    ex.source_menu.value = "story"
    assert ex.trace.meta["source"] == "story"


def test_switching_the_source_tells_the_browser_one_step_only():
    """From the last step, choosing the other source sends the browser the time slider's and ▶'s new step once,
    the step to watch: a 0 sent first came back through the browser's link between ▶ and the slider, after the
    step to watch, and opened the source on step 0 (test_widgets_browser races it for real). The new max goes in
    its own message, ordered so the browser never holds a value past its max: sent together, the slider applied
    the value first, clipped 8 to the old max 7 and sent 7 back."""
    ex = SequenceExplorer()
    sent = []
    for name in ("time", "play"):  # what the kernel sends the browser (a DummyComm here, with no front end)
        getattr(ex, name).comm.send = lambda data=None, _name=name, **kw: sent.append((_name, data.get("state")))
    for source in ("demo", "story", "demo"):
        ex.step_by(+ex.time.max)  # End
        before = ex.time.value
        sent.clear()
        ex.source_menu.value = source
        t, new_max = views.watch_point(ex.trace)[0], ex.trace.time - 1
        value, limit = [("time", {"value": t}), ("play", {"value": t})], [("time", {"max": new_max}),
                                                                        ("play", {"max": new_max})]
        assert sent == (limit + value if new_max >= before else value + limit), (source, sent)
        assert ex.time.value == ex.play.value == t


def test_the_legend_says_what_valves_widths_and_stripes_mean():
    from widgets.cell_flow import CellFlow

    for w in (CellFlow(), SequenceExplorer()):
        assert w.legend.value.count('class="lstm-valve"') == 2 and "lstm-flow-neg" in w.legend.value
        assert "negative" in w.legend.value and "valve" in w.legend.value


def test_a_hovered_value_keeps_a_readable_contrast():
    """The hovered value's halo contrasts with every palette colour a value is printed in (WCAG ratio ≥ 3)."""
    from explainer import palette
    from widgets.diagram import HOVER_HALO, hover_css

    def luminance(hex_colour: str) -> float:
        rgb = [int(hex_colour[k:k + 2], 16) / 255 for k in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    css = hover_css(".x")
    assert HOVER_HALO in css and "#FFD84D" not in css
    for colour in (palette.CELL, palette.CANDIDATE, palette.HIDDEN, palette.INPUT_X, palette.FORGET, palette.INPUT):
        a, b = sorted((luminance(colour), luminance(HOVER_HALO)))
        assert (b + 0.05) / (a + 0.05) >= 3, colour


def test_clicking_a_heatmap_column_goes_to_that_step():
    from widgets.charts import heatmap_columns

    ex = SequenceExplorer()
    L, cw, w = heatmap_columns(ex.trace.time)
    ex.on_heatmap_click({"relativeX": L + 3 * cw + cw / 2, "boundingRectWidth": 1200})
    assert ex.time.value == 3
    ex.on_heatmap_click({"relativeX": (w + views.HEATMAP_GAP) + L + 11 * cw + 2, "boundingRectWidth": 1200})
    assert ex.time.value == 11  # the second map, side by side
    ex.on_heatmap_click({"relativeX": (L + 5 * cw + cw / 2) * 0.5, "boundingRectWidth": w * 0.5})
    assert ex.time.value == 5  # a narrow box shrinks the maps
    ex.on_heatmap_click({"relativeX": 20, "boundingRectWidth": 1200})  # the row labels: no step
    assert ex.time.value == 5
    svg = ex.heatmaps.value.split("</svg>")[0]
    marker = re.search(r'class="lstm-hm-marker" data-x0="(\d+)" data-cw="(\d+)" data-n="\d+" x="(\d+)"', svg)
    assert (int(marker.group(1)), int(marker.group(2))) == (L, cw) and int(marker.group(3)) == L + 5 * cw
