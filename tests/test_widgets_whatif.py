"""The what-if view: clamps rerun the trained story model; the numbers shown are the recomputed ones."""
from __future__ import annotations

import re

import numpy as np

from explainer.intervention import Intervention
from explainer.story import story_trace
from widgets.whatif import WhatIf


def _values(html: str, name: str) -> list[float]:
    return [float(v) for v in re.findall(rf'lstm-val-{name}" data-value="([^"]+)"', html)]


def test_hold_the_colour_memory_open_at_polluted():
    w = WhatIf()
    t, u = w.step.value, w.unit.value
    assert w.original.meta["words"][t] == "polluted" and u == w.original.meta["memory_unit"]  # opens where it matters
    assert w.answers == ("grey", "grey") and "→" in w.status.value
    w.field.value, w.value.value = "f", 1.0
    w.add.click()
    want = story_trace(intervene=[Intervention(t, u, "f", 1.0)])
    np.testing.assert_array_equal(w.changed.c, want.c)
    # the two drawings side by side: the original's c and the what-if's c at this step
    assert _values(w.pair.value, "c") == [float(w.original.c[0, t, u]), float(want.c[0, t, u])]
    assert _values(w.pair.value, "f") == [float(w.original.f[0, t, u]), 1.0]
    assert _values(w.charts.value, "c_what_if") == [float(want.c[0, t, u])]
    assert w.answers == ("grey", want.meta["prediction"]) and "f = 1.000" in w.status.value
    # shut "polluted" out of every unit: the model answers the first colour
    for unit in range(3):
        w.hold(t, unit, "f", 1.0)
        w.hold(t, unit, "i", 0.0)
    assert w.answers == ("grey", "blue") and len(w.interventions) == 6
    w.set_lang("zh")  # the same clamps, retold in Chinese
    assert w.answers == ("灰色的", "蓝色的") and "假如" in w.status.value
    w.clear.click()
    assert w.interventions == [] and w.answers == ("灰色的", "灰色的")


def test_the_value_slider_follows_the_field():
    w = WhatIf(["the sky", "was", "red", "birds", "sang", "the sky", "is"])
    w.field.value = "c"
    assert (w.value.min, w.value.max) == (-3.0, 3.0)
    w.value.value = -2.5
    w.field.value = "o"
    assert (w.value.min, w.value.max) == (0.0, 1.0) and w.value.value == 0.0


def test_a_value_outside_its_range_is_refused_and_nothing_is_rerun():
    import pytest
    w = WhatIf(["the sky", "was", "red", "birds", "sang", "the sky", "is"])
    for field, value, said in (("i", 5.0, r"gate i lives in \[0, 1\]"), ("h", 1.2, r"state h lives in \[-1, 1\]")):
        with pytest.raises(ValueError, match=said):
            w.hold(0, 0, field, value)
    assert w.interventions == [] and w.changed is w.original


def test_a_saved_what_if_trace_says_what_was_held(tmp_path):
    """A trace made with a clamp, saved and opened elsewhere: the views say the value was held, not computed."""
    from widgets.export import export_html, load_source
    from widgets.sequence import SequenceExplorer

    held = story_trace(intervene=[Intervention(8, 2, "f", 1.0)])
    path = held.save(tmp_path / "held.npz")
    ex = SequenceExplorer()
    ex.load(str(path))
    assert not ex.error
    ex.unit.value, ex.time.value = 2, 8
    ex.redraw()
    assert "f = 1.000 (held here by the what-if, not computed)" in ex.equations.value
    ex.time.value = 9
    ex.redraw()
    assert "held here" not in ex.equations.value  # the next step is computed, from the held state
    html = export_html(load_source(str(path)), tmp_path / "held.html", live=False).read_text(encoding="utf-8")
    assert "held here by the what-if" in html
    from widgets.live import live_data  # the live page opens with the clamp held (tests/test_widgets_live.py runs it)
    assert live_data(load_source(str(path)), ("en",))["start"]["iv"] == [{"t": 8, "u": 2, "f": "f", "v": 1.0}]
