"""The command line under careless and hostile use: every numeric flag named in its error, Ctrl-C at any
moment of start-up without a traceback, input paths that are folders, pipes or other containers, and
bugs that stay bugs (a traceback) instead of being shown as the user's fault."""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from explainer.cli import main
from explainer.errors import InputError, InputTypeError

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")

# --- CLI numbers: one argparse type per kind, the flag named -------------------------------------
#: (argv, the flag the error must name); every numeric option of every sub-command, each with a bad value
NUMBERS = [
    (["trace", "--seed", "-1"], "--seed"), (["trace", "--seed", str(2**40)], "--seed"),
    (["trace", "--seed", "1.5"], "--seed"), (["trace", "--sample", "-2"], "--sample"),
    (["trace", "--sample", "one"], "--sample"), (["trace", "--step", "1e3"], "--step"),
    (["trace", "--step", ""], "--step"),
    (["bitcoin", "--units", "0"], "--units"), (["bitcoin", "--epochs", "-3"], "--epochs"),
    (["bitcoin", "--batch-size", "0x10"], "--batch-size"), (["bitcoin", "--window", "1"], "--window"),
    (["bitcoin", "--dropout", "1"], "--dropout"), (["bitcoin", "--dropout", "nan"], "--dropout"),
    (["bitcoin", "--dropout", "-0.1"], "--dropout"), (["bitcoin", "--split", "0"], "--split"),
    (["bitcoin", "--split", "inf"], "--split"), (["bitcoin", "--max-gap-days", "-1"], "--max-gap-days"),
    (["bitcoin", "--seed", "-1"], "--seed"),
    (["story", "train", "--units", "0"], "--units"), (["story", "train", "--epochs", "many"], "--epochs"),
    (["story", "train", "--seed", "-1"], "--seed"), (["story", "train", "--sentences", "0"], "--sentences"),
    (["story", "compare", "--seeds", "0"], "--seeds"), (["story", "compare", "--l2=-1e-3"], "--l2"),
    (["story", "compare", "--l2", "1e999"], "--l2"), (["story", "compare", "--per-distance", "0"], "--per-distance"),
    (["render", "lesson", "--jobs", "0"], "--jobs"), (["render", "lesson", "--units", "-4"], "--units"),
    (["render", "lesson", "--sample", "-1"], "--sample"), (["render", "lesson", "--step", "x"], "--step"),
    (["classroom", "--port", "0"], "--port"), (["classroom", "--port", "65536"], "--port"),
    (["classroom", "--port", "-80"], "--port"), (["classroom", "--port", "http"], "--port"),
    (["classroom", "--max-students", "0"], "--max-students"), (["classroom", "--cull-after", "-5"], "--cull-after"),
    (["export-html", "--out", "p.html", "--units", "0"], "--units"),
    (["export-html", "--out", "p.html", "--units", "2.5"], "--units"),
]


@pytest.mark.parametrize("argv,flag", NUMBERS, ids=[" ".join(a) for a, _ in NUMBERS])
def test_every_numeric_option_names_its_flag(argv, flag, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flag}: must be a" in err, err
    assert "Traceback" not in err


def test_numeric_options_accept_their_whole_range():
    from explainer.argtypes import PORT, SEED, real, whole

    assert PORT("1") == 1 and PORT("65535") == 65535 and SEED(str(2**32 - 1)) == 2**32 - 1
    assert whole()("-3") == -3 and whole(0)(" 7 ") == 7
    assert real(0, 1, high_open=True)("0") == 0.0 and real(0)("1e-300") == 1e-300


def test_every_numeric_option_uses_the_one_helper():
    """No sub-command parses a number its own way (type=int/float or a private helper)."""
    import re

    for f in ("explainer/cli.py", "explainer/bitcoin/cli.py", "explainer/story/cli.py", "explainer/chars/cli.py", "animations/cli.py",
              "widgets/cli.py"):
        text = (ROOT / f).read_text(encoding="utf-8")
        assert not re.search(r"type=(int|float)\b", text), f


# --- Bugs stay bugs; bad input is one line -----------------------------------------------------------
def test_a_bug_keeps_its_traceback(monkeypatch):
    import explainer.cli as cli

    def broken(args):
        raise TypeError("unsupported operand type(s) for +: 'int' and 'NoneType'")

    monkeypatch.setattr(cli, "_cmd_trace", broken)
    with pytest.raises(TypeError, match="unsupported operand"):
        main(["trace"])
    for bug in (KeyError("w003"), IndexError("tuple index out of range"), AttributeError("x"),
                ValueError("operands could not be broadcast together")):
        monkeypatch.setattr(cli, "_cmd_trace", lambda args, bug=bug: (_ for _ in ()).throw(bug))
        with pytest.raises(type(bug)):
            main(["trace"])


def test_bad_input_is_one_line(monkeypatch, capsys):
    import explainer.cli as cli

    for err in (InputError("--units 9: this trace holds 3 units"), InputTypeError("x must be numeric")):
        monkeypatch.setattr(cli, "_cmd_trace", lambda args, err=err: (_ for _ in ()).throw(err))
        assert main(["trace"]) == 2
        assert capsys.readouterr().err.strip() == f"error: {err}"


def test_damaged_keras_file_keeps_its_cause(tmp_path):
    from explainer.your_model import load_model_file

    bad = tmp_path / "m.keras"
    import zipfile

    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("config.json", "{not json")
    with pytest.raises(InputError, match="Keras could not load this model") as e:
        load_model_file(bad)
    assert e.value.__cause__ is not None  # the library's own error stays attached for whoever debugs it


