"""``render`` against careless use: output paths that cannot hold videos are refused before manim starts,
two renders into one --out never write the same files, and Ctrl-C or SIGKILL in the middle of
``render lesson`` never leave a video that looks complete (nor a worker rendering on)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from explainer.cli import main
from explainer.paths import only_one_run

pytest.importorskip("manim")
pytestmark = pytest.mark.video

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")


def _listing(root: Path) -> dict[str, object]:
    """Every path under ``root`` with its bytes (files) or its kind (folders, pipes: never read)."""
    return {str(p.relative_to(root)): p.read_bytes() if p.is_file() else ("fifo" if p.is_fifo() else "dir")
            for p in sorted(root.rglob("*"))}


def _make(tmp_path: Path, case: str) -> Path:
    (tmp_path / "afile").write_text("keep me")
    if case == "an existing file":
        return tmp_path / "afile"
    if case == "a FIFO":
        os.mkfifo(tmp_path / "pipe")
        return tmp_path / "pipe"
    if case == "a path under a file":
        return tmp_path / "afile" / "media"
    if case == "deep under a file":
        return tmp_path / "afile" / "a" / "b"
    if case == "a read-only folder":
        return Path("/sys")  # read-only even for root, who passes every permission bit
    if case == "a new folder in a read-only one":
        return Path("/sys/lstm-explainer-media")
    return Path(" ")


OUT_CASES = {"an existing file": "--out {out} is a file, not a folder; give a folder",
             "a FIFO": "--out {out} is a named pipe (FIFO), not a folder; give a folder",
             "a path under a file": "--out {out}: {tmp}/afile is a file, so no folder can be made inside it",
             "deep under a file": "--out {out}: {tmp}/afile is a file, so no folder can be made inside it",
             "a read-only folder": "--out {out}: this folder cannot be written (",
             "a new folder in a read-only one": "--out {out}: this folder cannot be created in /sys (",
             "a blank name": "--out is empty; give a folder"}


@pytest.mark.parametrize("case", OUT_CASES)
def test_out_that_cannot_hold_videos_is_one_line_before_manim_starts(tmp_path, case, capsys):
    out = _make(tmp_path, case)
    before = _listing(tmp_path)
    t0 = time.perf_counter()
    assert main(["render", "ForgetGate", "--last-frame", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: " + OUT_CASES[case].format(out=out, tmp=tmp_path)), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert time.perf_counter() - t0 < 5  # refused before any scene is drawn
    assert _listing(tmp_path) == before  # nothing made, the file and the pipe untouched


def test_script_out_that_is_a_file_is_named(tmp_path, capsys):
    (tmp_path / "script").write_text("mine")
    assert main(["render", "lesson", "--script-out", str(tmp_path / "script"), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: --script-out {tmp_path / 'script'} is a file, not a folder"), err
    assert (tmp_path / "script").read_text() == "mine" and not (tmp_path / "m").exists()


def test_a_second_render_into_the_same_out_refuses_at_once(tmp_path, capsys):
    out = tmp_path / "media"
    with only_one_run(out, "--out", "render"):  # the kernel's lock a running render holds on its --out
        t0 = time.perf_counter()
        assert main(["render", "ForgetGate", "--last-frame", "--out", str(out)]) == 2
        assert time.perf_counter() - t0 < 5
    err = capsys.readouterr().err
    assert err == f"error: --out {out} is being written by another render right now; wait for it to finish or " \
                  "give another --out\n"
    assert list(out.iterdir()) == []
    with only_one_run(out, "--out", "render"):  # released when the holder ends: the next run may write
        pass


def _ctrl_c_as_in_a_terminal() -> None:
    """Started from a background shell a command inherits SIGINT ignored; here it sees Ctrl-C as in a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_a_lesson_stopped_mid_render_leaves_no_video_that_looks_complete(tmp_path, sig):
    """Killed as soon as the first scene's first animation is written, with two render processes:
    Ctrl-C (sent to the whole process group, as a terminal does) stops both workers at once and removes
    their partial videos; SIGKILL of the command takes its workers with it (no orphan keeps rendering,
    the output pipe closes). Either way no file under a final name is half a video."""
    out = tmp_path / "media"
    proc = subprocess.Popen([sys.executable, "-m", "explainer.cli", "render", "lesson", "--voice", "none",
                             "--no-slides", "--jobs", "2", "--out", str(out)], env=ENV, cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=_ctrl_c_as_in_a_terminal)
    try:
        deadline = time.time() + 90
        while not list(out.glob(".cache/partial/en/low/*/*.mp4")) and time.time() < deadline:
            time.sleep(0.1)
        assert time.time() < deadline, "no scene started rendering"
        os.killpg(proc.pid, sig) if sig == signal.SIGINT else proc.send_signal(sig)
        try:
            _, err = proc.communicate(timeout=20)  # returns only once the workers, holding the pipe too, are gone
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out_text, err = proc.communicate()
            pytest.fail(f"still running 20 s after the signal (or its workers are): {out_text}{err}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == (130 if sig == signal.SIGINT else -signal.SIGKILL), err
    assert "Traceback" not in err, err
    videos = out / "en" / "low"
    finished = sorted(p.name for p in videos.glob("*.mp4") if ".partial" not in p.name) if videos.exists() else []
    assert "lesson.mp4" not in finished
    for name in finished:  # a scene that did finish before the signal is a whole video
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
                                str(videos / name)], capture_output=True, text=True)
        assert probe.returncode == 0 and float(probe.stdout) > 0, (name, probe.stderr)
    if sig == signal.SIGINT:
        assert err.strip().splitlines()[-1] == "interrupted", err
        assert not videos.exists() or not list(videos.glob("*.partial.*"))  # cleaned up
