"""The live offline page: its JavaScript forward pass against explainer's, its drawing against diagram.py's,
its tokeniser against the story's, what-if clamps, the URL fragment, offline use and the phone layout.

The browser half needs /usr/bin/chromium and the Python ``playwright`` package. Screenshots go to
``$LSTM_EXPLAINER_SCREENSHOTS`` (default: the test's temporary folder), at 1400×900, at 1280×720 with
150 % zoom (853×480 CSS px drawn at device_scale_factor 1.5) and on a 390×844 phone, in en and zh.
"""
from __future__ import annotations

import json
import re
from html import unescape

import numpy as np
import pytest

from explainer import LSTM, Dense, Sequential
from explainer.cell import LSTMCell
from explainer.intervention import Intervention
from explainer.story import sentences, story_model
from explainer.story import story_trace as story_trace_with
from explainer.story.words import tokenise, vocabulary
from explainer.trace import StepTrace
from widgets.diagram import cell_svg, equations_html
from explainer.sources import trace_source
from widgets import views
from widgets.export import demo_source, export_html, load_source

pytestmark = pytest.mark.browser

VIEWS = {"1400x900": ({"width": 1400, "height": 900}, 1.0, False),
         "1280x720_zoom150": ({"width": 853, "height": 480}, 1.5, False),
         "phone_390x844": ({"width": 390, "height": 844}, 3.0, True)}


@pytest.fixture(scope="module")
def story_page(tmp_path_factory):
    return export_html(load_source("story", langs=("en", "zh")), tmp_path_factory.mktemp("live") / "story.html",
                       ("en", "zh"))


@pytest.fixture()
def open_page(chromium):
    """Open a page offline: every request that is not the file itself is aborted and recorded."""
    made = []

    def _open(path, fragment="", view="1400x900"):
        viewport, scale, phone = VIEWS[view]
        ctx = chromium.new_context(viewport=viewport, device_scale_factor=scale, has_touch=phone, is_mobile=phone)
        asked, errors = [], []

        def block(route):
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                asked.append(route.request.url)
                route.abort()

        ctx.route("**/*", block)
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))
        page.goto(path.as_uri() + fragment)
        made.append(ctx)
        page.asked, page.errors = asked, errors
        return page

    yield _open
    for ctx in made:
        ctx.close()


def float64_story() -> Sequential:
    """The shipped story model's weights in a float64 model: the reference the page must match."""
    shipped = story_model()
    m = Sequential([LSTM(3, dtype="float64"), Dense(4, activation="softmax", dtype="float64")])
    m.build((None, len(vocabulary())))
    m.set_weights([np.asarray(w, np.float64) for w in shipped.get_weights()])
    return m


