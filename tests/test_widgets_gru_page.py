"""A GRU's trace in the sequence explorer and on the exported page: its own drawing and equations,
h over time, its three gates named and coloured from the gate table, in English and Chinese; the
page's numbers, read back from the browser's DOM, are the trace's."""
import numpy as np
import pytest

from explainer import GRU
from explainer.gates import GRU_GATES
from explainer.glossary import term


@pytest.fixture(scope="module")
def gru_trace():
    """A GRU(4) over two sequences of 6 steps; the first's last two steps masked."""
    rng = np.random.default_rng(0)
    mask = np.ones((2, 6), bool)
    mask[0, 4:] = False
    return GRU(4, seed=1).trace(rng.normal(size=(2, 6, 3)).astype(np.float32), mask=mask)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_explorer_draws_a_gru_trace_with_its_gates(gru_trace, lang, tmp_path):
    from widgets.sequence import SequenceExplorer

    path = gru_trace.save(tmp_path / "gru.npz")
    ex = SequenceExplorer(lang=lang, source="demo")
    shown = ex.load(path)  # told apart from an LSTM's trace by its file's format
    assert type(shown).__name__ == "GRUTrace"
    ex.unit.value, ex.time.value = 2, 3
    for g in GRU_GATES:  # names and colours from the gate table, in the heatmaps and the drawing
        assert term(g.term, lang) in ex.heatmaps.value and g.color in ex.heatmaps.value
    assert 'lstm-val-h_tilde" data-value="' + repr(float(gru_trace.h_tilde[0, 3, 2])) in ex.diagram.value
    assert term("forget_gate", lang) not in ex.heatmaps.value + ex.diagram.value  # no LSTM gate
    assert "c_t" not in ex.charts.value and "h_t" in ex.charts.value  # a GRU's memory is h alone
    z, hp, ht = (float(getattr(gru_trace, f)[0, 3, 2]) for f in ("z", "h_prev", "h_tilde"))
    assert f"{z:+.3f}".replace("-", "−") in ex.equations.value
    assert abs(z * hp + (1 - z) * ht - float(gru_trace.h[0, 3, 2])) < 1e-6
    ex.time.value = 4  # masked: the status line and the drawing say h was carried over
    assert term("gru_masked_status", lang).format(t=4) in ex.status.value
    assert term("gru_masked_carried", lang) in ex.diagram.value and term("not_used", lang) in ex.equations.value


def test_exported_gru_page_shows_its_gates_and_the_traces_numbers(gru_trace, tmp_path, chromium, screens):
    from explainer import cli

    src = gru_trace.save(tmp_path / "gru.npz")
    out = tmp_path / "gru.html"
    assert cli.main(["export-html", "--trace", str(src), "--out", str(out), "--lang", "both"]) == 0
    html = out.read_text(encoding="utf-8")
    assert 'class="lstm-page lstm-live"' not in html  # a GRU's page replays the trace
    ctx = chromium.new_context(viewport={"width": 1400, "height": 1000}, offline=True)
    try:
        page = ctx.new_page()
        page.goto(out.as_uri())
        assert page.title() == term("gru_page_title", "en")

        def shown(name):
            return float(page.locator(f"#lstm-diagram .lstm-val-{name}").first.get_attribute("data-value"))

        for t in (0, 2, 3):
            page.locator("#lstm-time").fill(str(t))
            page.locator("#lstm-time").dispatch_event("input")
            for f in ("z", "r", "h_tilde", "h", "h_prev", "kept", "written"):
                want = {"kept": gru_trace.z * gru_trace.h_prev,
                        "written": (1 - gru_trace.z) * gru_trace.h_tilde}.get(f, getattr(gru_trace, f, None))
                assert shown(f) == pytest.approx(float(want[0, t, 0]), abs=1e-6), (t, f)
        colours = page.locator("#lstm-diagram rect[stroke]").evaluate_all("es => es.map(e => e.getAttribute('stroke'))")
        assert {g.color for g in GRU_GATES} <= set(colours)  # the gate boxes in the gate table's colours
        heat = page.locator("#lstm-heatmaps").inner_text()
        assert all(term(g.term, "en") in heat for g in GRU_GATES) and term("forget_gate", "en") not in heat
        eq = page.locator("#lstm-equations").inner_text()
        assert "hₜ = z ⊙ hₜ₋₁ + (1 − z) ⊙ h̃" in eq
        page.keyboard.press("End")
        page.keyboard.press("ArrowLeft")  # t = 4: masked in sample 0
        assert term("gru_masked_carried", "en") in page.locator("#lstm-skipped").inner_text()
        assert shown("h") == pytest.approx(float(gru_trace.h_prev[0, 4, 0]), abs=1e-7)
        page.click("button.lstm-lang[data-lang=zh]")
        heat = page.locator("#lstm-heatmaps").inner_text()
        assert all(term(g.term, "zh") in heat for g in GRU_GATES)
        assert page.title() == term("gru_page_title", "zh")
        page.screenshot(path=str(screens / "gru_page_zh_masked.png"), full_page=True)
    finally:
        ctx.close()
