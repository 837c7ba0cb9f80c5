"""The exported page: one file, no network, the trace's numbers after stepping with the keyboard.

The browser half needs /usr/bin/chromium and the Python ``playwright`` package (never
``playwright install``). Screenshots go to ``$LSTM_EXPLAINER_SCREENSHOTS`` (default: the
test's temporary folder) at 1400×900 and at 1280×720 with 150 % zoom, which is a viewport of
853×480 CSS px drawn with ``device_scale_factor=1.5`` (what Chrome's zoom does).
"""
from __future__ import annotations

import re

import numpy as np
import pytest

from explainer import LSTM
from widgets.export import demo_source, export_html

VIEWS = {"1400x900": ({"width": 1400, "height": 900}, 1.0),
         "1280x720_zoom150": ({"width": 853, "height": 480}, 1.5)}


def _urls(html: str) -> set[str]:
    return set(re.findall(r"""(?:https?:)?//[\w./-]+""", html))


def test_page_is_one_file_with_every_step_and_no_network(tmp_path):
    trace = demo_source()
    out = export_html(trace, tmp_path / "page.html", ("en", "zh"), live=False)
    html = out.read_text(encoding="utf-8")
    # nothing to fetch: the only URL is the SVG namespace, which browsers never load
    assert _urls(html) == {"http://www.w3.org/2000/svg"}, _urls(html)
    assert not re.search(r"<(link|img|iframe)\b|@import|url\((?!#)|src=\"(?!data:)", html)
    # every step of every unit, in both languages: the drawing Python made, with the trace's numbers
    assert html.count('class=\\"lstm-cell-diagram\\"') == 2 * trace.units * trace.time
    for t in range(trace.time):
        assert f'lstm-val-c\\" data-value=\\"{float(trace.c[0, t, 1])!r}\\"' in html
    assert "遗忘门" in html and "forget gate" in html


def test_page_narrows_wide_layers_and_refuses_bad_input(tmp_path):
    wide = LSTM(20, seed=1).trace(np.random.default_rng(0).normal(size=(1, 4, 3)).astype(np.float32))
    out = export_html(wide, tmp_path / "wide.html", ("en",), max_units=5, live=False)
    html = out.read_text(encoding="utf-8")
    assert html.count('class=\\"lstm-cell-diagram\\"') == 5 * 4
    with pytest.raises(ValueError, match="unknown language"):
        export_html(wide, tmp_path / "x.html", ("fr",))
    with pytest.raises(FileNotFoundError, match="no video"):
        export_html(wide, tmp_path / "x.html", video=tmp_path / "missing.mp4")


def test_export_html_command(tmp_path, capsys):
    from explainer.cli import main

    out = tmp_path / "page.html"
    assert main(["export-html", "--trace", "demo", "--out", str(out), "--lang", "zh", "--recorded"]) == 0
    assert "wrote" in capsys.readouterr().out and out.is_file()
    assert "遗忘门" in out.read_text(encoding="utf-8")
    (tmp_path / "bad.npz").write_bytes(b"junk")
    assert main(["export-html", "--trace", str(tmp_path / "bad.npz"), "--out", str(out)]) == 2
    assert "bad.npz" in capsys.readouterr().err
    video = tmp_path / "lesson.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))
    assert main(["export-html", "--out", str(out), "--video", str(video)]) == 0
    assert 'src="data:video/mp4;base64,' in out.read_text(encoding="utf-8")


@pytest.mark.browser
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_page_offline_in_chromium_keyboard_to_last_step(view, tmp_path, chromium, screens):
    trace = demo_source()
    path = export_html(trace, tmp_path / "page.html", ("en", "zh"), live=False)
    viewport, scale = VIEWS[view]
    ctx = chromium.new_context(viewport=viewport, device_scale_factor=scale, offline=True)
    asked = []

    def block(route):  # all network blocked: only the file itself may load
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            asked.append(route.request.url)
            route.abort()

    ctx.route("**/*", block)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(path.as_uri())
        c = page.locator("#lstm-diagram .lstm-val-c")
        assert float(c.get_attribute("data-value")) == float(trace.c[0, 0, 0])
        for _ in range(trace.time + 2):  # past the end: stays on the last step
            page.keyboard.press("ArrowRight")
        last = trace.time - 1
        assert page.locator("#lstm-time").input_value() == str(last)
        assert float(c.get_attribute("data-value")) == float(trace.c[0, last, 0])
        assert c.text_content() == "cₜ = " + f"{float(trace.c[0, last, 0]):+.3f}".replace("-", "−")
        assert page.locator("#lstm-step").text_content().endswith(f"t = {last} (is)")
        # the charts and the heatmap marker follow
        assert float(page.locator("#lstm-charts .lstm-val-c_series").get_attribute("data-value")) == float(
            trace.c[0, last, 0])
        marker = page.locator(".lstm-hm-marker").first
        assert float(marker.get_attribute("x")) == float(marker.get_attribute("data-x0")) + last * float(
            marker.get_attribute("data-cw"))
        page.keyboard.press("ArrowLeft")
        assert float(c.get_attribute("data-value")) == float(trace.c[0, last - 1, 0])
        page.select_option("#lstm-unit", "1")
        assert float(c.get_attribute("data-value")) == float(trace.c[0, last - 1, 1])
        # the charts are redrawn for the other unit, and their marks follow the step
        assert float(page.locator("#lstm-charts .lstm-val-c_series").get_attribute("data-value")) == float(
            trace.c[0, last - 1, 1])
        # the drawing is fully on screen (it scales to the window)
        box = page.locator("#lstm-diagram svg").bounding_box()
        assert box["x"] + box["width"] <= viewport["width"] + 1 and box["y"] + box["height"] <= viewport["height"] + 1, box
        page.wait_for_timeout(400)  # let the 0.25 s fade-in finish
        page.screenshot(path=str(screens / f"page_en_{view}.png"))
        page.locator(".lstm-lang", has_text="中文").click()
        assert "遗忘门" in page.locator("#lstm-diagram").text_content()
        assert page.locator("#lstm-step").text_content().endswith(f"t = {last - 1} (天空)")
        page.keyboard.press("Space")  # plays from here to the end
        page.wait_for_function(f"() => document.getElementById('lstm-time').value === '{last}'", timeout=10_000)
        page.wait_for_timeout(1200)
        page.screenshot(path=str(screens / f"page_zh_{view}.png"))
        assert not errors, errors
        assert asked == [], f"the page asked the network for {asked}"
    finally:
        ctx.close()