# --- Input paths that are not plain files --------------------------------------------------------
def _fifo(path):
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("argv_of,match", [
    (lambda d: ["trace", "--model", str(_mk_dir(d / "m.keras")), "--input", "x.npy", "--out", str(d / "t.npz")],
     r"is a folder; expected a model file .*model.save\('model.keras'\)"),
    (lambda d: ["trace", "--model", str(_fifo(d / "m.npz")), "--input", "x.npy", "--out", str(d / "t.npz")],
     "is a named pipe"),
    (lambda d: ["trace", "--model", str(_fifo(d / "m.safetensors")), "--input", "x.npy", "--out", str(d / "t.npz")],
     "is a named pipe"),
    (lambda d: ["trace", "--model", str(_mk_dir(d / "m.npz")), "--input", "x.npy", "--out", str(d / "t.npz")],
     "is a folder"),
    (lambda d: ["trace", "--file", str(_fifo(d / "t.npz"))], "is a named pipe"),
    (lambda d: ["trace", "--file", str(_mk_dir(d / "t.npz"))], "is a folder"),
    (lambda d: ["trace", "--file", str(_zip_of_csvs(d / "t.npz"))], "not allowed|unexpected|not a"),
    (lambda d: ["trace", "--file", str(_gzip_bytes(d / "t.npz"))], "it is gzip-compressed"),
    (lambda d: ["trace", "--model", str(_gzip_bytes(d / "m.npz")), "--input", "x.npy", "--out", str(d / "t.npz")],
     "it is gzip-compressed"),
    (lambda d: ["bitcoin", "--no-keras", "--csv", str(_fifo(d / "p.csv")), "--out", str(d / "r")], "is a named pipe"),
    (lambda d: ["bitcoin", "--no-keras", "--csv", str(_mk_dir(d / "p.csv")), "--out", str(d / "r")], "is a folder"),
])
def test_input_paths_that_are_not_files_are_named(tmp_path, argv_of, match, capsys):
    argv = argv_of(tmp_path)
    t0 = time.perf_counter()
    assert main(argv) == 2  # and it returns: a FIFO is never opened for reading (it would block)
    assert time.perf_counter() - t0 < 30
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    import re

    assert re.search(match, err), err


def _mk_dir(path):
    path.mkdir()
    (path / "config.json").write_text("{}")
    return path


def _zip_of_csvs(path):
    import zipfile

    with zipfile.ZipFile(path, "w") as z:
        z.writestr("x.csv", "a,b\n1,2\n")
        z.writestr("y.csv", "a,b\n3,4\n")
    return path


def _gzip_bytes(path):
    import gzip

    path.write_bytes(gzip.compress(b"not an npz at all\n" * 10))
    return path


# --- Ctrl-C during start-up --------------------------------------------------------------------------
COMMANDS = [["trace"], ["bitcoin", "--help"], ["story", "show"], ["trace", "--x", "1,0,0", "--units", "4"]]


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_ctrl_c_early_never_prints_a_traceback(argv, tmp_path):
    """SIGINT at 10 moments of the first ~0.4 s (Python starting, the package importing, NumPy/pandas
    loading, the command running): the command ends quietly every time, never with a traceback."""
    delays = [0.0, 0.02, 0.05, 0.08, 0.12, 0.16, 0.2, 0.25, 0.3, 0.4]
    codes = []
    for delay in delays:
        p = subprocess.Popen([sys.executable, "-m", "explainer.cli", *argv], cwd=tmp_path, env=ENV,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
        frames = re.findall(r'File "([^"]+)"', err)
        ours = tuple(str(ROOT / pkg) for pkg in ("explainer", "animations", "widgets"))  # not ROOT/.venv
        if frames and not any(f.startswith(ours) for f in frames):
            # Python's own start-up (site and its .pth files, runpy finding the module): no line of ours ran yet
            codes.append("python start-up")
            continue
        assert "Traceback" not in err and "KeyboardInterrupt" not in err, (delay, err)
        assert p.returncode in (0, 130, -signal.SIGINT), (delay, p.returncode, err)
        if p.returncode == 130:
            assert err.strip().endswith("interrupted"), (delay, err)
        codes.append(p.returncode)
    assert 130 in codes  # at least one signal landed while the command itself was loading or running


def test_import_explainer_loads_no_numpy():
    out = subprocess.run([sys.executable, "-c", "import sys, explainer, explainer.cli; "
                          "print('numpy' in sys.modules, 'pandas' in sys.modules)"],
                         env=ENV, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
    from explainer import LSTM, Sequential  # and the names are still there, on first use

    assert Sequential([LSTM(2)]).layers[0].units == 2


def test_models_with_every_layer_kind_load_without_importing_the_package_first(tmp_path):
    """Sequential.load finds Bidirectional/Embedding/… even when only explainer.model was imported."""
    from explainer import Bidirectional, Dense, Embedding, LSTM, Sequential, TimeDistributed

    m = Sequential([Embedding(5, 3), Bidirectional(LSTM(2, return_sequences=True)), TimeDistributed(Dense(1))])
    m.build((4,))
    m.save(tmp_path / "m.npz")
    code = ("import numpy as np; from explainer.model import Sequential; "
            f"m = Sequential.load({str(tmp_path / 'm.npz')!r}); print(type(m.layers[1]).__name__)")
    out = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "Bidirectional"
    assert np.isfinite(m.predict(np.array([[1, 2, 3, 4]]))).all()
