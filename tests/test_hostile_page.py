"""``export-html`` and its page against hostile text and absurd numbers, proven in Chromium: labels,
feature names, the source's file name and the title carrying HTML/JS, quotes and RTL marks are shown as
text (no dialog fires, no element is injected); 1 step, 1e30 and subnormal inputs, 512 units and
10,000 steps are refused in one line; a killed export or two exports into one --out never leave half a page."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from explainer import LSTM, SequenceTrace
from explainer.errors import InputError
from widgets.export import export_html

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")

#: text a careless or hostile file may carry; each must come out as the same text, never as markup
HOSTILE = ['<img src=x onerror="alert(1)">', "</script><script>alert(2)</script>", "\"'><svg onload=alert(3)>",
           "\u202egnp.exe\u202c", "a&amp;b <b>bold</b>", "${alert(4)}", "javascript:alert(5)",
           "\u05e9\u05dc\u05d5\u05dd \u200f'quoted'\u200e", "<!--", "]]>"]


def _trace(steps=6, units=3, features=4, scale=1.0, seed=0) -> SequenceTrace:
    x = (np.random.default_rng(seed).normal(size=(1, steps, features)) * scale).astype(np.float32)
    return LSTM(units, seed=seed).trace(x)


def _hostile_trace() -> SequenceTrace:
    trace = _trace(steps=len(HOSTILE), features=4)
    trace.meta.update(labels=list(HOSTILE), features=HOSTILE[:4])
    return trace


def _open(chromium, path):
    ctx = chromium.new_context(viewport={"width": 1200, "height": 800}, offline=True)
    page = ctx.new_page()
    dialogs, errors = [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    return ctx, page, dialogs, errors


INJECTED = """() => [...document.querySelectorAll('*')].filter(e =>
    [...e.attributes].some(a => /^on/i.test(a.name)) || ['IMG', 'IFRAME', 'OBJECT', 'EMBED'].includes(e.tagName)
    || (e.tagName === 'svg' && e.getAttribute('onload') !== null)).map(e => e.outerHTML.slice(0, 80))"""


@pytest.mark.parametrize("lang", ["en", "both"])
def test_hostile_labels_features_and_names_stay_text_in_chromium(tmp_path, chromium, lang):
    langs = ("en", "zh") if lang == "both" else ("en",)
    name = HOSTILE[0] + ".npz"
    path = export_html(_hostile_trace(), tmp_path / "page.html", langs, live=False, title=HOSTILE[1], source=name)
    ctx, page, dialogs, errors = _open(chromium, path)
    try:
        scripts = page.evaluate("document.scripts.length")
        seen = set()
        for t in range(len(HOSTILE)):  # every step's label drawn in turn
            page.locator("#lstm-time").fill(str(t))
            page.locator("#lstm-time").dispatch_event("input")
            seen.add(page.evaluate("document.body.innerText"))
            assert page.evaluate(INJECTED) == [], t
        body = page.evaluate("document.body.innerText")
        assert dialogs == [] and errors == []
        assert page.evaluate("document.scripts.length") == scripts
        for label in HOSTILE:  # shown as the very text it is
            assert any(label in s for s in seen), (label, seen)
        html = path.read_text(encoding="utf-8")
        assert "<title>&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;</title>" in html  # escaped where written
        assert body
    finally:
        ctx.close()


def test_a_hostile_url_fragment_runs_nothing(tmp_path, chromium):
    path = export_html(_trace(), tmp_path / "page.html", ("en",))
    ctx, page, dialogs, errors = _open(chromium, path)
    try:
        for frag in ["#<img src=x onerror=alert(1)>", "#t=1e999&u=-1", "#t=%3Cscript%3Ealert(2)%3C/script%3E",
                     "#javascript:alert(3)", "#" + "9" * 5000, "#u=__proto__&t=constructor"]:
            page.goto(path.as_uri() + frag)
            page.wait_for_timeout(100)
            assert page.evaluate(INJECTED) == [], frag
        assert dialogs == [], dialogs
    finally:
        ctx.close()


def test_an_unknown_language_is_refused():
    for lang in ("<script>", "en\"", "", "EN"):
        with pytest.raises(InputError, match="unknown language"):
            export_html(_trace(), "/tmp/never-written.html", (lang,), live=False)
    assert not Path("/tmp/never-written.html").exists()


def test_a_sequence_too_long_for_a_recorded_page_is_refused_in_one_line(tmp_path):
    """10,000 steps would take hours and gigabytes (a drawing per step and unit): refused,
    nothing written, the message says how many steps fit."""
    from widgets.export import MAX_RECORDED_STEPS

    with pytest.raises(InputError, match=rf"10,000 steps.*at most {MAX_RECORDED_STEPS}"):
        export_html(_trace(steps=10_000, units=2, features=1), tmp_path / "page.html", ("en",), live=False)
    assert list(tmp_path.iterdir()) == []
    out = export_html(_trace(steps=MAX_RECORDED_STEPS, units=2, features=1), tmp_path / "ok.html", ("en",),
                      live=False)
    assert out.read_text(encoding="utf-8").rstrip().endswith("</html>")


@pytest.mark.parametrize("case", ["1 step", "1e30 inputs", "subnormal inputs", "512 units"])
def test_absurd_shapes_and_values_make_a_whole_page(tmp_path, case):
    trace = {"1 step": lambda: _trace(steps=1), "1e30 inputs": lambda: _trace(scale=1e30),
             "subnormal inputs": lambda: _trace(scale=1e-42), "512 units": lambda: _trace(steps=3, units=512)}[case]()
    out = export_html(trace, tmp_path / "page.html", ("en",), live=False)
    html = out.read_text(encoding="utf-8")
    assert html.rstrip().endswith("</html>")
    data = json.loads(re.search(r'<script type="application/json" id="lstm-data">(.*?)</script>', html, re.S)
                      .group(1))
    text = json.dumps(data)
    assert "NaN" not in text and "Infinity" not in text
    assert not list(tmp_path.glob(".*part"))


def test_two_exports_into_one_out_both_end_whole(tmp_path):
    """Two exports race into the same --out: the page left is exactly one of the two, never a mixture."""
    a, b = _trace(steps=12, seed=1), _trace(steps=12, seed=2)
    ref = {k: export_html(t, tmp_path / f"{k}.html", ("en",), live=False).read_bytes() for k, t in (("a", a), ("b", b))}
    out = tmp_path / "same.html"
    for _ in range(3):
        threads = [threading.Thread(target=export_html, args=(t, out, ("en",)), kwargs={"live": False}) for t in (a, b)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        assert out.read_bytes() in ref.values()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "b.html", "same.html"]


#: ``export-html`` whose page write is cut halfway by a real signal to itself (SIGINT or SIGKILL)
_SIGNAL_MID_WRITE = """
import os, pathlib, signal, sys
real = pathlib.Path.write_text
def cut(self, text, *a, **kw):
    real(self, text[: len(text) // 2], *a, **kw)
    os.kill(os.getpid(), getattr(signal, os.environ["CUT_WITH"]))
    real(self, text, *a, **kw)  # SIGINT: never reached (KeyboardInterrupt at the next bytecode)
pathlib.Path.write_text = cut
from explainer.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("sig", ["SIGKILL", "SIGINT"])
def test_a_page_killed_while_it_is_written_never_looks_complete(tmp_path, sig):
    """The signal comes with half the page on disk: --out keeps the earlier page, byte for byte; Ctrl-C also
    removes the temporary file (SIGKILL can leave only that dot-file, never a page under --out's name)."""
    out = tmp_path / "page.html"
    out.write_text("<html>the earlier page</html>", encoding="utf-8")
    p = subprocess.run([sys.executable, "-c", _SIGNAL_MID_WRITE, "export-html", "--trace", "demo", "--out", str(out),
                        "--recorded"], env=dict(ENV, CUT_WITH=sig), capture_output=True, text=True, timeout=120)
    assert "Traceback" not in p.stderr, p.stderr
    assert p.returncode == (130 if sig == "SIGINT" else -signal.SIGKILL), p.stderr
    assert out.read_text(encoding="utf-8") == "<html>the earlier page</html>"
    left = sorted(q.name for q in tmp_path.iterdir() if q != out)
    if sig == "SIGINT":
        assert left == [] and p.stderr.strip().endswith("interrupted")
    else:
        assert len(left) == 1 and left[0].startswith(".page.html.") and left[0].endswith(".part"), left


def test_a_killed_export_leaves_no_page_that_looks_complete(tmp_path):
    """SIGKILL at an arbitrary moment of a real export (no patching): whatever is under --out is whole."""
    src = tmp_path / "t.npz"
    _trace(steps=20, units=4).save(src)
    whole = export_html(SequenceTrace.load(src), tmp_path / "whole.html", ("en",), live=False,
                        source="t.npz").read_bytes()
    for delay in (0.5, 2.0):
        out = tmp_path / f"page{delay}.html"
        p = subprocess.Popen([sys.executable, "-m", "explainer.cli", "export-html", "--trace", str(src), "--out", str(out),
                              "--recorded"], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        p.kill()
        p.communicate(timeout=60)
        if out.exists():  # finished before the signal: then it is the whole page
            assert out.read_bytes() == whole


@pytest.mark.parametrize("make,match", [
    (lambda d: (d / "dir.html").mkdir() or d / "dir.html", "is a folder"),
    (lambda d: ((d / "file").write_text("x"), d / "file" / "page.html")[1], "Not a directory|not a directory"),
])
def test_export_to_paths_that_cannot_be_pages_is_one_line(tmp_path, make, match, capsys):
    from explainer.cli import main

    out = make(tmp_path)
    assert main(["export-html", "--trace", "demo", "--out", str(out), "--recorded"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and re.search(match, err), err