# --- the forward pass ------------------------------------------------------------------------------------------
def random_cases(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    cases = []
    for k in range(n):
        u, d, out = (1, 2, 3, 5, 8)[k % 5], int(rng.integers(1, 7)), int(rng.integers(2, 6))
        scale = (0.5, 1.0, 3.0)[k % 3]
        cases.append({"W": rng.normal(0, scale, (d, 4 * u)), "U": rng.normal(0, scale, (u, 4 * u)),
                      "b": rng.normal(0, scale, 4 * u), "x": rng.normal(0, 2, d), "h": rng.uniform(-1, 1, u),
                      "c": rng.normal(0, 2, u), "Wd": rng.normal(0, 1, (u, out)), "bd": rng.normal(0, 1, out)})
    return cases


def test_page_forward_pass_matches_explainer_on_random_cases(story_page, open_page):
    page = open_page(story_page)
    cases = random_cases(240)
    js = page.evaluate("""cases => cases.map(k => {
        const s = lstmLive.lstmStep({W: k.W, U: k.U, b: k.b}, k.x, k.h, k.c);
        return {z: s.z, i: s.i, f: s.f, g: s.g, o: s.o, c: s.c, tanh_c: s.tanh_c, h: s.h,
                p: lstmLive.readout({W: k.Wd, b: k.bd}, s.h)};
    })""", [{k: np.asarray(v).tolist() for k, v in case.items()} for case in cases])
    worst = 0.0
    for case, got in zip(cases, js):
        u, d = case["U"].shape[0], case["W"].shape[0]
        cell = LSTMCell(u, d, dtype=np.float64)
        cell.params.update(kernel=case["W"], recurrent_kernel=case["U"], bias=case["b"])
        s = cell.step(case["x"][None], case["h"][None], case["c"][None])
        dense = Dense(len(case["bd"]), activation="softmax", dtype="float64")
        dense.build((u,), np.random.default_rng(0))
        dense.set_weights([case["Wd"], case["bd"]])
        p = dense.forward(s.h)
        for name in ("z", "i", "f", "g", "o", "c", "tanh_c", "h"):
            worst = max(worst, float(np.abs(np.asarray(got[name]) - getattr(s, name)[0]).max()))
        worst = max(worst, float(np.abs(np.asarray(got["p"]) - p[0]).max()))
    assert len(cases) >= 200 and worst <= 1e-6, worst
    assert not page.errors and not page.asked


def test_page_runs_the_shipped_story_and_demo_models_exactly(story_page, open_page, tmp_path):
    page = open_page(story_page)
    ref = float64_story()
    data = page.evaluate("JSON.parse(document.getElementById('lstm-data').textContent)")
    assert "story_lstm.npz" in data["carries"] and "LSTM(3) + Dense(4, softmax)" in data["carries"]
    assert "story_lstm.npz" in page.locator("#lstm-carries").text_content()  # the page says what it carries
    # with no fragment it opens on the colour memory at the word where its forget gate shuts
    assert page.evaluate("[lstmLive.state.u, lstmLive.state.t]") == [data["seq"]["memory_unit"], 8]
    worst = 0.0
    for words, _ in sentences(12, max_distractors=30, seed=7):
        x = np.zeros((1, len(words), len(vocabulary())))
        x[0, np.arange(len(words)), [vocabulary().index(w) for w in words]] = 1
        steps, p = page.evaluate("""xs => { const s = lstmLive.run(JSON.parse(document.getElementById('lstm-data')
            .textContent).model, xs); const D = JSON.parse(document.getElementById('lstm-data').textContent);
            return [s.map(q => ({c: q.c, h: q.h, f: q.f})), lstmLive.readout(D.readout, s[s.length - 1].h)]; }""",
                                 x[0].tolist())
        tr = ref.trace(x)[0]
        for name in ("c", "h", "f"):
            worst = max(worst, float(np.abs(np.array([s[name] for s in steps]) - getattr(tr, name)[0]).max()))
        worst = max(worst, float(np.abs(np.asarray(p) - ref.predict(x)[0]).max()))
    assert worst <= 1e-6, worst
    # the demo model: its own page carries its weights and runs its sentence
    demo = demo_source()
    demo_page = open_page(export_html(demo, tmp_path / "demo.html", ("en",)))
    got = demo_page.evaluate("""() => { const D = JSON.parse(document.getElementById('lstm-data').textContent);
        return lstmLive.run(D.model, D.seq.x).map(s => s.c.concat(s.h)); }""")
    want = np.concatenate([demo.c[0], demo.h[0]], axis=1)
    assert np.abs(np.asarray(got) - want).max() <= 1e-6
    assert not page.errors and not demo_page.errors


# --- the drawing ------------------------------------------------------------------------------------------------
def _drawn(svg: str) -> tuple[list[str], list[tuple[str, list[float]]]]:
    """Every text a drawing prints, in order, and every value it carries (class name, numbers)."""
    texts = [unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    values = [(m.group(1), [float(v) for v in m.group(2).split()])
              for m in re.finditer(r'class="lstm-val lstm-val-(\w+)" data-value="([^"]*)"', svg)]
    return texts, values


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_drawing_shows_what_diagram_py_shows(lang, story_page, open_page):
    page = open_page(story_page)
    rng = np.random.default_rng(11)
    for k in range(25):
        u, d = (1, 3, 4)[k % 3], (1, 3, 5)[k % 3]
        cell = LSTMCell(u, d, dtype=np.float64, rng=rng)
        cell.params["bias"][:] = rng.normal(0, 2, 4 * u)
        x = np.eye(d)[[int(rng.integers(d))]] if k % 6 == 5 else rng.normal(0, 2, (1, d))  # k = 5, 11, …: a one-hot word
        s = cell.step(x, rng.uniform(-1, 1, (1, u)), rng.normal(0, 2, (1, u)))
        unit = int(rng.integers(u))
        held = ([], ["f"], ["c", "h"], ["i", "o"], ["g"])[k % 5]  # what a what-if clamp set: said so, not computed
        py = cell_svg(s, unit=unit, lang=lang, held=held)
        js = page.evaluate("""([s, u, lang, held]) => lstmLive.cellSvg(s, u, lang, held)""",
                           [{n: getattr(s, n)[0].tolist() for n in ("x", "h_prev", "c_prev", "z", "i", "f", "g", "o",
                                                                     "c", "tanh_c", "h")}, unit, lang, held])
        (pt, pv), (jt, jv) = _drawn(py), _drawn(js)
        assert jt == pt  # every label and number, in the same order
        # every value's equation (Python's tooltip, the page's tap-to-read line), numbers plugged in
        tips = [unescape(t) for t in re.findall(r'class="lstm-val [^"]*" data-value="[^"]*" data-eq="([^"]*)"', py)]
        assert [unescape(t) for t in re.findall(r'class="lstm-val [^"]*" data-value="[^"]*" data-eq="([^"]*)"', js)] == tips
        assert "<title>" not in py and "<title>" not in js  # no native tooltip: the drawing's own, which a tap shows
        assert any("held here" in t or "由假设固定" in t for t in tips) == bool(held)
        assert [n for n, _ in jv] == [n for n, _ in pv]
        for (_, a), (_, b) in zip(pv, jv):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-15)
        assert js.count("lstm-flow-neg") == py.count("lstm-flow-neg")  # negative flows striped in both
        # and the equations under it, numbers plugged in, with the narration of shut and open gates
        state = {n: getattr(s, n)[0].tolist() for n in ("x", "h_prev", "c_prev", "z", "i", "f", "g", "o", "c",
                                                         "tanh_c", "h")}
        js_eq = page.evaluate("([s, u, lang, held]) => lstmLive.equationsHtml(s, u, lang, held)",
                              [state, unit, lang, held])
        strip = lambda h: re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", h).replace("&nbsp;", " "))).strip()
        assert strip(js_eq) == strip(equations_html(s, unit=unit, lang=lang, held=held))


def test_page_tokenises_like_the_story(story_page, open_page):
    page = open_page(story_page)
    typed = {"en": ["The sky was BLUE, birds sang; the dog polluted. The sky is?", "sky the was  red", "",
                    "the sky turned green — and children's boats sailed slowly", "<b>polluted</b> & the sky"],
             "zh": ["天空原来是蓝色的,鸟儿唱歌小狗污染了 天空现在是", "天空 变成了 绿色的 风吹", "abc天空xyz", "。。。"]}
    for lang, texts in typed.items():
        for text in texts:
            assert page.evaluate("([t, l]) => lstmLive.tokenise(t, l)", [text, lang]) == list(tokenise(text, lang)), text


# --- what if, in the page -----------------------------------------------------------------------------------------
def test_page_what_if_matches_numpy_with_the_same_clamp(story_page, open_page):
    ref = float64_story()
    words = ["the sky", "was", "blue", "birds", "sang", "polluted", "wind", "blew", "the sky", "is"]
    t, unit = words.index("polluted"), 2
    page = open_page(story_page, f"#s={'%20'.join(w.replace(' ', '%20') for w in words)}&t={t}&u={unit}")
    page.select_option("#lstm-iv-field", "f")
    page.fill("#lstm-iv-value", "1")
    page.click("#lstm-iv-add")
    x = np.zeros((1, len(words), len(vocabulary())))
    x[0, np.arange(len(words)), [vocabulary().index(w) for w in words]] = 1
    iv = [Intervention(t, unit, "f", 1.0)]
    want, plain = ref.trace(x, intervene=iv)[0], ref.trace(x)[0]
    for f in ("i", "f", "g", "o", "c", "h"):
        assert abs(float(page.locator(f".lstm-cmp-b-{f}").get_attribute("data-value")) - want.__dict__[f][0, t, unit]) <= 1e-6
        assert abs(float(page.locator(f".lstm-cmp-a-{f}").get_attribute("data-value")) - plain.__dict__[f][0, t, unit]) <= 1e-6
    p2 = [float(e.get_attribute("data-value")) for e in page.locator(".lstm-p2").all()]
    assert np.abs(np.asarray(p2) - ref.predict(x, intervene=iv)[0]).max() <= 1e-6
    assert "f = 1.000 (held here by the what-if, not computed)" in page.locator("#lstm-seq-equations").text_content()
    # the drawing now shows the changed run, every later step recomputed from the clamped state
    page.keyboard.press("End")
    c_last = float(page.locator("#lstm-seq-diagram .lstm-val-c").get_attribute("data-value"))
    assert abs(c_last - want.c[0, -1, unit]) <= 1e-6 and abs(c_last - plain.c[0, -1, unit]) > 0.5
    assert page.locator(".lstm-answer2").get_attribute("data-answer") == "grey"  # what the trained model really does
    assert "iv=5%3A2%3Af%3A1" in page.evaluate("location.hash")
    assert not page.errors


@pytest.mark.parametrize("lang, field, value, said", [
    ("en", "i", "5", "⚠ i must be a number in [0, 1]; 5 is not, so nothing was recomputed"),
    ("en", "g", "-1.5", "⚠ g must be a number in [−1, 1]; -1.5 is not"),
    ("en", "h", "1.2", "⚠ h must be a number in [−1, 1]; 1.2 is not"),
    ("zh", "i", "5", "⚠ i 必须是 [0, 1] 之间的数；5 不是，所以没有重新计算"),
])
def test_page_refuses_a_clamp_outside_its_range(lang, field, value, said, story_page, open_page):
    page = open_page(story_page, f"#lang={lang}")
    c_before = page.locator("#lstm-seq-diagram .lstm-val-c").get_attribute("data-value")
    page.select_option("#lstm-iv-field", field)
    page.fill("#lstm-iv-value", value)
    page.click("#lstm-iv-add")
    assert said in page.locator("#lstm-iv-msg").text_content()
    # nothing recomputed: no what-if answer, no clamp listed, the drawing's c as before
    assert page.locator(".lstm-answer2").count() == 0 and page.locator(".lstm-iv-item").count() == 0
    assert page.locator("#lstm-seq-diagram .lstm-val-c").get_attribute("data-value") == c_before
    assert "iv=" not in page.evaluate("location.hash")
    # a value inside the range is held, and the message goes
    page.fill("#lstm-iv-value", "0" if field != "h" else "0.5")
    page.click("#lstm-iv-add")
    assert page.locator(".lstm-iv-item").count() == 1 and page.locator("#lstm-iv-msg").text_content() == ""
    assert not page.errors


def test_a_new_sentence_clears_the_clamps_and_says_so(story_page, open_page):
    page = open_page(story_page, "#s=the%20sky%20was%20blue%20polluted%20wind%20blew%20the%20sky%20is&t=4&u=2")
    page.select_option("#lstm-iv-field", "f")
    page.fill("#lstm-iv-value", "1")
    page.click("#lstm-iv-add")
    assert page.locator(".lstm-iv-item").count() == 1
    # a trailing space tokenises to the same words: the clamp stays on "polluted"
    page.fill("#lstm-text", "the sky was blue polluted wind blew the sky is ")
    assert page.locator(".lstm-iv-item").count() == 1 and page.locator("#lstm-iv-msg").text_content() == ""
    # a new sentence: step 4 is now "sang"; the clamp would silently hold another word, so it goes
    page.fill("#lstm-text", "the sky was blue birds sang polluted the sky is")
    assert page.locator(".lstm-iv-item").count() == 0 and page.locator(".lstm-answer2").count() == 0
    assert page.locator("#lstm-iv-msg").text_content() == "the sentence changed, so the what-ifs were cleared"
    assert "iv=" not in page.evaluate("location.hash")
    page.click(".lstm-lang[data-lang=zh]")
    assert page.locator("#lstm-iv-msg").text_content() == "句子变了，所以假设已清除"
    assert not page.errors


def test_a_saved_what_if_trace_opens_with_its_clamp_held(open_page, tmp_path):
    held = story_trace_with(intervene=[Intervention(8, 2, "f", 1.0)])
    path = held.save(tmp_path / "held.npz")
    page = open_page(export_html(load_source(str(path)), tmp_path / "held.html", ("en",)))
    assert page.locator(".lstm-answer2").get_attribute("data-answer") == held.meta["prediction"]
    assert float(page.locator(".lstm-cmp-b-f").get_attribute("data-value")) == 1.0
    assert abs(float(page.locator(".lstm-cmp-b-c").get_attribute("data-value")) - held.c[0, 8, 2]) <= 1e-6
    assert not page.errors


# --- state in the link; hostile links --------------------------------------------------------------------------------
def test_the_link_restores_the_whole_state(story_page, open_page):
    page = open_page(story_page)
    page.fill("#lstm-text", "the sky was red birds sang polluted the sky is")
    page.click(".lstm-word >> text=polluted")
    page.select_option("#lstm-unit", "1")
    page.select_option("#lstm-iv-field", "i")
    page.fill("#lstm-iv-value", "0")
    page.click("#lstm-iv-add")
    page.locator(".lstm-lang", has_text="中文").click()
    page.locator(".lstm-tab[data-tab=cell]").click()
    page.locator("#lstm-sl-zf").fill("-2.5")
    page.locator(".lstm-tab[data-tab=sentence]").click()
    before = {k: page.locator(k).text_content() for k in ("#lstm-step", "#lstm-probs", "#lstm-seq-equations")}
    assert "污染了" in before["#lstm-step"]
    assert page.locator("#lstm-carries").text_content().startswith("在本页面中计算（无需服务器）：")  # the footer too
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("#lstm-copy")
    link = page.evaluate("location.href")
    assert page.evaluate("navigator.clipboard.readText()") == link
    again = open_page(story_page, "#" + link.split("#", 1)[1])
    assert {k: again.locator(k).text_content() for k in before} == before
    again.locator(".lstm-tab[data-tab=cell]").click()
    assert again.locator("#lstm-sl-zf").input_value() == "-2.5"
    assert not page.errors and not again.errors


HOSTILE = ["#s=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&tab=sentence",
           "#u=99&t=-4&lang=fr&tab=%3Cscript%3E&iv=1:7:f:9,2:0:x:1,3:0:c:NaN,a:b:c:d,,::::",
           "#cell.zf=1e400&cell.x=abc&s=" + "a" * 5000,
           "#iv=" + ",".join(f"{k}:0:h:0.5" for k in range(500)),
           "#%%%&&&==#?\\u0000"]


@pytest.mark.parametrize("fragment", HOSTILE)
def test_hostile_fragments_are_ignored_not_run(fragment, story_page, open_page):
    page = open_page(story_page, fragment)
    assert page.locator("img").count() == 0 and page.locator("script").count() == 2  # the data and the code, nothing added
    assert page.locator("#lstm-seq-diagram .lstm-cell-diagram").count() + \
        page.locator("#lstm-seq-diagram").text_content().count(" ") >= 1  # it draws (or says no word is known)
    state = page.evaluate("lstmLive.state")
    assert 0 <= state["u"] < 3 and state["lang"] in ("en", "zh") and state["tab"] in ("cell", "sentence")
    assert len(state["iv"]) <= 20 and all(q["u"] < 3 and q["f"] in "ifgoch" for q in state["iv"])
    assert all(np.isfinite(v) and -6 <= v <= 6 for v in state["sl"].values())
    assert not page.errors, page.errors


#: (a link's fragment, what the page must say it left out) — shown as text, in the page's language
NOT_UNDERSTOOD = [
    ("#tab=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&u=1", "tab=<img src=x onerror=alert…"),
    ("#u=99&t=1e999", "u=99, t=1e999"),
    ("#cell.zf=1e400&cell.x=%22%3E%3Cscript%3Ealert(2)%3C%2Fscript%3E&tab=cell", "cell.x=\"><script>alert(2)</scri…"),
    ("#lang=fr&%3Csvg%20onload%3Dalert(3)%3E=1", "<svg onload=alert(3)>=1, lang=fr"),
    ("#t=" + "9" * 5000, "… (5002 > 2000)"),
]


@pytest.mark.parametrize("fragment,said", NOT_UNDERSTOOD, ids=[f[:24] for f, _ in NOT_UNDERSTOOD])
def test_a_link_that_is_not_understood_is_said_not_run(fragment, said, story_page, open_page):
    page = open_page(story_page, fragment)
    note = page.locator("#lstm-link-note")
    assert note.is_visible() and "was not understood" in note.text_content() and said in note.text_content(), \
        note.text_content()
    assert note.inner_html() == note.text_content().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert page.locator("img").count() == 0 and page.locator("script").count() == 2
    assert page.evaluate("document.querySelectorAll('[onerror],[onload]').length") == 0
    assert not page.errors, page.errors  # no dialog fired, no script error
    state = page.evaluate("lstmLive.state")
    assert 0 <= state["u"] < 3 and state["lang"] in ("en", "zh")
    again = open_page(story_page, "#" + page.evaluate("lstmLive.fragment()")[1:])  # the page's own link: all understood
    assert again.locator("#lstm-link-note").is_hidden() and not again.errors


def test_a_link_not_understood_is_said_in_chinese(story_page, open_page):
    page = open_page(story_page, "#lang=zh&u=-1")
    assert page.locator("#lstm-link-note").text_content() == "⚠ 链接中有部分无法识别，已忽略：u=-1"


# --- the cell tab ----------------------------------------------------------------------------------------------------
def test_cell_sliders_redraw_the_cell(story_page, open_page):
    page = open_page(story_page, "#tab=cell")
    page.locator("#lstm-sl-zf").fill("-4")
    page.locator("#lstm-sl-c_prev").fill("2")
    f = float(page.locator("#lstm-cell-diagram .lstm-val-f").get_attribute("data-value"))
    assert f == pytest.approx(1 / (1 + np.exp(4)), abs=1e-12)
    kept = float(page.locator("#lstm-cell-diagram .lstm-val-kept").get_attribute("data-value"))
    assert kept == pytest.approx(f * 2, abs=1e-12)
    assert "cₜ = f ⊙ cₜ₋₁ + i ⊙ g" in page.locator("#lstm-cell-equations").text_content()


def test_a_sideways_swipe_on_a_phone_steps_and_never_leaves_the_page(story_page, open_page):
    """On a 390×844 touch phone a right swipe (x 80 → 300) over the drawing went back in the browser's history
    (the page was lost): the swipe steps back one word and the page stays."""
    page = open_page(story_page, "#t=5&u=2", "phone_390x844")
    page.wait_for_timeout(200)
    page.evaluate("window.lstmStillHere = 1")   # gone if the document is left, even for a moment
    box = page.locator("#lstm-seq-diagram").bounding_box()
    y = box["y"] + min(box["height"] / 2, 300)
    page.evaluate(f"window.scrollTo(0, {max(0, y - 400)})")
    box = page.locator("#lstm-seq-diagram").bounding_box()
    y = box["y"] + box["height"] / 2
    cdp = page.context.new_cdp_session(page)
    point = lambda x: [{"x": x, "y": y, "id": 1}]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": point(80)})
    for x in range(100, 301, 20):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": point(x)})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_timeout(300)
    assert page.url.split("#")[0] == story_page.as_uri() and page.evaluate("window.lstmStillHere") == 1
    assert page.evaluate("lstmLive.state.t") == 4   # a right swipe is one step back
    # why the browser leaves it alone: no sideways overscroll, only vertical panning on the drawing, and a
    # sideways touchmove there is cancelled while an upright one (scrolling the page) is not
    styles = page.evaluate("""() => [getComputedStyle(document.documentElement).overscrollBehaviorX,
      getComputedStyle(document.body).overscrollBehaviorX, getComputedStyle(document.getElementById('lstm-seq-diagram')).touchAction]""")
    assert styles[:2] == ["none", "none"] and styles[2].startswith("pan-y"), styles
    cancelled = page.evaluate("""() => { const el = document.getElementById('lstm-seq-diagram');
      const t = (x, y) => [new Touch({identifier: 2, target: el, clientX: x, clientY: y})];
      const move = (x, y) => { el.dispatchEvent(new TouchEvent('touchstart', {touches: t(80, 300), changedTouches: t(80, 300), bubbles: true, cancelable: true}));
        const e = new TouchEvent('touchmove', {touches: t(x, y), changedTouches: t(x, y), bubbles: true, cancelable: true});
        el.dispatchEvent(e); el.dispatchEvent(new TouchEvent('touchend', {changedTouches: t(80, 300), bubbles: true}));
        return e.defaultPrevented; };
      return [move(200, 310), move(85, 420)]; }""")
    assert cancelled == [True, False]
    assert page.evaluate("lstmLive.state.t") == 4 and not page.errors


# --- offline at three sizes, two languages; the phone ----------------------------------------------------------------
@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_page_offline_at_every_size(view, lang, story_page, open_page, screens):
    page = open_page(story_page, f"#lang={lang}&t=8&u=2", view)
    viewport, _, phone = VIEWS[view]
    page.wait_for_timeout(200)
    context = page.locator("#lstm-context").text_content()
    assert ("grey" if lang == "en" else "灰色的") in context
    assert context.endswith(views.watch_line(trace_source("story", lang), lang))  # the classroom's line, same numbers
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]  # nothing overflows sideways
    toolbar = page.locator(".lstm-bar-top").bounding_box()
    assert toolbar["height"] <= 0.2 * viewport["height"] or not phone, toolbar
    if phone:
        assert not page.locator(".lstm-hint").is_visible()  # no keyboard hint on a touch screen
        small = page.evaluate("""() => { const out = [];
          document.querySelectorAll('body *').forEach(e => {
            const own = Array.from(e.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join('');
            if (!/[0-9]/.test(own)) return;
            const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
            if (!r.width || cs.visibility === 'hidden' || cs.display === 'none' || e.closest('[hidden]')) return;
            let size = parseFloat(cs.fontSize);
            const svg = e.closest('svg');
            if (svg) size = parseFloat(e.getAttribute('font-size')) * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            if (size < 14) out.push([own, size]);
          }); return out; }""")
        assert small == [], small
        # swipe left over the drawing: the next step
        page.evaluate("""() => { const el = document.getElementById('lstm-seq-diagram');
          const t = (x) => [new Touch({identifier: 1, target: el, clientX: x, clientY: 300})];
          el.dispatchEvent(new TouchEvent('touchstart', {changedTouches: t(300), bubbles: true}));
          el.dispatchEvent(new TouchEvent('touchend', {changedTouches: t(120), bubbles: true})); }""")
        assert page.evaluate("lstmLive.state.t") == 9
        page.locator("#lstm-seq-diagram .lstm-gate").first.tap()  # tap, not hover: the gate's equation, in large type
        assert page.locator("#lstm-tip").text_content().startswith("f = σ(z_f) = σ(")
        assert float(page.evaluate("parseFloat(getComputedStyle(document.getElementById('lstm-tip')).fontSize)")) >= 14
    narration = page.locator("#lstm-seq-equations .lstm-narration")
    assert narration.text_content().strip()  # never empty: at the opening step it says what the gates do
    if view == "1280x720_zoom150":  # the projector: numbers ≥ 16 CSS px, the equations and narration on screen
        sizes = page.evaluate("""() => Array.from(document.querySelectorAll('#lstm-seq-diagram text.lstm-val')).map(e => {
          const svg = e.closest('svg'), k = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
          return [e.textContent, parseFloat(e.getAttribute('font-size')) * k, e.getBoundingClientRect().height]; })""")
        assert len(sizes) == 16 and min(min(a, b) for _, a, b in sizes) >= 16, sorted(sizes, key=lambda v: v[1])[:3]
        for sel in ("#lstm-seq-equations .lstm-eq-f", "#lstm-seq-equations .lstm-eq-h", "#lstm-seq-equations .lstm-narration"):
            box = page.locator(sel).bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (sel, box)
    if phone:  # a tap on a gate focuses it (what shows a drawing's tooltip) and puts its equation in large type
        gate = page.locator("#lstm-seq-diagram .lstm-gate-o")
        gate.tap()
        assert page.evaluate("document.activeElement.classList.contains('lstm-gate-o')")
        assert page.locator("#lstm-tip").text_content() == gate.get_attribute("data-eq")
        assert page.locator("#lstm-tip").text_content().startswith("o = σ(z_o)")
        assert not page.locator("#lstm-seq-diagram .lstm-tips").is_visible()  # its 8 px bar gives way to the line
    page.screenshot(path=str(screens / f"live_{lang}_{view}.png"), full_page=phone)
    assert not page.errors and page.asked == [], page.asked


