"""``story train`` stopped or raced: Ctrl-C and SIGKILL while the model is being written, and two runs into
the same --out at once, never leave a model or report under its name that is not whole."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from explainer import Sequential

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
#: a run of a few seconds: the point is the writing, not the model
TINY = ["story", "train", "--epochs", "1", "--sentences", "16", "--units", "2", "--quiet"]


@pytest.fixture(scope="module")
def earlier(tmp_path_factory) -> Path:
    """A folder holding the model and report of an earlier, finished run (the shipped model's)."""
    from explainer.story import story_model

    folder = tmp_path_factory.mktemp("story")
    story_model().save(folder / "story.npz")
    (folder / "story.json").write_text(json.dumps({"cell": "lstm", "recipe": {"seed": 0}}), encoding="utf-8")
    return folder


def _state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _copy(earlier: Path, tmp_path: Path) -> Path:
    for name, data in _state(earlier).items():
        (tmp_path / name).write_bytes(data)
    return tmp_path / "story.npz"


_KILL_MID_WRITE = """
import os, signal, sys
import numpy as np
real = np.savez
def cut(fh, **arrays):
    real(fh, **dict(list(arrays.items())[:1]))
    fh.flush()
    os.kill(os.getpid(), getattr(signal, os.environ["CUT_WITH"]))  # SIGINT: KeyboardInterrupt right here
np.savez = cut
from explainer.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("sig", ["SIGINT", "SIGKILL"])
def test_a_signal_while_the_model_is_written_leaves_no_cut_model_under_its_name(earlier, tmp_path, sig):
    """Half the new model is on disk when the signal comes: the earlier model and report stay, byte for
    byte; Ctrl-C also removes the temporary file, SIGKILL can leave only that dot-file."""
    out = _copy(earlier, tmp_path)
    before = _state(tmp_path)
    proc = subprocess.run([sys.executable, "-c", _KILL_MID_WRITE, *TINY, "--out", str(out), "--seed", "3"],
                          env=dict(ENV, CUT_WITH=sig), capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    after = _state(tmp_path)
    left = [n for n in after if n not in before]
    assert {n: after[n] for n in before} == before  # under the real names: the earlier files, whole
    if sig == "SIGINT":
        assert proc.returncode == 130 and proc.stderr.strip().endswith("interrupted"), proc.stderr
        assert left == []
    else:
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        assert len(left) == 1 and left[0].startswith(".story.npz.") and left[0].endswith(".part"), left
    Sequential.load(out)  # still loads


def test_two_runs_into_one_out_leave_one_whole_result(tmp_path):
    """Started together with different seeds: the model and report left each load whole, from one run."""
    out = tmp_path / "story.npz"
    procs = [subprocess.Popen([sys.executable, "-m", "explainer.cli", *TINY, "--out", str(out), "--seed", str(s)],
                              env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for s in (1, 2)]
    errs = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    model = Sequential.load(out)
    report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert report["recipe"]["seed"] in (1, 2) and model.layers[0].units == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story.json", "story.npz"]  # no temporary file left


def test_a_file_that_cannot_be_written_is_named_not_its_temporary(tmp_path):
    """The one writer every saver uses names the file asked for when it cannot be made, and leaves nothing."""
    from explainer.paths import replacing

    (tmp_path / "folder.npz").mkdir()
    for path, error in [(tmp_path / "none" / "m.npz", FileNotFoundError), (tmp_path / "folder.npz", IsADirectoryError)]:
        with pytest.raises(error) as e:
            with replacing(path) as tmp:
                tmp.write_bytes(b"whole")
        assert e.value.filename == str(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.npz"] and not any((tmp_path / "folder.npz").iterdir())
