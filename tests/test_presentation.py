"""Each presentation idea has one home (explainer.presentation, explainer.glossary, explainer.gates,
animations.chapters) and every front end reads it: these tests pin the rules and look for copies."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from explainer import gates, presentation
from explainer.glossary import LANGS, check_lang, languages
from explainer.presentation import (MINUS, decade, equation, factor, fmt, localise, nice_ticks, parse,
                                    product_digits, sci, tick_text, unit_label, unit_name, unit_phrase)

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("explainer", "animations", "widgets")


def _sources():
    for pkg in PACKAGES:
        yield from sorted((ROOT / pkg).rglob("*.py"))


def test_numbers_have_one_minus_sign_and_no_negative_zero():
    assert fmt(-0.0213) == f"{MINUS}0.02" and fmt(-0.004) == "0.00" and fmt(0.004, 3) == "0.004"
    assert fmt(0.5, signed=True) == "+0.50" and fmt(-0.0001, 3, signed=True) == "0.000"
    assert fmt(float("inf")) == "∞" and fmt(-np.inf) == f"{MINUS}∞" and fmt(np.nan) == "nan"
    assert factor(-1) == f"({MINUS}1.00)" and factor(0.97) == "0.97"
    for v in (-3.14159, 0.0, 2.5e-3, -1e6):
        assert parse(fmt(v, 4)) == pytest.approx(round(v, 4))


def test_shown_products_multiply():
    # 0.9651 × 0.9962 = 0.9614…: at 2 decimals "0.97 × 1.00 = 0.96" would not multiply
    a, b = 0.9651, 0.9962
    d = product_digits([a, b], a * b)
    assert d == 3
    assert fmt(round(a, d) * round(b, d), d) == fmt(a * b, d)
    assert product_digits([0.5, 0.5], 0.25) == 2


@pytest.mark.parametrize("lo, hi", [(-1.01, 1.01), (-1.55, 1.55), (0, 0.37), (-0.003, 0.012), (-250, 9000)])
def test_axis_ticks_are_round(lo, hi):
    ticks = nice_ticks(lo, hi)
    step = ticks[1] - ticks[0]
    mantissa = step / 10 ** np.floor(np.log10(step))
    assert min(abs(mantissa - m) for m in (1, 2, 5, 10)) < 1e-9
    assert lo - 1e-12 <= ticks[0] and ticks[-1] <= hi + 1e-12 and 3 <= len(ticks) <= 8
    assert (lo < 0 < hi) <= (0.0 in ticks)
    labels = [tick_text(t, ticks) for t in ticks]
    assert all("e" not in s for s in labels), labels
    assert all(parse(s) == pytest.approx(t, abs=step / 100) for s, t in zip(labels, ticks))
    assert sci(3.06e-4) == "3.1 × 10⁻⁴" and sci(0.305) == "0.305" and decade(-1) == "0.1"


def test_unit_names_in_every_language():
    meta = {"unit_names": ["blue memory", "unit 1", "colour memory"]}
    assert [unit_name(meta, k, "zh") for k in range(4)] == ["蓝色记忆", "单元 1", "颜色记忆", "单元 3"]
    assert [unit_label(meta, k, "en") for k in range(3)] == ["0: blue memory", "unit 1", "2: colour memory"]
    assert unit_phrase(meta, 0, "en") == "the blue memory unit" and unit_phrase(meta, 1, "zh") == "单元 1"
    assert unit_name({"unit_names_zh": ["记忆甲"], "unit_names": ["memory A"]}, 0, "zh") == "记忆甲"
    assert localise("polluted", "zh") == "污染了" and localise("BTC_close", "zh") == "BTC 收盘价"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        unit_name(meta, 0, "fr")


def test_languages_have_one_home():
    assert languages("both") == LANGS and languages("zh") == ("zh",)
    with pytest.raises(ValueError, match="choose one of en, zh"):
        check_lang("de")
    copies = [f"{p.relative_to(ROOT)}:{n}" for p in _sources() if p.name != "glossary.py"
              for n, line in enumerate(p.read_text().splitlines(), 1)
              if re.search(r"""\(\s*["']en["']\s*,\s*["']zh["']""", line) and not line.lstrip().startswith((">>>", "#"))]
    assert not copies, f"the language list is written again (use explainer.glossary.LANGS): {copies}"


