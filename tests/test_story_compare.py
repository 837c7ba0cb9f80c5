"""The LSTM against a GRU and a plain RNN on the story: the compare table, plot and command."""
import json

import numpy as np
import pytest

from explainer.story.train import Recipe


# --- the LSTM against a plain RNN -------------------------------------------------------------------------------
def test_compare_writes_table_and_plot(tmp_path):
    from PIL import Image

    from explainer.story.compare import compare

    table = compare(Recipe(epochs=2, sentences=200), tmp_path, seeds=2, per_distance=20, distances=(0, 30, 60))
    on_disk = json.loads((tmp_path / "compare.json").read_text())
    assert on_disk["distances"] == [0, 30, 60] and on_disk["seeds"] == [0, 1]
    for cell in ("lstm", "gru", "rnn"):
        row = on_disk[cell]
        assert len(row["per_seed"]) == 2 and len(row["accuracy"]) == 3
        assert np.allclose(row["accuracy"], np.mean(row["per_seed"], axis=0))
        assert all(lo <= m <= hi for lo, m, hi in zip(row["min"], row["accuracy"], row["max"]))
    assert on_disk["rnn"]["params"] < on_disk["gru"]["params"] < on_disk["lstm"]["params"]
    assert on_disk["baseline"]["colour"] == "grey" and 0.25 < on_disk["baseline"]["accuracy"] < 0.4
    assert table["files"]["png"].endswith("compare.png")
    with Image.open(tmp_path / "compare.png") as im:
        assert im.size[0] > 600 and len(set(im.convert("RGB").getdata())) > 50   # a real drawing


def test_cli_compare_zh(tmp_path, capsys):
    from explainer.cli import main

    argv = ["story", "compare", "--epochs", "1", "--sentences", "100", "--seeds", "1", "--per-distance", "5",
            "--lang", "zh", "--quiet", "--out", str(tmp_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "LSTM" in out and "GRU" in out and "RNN" in out and "always answering 'grey'" in out
    assert json.loads((tmp_path / "compare.json").read_text())["gru"]["params"] > 0
    assert (tmp_path / "compare.png").is_file() and (tmp_path / "compare.json").is_file()


# --- the shipped SimpleRNN and the recorded gradients ---------------------------------------------------------
def test_shipped_rnn_is_a_simple_rnn_that_answers_short_sentences():
    from explainer.rnn import SimpleRNN
    from explainer.story import story_rnn_model
    from explainer.story.analysis import accuracy_by_distance

    rnn = story_rnn_model()
    assert isinstance(rnn.layers[0], SimpleRNN) and rnn.input_shape[0] is None
    acc = accuracy_by_distance(rnn, distances=(0, 10), n=100)
    assert min(acc.values()) >= 0.95


LONG = ["the sky", "was", "red"] + ["birds", "sang", "river", "flowed", "children", "played", "and", "wind"] * 5 \
    + ["the sky", "is"]


def test_story_gradients_lstm_belt_is_the_forget_gate():
    from explainer.story import story_gradients, story_trace

    g = story_gradients(LONG)
    tr = story_trace(LONG)
    assert g.kind == "lstm" and g.time == len(LONG) and g.meta["labels"] == LONG and g.meta["answer"] == "red"
    np.testing.assert_array_equal(g.belt, tr.f)          # ∂c_t/∂c_{t-1} = f_t, recorded
    u = g.meta["memory_unit"]
    # along the memory unit's belt the gradient reaches the colour word almost undiminished (f ≈ 0.98 per word)
    assert abs(g.dc[0, 2, u]) > 0.5 * abs(g.dc[0, -1, u]) > 0


def test_story_gradients_rnn_fade_over_the_distractors():
    from explainer.story import story_gradients

    g = story_gradients(LONG, cell="rnn")
    assert g.kind == "simple_rnn" and g.meta["answer"] == "red" and "memory_unit" not in g.meta
    size = np.abs(g.dh[0]).sum(-1)
    assert size[2] < 1e-2 * size[-1]                     # 42 words back, the RNN's gradient has all but vanished
    with pytest.raises(ValueError, match="cell must be"):
        story_gradients(LONG, cell="gru")
    with pytest.raises(ValueError, match="names no colour"):
        story_gradients(["birds", "the sky", "is"])


@pytest.mark.keras
@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_keras_trains_the_same_rnn_curve(cell):
    pytest.importorskip("keras")
    from explainer.story.train import train, train_keras

    ours = train(epochs=3, sentences=400, verbose=False, cell=cell)
    theirs = train_keras(ours, verbose=False)
    a, b = np.array(ours.history["loss"]), np.array(theirs["loss"])
    assert np.all(np.abs(a - b) <= 1e-5 * b), (a, b)


def test_cli_train_rnn(tmp_path, capsys):
    from explainer.cli import main

    out = tmp_path / "rnn.npz"
    assert main(["story", "train", "--cell", "rnn", "--epochs", "2", "--sentences", "200", "--quiet",
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "held-out accuracy" in text and "memory unit" not in text
    assert json.loads(out.with_suffix(".json").read_text())["cell"] == "rnn"
    assert main(["story", "train", "--cell", "rnn", "--timelapse", str(tmp_path / "t.npz")]) == 2
