"""The palette is legible and colour-blind safe: WCAG contrast of every text colour on the page, and the six
quantity colours (f, i, g, o, c, h) pairwise apart under simulated colour-vision deficiencies.

Simulation: Machado, Oliveira & Fernandes (2009) matrices at full severity (coloraide's ``machado``
filter); distance: CIEDE2000. Contrast: WCAG 2.1 relative luminance ratio.
"""
from __future__ import annotations

import itertools

import pytest

coloraide = pytest.importorskip("coloraide")
from coloraide import Color  # noqa: E402

from explainer import palette  # noqa: E402

QUANTITIES = ("f", "i", "g", "o", "c", "h")
#: Every colour the lesson, widgets and plots write text in (the quantities, ink, muted captions, x).
TEXT_COLOURS = {**{q: palette.color(q) for q in QUANTITIES}, "ink": palette.INK, "muted": palette.MUTED,
                "x": palette.INPUT_X}
DEFICIENCIES = ("protan", "deutan", "tritan")


def contrast(a: str, b: str) -> float:
    return Color(a).contrast(Color(b), method="wcag21")


def delta_e(a: Color, b: Color) -> float:
    return a.delta_e(b, method="2000")


def test_wcag_contrast_of_the_known_colours():
    """The measure itself: black on white is 21 : 1, white on white 1 : 1, #767676 the AA limit 4.5 : 1."""
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    assert contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("name", sorted(TEXT_COLOURS))
def test_every_text_colour_reaches_wcag_aa_on_the_page(name):
    ratio = contrast(TEXT_COLOURS[name], palette.BACKGROUND)
    assert ratio >= 4.5, f"{name} {TEXT_COLOURS[name]}: {ratio:.2f} : 1 on {palette.BACKGROUND} (needs 4.5 : 1)"


def test_the_simulation_confuses_what_it_should():
    """The check can fail: the old red/green pair (f #E0483E, i #3DAA4E) is far apart to normal vision but
    collapses under deuteranopia, and so does the old blue/purple pair (o, h)."""
    red, green = Color("#E0483E"), Color("#3DAA4E")
    blue, purple = Color("#3A78C9"), Color("#8E56C2")
    assert delta_e(red, green) > 40
    assert delta_e(blue.filter("deutan", method="machado"), purple.filter("deutan", method="machado")) < 10


@pytest.mark.parametrize("deficiency", (None,) + DEFICIENCIES)
def test_the_six_quantity_colours_stay_apart(deficiency):
    cols = {q: Color(palette.color(q)) for q in QUANTITIES}
    if deficiency:
        cols = {q: c.filter(deficiency, method="machado") for q, c in cols.items()}
    for a, b in itertools.combinations(QUANTITIES, 2):
        d = delta_e(cols[a], cols[b])
        assert d >= 10, f"{a} and {b} under {deficiency or 'normal vision'}: ΔE2000 = {d:.1f} < 10"
