"""Real browser: `lstm-explainer classroom` serves the dashboard, Debian's Chromium moves a slider.

Needs /usr/bin/chromium (``apt-get install -y chromium``) and the Python ``playwright``
package; the browser is never downloaded (no ``playwright install``).
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest


pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
#: A path Voilà answers (403) without starting a kernel: asking for the page itself would start one per poll.
NO_KERNEL = "voila/static/none"


def _wait_until_serving(proc: subprocess.Popen, url: str, what: str, seconds: float = 90) -> None:
    """Poll ``url`` until it answers; fail with the server's last output if it dies, or after ``seconds``
    (the caller's teardown stops a server that is still running)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:  # an error page is an answer: the server is up
            return
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                # a server that is still running may hold its pipe open: read its output only once it ended
                out = proc.stdout.read()[-2000:] if proc.poll() is not None else f"no answer in {seconds:.0f} s"
                pytest.fail(f"{what} did not come up at {url}: {out}")
            time.sleep(0.5)


@pytest.fixture(scope="module")
def classroom():
    """Start the classroom on a free port; yield its URL; always tear the whole process group down."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium (apt-get install -y chromium)")
    import socket
    with socket.socket() as s:  # a free port other than 8866, so a running classroom is never hit
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "explainer.cli", "classroom", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        first = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", first)
        assert m, f"classroom did not print its URL; it said: {first!r}"
        url = m.group(0)
        _wait_until_serving(proc, url + NO_KERNEL, "Voilà")
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the CLI stops Voilà, which shuts its kernel down
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.stdout.close()


def _reference_c(x: float) -> float:
    """c_t of the dashboard's default cell after x_t is set to ``x``, from a fresh reference cell."""
    from explainer import LSTMCell
    from widgets.cell_flow import DEFAULT

    cell = LSTMCell(1, 1)
    cell.params["kernel"][0] = [DEFAULT.W[b] for b in "ifco"]
    cell.params["recurrent_kernel"][0] = [DEFAULT.U[b] for b in "ifco"]
    cell.params["bias"][:] = [DEFAULT.b[b] for b in "ifco"]
    s = cell.step(np.array([[x]], np.float32), np.array([[DEFAULT.h]], np.float32),
                  np.array([[DEFAULT.c]], np.float32))
    return float(s.c[0, 0])


def test_dashboard_slider_moves_cell_state_in_chromium(classroom, chromium, tmp_path):
    from widgets.diagram import fmt

    page = chromium.new_page(viewport={"width": 1280, "height": 1400})
    try:
        page.goto(classroom, timeout=90_000)
        page.wait_for_selector(".widget-slider", timeout=90_000)
        c_text = page.locator(".lstm-cellflow-diagram .lstm-val-c")
        c_text.wait_for(timeout=60_000)
        before = c_text.text_content()
        assert before == f"cₜ = {fmt(_reference_c(0.5))}", before

        handle = page.locator(".lstm-slider-x .noUi-handle")
        handle.click()
        for _ in range(4):
            page.keyboard.press("ArrowRight")
        readout = page.locator(".lstm-slider-x .widget-readout")
        page.wait_for_function("() => document.querySelector('.lstm-slider-x .widget-readout')"
                               ".textContent.trim() !== '0.50'", timeout=20_000)
        x = float(readout.text_content().strip())
        assert x != 0.5
        expected = f"cₜ = {fmt(_reference_c(x))}"
        page.wait_for_function(
            "e => document.querySelector('.lstm-cellflow-diagram .lstm-val-c').textContent === e",
            arg=expected, timeout=20_000)
        after = c_text.text_content()
        assert after == expected and after != before
        shot = tmp_path / "classroom.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}  (x_t {0.5} -> {x}: {before} -> {after})")
        assert shot.stat().st_size > 10_000
    finally:
        page.close()


def test_sequence_explorer_plays_and_switches_language_in_chromium(classroom, chromium, tmp_path):
    """Play (linked to the time slider in the browser) advances t; the diagram shows the story trace at t,
    opened on its colour memory at "polluted"."""
    from explainer.story import story_trace
    from widgets.diagram import fmt

    trace = story_trace()
    u = trace.meta["memory_unit"]
    start = trace.meta["words"].index(trace.meta["pollution_word"])
    page = chromium.new_page(viewport={"width": 1280, "height": 1600})
    try:
        page.goto(classroom, timeout=90_000)
        page.wait_for_selector(".lstm-cellflow-diagram .lstm-val-c", timeout=90_000)
        page.locator(".lm-TabBar-tab").nth(1).click()
        readout = page.locator(".lstm-slider-time .widget-readout")
        readout.wait_for(timeout=20_000)
        assert readout.text_content().strip() == str(start)
        page.locator(".widget-play button").first.click()  # ▶ plays to the last step and stops there
        last = trace.time - 1
        page.wait_for_function("n => document.querySelector('.lstm-slider-time .widget-readout')"
                               ".textContent.trim() === String(n)", arg=last, timeout=30_000)
        t = int(readout.text_content().strip())
        assert t == last
        expected = f"cₜ = {fmt(float(trace.c[0, t, u]))}"
        assert expected != f"cₜ = {fmt(float(trace.c[0, start, u]))}"  # the last step looks different
        page.wait_for_function(
            "e => document.querySelector('.lstm-seq-diagram .lstm-val-c').textContent === e",
            arg=expected, timeout=20_000)
        page.locator(".lstm-language button", has_text="中文").click()
        page.wait_for_function("() => document.querySelector('.lstm-seq-diagram').textContent.includes('遗忘门')",
                               timeout=20_000)
        shot = tmp_path / "sequence_zh.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}  (played to t = {t}, {expected})")
    finally:
        page.close()


# --- screenshots at a desk and on a projector; layout checks ------------------------------------------
VIEWS = {"1400x900": ({"width": 1400, "height": 900}, 1.0),
         # 1280×720 at 150 % zoom: Chrome then lays the page out in 853×480 CSS px, drawn 1.5× larger
         "1280x720_zoom150": ({"width": 853, "height": 480}, 1.5)}


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_dashboard_layout_fits_the_screen(view, classroom, chromium, screens):
    """Sliders beside the drawing on a wide screen; on a projector at 150 % the drawing and the
    sliders that move it are both on screen without scrolling."""
    viewport, scale = VIEWS[view]
    ctx = chromium.new_context(viewport=viewport, device_scale_factor=scale)
    page = ctx.new_page()
    try:
        _load(page, classroom, settle_ms=500)
        drawing = page.locator(".lstm-cellflow-diagram svg").bounding_box()
        c_label = page.locator(".lstm-cellflow-diagram .lstm-val-c").bounding_box()
        h_label = page.locator(".lstm-cellflow-diagram .lstm-val-h").bounding_box()
        x_slider = page.locator(".lstm-slider-x").bounding_box()
        b_slider = page.locator(".lstm-cf-controls .lstm-gate-selected .lstm-slider-b_f").bounding_box()
        page.screenshot(path=str(screens / f"classroom_cellflow_{view}.png"))
        for label in (c_label, h_label):  # c_t and h_t are never cut off
            assert label["x"] + label["width"] <= viewport["width"] + 1, (view, label)
        assert x_slider["x"] >= drawing["x"] + drawing["width"] - 1, ("sliders beside the drawing", x_slider, drawing)
        assert b_slider["y"] + b_slider["height"] <= viewport["height"] + 1, ("a gate's sliders on screen", b_slider)
        assert drawing["y"] + drawing["height"] <= viewport["height"] + 1, ("the whole drawing on screen", drawing)
        page.locator(".lm-TabBar-tab").nth(1).click()
        page.locator(".lstm-seq-diagram .lstm-val-c").wait_for(timeout=20_000)
        page.wait_for_timeout(500)
        charts = page.locator(".lstm-seq-charts svg").first.bounding_box()
        seq = page.locator(".lstm-seq-diagram svg").bounding_box()
        page.screenshot(path=str(screens / f"classroom_sequence_{view}.png"))
        if viewport["width"] >= 1200:  # wide: the charts sit beside the drawing, not below the fold
            assert charts["x"] >= seq["x"] + seq["width"] - 1 and charts["y"] < viewport["height"], (charts, seq)
    finally:
        ctx.close()


