"""The story task: sentences, the trained model's claims (shipped and freshly trained), API, CLI, Keras parity."""
import json

import numpy as np
import pytest

from explainer import Sequential
from explainer.story import (colour_words, pollution_word, predict, sentences, story_model, story_trace,
                             vocabulary)
from explainer.story import words as W
from explainer.story.analysis import (CRITERIA, accuracy_by_distance, check_criteria, gate_report, held_out,
                                      memory_unit)
from explainer.story.train import Recipe, batches_by_length, train


def answer_by_reading(words: list[str]) -> str:
    """The rule, re-implemented from the words alone: the last colour event decides; 'polluted' means grey."""
    colour = None
    for w in words:
        if w in ("blue", "red", "green"):
            colour = w
        elif w == "polluted":
            colour = "grey"
    return colour


# --- sentences -----------------------------------------------------------------------------------------------
def test_sentences_are_seeded_and_follow_the_story():
    a = sentences(300, max_distractors=20, seed=3)
    assert a == sentences(300, max_distractors=20, seed=3)
    assert a != sentences(300, max_distractors=20, seed=4)
    distractors = set(W.distractor_words("en"))
    counts = []
    for words, colour in a:
        assert words[:2] == ["the sky", "was"] and words[2] in ("blue", "red", "green")
        assert words[-2:] == ["the sky", "is"]
        assert colour == answer_by_reading(words)
        counts.append(sum(w in distractors for w in words))
    assert min(counts) == 0 and max(counts) == 20
    answers = [c for _, c in a]
    assert {"blue", "red", "green", "grey"} == set(answers)        # every answer occurs
    assert sum(w == "polluted" for s, _ in a for w in s) > 50      # "polluted" is common
    assert sum(w == "turned" for s, _ in a for w in s) > 50        # and so is a later new colour


def test_distractor_count_is_a_parameter():
    sents = W.make_sentences(50, min_distractors=60, max_distractors=60, seed=1)
    assert all(s.distractors == 60 for s in sents)
    assert all(sum(t in [W.VOCABULARY.index(d) for d in W.DISTRACTORS] for t in s.tokens) == 60 for s in sents)


def test_chinese_sentences_are_the_english_ones_spelled_in_chinese_tokens():
    en, zh = sentences(40, max_distractors=10, seed=5), sentences(40, max_distractors=10, seed=5, lang="zh")
    to_zh = dict(zip(vocabulary("en"), vocabulary("zh")))
    to_zh.update(zip(colour_words("en"), colour_words("zh")))
    for (we, ce), (wz, cz) in zip(en, zh):
        assert [to_zh[w] for w in we] == wz and to_zh[ce] == cz
    assert pollution_word("zh") == "污染了" and "灰色的" in colour_words("zh") and "蓝色的" in vocabulary("zh")
    assert len(set(vocabulary("zh"))) == len(vocabulary("zh")) == len(set(vocabulary("en")))


@pytest.mark.parametrize("kw, words", [(dict(n=-1, max_distractors=3, seed=0), "n must be"),
                                       (dict(n=2, max_distractors=-1, seed=0), "max_distractors"),
                                       (dict(n=2, max_distractors=2.5, seed=0), "max_distractors"),
                                       (dict(n=2, max_distractors=3, seed=0, lang="fr"), "lang")])
def test_bad_sentence_arguments(kw, words):
    with pytest.raises(ValueError, match=words):
        sentences(**kw)


def test_batches_hold_one_length_each():
    sents = W.make_sentences(200, max_distractors=8, seed=2)
    batches = batches_by_length(sents, 16)
    assert sum(len(x) for x, _ in batches) == 200
    for x, y in batches:
        assert x.ndim == 3 and x.shape[0] <= 16 and y.shape == (x.shape[0], 4)
        assert np.all(x.sum(-1) == 1)  # every step a real word: no padding


# --- the shipped model and the public API ---------------------------------------------------------------------
def test_story_model_is_a_variable_length_sequential():
    model = story_model()
    assert isinstance(model, Sequential) and model.input_shape == (None, len(vocabulary()))
    assert story_model() is not model  # a fresh copy each time


