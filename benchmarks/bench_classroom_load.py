"""A whole class on one classroom: 20 students' pages, each its own kernel, moving sliders at once.

Starts ``lstm-explainer classroom`` on 127.0.0.1 and Debian's Chromium with ``--sessions`` pages
(20), each a student: its own Voilà page and kernel. First one page alone moves the x_t slider of
the cell-state flow (the baseline), then, round after round, every page presses → / ← at the same
moment (the worst case: the whole class moves at once) and each page times its own key → drawing
round trip (a ``keydown`` stamp and a ``MutationObserver`` on the drawing, as in
``bench_widgets_browser.py``). Memory: the resident size of Voilà and all its kernels, from /proc.

Prints the redraw median and p90 alone and under load, their ratio, and the memory per student.

    python benchmarks/bench_classroom_load.py [--sessions 20] [--rounds 10]

Measured on the shared 2-CPU build machine (load average ≈ 20 from other work), 2026-12-02:
one student alone 40 ms median (p90 72 ms); 20 students pressing at once 378 ms median (p90 1.0 s,
max 1.7 s), 9.5× the single-student median — the 20 kernels share 2 CPUs; memory 1815 MiB for Voilà
and 20 kernels (287 MiB with one student, ≈ 80 MiB per further student); the 20 pages took 689 s to
open on that machine (each page load builds the dashboard in a fresh kernel).
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

CHROMIUM = "/usr/bin/chromium"
PROBE = """sel => {
  window.__lat = []; window.__t0 = null;
  document.addEventListener('keydown', () => { window.__t0 = performance.now(); }, true);
  new MutationObserver(() => {
    if (window.__t0 !== null) { window.__lat.push(performance.now() - window.__t0); window.__t0 = null; }
  }).observe(document.querySelector(sel), {subtree: true, childList: true, characterData: true});
}"""


def _serve(sessions: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "explainer.cli", "classroom", "--port", str(port),
                             "--max-students", str(sessions + 2)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(url + "voila/static/none", timeout=2)
        except urllib.error.HTTPError:
            return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the classroom did not start")
            time.sleep(0.5)


def _tree(pid: int) -> list[int]:
    out = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            for child in (task / "children").read_text().split():
                out += _tree(int(child))
        except OSError:
            pass
    return out


def rss_mib(pid: int) -> tuple[float, int]:
    """Resident memory of ``pid`` and all its descendants (MiB), and how many of them are kernels."""
    total, kernels = 0, 0
    for p in _tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text()
            kernels += b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()
        except OSError:
            continue
        total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
    return total / 1024, kernels


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(url, timeout=600_000)
    page.locator(".lstm-cellflow-diagram .lstm-val-c").wait_for(timeout=600_000)
    page.locator(".lstm-slider-x .noUi-handle").click()
    page.evaluate(PROBE, ".lstm-cellflow-diagram")
    return page


def _round(pages, key: str, done: int) -> None:
    """Every page presses ``key`` at (nearly) the same moment; wait until each has redrawn."""
    for page in pages:
        page.keyboard.press(key)
    for page in pages:
        page.wait_for_function(f"() => window.__lat.length >= {done}", timeout=120_000)


def line(name: str, ms: np.ndarray) -> float:
    med = float(np.median(ms))
    print(f"{name:<44} median {med:7.1f} ms   p90 {np.percentile(ms, 90):7.1f} ms   max {ms.max():7.1f} ms"
          f"   ({len(ms)} redraws)")
    return med


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    proc, url = _serve(args.sessions)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                              "--disable-component-update", "--disable-sync"])
            t0 = time.monotonic()
            pages = [_open(browser, url)]
            mem1, _ = rss_mib(proc.pid)
            for k in range(args.rounds * 2):  # one student alone: the baseline
                _round(pages, ("ArrowRight", "ArrowLeft")[k % 2], k + 1)
                pages[0].wait_for_timeout(30)
            alone = np.array(pages[0].evaluate("() => window.__lat"))
            pages += [_open(browser, url) for _ in range(args.sessions - 1)]
            opened = time.monotonic() - t0
            for page in pages:
                page.evaluate("() => { window.__lat = []; }")
            for k in range(args.rounds):
                _round(pages, ("ArrowRight", "ArrowLeft")[k % 2], k + 1)
            loaded = np.concatenate([np.array(page.evaluate("() => window.__lat")) for page in pages])
            mem, kernels = rss_mib(proc.pid)
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    print(f"{args.sessions} pages opened in {opened:.0f} s on {os.cpu_count()} CPUs")
    a = line("one student alone: key → drawing", alone)
    b = line(f"{args.sessions} students pressing at once: key → drawing", loaded)
    print(f"under load / alone (median): {b / a:.1f}×   — {args.sessions} simultaneous redraws share the CPUs")
    print(f"memory: Voilà + {kernels} kernels = {mem:.0f} MiB ({(mem - mem1) / max(1, kernels - 1):.0f} MiB per "
          f"extra student; one student: {mem1:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