#: The rendered size (CSS px) of every number the cell drawings under ``sel`` print: the font size the SVG's
#: scale gives it, and the height of its box on screen.
NUMBER_SIZES = """(sel) => Array.from(document.querySelectorAll(sel + ' svg.lstm-cell-diagram text.lstm-val')).map(e => {
  const svg = e.closest('svg'), k = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [e.textContent, parseFloat(e.getAttribute('font-size')) * k, e.getBoundingClientRect().height]; })"""


#: The computed font size (CSS px) of every element matching a selector.
FONT_PX = "(sel) => Array.from(document.querySelectorAll(sel)).map(e => parseFloat(getComputedStyle(e).fontSize))"


def _on_screen(page, sel: str, height: float) -> bool:
    box = page.locator(sel).first.bounding_box()
    return box is not None and box["height"] > 0 and 0 <= box["y"] and box["y"] + min(box["height"], 40) <= height


def _presenter(ctx, classroom):
    """A new page of the classroom with presenter mode switched on."""
    page = ctx.new_page()
    page.goto(classroom, timeout=90_000)
    page.locator(".lstm-cellflow-diagram .lstm-val-c").wait_for(timeout=90_000)
    page.locator(".lstm-presenter-toggle").click()
    page.wait_for_timeout(600)
    return page


def test_projector_numbers_and_presenter_mode_in_voila(classroom, chromium, screens):
    """At 1280×720 with 150 % zoom (853×480 CSS px) every number of the drawing measures ≥ 16 CSS px in the
    cell flow, in presenter mode and in the explorer, with the narration, the equations and the source menu on
    screen; at 1400×900 presenter mode uses the width (drawing, equations and sliders span > 85 %)."""
    ctx = chromium.new_context(viewport={"width": 853, "height": 480}, device_scale_factor=1.5)
    try:
        page = _presenter(ctx, classroom)
        for where in ("cellflow presenter", "explorer"):
            if where == "explorer":
                page.locator(".lm-TabBar-tab").nth(1).click()
                page.locator(".lstm-seq-diagram .lstm-val-c").wait_for(timeout=20_000)
                page.wait_for_timeout(600)
            root = ".lstm-cellflow-diagram" if where != "explorer" else ".lstm-seq-diagram"
            sizes = page.evaluate(NUMBER_SIZES, root)
            assert len(sizes) >= 14 and min(min(size, h) for _, size, h in sizes) >= 16, (where, sorted(sizes, key=lambda s: s[1])[:3])
            eqs = ".lstm-cellflow-equations" if where != "explorer" else ".lstm-seq-equations"
            for sel in (f"{eqs} .lstm-narration", f"{eqs} .lstm-eq-f", f"{eqs} .lstm-eq-c", f"{eqs} .lstm-eq-h"):
                assert _on_screen(page, sel, 480), (where, sel, page.locator(sel).first.bounding_box())
            assert page.locator(f"{eqs} .lstm-narration").text_content().strip()  # never empty
            page.screenshot(path=str(screens / f"classroom_projector_{where.replace(' ', '_')}.png"))
        assert _on_screen(page, ".lstm-seq-source-menu", 480)
        assert _on_screen(page, ".lstm-seq-watch .lstm-watch", 480)
        # a tap or click on a gate shows its equation in the drawing's own tooltip (no native <title>)
        gate = page.locator(".lstm-seq-diagram .lstm-gate-f")
        box = gate.locator("rect").first.bounding_box()
        page.mouse.click(box["x"] + 8, box["y"] + box["height"] - 8)  # inside the box, clear of its texts
        page.mouse.move(2, 2)
        tip = page.locator(".lstm-seq-diagram .lstm-tip-f")
        assert tip.evaluate("e => getComputedStyle(e).visibility") == "visible"
        assert tip.text_content() == gate.get_attribute("data-eq") and tip.text_content().startswith("f = σ(z_f)")
        page.locator(".lstm-language button", has_text="中文").click()  # and in Chinese, the same sizes
        page.wait_for_function("() => document.querySelector('.lstm-seq-diagram').textContent.includes('遗忘门')",
                               timeout=20_000)
        page.wait_for_timeout(600)
        assert page.locator(".lstm-slider-time .widget-readout").text_content().strip() == "8"  # still at "polluted"
        sizes = page.evaluate(NUMBER_SIZES, ".lstm-seq-diagram")
        assert min(min(size, h) for _, size, h in sizes) >= 16
        assert _on_screen(page, ".lstm-seq-equations .lstm-narration", 480)
        page.screenshot(path=str(screens / "classroom_projector_explorer_zh.png"))
    finally:
        ctx.close()
    ctx = chromium.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = _presenter(ctx, classroom)
        boxes = [page.locator(s).first.bounding_box() for s in
                 (".lstm-cellflow-diagram svg", ".lstm-cellflow-equations", ".lstm-cf-controls .lstm-slider-x")]
        left, right = min(b["x"] for b in boxes), max(b["x"] + b["width"] for b in boxes)
        assert (right - left) / 1400 > 0.85, boxes
        drawing = boxes[0]
        assert drawing["y"] + drawing["height"] <= 900 and drawing["width"] > 0.6 * 1400, drawing  # enlarged
        page.screenshot(path=str(screens / "classroom_presenter_1400x900.png"))
    finally:
        ctx.close()