def test_equations_are_written_once():
    from animations.mobjects import EQUATIONS
    from widgets.diagram import equation_lines

    assert equation("c") == "cₜ = f ⊙ cₜ₋₁ + i ⊙ g" and equation("h", activation="relu") == "hₜ = o ⊙ relu(cₜ)"
    assert equation("i") == "i = σ(W_i [hₜ₋₁, xₜ] + b_i)"   # the input gate has its own W_i and b_i
    for k in presentation.EQUATION_ORDER:
        plain = re.sub(r"<[^>]+>", "", EQUATIONS[k])
        assert plain.replace(" ", "") == equation(k).replace("ₜ₋₁", "t−1").replace("ₜ", "t").replace(" ", "").replace("_", ""), k
    v = dict(zf=0.1, zi=0.2, zc=0.3, zo=0.4, f=0.5, i=0.6, g=0.3, o=0.7, c_prev=1.0, c=0.68, tanh_c=0.59, h=0.41)
    lines = equation_lines(v)
    assert lines["c"].startswith(equation("c")) and lines["h"].startswith(equation("h"))
    assert lines["z"] == presentation.z_equation() and lines["f"].startswith("f = σ(z_f)")


def test_trace_table_reads_the_same_equations():
    from explainer.cli import trace_table
    from explainer.demo import demo_trace

    table = trace_table(demo_trace().step(0))
    assert equation("c") in table and equation("h") in table and "f = σ(z_f)" in table
    assert "-" not in re.sub(r"[a-zA-Z_]-[a-zA-Z]", "", table.split("(")[0])  # numbers use the one minus sign


def test_open_and_closed_have_one_threshold():
    assert (gates.CLOSED, gates.OPEN) == (0.1, 0.9)
    assert [gates.openness(v) for v in (0.0999, 0.1, 0.9, 0.9001)] == ["closed", "between", "between", "open"]
    from widgets.diagram import narrate
    from explainer.demo import demo_trace

    tr = demo_trace()
    for t in range(tr.time):
        said = " ".join(narrate(tr.step(t), unit=0))
        f = float(tr.f[0, t, 0])
        assert ("old memory is gone" in said) == (f < gates.CLOSED), (t, f, said)
        assert ("old memory is kept" in said) == (f > gates.OPEN), (t, f, said)
    bare = [f"{p.relative_to(ROOT)}:{n}" for p in _sources() if p.parent.name in ("animations", "widgets")
            for n, line in enumerate(p.read_text().splitlines(), 1)
            if re.search(r"[<>]=?\s*0\.[1259]\b", line) and re.search(r"\b[fio]\b|gate", line)
            and not line.lstrip().startswith("#")]
    assert not bare, f"an open/closed threshold written as a literal (use explainer.gates.openness): {bare}"


def test_scene_order_has_one_home():
    from animations import chapters, cli, scenes

    assert list(scenes.SCENES) == [n for n in chapters.LESSON if n in scenes.SCENES]
    assert cli._available() == tuple(scenes.SCENES)
    for p in _sources():
        tree = ast.parse(p.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Tuple, ast.List)) and p.name != "chapters.py":
                names = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                assert not ({"TitleWhy", "Recap"} <= set(names)), f"{p.relative_to(ROOT)} lists the chapters again"


def test_fonts_have_one_home():
    from animations import source
    from widgets import charts, diagram

    assert source.CJK_FONTS is presentation.CJK_FONTS and source.LATIN_FONTS is presentation.LATIN_FONTS
    assert charts.FONT == diagram.FONT == presentation.CSS_FONTS
    assert "Noto Sans CJK SC" in presentation.CSS_FONTS


def test_the_live_page_draws_in_the_palette():
    from explainer import palette
    from widgets.live import LIVE_CSS

    assert f"font-family: {presentation.CSS_FONTS};" in LIVE_CSS
    for colour in (palette.INK, palette.CELL, palette.FORGET, palette.HIDDEN):
        assert colour in LIVE_CSS


_CJK = "[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]"
_HALF_WIDTH = re.compile(rf"(?<={_CJK})[,:;?!()]|[,:;?!](?={_CJK})")


def test_chinese_ui_text_uses_full_width_punctuation():
    """Every Chinese string the product shows (glossary, UI tables, narration, pages) puts full-width
    punctuation next to Chinese: "颜色：单元", not "颜色:单元". Docstrings and raw strings (patterns) are code."""
    import io
    import tokenize

    assert _HALF_WIDTH.search("颜色:单元") and _HALF_WIDTH.search("单元(r = 1)") and not _HALF_WIDTH.search("颜色：单元")
    found = []
    for p in _sources():
        run, start = [], 0  # adjacent literals are one string: "…保持在 {range}," "在…" reads "…,在…"
        for tok in tokenize.generate_tokens(io.StringIO(p.read_text(encoding="utf-8")).readline):
            if tok.type in (tokenize.NL, tokenize.COMMENT):
                continue
            prefix = re.match(r"[A-Za-z]*", tok.string).group(0).lower()
            body = tok.string[len(prefix):]
            if tok.type == tokenize.STRING and "r" not in prefix and not body.startswith(('"""', "'''")):
                run, start = run + [body[1:-1]], start if run else tok.start[0]
                continue
            text = "".join(run)
            if _HALF_WIDTH.search(text):
                found.append(f"{p.relative_to(ROOT)}:{start} {text[:60]}")
            run = []
    assert not found, "half-width punctuation beside Chinese:\n" + "\n".join(found)