def test_keys_heatmaps_and_tooltips_on_a_desk(story_page, open_page):
    """A clicker's PageDown/PageUp step from anywhere, even the sentence box; ← → Home End wherever nothing
    edits them; hovering a value shows its equation; the heatmaps are the recorded page's pictures of the
    opening sentence, marked at the step, and a click on a column goes to that step."""
    page = open_page(story_page, "#t=8&u=2")
    state = lambda: page.evaluate("lstmLive.state.t")
    page.locator("#lstm-text").focus()
    for key, want in (("PageDown", 9), ("PageUp", 8), ("ArrowRight", 8), ("Home", 8)):  # the box keeps ← → Home
        page.keyboard.press(key)
        assert state() == want, key
    page.locator("#lstm-seq-diagram .lstm-val-c").focus()  # a value of the drawing has the focus (a tap did it)
    for key, want in (("ArrowRight", 9), ("End", 12), ("Home", 0), ("PageDown", 1), ("ArrowLeft", 0)):
        page.keyboard.press(key)
        assert state() == want, key
    page.locator("#lstm-seq-diagram .lstm-val-h").hover()  # the pointer over a value: its equation, in a bar
    visible = lambda k: page.locator(f"#lstm-seq-diagram .lstm-tip-{k}").evaluate("e => getComputedStyle(e).visibility")
    assert visible("h") == "visible" and visible("f") == "hidden"
    assert page.locator("#lstm-seq-diagram .lstm-tip-h").text_content().startswith("hₜ = o ⊙ tanh(cₜ)")
    page.locator("#lstm-seq-diagram .lstm-gate-f").click()  # a click or tap focuses the gate: its bar, not h's
    page.mouse.move(5, 5)
    assert visible("f") == "visible" and visible("h") == "hidden"
    assert page.locator("#lstm-seq-diagram .lstm-tip-f").text_content() == page.locator(
        "#lstm-seq-diagram .lstm-gate-f").get_attribute("data-eq")
    trace = load_source("story", langs=("en",))
    carried = page.evaluate("JSON.parse(document.getElementById('lstm-data').textContent).heatmaps.en.html")
    assert carried == views.heatmaps_html(trace, *views.watch_point(trace), 0, "en")  # the recorded page's drawing
    assert page.locator("#lstm-heatmaps rect[fill^='#']").count() == 4 * trace.units * trace.time  # every gate, unit, word
    svg = page.locator("#lstm-heatmaps svg.lstm-heatmap").nth(1)
    cell = svg.locator(".lstm-hm-cell").nth(2 * trace.time + 8)  # the forget gate of the colour memory at "polluted"
    cell.locator("rect").hover()
    assert cell.locator(".lstm-hm-tip").is_visible()
    assert cell.locator(".lstm-hm-tip").text_content() == f"2: colour memory · polluted = {trace.f[0, 8, 2]:.3f}"
    marker = svg.locator(".lstm-hm-marker")
    x0, cw = float(marker.get_attribute("data-x0")), float(marker.get_attribute("data-cw"))
    assert float(marker.get_attribute("x")) == x0  # marked at t = 0, where the keys left it
    svg.click(position={"x": (x0 + 5.5 * cw) * svg.bounding_box()["width"] / float(svg.get_attribute("width")), "y": 40})
    assert state() == 5 and float(marker.get_attribute("x")) == x0 + 5 * cw
    page.locator("#lstm-text").fill("the sky was red")  # another sentence: no stale heatmaps, a note says why
    assert page.locator("#lstm-heatmaps svg").count() == 0
    assert "opened with" in page.locator("#lstm-hm-note").text_content()
    assert not page.errors