def test_presenter_mode_is_the_projector_view(classroom, chromium, screens):
    """At 1280×720 with 150 % zoom, presenter mode differs from the normal view by what a projector needs: in
    the cell flow the narration and the six equation lines grow from 12–13 px to ≥ 16 px (× ≥ 1.23, the
    equations × ≥ 1.3), all on screen beside the drawing, whose numbers stay ≥ 16 px; in the explorer the
    source line goes (chrome), and the narration and equations stay ≥ 16 px on screen; in English and Chinese."""
    viewport = {"width": 853, "height": 480}
    ctx = chromium.new_context(viewport=viewport, device_scale_factor=1.5)
    try:
        page = ctx.new_page()
        _load(page, classroom, settle_ms=600)
        for lang in _each_language(page):
            eqs = ".lstm-cellflow-equations"
            sizes = {}
            for mode in ("normal", "presenter"):
                if mode == "presenter":
                    page.locator(".lstm-presenter-toggle").click()
                    page.wait_for_timeout(600)
                sizes[mode] = (page.evaluate(FONT_PX, f"{eqs} .lstm-eq"), page.evaluate(FONT_PX, f"{eqs} .lstm-narration"))
                numbers = page.evaluate(NUMBER_SIZES, ".lstm-cellflow-diagram")
                assert min(min(s, h) for _, s, h in numbers) >= 16, (lang, mode)
                page.screenshot(path=str(screens / f"classroom_{mode}_cellflow_{lang}_853x480.png"))
            (eq0, nar0), (eq1, nar1) = sizes["normal"], sizes["presenter"]
            assert len(eq1) == 6 and min(eq1) >= 16 and min(eq1) >= 1.3 * max(eq0), (lang, sizes)
            assert min(nar1) >= 16 and min(nar1) >= 1.23 * max(nar0), (lang, sizes)
            for sel in (f"{eqs} .lstm-narration", *(f"{eqs} .lstm-eq-{k}" for k in "figoch")):
                assert _fully_on_screen(page, sel, viewport), (lang, sel, page.locator(sel).first.bounding_box())
            page.locator(".lm-TabBar-tab").nth(1).click()
            page.locator(".lstm-seq-diagram .lstm-val-c").wait_for(timeout=20_000)
            page.wait_for_timeout(600)
            assert not page.locator(".lstm-seq-status").is_visible()  # the source line is chrome here
            assert page.locator(".lstm-seq-source-menu").is_visible()  # the menu still says which trace it is
            seq = ".lstm-seq-equations"
            assert min(page.evaluate(FONT_PX, f"{seq} .lstm-eq, {seq} .lstm-narration")) >= 16
            for sel in (f"{seq} .lstm-narration", *(f"{seq} .lstm-eq-{k}" for k in "figoch")):
                assert _fully_on_screen(page, sel, viewport), (lang, sel, page.locator(sel).first.bounding_box())
            page.screenshot(path=str(screens / f"classroom_presenter_explorer_{lang}_853x480.png"))
            page.locator(".lm-TabBar-tab").nth(0).click()
            page.locator(".lstm-presenter-toggle").click()  # back to the normal view
            page.wait_for_timeout(600)
            assert max(page.evaluate(FONT_PX, f"{eqs} .lstm-eq")) < 16
    finally:
        ctx.close()


def test_presenter_mode_fits_what_if_and_the_timelapse_on_a_projector(classroom, chromium, screens):
    """At 1280×720 with 150 % zoom, presenter mode is the projector view of the What if and Training timelapse
    tabs too. What if: the what-if drawing alone (two side by side would print 12 px numbers), whole and in
    numbers ≥ 16 px, with the comparison table whole beside it, its values those of the model rerun with the
    clamp (f held at 1 at the watch step); the controls on one row, the value slider usable. Timelapse: the
    file box and its source line go, the drawing is whole in numbers ≥ 16 px, the narration and six equation
    lines beside it in 16 px, the play button and the epoch slider on screen. In English and Chinese."""
    from explainer.glossary import term
    from widgets.charts import num
    from widgets.whatif import WhatIf

    viewport = {"width": 853, "height": 480}
    ctx = chromium.new_context(viewport=viewport, device_scale_factor=1.5)
    try:
        page = _presenter(ctx, classroom)
        for lang in ("en", "zh"):
            if lang == "zh":
                _to_chinese(page)
            page.locator(".lm-TabBar-tab").nth(2).click()
            page.locator(".lstm-whatif-pair svg .lstm-val-c").last.wait_for(timeout=20_000)
            page.locator(".lstm-whatif-controls button", has_text=term("clamp_add", lang)).click()
            page.wait_for_function("() => document.querySelectorAll('.lstm-whatif-table tr').length > 0 && "
                                   "document.querySelector('.lstm-whatif-status').textContent.includes('f = 1.000')",
                                   timeout=20_000)
            page.wait_for_timeout(600)
            page.screenshot(path=str(screens / f"classroom_presenter_whatif_{lang}_853x480.png"))
            pair = ".lstm-whatif-pair"
            assert not page.locator(f"{pair} > div").first.is_visible()  # the original's numbers are in the table
            drawing = _fully_on_screen(page, f"{pair} > div:last-child svg", viewport)
            assert drawing and drawing["width"] > 0.6 * viewport["width"], (lang, drawing)
            sizes = [s for s in page.evaluate(NUMBER_SIZES, f"{pair} > div:last-child")]
            assert len(sizes) >= 14 and min(min(s, h) for _, s, h in sizes) >= 16, (lang, sorted(sizes, key=lambda s: s[1])[:3])
            table = _fully_on_screen(page, ".lstm-whatif-table", viewport)
            assert table and table["x"] >= drawing["x"] + drawing["width"] - 1, (lang, table, drawing)
            assert min(page.evaluate(FONT_PX, ".lstm-whatif-table td")) >= 16
            for sel in (".lstm-whatif-controls .widget-dropdown", ".lstm-whatif-controls .widget-slider",
                        f".lstm-whatif-controls button:has-text('{term('clamp_clear', lang)}')"):
                box = _fully_on_screen(page, sel, viewport)
                assert box and box["y"] < 80, (lang, sel, box)  # the controls on one row, under the tabs
            track = page.locator(".lstm-whatif-controls .widget-slider .slider-container").bounding_box()
            assert track["width"] >= 100, track
            w = WhatIf(lang=lang, show_language=False)
            w.hold(w.step.value, w.unit.value, "f", 1.0)
            t, u = w.step.value, w.unit.value
            rows = page.evaluate("() => Array.from(document.querySelectorAll('.lstm-whatif-table tr'))"
                                 ".map(r => Array.from(r.children).map(c => c.textContent.trim()))")
            shown = {r[0]: r[1:] for r in rows if len(r) == 3}
            for f in ("f", "i", "g", "o", "c", "h"):
                assert shown[f] == [num(getattr(w.original, f)[0, t, u]), num(getattr(w.changed, f)[0, t, u])], (lang, f)
            for word, pa, pb in zip(w.original.meta["colour_words"], w.original.meta["probabilities"],
                                    w.changed.meta["probabilities"]):
                assert shown[word] == [num(pa), num(pb)], (lang, word)
            page.locator(".lstm-whatif-controls button", has_text=term("clamp_clear", lang)).click()

            page.locator(".lm-TabBar-tab").nth(4).click()
            page.locator(".lstm-timelapse-diagram .lstm-val-c").wait_for(timeout=20_000)
            page.wait_for_timeout(600)
            page.screenshot(path=str(screens / f"classroom_presenter_timelapse_{lang}_853x480.png"))
            assert not page.locator(".lstm-timelapse-file").is_visible()
            assert not page.locator(".lstm-timelapse-status").is_visible()
            drawing = _fully_on_screen(page, ".lstm-timelapse-diagram svg", viewport)
            assert drawing and drawing["width"] > 0.6 * viewport["width"], (lang, drawing)
            sizes = page.evaluate(NUMBER_SIZES, ".lstm-timelapse-diagram")
            assert len(sizes) >= 14 and min(min(s, h) for _, s, h in sizes) >= 16, lang
            eqs = ".lstm-timelapse-equations"
            for sel in (f"{eqs} .lstm-narration", *(f"{eqs} .lstm-eq-{k}" for k in "figoch")):
                box = _fully_on_screen(page, sel, viewport)
                assert box and box["x"] >= drawing["x"] + drawing["width"] - 1, (lang, sel, box)
            assert min(page.evaluate(FONT_PX, f"{eqs} .lstm-eq, {eqs} .lstm-narration")) >= 16
            for sel in (".lstm-timelapse-controls .widget-play", ".lstm-slider-epoch",
                        ".lstm-timelapse-controls .widget-dropdown"):
                assert _fully_on_screen(page, sel, viewport), (lang, sel, page.locator(sel).first.bounding_box())
    finally:
        ctx.close()


