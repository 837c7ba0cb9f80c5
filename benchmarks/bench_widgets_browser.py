"""Redraw as a user experiences it: key event in the browser → the drawing's DOM changes.

Starts ``lstm-explainer classroom`` (Voilà, a real kernel) and Debian's Chromium, focuses a
slider and presses → / ← alternately. In the page, a capturing ``keydown`` listener stamps
``performance.now()`` and a ``MutationObserver`` on the drawing stamps the moment its new SVG
lands; the difference is the round trip: browser → kernel (observer, ``LSTMCell.step``, SVG) →
browser → DOM. Also timed: a step of the sequence explorer (→ over the drawing, through
``ipyevents``) and a step of the exported offline page (no kernel at all).

Target: cell-state flow ≤ 30 ms median.

    python benchmarks/bench_widgets_browser.py [--presses 60]
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

TARGET_MS = 30.0
CHROMIUM = "/usr/bin/chromium"

PROBE = """sel => {
  window.__lat = []; window.__t0 = null;
  document.addEventListener('keydown', () => { window.__t0 = performance.now(); }, true);
  const target = document.querySelector(sel);
  new MutationObserver(() => {
    if (window.__t0 !== null) { window.__lat.push(performance.now() - window.__t0); window.__t0 = null; }
  }).observe(target, {subtree: true, childList: true, characterData: true});
}"""


def _press(page, n: int, keys=("ArrowRight", "ArrowLeft"), per_key: int = 1) -> np.ndarray:
    """Press the keys alternately (``per_key`` times each), waiting for each DOM change."""
    seq = [k for k in keys for _ in range(per_key)]
    for k in range(n):
        page.keyboard.press(seq[k % len(seq)])
        page.wait_for_function(f"() => window.__lat.length >= {k + 1}", timeout=20_000)
        page.wait_for_timeout(30)  # let the kernel go idle: one key at a time, as a person presses
    return np.array(page.evaluate("() => window.__lat"))


def report(name: str, ms: np.ndarray) -> float:
    med = float(np.median(ms))
    print(f"{name:<52} median {med:7.1f} ms   p90 {np.percentile(ms, 90):7.1f} ms   max {ms.max():7.1f} ms"
          f"   ({len(ms)} key presses)")
    return med


def _serve() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "explainer.cli", "classroom", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return proc, url
        except Exception:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the classroom did not start")
            time.sleep(0.5)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presses", type=int, default=60)
    n = ap.parse_args(argv).presses
    from playwright.sync_api import sync_playwright

    from widgets.export import demo_source, export_html

    proc, url = _serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                              "--disable-component-update", "--disable-sync"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url, timeout=120_000)
            page.locator(".lstm-cellflow-diagram .lstm-val-c").wait_for(timeout=120_000)
            page.locator(".lstm-slider-x .noUi-handle").click()
            page.evaluate(PROBE, ".lstm-cellflow-diagram")
            flow = report("cell-state flow: x_t slider, key → drawing", _press(page, n))

            page.locator(".lm-TabBar-tab").nth(1).click()
            page.locator(".lstm-seq-diagram .lstm-val-c").wait_for(timeout=20_000)
            page.locator(".lstm-seq-diagram").hover()
            page.evaluate(PROBE, ".lstm-seq-diagram")
            report("sequence explorer: → over the drawing (ipyevents)", _press(page, n, per_key=6))

            with tempfile.TemporaryDirectory() as d:
                path = export_html(demo_source(), Path(d) / "page.html", ("en",), live=False)
                offline = browser.new_page(viewport={"width": 1400, "height": 900})
                offline.goto(path.as_uri())
                offline.evaluate(PROBE, "#lstm-diagram")
                report("exported recorded page: → (no kernel, pictures embedded)", _press(offline, n, per_key=6))
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    ok = flow <= TARGET_MS
    print(f"cell-state flow median {flow:.1f} ms vs target {TARGET_MS:.0f} ms: ratio {flow / TARGET_MS:.2f} "
          f"{'OK' if ok else 'TOO SLOW'}  (measured on a shared, loaded machine)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
