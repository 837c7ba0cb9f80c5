"""The classroom as a server for a class: offline, kernels of closed pages culled, a cap with a clear page,
``--lan`` behind a token, and a quiet terminal. Real Voilà, real Chromium."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from explainer.cli import main

pytestmark = pytest.mark.browser


def test_lan_serves_every_address_behind_a_token_and_is_capped(capsys):
    assert main(["classroom", "--lan", "--dry-run", "--port", "9124", "--max-students", "25"]) == 0
    out = capsys.readouterr().out
    assert "--Voila.ip=0.0.0.0" in out and "--CappedKernelManager.max_kernels=25" in out
    token = re.search(r"--Voila.token=(\S+)", out).group(1)
    assert len(token) >= 16 and f"?token={token}" in out  # the printed URL carries the key
    assert "127.0.0.1" not in out.splitlines()[-1]
    assert main(["classroom", "--dry-run", "--port", "9124"]) == 0
    out = capsys.readouterr().out
    assert "--Voila.ip=127.0.0.1" in out and "--Voila.token= " in out  # default: this machine only, no token
    assert "--template=lstm-classroom" in out and "cull_idle_timeout=60" in out
    with pytest.raises(SystemExit) as e:  # refused by argparse, naming the flag
        main(["classroom", "--dry-run", "--max-students", "0"])
    assert e.value.code == 2
    assert "argument --max-students: must be a whole number >= 1, got '0'" in capsys.readouterr().err


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Classroom:
    """``lstm-explainer classroom`` with ``args``, its terminal output collected; stopped on exit."""

    def __init__(self, *args: str) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "explainer.cli", "classroom", "--port", str(self.port),
                                      *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True)
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(self.proc.stdout), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.port}/"
        deadline = time.monotonic() + 120
        while True:  # Voilà answers (a 403 for a file it does not serve is an answer)
            try:
                urllib.request.urlopen(self.url + "voila/static/none", timeout=2)
            except urllib.error.HTTPError:
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail("the classroom did not come up: " + "".join(self.lines[-20:]))
                time.sleep(0.5)

    def kernels(self) -> int:
        """How many kernels Voilà's process is running now (its ipykernel children)."""
        voila = [p for p in _children(self.proc.pid) if b"voila" in _cmdline(p)]
        return sum(1 for v in voila for k in _children(v) if b"ipykernel" in _cmdline(k))

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _block_the_network(page, port: int) -> list[str]:
    """Every request that would leave 127.0.0.1:port is recorded and refused."""
    outside: list[str] = []

    def route(r):
        if r.request.url.startswith((f"http://127.0.0.1:{port}/", f"ws://127.0.0.1:{port}/", "data:", "blob:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return outside


def test_reloads_leave_at_most_two_kernels_no_request_leaves_and_the_terminal_stays_quiet(chromium):
    with Classroom("--cull-after", "12") as room:  # long enough for a page on a busy machine to connect
        page = chromium.new_page(viewport={"width": 1400, "height": 900})
        outside = _block_the_network(page, room.port)
        for _ in range(10):
            page.goto(room.url)
            page.wait_for_selector(".lstm-seq-diagram svg", state="attached", timeout=120_000)
        # the widgets' icons come from Voilà's own bundle, not a CDN: the ▶ button's glyph is drawn
        icon = page.locator(".lstm-step-forward i").first
        glyph = icon.evaluate("e => getComputedStyle(e, '::before').content")
        family = icon.evaluate("e => getComputedStyle(e).fontFamily")
        assert glyph not in ("", "none", "normal") and "Font Awesome" in family, (glyph, family)
        assert outside == [], outside
        assert 1 <= room.kernels() <= 11
        page.goto("about:blank")
        deadline = time.monotonic() + 60  # 12 s idle + the 6 s cull interval, on a busy machine
        while room.kernels() > 2 and time.monotonic() < deadline:
            time.sleep(1)
        assert room.kernels() <= 2, f"{room.kernels()} kernels alive after the cull interval"
        page.close()
        said = "".join(room.lines)
    for noise in ("not trusted", "without encryption", "_xsrf", "websocket_ping_timeout"):
        assert noise not in said, said
    assert said.startswith("classroom dashboard: http://127.0.0.1:")


def test_a_full_classroom_says_so(chromium):
    with Classroom("--max-students", "1", "--lan") as room:
        token = re.search(r"\?token=(\S+)", "".join(room.lines)).group(1)
        first = chromium.new_page()
        first.goto(room.url + f"?token={token}")
        first.wait_for_selector(".lstm-seq-diagram svg", state="attached", timeout=120_000)
        second = chromium.new_page()
        answer = second.goto(room.url + f"?token={token}")
        assert answer.status == 503
        assert "The classroom is full: 1 students are connected" in second.inner_text("body")
        assert "--max-students" in second.inner_text("body")
        stranger = chromium.new_page()
        stranger.goto(room.url)  # no token: the login page, no dashboard, no kernel
        assert "token" in stranger.inner_text("body").lower() and stranger.locator(".lstm-seq-diagram").count() == 0
        for p in (first, second, stranger):
            p.close()