def _to_chinese(page) -> None:
    """Switch the classroom to Chinese from its first tab and wait until the cell's labels are Chinese."""
    page.locator(".lm-TabBar-tab").nth(0).click()
    page.locator(".lstm-language button", has_text="中文").click()
    page.wait_for_function("() => document.querySelector('.lstm-cellflow-diagram').textContent"
                           ".includes('遗忘门')", timeout=20_000)


def _load(page, classroom: str, settle_ms: int = 600) -> None:
    """Open the classroom in ``page`` and wait until the cell flow has drawn its numbers, then let it settle."""
    page.goto(classroom, timeout=90_000)
    page.locator(".lstm-cellflow-diagram .lstm-val-c").wait_for(timeout=90_000)
    page.wait_for_timeout(settle_ms)


def _each_language(page):
    """Yield "en", then switch the classroom to Chinese and yield "zh"."""
    yield "en"
    _to_chinese(page)
    page.wait_for_timeout(600)
    yield "zh"


def _fully_on_screen(page, sel: str, viewport: dict) -> dict | None:
    """The box of ``sel`` when all of it is inside the viewport (nothing to scroll to), else None."""
    box = page.locator(sel).first.bounding_box()
    inside = (box is not None and box["height"] > 0 and box["y"] >= 0 and box["x"] >= 0
              and box["y"] + box["height"] <= viewport["height"] + 1 and box["x"] + box["width"] <= viewport["width"] + 1)
    return box if inside else None


READOUT = ".lstm-slider-time .widget-readout"


def _at_step(page, t: int, seconds: float = 20) -> None:
    """Wait until the explorer's time slider reads ``t`` and the kernel has drawn step t (the drawing's caption
    says "t = <t> (word)"; its equations come in the same redraw, right after)."""
    page.wait_for_function(f"n => document.querySelector('{READOUT}').textContent.trim() === String(n) && "
                           "document.querySelector('.lstm-seq-diagram').textContent.includes('t = ' + n + ' ')",
                           arg=t, timeout=seconds * 1000)
    page.wait_for_timeout(200)


def _press(page, button: str, t: int) -> None:
    """Click the explorer's hidden ``button`` (Home or End), which the keys press, and wait until step ``t`` is
    drawn."""
    page.locator(button).evaluate("e => e.click()")
    _at_step(page, t, 10)


def _text_above_the_fold(page, eqs: str, viewport: dict, where) -> dict:
    """Assert the narration (not empty) and the six equation lines under ``eqs`` are all on screen, the narration
    first; return the narration's box and the last line's (h) box."""
    narration = _fully_on_screen(page, f"{eqs} .lstm-narration", viewport)
    assert narration, (where, page.locator(f"{eqs} .lstm-narration").bounding_box())
    assert page.locator(f"{eqs} .lstm-narration").text_content().strip(), where
    for k in ("f", "i", "g", "o", "c", "h"):
        line = _fully_on_screen(page, f"{eqs} .lstm-eq-{k}", viewport)
        assert line, (where, k, page.locator(f"{eqs} .lstm-eq-{k}").bounding_box())
        assert line["y"] >= narration["y"] + narration["height"] - 1, (where, k)  # what happens, then how
    return {"narration": narration, "h": line}


def _longest_narrations(trace, lang: str, k: int = 2) -> list[int]:
    """The ``k`` steps (in order) whose narration, as the explorer prints it for the unit it opens on, is the
    longest: where the text beside the drawing reaches lowest."""
    from widgets import views
    from widgets.diagram import narrate

    u = views.watch_point(trace)[1]
    length = [len(" · ".join(narrate(trace.step(t), u, 0, lang))) for t in range(trace.time)]
    return sorted(np.argsort(length, kind="stable")[::-1][:k].tolist())


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_narration_and_equations_above_the_fold_without_presenter_mode(view, classroom, chromium, screens):
    """As the classroom opens (no presenter mode), at 1400×900 and at 1280×720 with 150 % zoom: in the cell flow
    and in the explorer the narration line (not empty) and every equation line are on screen without scrolling,
    the narration first; in the explorer on the projector at EVERY step of the story and of the demo (a
    three-clause narration is half as long again as step 8's) in type ≥ 16 px, at the desk (twice the room) at
    the steps whose narration is longest, and what to watch whole and ≥ 14 px; in the cell flow the sliders stay
    on screen beside the drawing; in English and Chinese."""
    from explainer.glossary import term
    from explainer.sources import trace_source

    viewport, scale = VIEWS[view]
    ctx = chromium.new_context(viewport=viewport, device_scale_factor=scale)
    try:
        page = ctx.new_page()
        _load(page, classroom, settle_ms=600)
        for lang in _each_language(page):
            for tab, root in ((0, ".lstm-cellflow"), (1, ".lstm-sequence")):
                page.locator(".lm-TabBar-tab").nth(tab).click()
                page.locator(f"{root} svg.lstm-cell-diagram .lstm-val-c").wait_for(timeout=20_000)
                page.wait_for_timeout(600)
                eqs = f"{root} .lstm-equations"
                page.screenshot(path=str(screens / f"classroom_fold_{root[6:]}_{lang}_{view}.png"))
                _text_above_the_fold(page, eqs, viewport, (view, lang, root))
                if root == ".lstm-sequence" and scale == 1:  # at a desk what the valves, widths and stripes mean too
                    assert _fully_on_screen(page, ".lstm-seq-legend .lstm-legend", viewport), \
                        (view, lang, page.locator(".lstm-seq-legend").bounding_box())
                if root == ".lstm-cellflow":
                    drawing = page.locator(".lstm-cellflow-diagram svg").bounding_box()
                    for slider in (".lstm-slider-x", ".lstm-cf-controls .lstm-gate-selected .lstm-slider-b_f"):
                        box = _fully_on_screen(page, slider, viewport)
                        assert box and box["x"] >= drawing["x"] + drawing["width"] - 1, (view, lang, slider, box)
            menu = page.locator(".lstm-seq-source-menu select")
            for source in ("story", "demo"):  # the explorer, step by step, from the first step to the last
                trace = trace_source(source, lang)
                steps = trace.time
                if source != "story":
                    menu.select_option(label=term(f"source_{source}", lang))
                    page.wait_for_function("n => document.querySelector('.lstm-slider-time .noUi-handle')"
                                           ".getAttribute('aria-valuemax') == n", arg=steps - 1, timeout=60_000)
                _press(page, ".lstm-step-end", steps - 1)  # the hidden End and Home buttons the keys press
                _press(page, ".lstm-step-home", 0)
                bottoms, now = [], 0
                for t in (range(steps) if scale > 1 else _longest_narrations(trace, lang)):
                    for _ in range(t - now):
                        page.locator(".lstm-step-forward").click()
                    if t != now:
                        _at_step(page, t)
                    now = t
                    where = (view, lang, source, t)
                    boxes = _text_above_the_fold(page, ".lstm-sequence .lstm-equations", viewport, where)
                    bottoms.append(round(boxes["h"]["y"] + boxes["h"]["height"]))
                    if scale > 1:  # the projector: type a class reads, beside the drawing
                        sizes = page.evaluate(FONT_PX, ".lstm-sequence .lstm-equations .lstm-eq, "
                                                       ".lstm-sequence .lstm-equations .lstm-narration")
                        assert len(sizes) == 7 and min(sizes) >= 16, (where, sizes)
                    watch = _fully_on_screen(page, ".lstm-seq-watch .lstm-watch", viewport)
                    assert watch and min(page.evaluate(FONT_PX, ".lstm-seq-watch .lstm-watch")) >= 14, (where, watch)
                    if t == steps - 1:
                        page.screenshot(path=str(screens / f"classroom_fold_{source}_last_step_{lang}_{view}.png"))
                print(view, lang, source, "bottom of the h line per step:", bottoms)
            menu.select_option(label=term("source_story", lang))  # back to the story for the next language
            page.wait_for_timeout(2500)
    finally:
        ctx.close()


