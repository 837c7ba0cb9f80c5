"""The live offline page, as a student uses it: an input event in Chromium → the page's DOM has changed.

Exports the trained story's live page (``export-html --trace story``) and the recorded page of the
same sentence (pictures drawn in Python, the page only switches them), opens both from file:// with
every other request aborted, and times, with a capturing listener stamping ``performance.now()`` and a
``MutationObserver`` stamping the new drawing:

* → on the sentence: the page reruns nothing (the run is cached), draws the cell, equations, charts;
* typing one more word: the page tokenises the sentence and reruns the LSTM and the readout;
* a what-if clamp: the page reruns the sentence from the clamped step;
* → on a cell slider (one cell tab): σ/tanh of the new weighted sum, the cell redrawn;
* → on the recorded page, for comparison (measured in the same run).

Target: every live redraw ≤ 30 ms median (the classroom's cell-flow target), printed as ratios.

    python benchmarks/bench_page_browser.py [--presses 60]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

TARGET_MS = 30.0
CHROMIUM = "/usr/bin/chromium"

PROBE = """([sel, kind]) => {
  window.__lat = []; window.__t0 = null;
  document.addEventListener(kind, () => { window.__t0 = performance.now(); }, true);
  new MutationObserver(() => {
    if (window.__t0 !== null) { window.__lat.push(performance.now() - window.__t0); window.__t0 = null; }
  }).observe(document.querySelector(sel), {subtree: true, childList: true, characterData: true});
}"""


def _times(page, n: int, act) -> np.ndarray:
    for k in range(n):
        act(k)
        page.wait_for_function(f"() => window.__lat.length >= {k + 1}", timeout=20_000)
        page.wait_for_timeout(20)
    return np.array(page.evaluate("() => window.__lat"))


def report(name: str, ms: np.ndarray) -> float:
    med = float(np.median(ms))
    print(f"{name:<58} median {med:6.2f} ms   p90 {np.percentile(ms, 90):6.2f} ms   max {ms.max():6.2f} ms"
          f"   ({len(ms)} events)   ratio to target {med / TARGET_MS:.2f}")
    return med


def _open(browser, path: Path, fragment: str = ""):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
    page = ctx.new_page()
    page.goto(path.as_uri() + fragment)
    return page


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presses", type=int, default=60)
    n = ap.parse_args(argv).presses
    from playwright.sync_api import sync_playwright

    from widgets.export import export_html, load_source

    keys = ["ArrowRight"] * 6 + ["ArrowLeft"] * 6
    with tempfile.TemporaryDirectory() as d, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                          "--disable-component-update", "--disable-sync"])
        trace = load_source("story", langs=("en",))
        live = export_html(trace, Path(d) / "live.html", ("en",))
        recorded = export_html(trace, Path(d) / "recorded.html", ("en",), live=False)
        meds = {}

        page = _open(browser, live, "#t=2&u=2")
        page.evaluate(PROBE, ["#lstm-seq-diagram", "keydown"])
        meds["step"] = report("live page: → on the sentence (key → drawing)",
                              _times(page, n, lambda k: page.keyboard.press(keys[k % len(keys)])))

        page = _open(browser, live)
        page.evaluate(PROBE, ["#lstm-seq-diagram", "input"])
        box = page.locator("#lstm-text")
        words = ["birds", "sang", "wind", "blew"]
        meds["type"] = report("live page: one more word typed (tokenise, rerun, draw)",
                              _times(page, n, lambda k: box.fill(f"the sky was blue {' '.join(words[:1 + k % 4])} "
                                                                 f"the sky is")))

        page = _open(browser, live, "#t=8&u=2")
        page.evaluate(PROBE, ["#lstm-seq-diagram", "click"])
        page.fill("#lstm-iv-value", "1")
        meds["whatif"] = report("live page: what-if clamp (rerun from the clamp, draw both)",
                                _times(page, n, lambda k: (page.select_option("#lstm-iv-field", "fi"[k % 2]),
                                                           page.evaluate("window.__t0 = null"),
                                                           page.click("#lstm-iv-add"))))

        page = _open(browser, live, "#tab=cell")
        page.evaluate(PROBE, ["#lstm-cell-diagram", "keydown"])
        page.locator("#lstm-sl-zf").focus()
        meds["slider"] = report("live page: → on the forget gate's z slider (one cell)",
                                _times(page, n, lambda k: page.keyboard.press(keys[k % len(keys)])))

        page = _open(browser, recorded)
        page.evaluate(PROBE, ["#lstm-diagram", "keydown"])
        rec = report("recorded page: → (pictures embedded, for comparison)",
                     _times(page, n, lambda k: page.keyboard.press(keys[k % len(keys)])))
        browser.close()
    worst = max(meds.values())
    print(f"slowest live redraw {worst:.2f} ms vs target {TARGET_MS:.0f} ms: ratio {worst / TARGET_MS:.2f}; "
          f"live step / recorded step: {meds['step'] / rec:.2f}  {'OK' if worst <= TARGET_MS else 'TOO SLOW'}"
          "  (measured on a shared, loaded machine)")
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