@pytest.mark.parametrize("words, answer", [
    (["the sky", "was", "blue", "birds", "sang", "the sky", "is"], "blue"),
    (["the sky", "was", "blue", "birds", "polluted", "wind", "blew", "the sky", "is"], "grey"),
    (["the sky", "was", "red", "polluted", "turned", "green", "boats", "the sky", "is"], "green"),
    (["the sky", "was", "green", "turned", "blue", "trees", "grew", "polluted", "the sky", "is"], "grey"),
])
def test_predict(words, answer):
    assert predict(words) == answer
    zh = dict(zip(vocabulary("en"), vocabulary("zh")))
    assert predict([zh[w] for w in words], lang="zh") == dict(zip(colour_words(), colour_words("zh")))[answer]


def test_predict_over_a_long_distance():
    words = ["the sky", "was", "red"] + ["birds", "sang", "river", "flowed"] * 25 + ["the sky", "is"]
    assert predict(words) == "red"  # 100 distractor words; training never went beyond 20


def test_bad_words_are_named():
    with pytest.raises(ValueError, match="unknown word 'purple'"):
        predict(["the sky", "was", "purple"])
    with pytest.raises(ValueError, match="list of tokens"):
        predict("the sky was blue")
    with pytest.raises(ValueError, match="lang"):
        story_model(lang="de")


def test_story_trace_has_exactly_its_own_steps_and_meta():
    words = ["the sky", "was", "blue", "birds", "polluted", "the sky", "is"]
    tr = story_trace(words)
    assert tr.batch == 1 and tr.time == len(words) and tr.input_dim == len(vocabulary())
    m = tr.meta
    assert m["words"] == m["labels"] == words and m["features"] == vocabulary()
    assert m["pollution_word"] == "polluted" and m["colour_words"] == colour_words() and m["source"] == "story"
    assert m["prediction"] == "grey" and 0 <= m["memory_unit"] < tr.units
    assert m["unit_names"][m["memory_unit"]] == "colour memory"
    np.testing.assert_array_equal(tr.x[0], W.one_hot(W.encode(words)))
    # the Chinese trace is the same computation
    zh = story_trace([dict(zip(vocabulary(), vocabulary("zh")))[w] for w in words], lang="zh")
    np.testing.assert_array_equal(zh.c, tr.c)
    assert zh.meta["labels"][4] == "污染了" and zh.meta["unit_names"][m["memory_unit"]] == "颜色记忆"
    # the default sentence contains "polluted" and the memory unit drops its colour there
    d = story_trace()
    t = d.meta["words"].index("polluted")
    u = d.meta["memory_unit"]
    assert d.f[0, t, u] <= CRITERIA["max_f_polluted"] and d.meta["prediction"] == "grey"


def test_story_trace_round_trips_through_a_file(tmp_path):
    from explainer.trace import SequenceTrace

    tr = story_trace(lang="zh")
    back = SequenceTrace.load(tr.save(tmp_path / "story.npz"))
    assert back == tr and back.meta["memory_unit"] == tr.meta["memory_unit"] and back.meta["words"][2] == "蓝色的"


# --- what the trained model must show -------------------------------------------------------------------------
def assert_learned_the_story(model):
    report = check_criteria(model)
    assert report["accuracy"] >= CRITERIA["accuracy"], report
    assert report["min_f_distractors"] >= CRITERIA["min_f_distractors"], report     # keeps the colour
    assert report["max_f_polluted"] <= CRITERIA["max_f_polluted"], report           # drops it at "polluted"
    assert report["min_i_colours"] >= CRITERIA["min_i_colours"], report             # writes colour words
    assert report["steps"]["polluted"] > 100 and report["steps"]["distractors"] > 5000
    by_distance = accuracy_by_distance(model, distances=(0, 20, 40, 60), n=150)
    assert min(by_distance.values()) >= CRITERIA["accuracy"], by_distance
    return report


def test_shipped_weights_learned_the_story():
    assert_learned_the_story(story_model())