def test_switching_the_source_opens_it_on_its_watch_step(classroom, chromium):
    """At the last step of one source, choosing the other in the source menu opens it on its step to watch (the
    story on step 8), not on step 0: the kernel used to set the slider to 0 and then to the step to watch, and the
    browser's link to ▶ could send the 0 back last. Story → demo and demo → story, several times over (a race)."""
    from explainer.glossary import term
    from explainer.sources import trace_source
    from widgets import views

    watch = {s: views.watch_point(trace_source(s, "en"))[0] for s in ("story", "demo")}
    steps = {s: trace_source(s, "en").time for s in ("story", "demo")}
    assert watch["story"] == 8 and 0 < watch["demo"] < steps["demo"] - 1  # neither is the first step nor the last
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(classroom, timeout=90_000)
        page.locator(".lstm-cellflow-diagram .lstm-val-c").wait_for(timeout=90_000)
        page.locator(".lm-TabBar-tab").nth(1).click()
        page.locator(".lstm-seq-diagram .lstm-val-c").wait_for(timeout=20_000)
        _at_step(page, watch["story"])
        menu = page.locator(".lstm-seq-source-menu select")
        shown = "story"
        for k in range(4):
            for source in ("demo", "story"):
                page.locator(".lstm-step-end").evaluate("e => e.click()")  # the hidden button the End key presses
                _at_step(page, steps[shown] - 1)
                menu.select_option(label=term(f"source_{source}", "en"))
                page.wait_for_function("n => document.querySelector('.lstm-slider-time .noUi-handle')"
                                       ".getAttribute('aria-valuemax') == n", arg=steps[source] - 1, timeout=60_000)
                try:
                    _at_step(page, watch[source], 10)
                except Exception:
                    pytest.fail(f"round {k}, to the {source}: step {page.locator(READOUT).text_content().strip()}, "
                                f"want its step to watch {watch[source]}")
                page.wait_for_timeout(1500)  # a late echo of another step would land by now
                assert page.locator(READOUT).text_content().strip() == str(watch[source]), (k, source)
                shown = source
    finally:
        page.close()


def test_keys_step_wherever_the_focus_is(classroom, chromium):
    """A presenter's clicker sends PageDown/PageUp to whatever has the focus, with the pointer anywhere: the
    explorer steps from its unit menu, a button just pressed, the tab bar and the time slider itself (whose own
    PageDown would go back); ← → Home End step wherever nothing edits them, and a menu keeps its own. On the
    tab bar ← → are the tabs' (as ARIA tabs): they open the tab beside and do not step."""
    from explainer.story import story_trace

    last = story_trace().time - 1
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    readout = ".lstm-slider-time .widget-readout"

    def press(key: str, want: int, where: str) -> None:
        page.keyboard.press(key)
        try:
            page.wait_for_function(f"n => document.querySelector('{readout}').textContent.trim() === String(n)",
                                   arg=want, timeout=10_000)
        except Exception:
            pytest.fail(f"{key} with the focus on {where}: step {page.locator(readout).text_content().strip()}, "
                        f"want {want}")
        page.wait_for_timeout(300)  # a second key would race the kernel's echo of this one

    try:
        page.goto(classroom, timeout=90_000)
        page.wait_for_selector(".lstm-cellflow-diagram .lstm-val-c", timeout=90_000)
        page.locator(".lm-TabBar-tab").nth(1).click()
        page.locator(".lstm-seq-diagram .lstm-val-c").wait_for(timeout=20_000)
        page.mouse.move(5, 5)  # the pointer far from the drawing: ipyevents hears nothing
        assert page.locator(readout).text_content().strip() == "8"
        page.locator(".lstm-seq-controls select").last.focus()  # the unit menu
        for key, want in (("PageDown", 9), ("PageDown", 10), ("PageUp", 9)):
            press(key, want, "the unit menu")
        page.keyboard.press("ArrowRight")  # the menu keeps its arrows: no step
        page.wait_for_timeout(1500)
        assert page.locator(readout).text_content().strip() == "9"
        page.locator(".lstm-step-forward").click()
        page.mouse.move(5, 5)
        press("ArrowRight", 11, "the ▶ button")  # the click made 10
        for key, want in (("End", last), ("ArrowLeft", last - 1), ("Home", 0)):
            press(key, want, "the ▶ button")
        tabs = page.locator(".lm-TabBar-tab")
        tabs.nth(1).focus()
        press("PageDown", 1, "the tab bar")
        press("PageDown", 2, "the tab bar")
        press("PageUp", 1, "the tab bar")
        current = "() => Array.from(document.querySelectorAll('.lm-TabBar-tab')).findIndex(e => e.classList.contains('lm-mod-current'))"
        for key, tab in (("ArrowRight", 2), ("ArrowLeft", 1), ("ArrowLeft", 0), ("ArrowRight", 1)):
            page.keyboard.press(key)
            page.wait_for_function(f"n => ({current})() === n", arg=tab, timeout=10_000)
            assert page.evaluate("() => document.activeElement.classList.contains('lm-TabBar-tab')")
        page.wait_for_timeout(1000)
        assert page.locator(readout).text_content().strip() == "1"  # the tab bar's ← → did not step
        press("PageDown", 2, "the tab bar, after ← →")
        page.locator(".lstm-slider-time .noUi-handle").focus()
        press("ArrowRight", 3, "the time slider")
        press("PageDown", 4, "the time slider")
        press("PageUp", 3, "the time slider")
    finally:
        page.close()


#: What is wider than the window on a phone: the page's document, or a box that scrolls sideways (the cell
#: drawings alone may: their numbers stay ≥ 14 px).
WIDER_THAN_THE_PHONE = """() => { const d = document.documentElement, out = [];
  if (d.scrollWidth > d.clientWidth) out.push('document ' + d.scrollWidth + ' > ' + d.clientWidth);
  for (const e of document.querySelectorAll('.lstm-dashboard *'))
    if (e.offsetParent && e.scrollWidth > e.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)
        && !e.matches('.lstm-cellflow-diagram, .lstm-seq-diagram')) out.push(String(e.className) + ' ' + e.scrollWidth + ' > ' + e.clientWidth);
  return out; }"""


