"""`lstm-explainer trace --model … --input … --out …`: your own model's layer to a trace file, and every refusal."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explainer import LSTM, Dense, Embedding, Sequential, cli
from explainer.trace import SequenceTrace

TORCH = Path(__file__).parent / "data" / "torch"


@pytest.fixture()
def files(tmp_path):
    model = Sequential([LSTM(6, return_sequences=True, input_shape=(5, 3), name="encoder"), LSTM(4, name="decoder"),
                        Dense(1)], seed=0)
    model.save(tmp_path / "model.npz")
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    rows = "\n".join(f"2020-01-0{k + 1},{x[0, k, 0]},{x[0, k, 1]},{x[0, k, 2]}" for k in range(5))
    (tmp_path / "day.csv").write_text("date,close,volume,spread\n" + rows + "\n")
    return tmp_path, model, x


def run(*argv):
    return cli.main(["trace", *map(str, argv)])


def test_npz_model_and_npy_input_give_the_layers_trace(files, capsys):
    d, model, x = files
    assert run("--model", d / "model.npz", "--input", d / "x.npy", "--out", d / "t.npz") == 0
    trace = SequenceTrace.load(d / "t.npz")
    expected = model.trace(x)[0]
    assert trace.layer == "encoder"
    np.testing.assert_array_equal(trace.h, expected.h)
    assert "render FullStep --trace" in capsys.readouterr().out


def test_csv_header_names_the_features_and_labels_the_steps(files):
    d, model, x = files
    assert run("--model", d / "model.npz", "--input", d / "day.csv", "--units", "3", "--out", d / "t.npz") == 0
    trace = SequenceTrace.load(d / "t.npz")
    assert trace.meta["features"] == ["close", "volume", "spread"]
    assert trace.meta["labels"][0] == "2020-01-01"
    assert trace.units == 3 and trace.batch == 1
    full = model.trace(x[:1])[0]
    np.testing.assert_allclose(trace.c, full.c[..., trace.unit_index], atol=1e-6)


def test_layer_by_index_or_name_sample_and_unit_list(files):
    d, model, x = files
    assert run("--model", d / "model.npz", "--input", d / "x.npy", "--layer", "decoder", "--sample", "1",
               "--units", "0,2", "--out", d / "t.npz") == 0
    trace = SequenceTrace.load(d / "t.npz")
    assert trace.layer == "decoder" and trace.batch == 1 and trace.unit_index.tolist() == [0, 2]
    np.testing.assert_allclose(trace.h[0], model.trace(x[1:2])[1].h[0][:, [0, 2]], atol=1e-6)
    assert "features" not in trace.meta  # the decoder reads the encoder, not the file's columns
    assert run("--model", d / "model.npz", "--input", d / "x.npy", "--layer", "1", "--out", d / "u.npz") == 0
    assert SequenceTrace.load(d / "u.npz").layer == "decoder"


def test_pytorch_safetensors_model(tmp_path):
    io = np.load(TORCH / "uni_last_io.npz")
    np.save(tmp_path / "x.npy", io["x"])
    assert run("--model", TORCH / "uni_last.safetensors", "--input", tmp_path / "x.npy", "--out",
               tmp_path / "t.npz") == 0
    trace = SequenceTrace.load(tmp_path / "t.npz")
    assert trace.layer == "encoder_l0"
    assert np.abs(trace.h - io["sequence"]).max() <= 1e-5


def test_embedding_model_takes_token_ids(tmp_path):
    model = Sequential([Embedding(10, 3, input_shape=(4,)), LSTM(2, name="reader")], seed=1)
    model.save(tmp_path / "m.npz")
    np.save(tmp_path / "ids.npy", np.array([[1, 2, 3, 4], [5, 6, 7, 8]]))
    assert run("--model", tmp_path / "m.npz", "--input", tmp_path / "ids.npy", "--out", tmp_path / "t.npz") == 0
    assert SequenceTrace.load(tmp_path / "t.npz").input_dim == 3


@pytest.mark.keras
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_keras_files(tmp_path, suffix):
    keras = pytest.importorskip("keras")
    km = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4, return_sequences=True, name="my_lstm"),
                           keras.layers.Dense(1)])
    km.save(tmp_path / f"m{suffix}")
    x = np.random.default_rng(1).normal(size=(5, 3)).astype(np.float32)  # one sequence, (time, features)
    np.save(tmp_path / "x.npy", x)
    assert run("--model", tmp_path / f"m{suffix}", "--input", tmp_path / "x.npy", "--out", tmp_path / "t.npz") == 0
    trace = SequenceTrace.load(tmp_path / "t.npz")
    assert trace.layer == "my_lstm"
    np.testing.assert_allclose(trace.h[0], np.asarray(km.layers[0](x[None]))[0], atol=1e-5)


def test_keras_is_imported_only_for_keras_files(files):
    d, _, _ = files
    code = ("import sys; from explainer import cli; "
            f"rc = cli.main(['trace', '--model', r'{d / 'model.npz'}', '--input', r'{d / 'x.npy'}', "
            f"'--out', r'{d / 'k.npz'}']); "
            "assert rc == 0; assert 'keras' not in sys.modules and 'tensorflow' not in sys.modules; "
            "assert 'torch' not in sys.modules; print('clean')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().endswith("clean"), out.stderr


def _error(capsys, *argv):
    assert run(*argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    return err


def test_bad_inputs_get_one_clear_line(files, capsys):
    d, model, _ = files
    m, x, out = d / "model.npz", d / "x.npy", d / "t.npz"
    (d / "model.onnx").write_bytes(b"x")
    assert "unknown model file type '.onnx'" in _error(capsys, "--model", d / "model.onnx", "--input", x, "--out", out)
    (d / "x.parquet").write_bytes(b"x")
    assert "unknown input file type '.parquet'" in _error(capsys, "--model", m, "--input", d / "x.parquet", "--out", out)
    Sequential([Dense(2, input_shape=(5, 3))]).save(d / "dense.npz")
    assert "no recurrent layer" in _error(capsys, "--model", d / "dense.npz", "--input", x, "--out", out)
    err = _error(capsys, "--model", m, "--input", x, "--layer", "2", "--out", out)
    assert "--layer 2 is out of range" in err and "0=encoder, 1=decoder" in err
    assert "no recurrent layer named 'dense'" in _error(capsys, "--model", m, "--input", x, "--layer", "dense",
                                                        "--out", out)
    np.save(d / "wide.npy", np.zeros((2, 5, 4), np.float32))
    err = _error(capsys, "--model", m, "--input", d / "wide.npy", "--out", out)
    assert "4 features per step but the model expects 3" in err
    assert "--sample 7 is out of range" in _error(capsys, "--model", m, "--input", x, "--sample", "7", "--out", out)
    assert "needs --input, --out" in _error(capsys, "--model", m)
    assert "ending in .npz" in _error(capsys, "--model", m, "--input", x, "--out", d / "t.txt")
    assert "does not exist" in _error(capsys, "--model", m, "--input", x, "--out", d / "nowhere" / "t.npz")


def test_strings_empty_inputs_and_unit_counts_are_refused(files, capsys):
    d, model, _ = files
    m, out = d / "model.npz", d / "t.npz"
    np.save(d / "s.npy", np.array([["a", "b", "c"]] * 5))
    assert "must be numbers" in _error(capsys, "--model", m, "--input", d / "s.npy", "--out", out)
    np.save(d / "empty.npy", np.zeros((1, 0, 3), np.float32))
    assert "is empty" in _error(capsys, "--model", m, "--input", d / "empty.npy", "--out", out)
    (d / "words.csv").write_text("date,a,b,c\n2020-01-01,1,x,3\n")
    assert "'b' are not numbers" in _error(capsys, "--model", m, "--input", d / "words.csv", "--out", out)
    (d / "head.csv").write_text("a,b,c\n")
    assert "no rows" in _error(capsys, "--model", m, "--input", d / "head.csv", "--out", out)
    x = d / "x.npy"
    assert "--units 0 keeps no unit" in _error(capsys, "--model", m, "--input", x, "--units", "0", "--out", out)
    assert "has only 6 units" in _error(capsys, "--model", m, "--input", x, "--units", "100000000", "--out", out)
    assert "--units must be a count" in _error(capsys, "--model", m, "--input", x, "--units", "many", "--out", out)
    err = _error(capsys, "--x", "1,0,0", "--units", "100000000")
    assert "GiB of memory" in err and "give fewer --units" in err
    assert "--units 0 keeps no unit" in _error(capsys, "--units", "0")
    assert not out.exists()


def test_huge_inputs_are_refused_with_the_memory_figure(files, capsys, monkeypatch):
    from explainer import your_model

    d, model, x = files
    monkeypatch.setattr(your_model, "available_memory", lambda: 1 << 20)  # a machine with 1 MiB free
    np.save(d / "long.npy", np.zeros((64, 500, 3), np.float32))
    err = _error(capsys, "--model", d / "model.npz", "--input", d / "long.npy", "--out", d / "t.npz")
    assert "GiB of memory" in err and "--sample K" in err


def test_saved_traces_that_cannot_be_shown_are_refused(files, capsys):
    d, _, _ = files
    tr = Sequential([LSTM(2, input_shape=(3, 1))], seed=0).trace(np.ones((1, 3, 1)))[0]
    tr.save(d / "ok.npz")
    assert run("--file", d / "ok.npz", "--units", "1") == 0
    capsys.readouterr()
    assert "holds 2 units; give at most 2" in _error(capsys, "--file", d / "ok.npz", "--units", "5")
    data = dict(np.load(d / "ok.npz"))
    data["i"] = data["i"].astype(str)
    np.savez(d / "strings.npz", **data)
    err = _error(capsys, "--file", d / "strings.npz")
    assert "'i'" in err
    empty = {k: (v[:, :0] if v.ndim == 3 else v) for k, v in np.load(d / "ok.npz").items()}
    np.savez(d / "zero_steps.npz", **empty)
    assert "0 time steps" in _error(capsys, "--file", d / "zero_steps.npz")
    zero_units = {k: (v[:0] if k == "unit_index" else v[..., :0] if v.ndim == 3 and k != "x" else v)
                  for k, v in np.load(d / "ok.npz").items()}
    np.savez(d / "zero_units.npz", **zero_units)
    assert "0 units" in _error(capsys, "--file", d / "zero_units.npz")


def test_existing_out_is_kept_unless_forced(files, capsys):
    d, _, _ = files
    out = d / "t.npz"
    out.write_bytes(b"precious")
    assert "add --force" in _error(capsys, "--model", d / "model.npz", "--input", d / "x.npy", "--out", out)
    assert out.read_bytes() == b"precious"
    assert run("--model", d / "model.npz", "--input", d / "x.npy", "--out", out, "--force") == 0
    assert SequenceTrace.load(out).layer == "encoder"


def test_a_masked_step_is_printed_as_skipped(tmp_path, capsys):
    from explainer import Masking

    model = Sequential([Masking(0.0, input_shape=(4, 2)), LSTM(2, activation="relu", return_sequences=True,
                                                                name="reader")], seed=0)
    model.save(tmp_path / "m.npz")
    x = np.ones((1, 4, 2), np.float32)
    x[0, 3] = 0.0  # padding
    np.save(tmp_path / "x.npy", x)
    assert run("--model", tmp_path / "m.npz", "--input", tmp_path / "x.npy", "--out", tmp_path / "t.npz") == 0
    trace = SequenceTrace.load(tmp_path / "t.npz")
    np.testing.assert_array_equal(trace.mask, [[True, True, True, False]])
    capsys.readouterr()
    assert run("--file", tmp_path / "t.npz", "--step", "3") == 0
    out = capsys.readouterr().out
    assert "masked step" in out and "cₜ = cₜ₋₁ (carried)" in out and "computed, not used" in out
    assert run("--file", tmp_path / "t.npz", "--step", "2") == 0
    out = capsys.readouterr().out
    assert "masked" not in out and "g = relu(z_g)" in out and "hₜ = o ⊙ relu(cₜ)" in out


@pytest.mark.keras
def test_keras_files_that_cannot_be_traced_get_one_line(tmp_path, capsys):
    keras = pytest.importorskip("keras")
    np.save(tmp_path / "x.npy", np.zeros((1, 5, 3), np.float32))
    keras.Sequential([keras.Input((5, 3)), keras.layers.RNN(keras.layers.LSTMCell(4), name="generic")]).save(
        tmp_path / "rnn.keras")  # Keras's generic RNN around a cell: not a layer this package copies
    err = _error(capsys, "--model", tmp_path / "rnn.keras", "--input", tmp_path / "x.npy", "--out", tmp_path / "t.npz")
    assert "'generic' (RNN) is not supported; supported layers: LSTM" in err
    for name in ("bad.keras", "bad.h5", "bad.safetensors"):
        (tmp_path / name).write_bytes(b"junk")
        err = _error(capsys, "--model", tmp_path / name, "--input", tmp_path / "x.npy", "--out", tmp_path / "t.npz")
        assert "bad." in err and ("not a" in err or "could not load" in err)


@pytest.mark.keras
def test_variable_length_keras_model_and_dropped_regularisers(tmp_path):
    keras = pytest.importorskip("keras")
    from explainer.keras_bridge import from_keras

    km = keras.Sequential([keras.Input((None, 3)), keras.layers.LSTM(4, kernel_regularizer="l2", name="enc"),
                           keras.layers.Dense(1)])
    with pytest.warns(UserWarning, match="'enc': kernel_regularizer not copied"):
        ours = from_keras(km)
    x = np.random.default_rng(0).normal(size=(2, 9, 3)).astype(np.float32)
    assert np.abs(ours.predict(x) - km.predict(x, verbose=0)).max() <= 1e-5
    km.save(tmp_path / "var.keras")
    np.save(tmp_path / "x.npy", x)
    assert run("--model", tmp_path / "var.keras", "--input", tmp_path / "x.npy", "--out", tmp_path / "t.npz") == 0
    assert SequenceTrace.load(tmp_path / "t.npz").time == 9


def test_a_simple_rnn_layer_is_traced_whole(tmp_path, capsys):
    from explainer.rnn import RNNTrace, SimpleRNN

    model = Sequential([SimpleRNN(4, return_sequences=True, input_shape=(5, 3), name="plain"), LSTM(3, name="after")],
                       seed=0)
    model.save(tmp_path / "m.npz")
    np.save(tmp_path / "x.npy", np.ones((2, 5, 3), np.float32))
    err = _error(capsys, "--model", tmp_path / "m.npz", "--input", tmp_path / "x.npy", "--units", "2",
                 "--out", tmp_path / "t.npz")
    assert "'plain' is a RNNTrace" in err and "omit --units" in err
    assert run("--model", tmp_path / "m.npz", "--input", tmp_path / "x.npy", "--out", tmp_path / "t.npz") == 0
    assert "plain RNN's trace" in capsys.readouterr().out
    assert RNNTrace.load(tmp_path / "t.npz").layer == "plain"
    assert run("--model", tmp_path / "m.npz", "--input", tmp_path / "x.npy", "--layer", "after", "--units", "2",
               "--out", tmp_path / "u.npz") == 0


def test_hostile_inputs_never_give_a_traceback(files, capsys):
    """A corpus of bad files and flags: each ends in one 'error:' line (or works), never a traceback."""
    d, _, _ = files
    m, x = d / "model.npz", d / "x.npy"
    np.save(d / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.save(d / "x4.npy", np.zeros((1, 2, 5, 3), np.float32))
    np.save(d / "nan.npy", np.full((1, 5, 3), np.nan, np.float32))
    np.save(d / "complex.npy", np.ones((1, 5, 3), np.complex64))
    (d / "labels.csv").write_text("date\n2020-01-01\n")
    (d / "empty.csv").write_text("")
    (d / "latin.csv").write_bytes("caf\xe9,a,b,c\nx\xe9,1,2,3\n".encode("latin-1"))
    (d / "semi.csv").write_text("t;a;b;c\nx;1,5;2;3\ny;4;5;6,25\n")
    (d / "afile").write_text("x")
    Sequential([Embedding(5, 2, input_shape=(4,)), LSTM(2)], seed=0).save(d / "emb.npz")
    np.save(d / "ids3.npy", np.array([[1, 2, 3]]))
    cases = {
        ("--input", d / "obj.npy"): "not a plain numeric .npy",
        ("--input", d / "x4.npy"): "does not fit",
        ("--input", d / "nan.npy"): "NaN",
        ("--input", d / "complex.npy"): "must be numbers",
        ("--input", d / "labels.csv"): "no numeric columns",
        ("--input", d / "empty.csv"): "the file is empty",
        ("--input", x, "--units", "1,1"): "twice",
        ("--input", x, "--units", "0,99"): "out of range",
        ("--input", x, "--layer", ""): "no recurrent layer named ''",
        ("--input", x, "--out", d / "afile" / "t.npz"): "does not exist",
        ("--input", x, "--out", d / ".npz"): "ending in .npz",
        ("--input", d / "ids3.npy", "--model", d / "emb.npz"): "sequences of 4 token ids",
        ("--input", d / "latin.csv", "--model", d / "emb.npz"): "one column of ids",
    }
    for extra, expected in cases.items():
        argv = ["--model", m, *extra] if "--model" not in extra else list(extra)
        if "--out" not in extra:
            argv += ["--out", d / "o.npz"]
        assert expected in _error(capsys, *argv), extra
    # these two work: a Latin-1 file (with a warning) and ';' with decimal commas
    assert run("--model", m, "--input", d / "latin.csv", "--out", d / "l.npz") == 0
    assert "not UTF-8" in capsys.readouterr().err
    assert run("--model", m, "--input", d / "semi.csv", "--out", d / "s.npz") == 0
    trace = SequenceTrace.load(d / "s.npz")
    np.testing.assert_array_equal(trace.x[0], [[1.5, 2, 3], [4, 5, 6.25]])
    assert trace.meta["labels"] == ["x", "y"]


def test_time_major_pytorch_input(tmp_path):
    io = np.load(TORCH / "stacked_bidirectional_time_major_io.npz")
    np.save(tmp_path / "x_tbf.npy", np.swapaxes(io["x"], 0, 1))  # what the PyTorch user feeds nn.LSTM
    assert run("--model", TORCH / "stacked_bidirectional_time_major.safetensors", "--input", tmp_path / "x_tbf.npy",
               "--time-major", "--layer", "-2", "--out", tmp_path / "t.npz") == 0
    trace = SequenceTrace.load(tmp_path / "t.npz")
    assert trace.layer == "forward_encoder_l1" and trace.batch == 3
    assert np.abs(trace.h - io["sequence"][..., :3]).max() <= 1e-5  # the top layer's forward half