def test_freshly_trained_weights_learn_the_story():
    result = train(verbose=False)   # the shipped recipe, from scratch (a few seconds)
    assert result.history["accuracy"][-1] == 1.0
    report = assert_learned_the_story(result.model)
    # the unit is found from the cell states, the same way as for the shipped model
    assert report["unit"] == memory_unit(result.model)
    # the default recipe reproduces the shipped model: the same memory unit, the same answers
    from explainer.story.analysis import predictions
    shipped = story_model()
    sents = held_out(300)
    assert report["unit"] == memory_unit(shipped)
    np.testing.assert_array_equal(predictions(result.model, sents), predictions(shipped, sents))


def test_memory_unit_is_found_not_fixed():
    """Permute the units of the shipped model: the memory unit found moves with them, its gates unchanged."""
    model = story_model()
    u0 = memory_unit(model)
    k, rk, b, dk, db = model.get_weights()
    n = rk.shape[0]
    perm = np.roll(np.arange(n), 1)
    cols = np.concatenate([g * n + perm for g in range(4)])
    model.set_weights([k[:, cols], rk[perm][:, cols], b[cols], dk[perm], db])
    assert memory_unit(model) == int(np.where(perm == u0)[0][0])
    sents = held_out(100)
    a, p = gate_report(story_model(), u0, sents), gate_report(model, memory_unit(model), sents)
    assert abs(a["max_f_polluted"] - p["max_f_polluted"]) < 1e-6


def test_training_calls_keras_style_callbacks():
    from explainer.callbacks import Callback, EarlyStopping

    calls = []

    class Spy(Callback):
        def on_train_begin(self, logs=None):
            calls.append("begin")

        def on_epoch_end(self, epoch, logs=None):
            calls.append((epoch, round(logs["loss"], 6)))

        def on_train_end(self, logs=None):
            calls.append("end")

    r = train(epochs=2, sentences=100, verbose=False, callbacks=[Spy()])
    assert calls == ["begin", (0, round(r.history["loss"][0], 6)), (1, round(r.history["loss"][1], 6)), "end"]
    # EarlyStopping stops the story training as it stops fit: no epoch lowers the loss by 10
    r = train(epochs=30, sentences=300, verbose=False,
              callbacks=[EarlyStopping(monitor="loss", min_delta=10, patience=0)])
    assert len(r.history["loss"]) == 2


def test_timelapse_records_the_gates_learning(tmp_path):
    from explainer.callbacks import EpochTraces
    from explainer.story import story_timelapse

    rec = story_timelapse(epochs=6, path=tmp_path / "t.npz")
    back = EpochTraces.load(tmp_path / "t.npz")
    assert back.epochs == list(range(7)) and back.meta["words"] == rec.meta["words"]
    tr0, tr6 = back.at(0), back.at(6)
    u, t = back.meta["memory_unit"], back.meta["words"].index("polluted")
    assert tr0.meta["labels"] == back.meta["words"] and tr0.time == len(back.meta["words"])
    # before training the forget gate is ≈ σ(1) at every word; training closes it at "polluted"
    assert abs(tr0.f[0, t, u] - tr0.f[0, t - 1, u]) < 0.1
    assert tr6.f[0, t, u] < tr0.f[0, t, u] - 0.2
    np.testing.assert_array_equal(tr6.x, tr0.x)


def test_bad_recipes_are_named():
    for kw, words in [(dict(units=0), "units"), (dict(epochs=-2), "epochs"), (dict(learning_rate=0.0), "learning"),
                      (dict(seed=-1), "seed"), (dict(l2_recurrent=float("nan")), "l2")]:
        with pytest.raises(ValueError, match=words):
            Recipe(**kw).check()


@pytest.mark.keras
def test_keras_trains_the_same_curve():
    pytest.importorskip("keras")
    from explainer.story.train import train_keras

    ours = train(epochs=3, sentences=400, verbose=False)
    theirs = train_keras(ours, verbose=False)
    for key in ("loss", "accuracy"):
        a, b = np.array(ours.history[key]), np.array(theirs[key])
        assert np.all(np.abs(a - b) <= 1e-5 * np.abs(b)), (key, a, b)
    assert ours.history["loss"][-1] < ours.history["loss"][0]   # it learned something in 3 epochs