def test_the_classroom_on_a_phone(classroom, chromium, screens):
    """On a 390×844 phone (touch) the drawing's numbers measure ≥ 14 CSS px in the cell flow and the explorer
    (the drawing scrolls sideways in its own box; the page never does), every tab's name is whole and no
    keyboard hint is shown; under the cell flow's drawing and under the explorer's a line in 14 px, as wide as the
    phone at most, says that the one-file page is the phone's view and names the command that makes it (one the
    CLI accepts); at a desk neither line is shown; in English and Chinese."""
    import shlex

    from explainer.cli import build_parser
    from widgets.diagram import PHONE_PAGE_COMMAND

    command = shlex.split(PHONE_PAGE_COMMAND)
    assert command[0] == "lstm-explainer" and build_parser().parse_args(command[1:]).command == "export-html"
    ctx = chromium.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True,
                               is_mobile=True)
    try:
        page = ctx.new_page()
        _load(page, classroom, settle_ms=0)
        for lang in _each_language(page):
            for tab, root in ((0, ".lstm-cellflow-diagram"), (1, ".lstm-seq-diagram")):
                page.locator(".lm-TabBar-tab").nth(tab).click()
                page.locator(f"{root} .lstm-val-c").wait_for(timeout=20_000)
                page.wait_for_timeout(600)
                sizes = page.evaluate(NUMBER_SIZES, root)
                assert len(sizes) >= 14 and min(min(size, h) for _, size, h in sizes) >= 14, \
                    (lang, root, sorted(sizes, key=lambda s: s[1])[:3])
                assert page.evaluate("document.documentElement.scrollWidth") <= 390
                cut = page.evaluate("() => Array.from(document.querySelectorAll('.lm-TabBar-tabLabel'))"
                                    ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)")
                assert cut == [], (lang, cut)
                # the phone's view is the one-file page: said under the drawing, in the cell flow and the explorer
                hint = ".lstm-cf-phone" if root == ".lstm-cellflow-diagram" else ".lstm-seq-phone"
                drawing = page.locator(root).bounding_box()
                line = page.locator(f"{hint} .lstm-phone-page")
                assert line.count() == 1 and line.is_visible(), (lang, root)
                assert PHONE_PAGE_COMMAND in line.text_content(), (lang, root, line.text_content())
                box = line.bounding_box()
                assert box["y"] >= drawing["y"] + drawing["height"] - 1 and box["x"] >= 0 \
                    and box["x"] + box["width"] <= 390, (lang, root, box, drawing)
                assert min(page.evaluate(FONT_PX, f"{hint} .lstm-phone-page, {hint} code")) >= 14, (lang, root)
                page.screenshot(path=str(screens / f"classroom_phone_{root[6:-8]}_{lang}.png"))
            assert not page.locator(".lstm-seq-keys").is_visible()
            for tab in range(5):  # every tab: the page no wider than the phone, no box but the drawing scrolls sideways
                page.locator(".lm-TabBar-tab").nth(tab).click()
                page.wait_for_timeout(2500)
                assert page.evaluate(WIDER_THAN_THE_PHONE) == [], (lang, tab)
    finally:
        ctx.close()
    page = chromium.new_page(viewport={"width": 1400, "height": 900})  # at a desk the phone's line is not shown
    try:
        page.goto(classroom, timeout=90_000)
        page.locator(".lstm-cellflow-diagram .lstm-val-c").wait_for(timeout=90_000)
        page.locator(".lm-TabBar-tab").nth(1).click()
        page.locator(".lstm-seq-diagram .lstm-val-c").wait_for(timeout=90_000)
        for hint in (".lstm-cf-phone", ".lstm-seq-phone"):
            assert page.locator(f"{hint} .lstm-phone-page").count() == 1, hint
            assert not page.locator(f"{hint} .lstm-phone-page").is_visible(), hint
    finally:
        page.close()


# --- JupyterLab, not only Voilà ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """JupyterLab (installed by the widgets extra) on a free port, serving a copy of the classroom notebook."""
    import shutil
    import socket

    from widgets.cli import notebook_path

    root = tmp_path_factory.mktemp("lab")
    shutil.copy(notebook_path(), root / "classroom.ipynb")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / ".config"), JUPYTERLAB_SETTINGS_DIR=str(root / ".settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(root / ".workspaces"), JUPYTER_RUNTIME_DIR=str(root / ".runtime"))
    env.pop("LSTM_EXPLAINER_TRACE", None)
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                             "--allow-root", "--IdentityProvider.token=", "--ServerApp.disable_check_xsrf=True",
                             f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
                             "jupyterlab.NeverCheckForUpdate"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(proc, url + "/lab", "JupyterLab", seconds=120)
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.stdout.close()


def test_classroom_notebook_in_jupyterlab_moves_a_slider(jupyterlab, chromium, screens):
    """Open the classroom notebook in JupyterLab, run it, move the x_t slider: c_t follows the reference cell."""
    from widgets.diagram import fmt

    ctx = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    try:
        page.goto(f"{jupyterlab}/lab/tree/classroom.ipynb", timeout=120_000)
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=120_000)
        try:  # a fresh JupyterLab asks which kernel to start
            page.locator(".jp-Dialog .jp-mod-accept").click(timeout=20_000)
        except Exception:
            pass
        page.wait_for_function("() => document.body.innerText.includes('| Idle')", timeout=120_000)
        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.keyboard.press("Shift+Enter")
        c_text = page.locator(".lstm-cellflow-diagram .lstm-val-c")
        try:
            c_text.wait_for(timeout=120_000)
        except Exception:
            page.screenshot(path=str(screens / "jupyterlab_failed.png"))
            raise
        assert c_text.text_content() == f"cₜ = {fmt(_reference_c(0.5))}"
        page.locator(".lstm-slider-x .noUi-handle").click()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.querySelector('.lstm-slider-x .widget-readout')"
                               ".textContent.trim() !== '0.50'", timeout=20_000)
        x = float(page.locator(".lstm-slider-x .widget-readout").text_content().strip())
        expected = f"cₜ = {fmt(_reference_c(x))}"
        page.wait_for_function(
            "e => document.querySelector('.lstm-cellflow-diagram .lstm-val-c').textContent === e",
            arg=expected, timeout=20_000)
        assert x != 0.5 and expected != f"cₜ = {fmt(_reference_c(0.5))}"
        page.screenshot(path=str(screens / "jupyterlab_classroom_1400x900.png"))
    finally:
        ctx.close()


