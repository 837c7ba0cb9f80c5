"""The GRU's cell drawing: the numbers it prints are the trace's, in both languages."""
import re

import numpy as np
import pytest

from explainer import GRU
from explainer.glossary import term


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_gru_drawing_prints_the_traced_values(lang):
    from widgets.gru_diagram import gru_cell_svg, gru_narrate

    rng = np.random.default_rng(0)
    tr = GRU(3, seed=1).trace(rng.normal(size=(2, 5, 2)).astype(np.float32))
    svg = gru_cell_svg(tr, 3, unit=1, sample=1, lang=lang)

    def shown(name):
        m = re.search(rf'lstm-val-{name}" data-value="([^"]+)"', svg)
        return float(m.group(1))

    for name in ("z", "r", "h_tilde", "h", "h_prev"):
        assert shown(name) == pytest.approx(float(getattr(tr, name)[1, 3, 1]), abs=1e-6), name
    z = float(tr.z[1, 3, 1])
    assert shown("kept") == pytest.approx(z * float(tr.h_prev[1, 3, 1]), abs=1e-6)
    assert shown("written") == pytest.approx((1 - z) * float(tr.h_tilde[1, 3, 1]), abs=1e-6)
    assert shown("kept") + shown("written") == pytest.approx(shown("h"), abs=1e-6)  # the update gate's mix
    for key in ("update_gate", "reset_gate", "hidden_state"):
        assert term(key, lang) in svg
    assert term("update_gate", lang) in gru_narrate(tr, 3, 1, 1, lang)
    # every value that explains itself names a tooltip bar the drawing has, with a rule that shows it
    assert "<title>" not in svg
    for key in set(re.findall(r'data-tip="([^"]+)"', svg)):
        assert f'class="lstm-tip lstm-tip-{key}"' in svg and f"[data-tip={key}]:focus) .lstm-tip-{key}" in svg, key
    bar = re.search(r'lstm-tip-z"[^>]*>.*?<text[^>]*>([^<]*)</text>', svg).group(1)
    assert bar.startswith("z = σ(z_z)") and bar.endswith(f"{z:+.3f}".replace("-", "−"))