# --- the command line ---------------------------------------------------------------------------------------------
def test_cli_train_writes_model_and_report(tmp_path, capsys):
    from explainer.cli import main

    out = tmp_path / "m" / "story.npz"
    argv = ["story", "train", "--epochs", "2", "--sentences", "200", "--quiet", "--out", str(out),
            "--timelapse", str(tmp_path / "tl.npz"), "--lang", "zh"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "held-out accuracy" in text and "memory unit" in text and "criteria:" in text
    report = json.loads(out.with_suffix(".json").read_text())
    assert report["recipe"]["epochs"] == 2 and len(report["history"]["loss"]) == 2
    assert set(report["accuracy_by_distance"]) >= {"0", "60"}
    assert Sequential.load(out).input_shape == (None, len(vocabulary()))
    from explainer.callbacks import EpochTraces
    tl = EpochTraces.load(tmp_path / "tl.npz")
    assert tl.epochs == [0, 1, 2] and tl.meta["labels"][2] == "蓝色的" and "timelapse" in text


@pytest.mark.parametrize("argv, words", [
    (["story", "train", "--units", "0"], "argument --units: must be a whole number >= 1, got '0'"),
    (["story", "train", "--epochs", "-1"], "argument --epochs: must be a whole number >= 1"),
    (["story", "train", "--out", "model.txt"], "--out must be a .npz"),
    (["story", "train", "--timelapse", "t.json"], "--timelapse must be a .npz"),
    (["story", "show", "the sky", "was", "purple"], "unknown word 'purple'"),
    (["story", "show", "--model", "/nonexistent/m.npz"], "m.npz"),
    (["story", "compare", "--per-distance", "0"], "argument --per-distance: must be a whole number >= 1"),
    (["story", "compare", "--l2", "-1"], "argument --l2: must be a number >= 0"),
])
def test_cli_bad_arguments_give_one_clear_line(argv, words, capsys):
    from explainer.cli import main

    try:  # a bad number is refused by argparse itself (exit 2), a bad value further in by main (returns 2)
        code = main(argv)
    except SystemExit as e:
        code = e.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and words in err and "\n" not in err


def test_cli_show_zh(tmp_path, capsys):
    from explainer.cli import main
    from explainer.trace import SequenceTrace

    assert main(["story", "show", "--lang", "zh", "--save", str(tmp_path / "t.npz")]) == 0
    out = capsys.readouterr().out
    assert "污染了" in out and "answer: 灰色的" in out
    assert SequenceTrace.load(tmp_path / "t.npz") == story_trace(lang="zh")
    assert main(["story", "show", "--save", str(tmp_path / "t.txt")]) == 2



@pytest.mark.parametrize("argv, words", [
    (["story", "train", "--units", "abc"], "argument --units: must be a whole number >= 1, got 'abc'"),
    (["story"], "required: ACTION"),
    (["story", "show", "--lang", "fr"], "invalid choice: 'fr'"),
])
def test_cli_usage_errors_are_one_line_too(argv, words, capsys):
    from explainer.cli import main

    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: lstm-explainer story") and words in err and "\n" not in err


def test_typed_sentences_are_tokenised_and_unknown_words_named():
    from explainer.story.words import encode, tokenise

    tokens, unknown = tokenise("The sky was BLUE, birds sang; the dog polluted. The sky is?")
    assert tokens == ["the sky", "was", "blue", "birds", "sang", "polluted", "the sky", "is"]
    assert unknown == ["the", "dog"]
    encode(tokens)  # every token is one the model knows
    tokens, unknown = tokenise("天空原来是蓝色的,鸟儿唱歌小狗污染了 天空现在是", "zh")
    assert tokens == ["天空", "原来是", "蓝色的", "鸟儿", "唱歌", "污染了", "天空", "现在是"] and unknown == ["小狗"]
    assert tokenise("", "en") == ([], []) and tokenise("!!!", "zh") == ([], [])