# --- the command's process hygiene ---------------------------------------------------------------------
def _ctrl_c_as_in_a_terminal() -> None:
    """A suite started in the background of a non-interactive shell hands SIGINT down ignored; the
    command under test must see Ctrl-C as a foreground command in a terminal does."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_classroom(port: int, env: dict | None = None):
    proc = subprocess.Popen([sys.executable, "-m", "explainer.cli", "classroom", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            preexec_fn=_ctrl_c_as_in_a_terminal)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_until_serving(proc, url + NO_KERNEL, "the classroom")
    except BaseException:  # pytest's failure included: no classroom is left running
        proc.kill()
        raise
    return proc, url


def _port_closes(port: int, seconds: float = 30) -> bool:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return True
        time.sleep(0.3)
    return False


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sigkill_of_classroom_leaves_no_server_and_ctrl_c_is_quiet():
    port = _free_port()
    proc, url = _start_classroom(port)
    proc.kill()  # SIGKILL: the command gets no chance to clean up
    proc.wait()
    try:
        assert _port_closes(port), f"Voilà kept serving {url} after the classroom command was killed"
    finally:
        proc.stdout.close()

    port = _free_port()
    proc, url = _start_classroom(port)
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends to the command (Voilà runs in its own session)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "Traceback" not in out and "classroom stopped." in out, out
    assert _port_closes(port)


def test_sequence_explorer_keys_over_the_drawing(classroom, chromium):
    """→ ← PageDown PageUp Home End step, space plays, with the pointer over the drawing (keyboard events
    reach the kernel)."""
    from explainer.story import story_trace

    trace = story_trace()
    u = trace.meta["memory_unit"]
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(classroom, timeout=90_000)
        page.wait_for_selector(".lstm-cellflow-diagram .lstm-val-c", timeout=90_000)
        page.locator(".lm-TabBar-tab").nth(1).click()
        drawing = page.locator(".lstm-seq-diagram")
        drawing.locator(".lstm-val-c").wait_for(timeout=20_000)
        drawing.hover()
        readout = ".lstm-slider-time .widget-readout"
        for key, want in (("Home", 0), ("ArrowRight", 1), ("PageDown", 2), ("End", trace.time - 1), ("Home", 0),
                          ("ArrowRight", 1), ("ArrowRight", 2), ("PageUp", 1)):
            page.keyboard.press(key)
            page.wait_for_function(f"n => document.querySelector('{readout}').textContent.trim() === String(n)",
                                   arg=want, timeout=20_000)
        want = float(trace.c[0, 1, u])  # the kernel redraws after the slider moved: wait for its drawing
        page.wait_for_function("w => Math.abs(+document.querySelector('.lstm-seq-diagram .lstm-val-c').dataset.value - w)"
                               " < 1e-6", arg=want, timeout=20_000)
        value = float(drawing.locator(".lstm-val-c").get_attribute("data-value"))
        assert value == want
        marker = page.locator(".lstm-seq-heatmaps .lstm-hm-marker").first  # a click on a column goes there
        # the heatmaps are a separate output the kernel redraws after the step moved: wait for the new one
        page.wait_for_function("() => { const m = document.querySelector('.lstm-seq-heatmaps .lstm-hm-marker');"
                               " const s = document.querySelector('.lstm-seq-heatmaps svg');"
                               " return m && s && s.getBoundingClientRect().width > 0 &&"
                               " Math.abs(+m.getAttribute('x') - (+m.dataset.x0 + +m.dataset.cw)) < 1e-6; }",
                               timeout=20_000)
        box = page.locator(".lstm-seq-heatmaps svg").first.bounding_box()
        scale = box["width"] / float(page.locator(".lstm-seq-heatmaps svg").first.get_attribute("width"))
        x0, cw = float(marker.get_attribute("data-x0")), float(marker.get_attribute("data-cw"))
        page.mouse.click(box["x"] + (x0 + 6.5 * cw) * scale, box["y"] + box["height"] / 3)
        page.wait_for_function(f"n => document.querySelector('{readout}').textContent.trim() === String(n)",
                               arg=6, timeout=20_000)
        page.locator(".lstm-seq-charts svg").first.hover()  # keys work over the charts too, not only the drawing
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"n => document.querySelector('{readout}').textContent.trim() === String(n)",
                               arg=7, timeout=20_000)
        drawing.hover()
        page.keyboard.press(" ")
        page.wait_for_function("n => document.querySelector('.lstm-slider-time .widget-readout')"
                               ".textContent.trim() === String(n)", arg=trace.time - 1, timeout=30_000)
    finally:
        page.close()


# A process of the classroom, held still in the middle of its start-up (Python's site hook runs
# before anything else is imported), so a test can send Ctrl-C at exactly that moment.
HOLD_HOOK = """
import os, sys, time
_kind = os.environ.get("LSTM_TEST_HOLD")
_args = " ".join(getattr(sys, "orig_argv", sys.argv))
if _kind and ((_kind == "voila" and "-m voila" in _args) or (_kind == "kernel" and "ipykernel_launcher" in _args)):
    with open(os.path.join(os.environ["LSTM_TEST_HOLD_DIR"], _kind), "w") as f:
        f.write(str(os.getpid()))
    time.sleep(60)  # still starting: only a signal ends this
