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
import urllib.request

import numpy as np
import pytest


pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"


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
        deadline = time.monotonic() + 90
        while True:  # wait until Voilà answers
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except Exception:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read() if proc.poll() is not None else ""
                    pytest.fail(f"Voilà did not come up at {url}: {out[-2000:]}")
                time.sleep(0.5)
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


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                          "--disable-component-update", "--disable-sync"])
        try:
            yield browser
        finally:
            browser.close()


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
    """Play (linked to the time slider in the browser) advances t; the diagram shows the demo trace at t."""
    from explainer.demo import demo_trace
    from widgets.diagram import fmt

    trace = demo_trace()
    page = chromium.new_page(viewport={"width": 1280, "height": 1600})
    try:
        page.goto(classroom, timeout=90_000)
        page.wait_for_selector(".lstm-cellflow-diagram .lstm-val-c", timeout=90_000)
        page.locator(".lm-TabBar-tab").nth(1).click()
        readout = page.locator(".lstm-slider-time .widget-readout")
        readout.wait_for(timeout=20_000)
        assert readout.text_content().strip() == "0"
        page.locator(".widget-play button").first.click()  # ▶ plays to the last step and stops there
        last = trace.time - 1
        page.wait_for_function("n => document.querySelector('.lstm-slider-time .widget-readout')"
                               ".textContent.trim() === String(n)", arg=last, timeout=30_000)
        t = int(readout.text_content().strip())
        assert t == last
        expected = f"cₜ = {fmt(float(trace.c[0, t, 0]))}"
        assert expected != f"cₜ = {fmt(float(trace.c[0, 0, 0]))}"  # the last step looks different from the first
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