"""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie has finished
        return f.read().split(")")[1].split()[0] != "Z"


@pytest.mark.parametrize("moment", ["url_printed", "voila_starting", "kernel_starting"])
def test_ctrl_c_at_any_moment_of_start_up_is_quiet(moment, tmp_path):
    """Ctrl-C while the classroom is still starting, at moments reached deterministically: as soon
    as it printed its URL (it is launching Voilà), while Voilà is starting, and while the kernel of
    an opened page is starting (Jupyter sends a kernel SIGINT before shutting it down; a kernel
    still importing used to die with a KeyboardInterrupt traceback). Each time: exit 0, no
    traceback, the port closed, no process of the classroom left."""
    import threading

    (tmp_path / "sitecustomize.py").write_text(HOLD_HOOK)
    env = dict(os.environ, LSTM_TEST_HOLD_DIR=str(tmp_path),
               PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", os.getcwd())]))
    kind = {"voila_starting": "voila", "kernel_starting": "kernel"}.get(moment)
    if kind:
        env["LSTM_TEST_HOLD"] = kind
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen([sys.executable, "-m", "explainer.cli", "classroom", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                            preexec_fn=_ctrl_c_as_in_a_terminal)
    try:
        first = proc.stdout.readline()
        assert url in first, first
        held = None
        if kind == "kernel":  # open the page: Voilà starts a kernel for it
            def visit():
                deadline = time.monotonic() + 90
                while time.monotonic() < deadline and not (tmp_path / "kernel").exists():
                    try:
                        urllib.request.urlopen(url, timeout=60).read()
                    except Exception:
                        time.sleep(0.5)
            threading.Thread(target=visit, daemon=True).start()
        if kind:
            deadline = time.monotonic() + 90
            while not (tmp_path / kind).exists() or not (tmp_path / kind).read_text():
                assert time.monotonic() < deadline and proc.poll() is None, f"no {kind} started"
                time.sleep(0.1)
            held = int((tmp_path / kind).read_text())
            assert _pid_alive(held)
        proc.send_signal(signal.SIGINT)
        out = first + proc.communicate(timeout=60)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    assert "Traceback" not in out and "KeyboardInterrupt" not in out, out
    assert out.rstrip().endswith("classroom stopped."), out
    assert _port_closes(port, 10)
    if held is not None:  # the process that was still starting is gone too
        deadline = time.monotonic() + 20
        while _pid_alive(held) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _pid_alive(held), f"the {kind} (pid {held}) outlived the classroom"


#: Everything the Why-an-LSTM tab draws that is cut off: a chart's text outside its chart, a chart or a text
#: box wider than its box or the window, and a line drawn over an equal, earlier one that is not narrower (so
#: the earlier one is hidden).
WHY_CLIPPED = """() => { const out = [], root = document.querySelector('.lstm-memory-chart').closest('.lstm-dashboard');
  for (const svg of document.querySelectorAll('.lstm-memory-accuracy svg, .lstm-memory-chart svg')) {
    const r = svg.getBoundingClientRect(), box = svg.parentElement.getBoundingClientRect();
    if (r.right > Math.min(box.right, innerWidth) + 1) out.push('chart wider than its box: ' + r.width);
    for (const t of svg.querySelectorAll('text')) { const b = t.getBoundingClientRect();
      if (b.width && (b.left < r.left - 1 || b.right > r.right + 1 || b.top < r.top - 1 || b.bottom > r.bottom + 1))
        out.push('text cut: ' + t.textContent); }
    const lines = Array.from(svg.querySelectorAll('polyline'));
    lines.forEach((a, k) => lines.slice(k + 1).forEach((b) => {
      if (a.getAttribute('points') === b.getAttribute('points') && a.getAttribute('stroke-opacity') === '1' &&
          +b.getAttribute('stroke-width') >= +a.getAttribute('stroke-width')) out.push('line hidden: ' + a.getAttribute('stroke')); })); }
  for (const e of root.querySelectorAll('.lstm-memory-summary .widget-html-content, .lstm-memory-summary div'))
    if (e.scrollWidth > e.clientWidth + 1) out.push('text box cut: ' + e.className);
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth) out.push('page wider than the window');
  return out; }"""


#: The rendered size (CSS px) of every text the Why-an-LSTM tab's charts print (ticks, step labels, legends, axis
#: names: the font size the SVG's scale gives it) and of the HTML legend and titles beside them; smallest first.
WHY_TEXT_PX = """() => { const out = [];
  for (const svg of document.querySelectorAll('.lstm-memory-accuracy svg, .lstm-memory-chart svg')) {
    const k = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text')) if (t.getBoundingClientRect().width)
      out.push([parseFloat(getComputedStyle(t).fontSize) * k, t.textContent]); }
  for (const e of document.querySelectorAll('.lstm-memory-chart .lstm-legend, .lstm-memory-titled .lstm-chart-title'))
    out.push([parseFloat(getComputedStyle(e).fontSize), e.textContent]);
  return out.sort((a, b) => a[0] - b[0]); }"""


#: Two texts of one Why-an-LSTM chart that overlap (by more than 1 px each way): larger type must not collide.
WHY_TEXT_OVERLAPS = """() => { const out = [];
  for (const svg of document.querySelectorAll('.lstm-memory-accuracy svg, .lstm-memory-chart svg')) {
    const boxes = Array.from(svg.querySelectorAll('text')).map(t => [t.getBoundingClientRect(), t.textContent])
      .filter(([b]) => b.width);
    boxes.forEach(([a, s], k) => boxes.slice(k + 1).forEach(([b, t]) => {
      if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1)
        out.push(s + ' / ' + t); })); }
  return out; }"""


#: One element's text, its size (CSS px), and where it is cut off: wider or taller than its own box (its text
#: scrolled or hidden), or past the window's right edge.
WHY_AROUND = """(sel) => { const e = document.querySelector(sel), r = e.getBoundingClientRect(), cut = [];
  if (e.scrollWidth > e.clientWidth + 1) cut.push('wider than its box: ' + e.scrollWidth + ' > ' + e.clientWidth);
  if (e.scrollHeight > e.clientHeight + 1) cut.push('taller than its box: ' + e.scrollHeight + ' > ' + e.clientHeight);
  if (r.right > innerWidth + 1 || r.left < -1) cut.push('past the window: ' + r.left + '..' + r.right);
  return {text: e.textContent.trim(), px: parseFloat(getComputedStyle(e).fontSize), cut}; }"""


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_why_an_lstm_tab_in_voila(view, classroom, chromium, screens):
    """The Why-an-LSTM tab opened in the classroom, at 1400×900 and at 1280×720 with 150 % zoom, in English and
    Chinese: the accuracy chart prints the shipped table's numbers at the slider's distance, the two sentences
    print the recorded gradients at the colour word (computed here again from the models' backward pass),
    nothing is cut off or hidden (WHY_CLIPPED), and the charts' ticks, legends and titles are ≥ 14 px, as are the
    distance slider's label and readout and the note on how the gradients are computed, none of them cut off."""
    from explainer.glossary import term
    from explainer.story.compare import shipped_table
    from widgets.memory import story_batch, story_models

    viewport, scale = VIEWS[view]
    d = 40
    table = shipped_table()
    x, y, _ = story_batch(d)
    lstm_grad = story_models()["lstm"].trace_gradients(x, y)[0].dc.astype(np.float64)
    norms = np.linalg.norm(lstm_grad, axis=-1)
    lstm_at_colour = norms[:, 2] / norms[:, -1]  # the colour word is step 2
    ctx = chromium.new_context(viewport=viewport, device_scale_factor=scale)
    try:
        page = ctx.new_page()
        _load(page, classroom, settle_ms=0)
        for lang in _each_language(page):
            page.locator(".lm-TabBar-tab").nth(3).click()
            word = "LSTM" if lang == "en" else "普通 RNN"
            page.wait_for_function("w => { const s = document.querySelector('.lstm-memory-summary');"
                                   " return s && s.offsetParent && s.textContent.includes(w); }",
                                   arg="plain RNN" if lang == "en" else word, timeout=60_000)
            page.wait_for_timeout(800)
            assert page.locator(".lstm-slider-distractors .widget-readout").text_content().strip() == str(d)
            k = table["distances"].index(d)
            for cell in ("lstm", "rnn"):  # the accuracy chart's numbers are the shipped table's
                shown = float(page.locator(f".lstm-memory-accuracy .lstm-val-acc_{cell}").get_attribute("data-value"))
                assert shown == pytest.approx(float(table[cell]["accuracy"][k]), abs=1e-12), (lang, cell)
            lo = float(page.locator(".lstm-memory-summary .lstm-val-lstm_dc-lo").get_attribute("data-value"))
            hi = float(page.locator(".lstm-memory-summary .lstm-val-lstm_dc-hi").get_attribute("data-value"))
            assert lo == pytest.approx(lstm_at_colour.min(), rel=1e-6) and hi == pytest.approx(lstm_at_colour.max(), rel=1e-6)
            assert page.locator(".lstm-memory-chart svg polyline").count() >= 2 * 32  # one line per sentence, twice
            page.screenshot(path=str(screens / f"classroom_why_{lang}_{view}.png"))
            page.locator(".lstm-memory-chart").scroll_into_view_if_needed()
            page.screenshot(path=str(screens / f"classroom_why_charts_{lang}_{view}.png"))
            assert page.evaluate(WHY_CLIPPED) == [], (view, lang)
            sizes = page.evaluate(WHY_TEXT_PX)  # read from the back of the room: no chart text under 14 px
            assert len(sizes) > 3 * 12 and sizes[0][0] >= 14, (view, lang, sizes[:3])
            assert page.evaluate(WHY_TEXT_OVERLAPS) == [], (view, lang)
            # the text around the charts as well: the slider's label and readout, the note on how (was 12-13 px)
            page.locator(".lstm-slider-distractors").scroll_into_view_if_needed()
            page.screenshot(path=str(screens / f"classroom_why_slider_{lang}_{view}.png"))
            for sel in (".lstm-slider-distractors .widget-label", ".lstm-slider-distractors .widget-readout",
                        ".lstm-memory-summary .lstm-memory-how"):
                shown = page.evaluate(WHY_AROUND, sel)
                assert shown["text"] and shown["px"] >= 14, (view, lang, sel, shown)
                assert shown["cut"] == [], (view, lang, sel, shown)
            assert term("grad_how", lang) in page.locator(".lstm-memory-how").text_content()
    finally:
        ctx.close()
