"""The hand-set demo does the lesson's task: it reads "the sky was blue … (polluted) … the sky is" one word at a
time (one-hot features, "grey" never an input) and its readout answers blue or grey from h at the last word."""
from __future__ import annotations

import numpy as np
import pytest

from explainer.demo import (ANSWERS, BLUE_WORDS, FEATURES, WORDS, demo_model, demo_sequence, demo_trace, demo_weights,
                            readout)
from explainer.presentation import fmt


def test_grey_is_an_answer_never_an_input():
    assert "grey" not in FEATURES and "grey" not in WORDS and ANSWERS == ("blue", "grey")
    assert set(BLUE_WORDS) | {"polluted"} == set(WORDS) and len(WORDS) == len(BLUE_WORDS) + 1  # one word apart
    x = demo_sequence(WORDS)[0]
    assert x.sum(axis=1).tolist() == [1.0 if w in FEATURES else 0.0 for w in WORDS]


@pytest.mark.parametrize("words, answer", [(WORDS, "grey"), (BLUE_WORDS, "blue")])
def test_both_sentences_of_the_task_are_answered(words, answer):
    tr = demo_trace(words)
    p = np.asarray(tr.meta["probabilities"])
    assert tr.meta["prediction"] == answer and p[ANSWERS.index(answer)] > 0.95
    np.testing.assert_allclose(demo_model().predict(demo_sequence(words))[0], p, atol=1e-6)  # Dense + softmax on h_T
    scores, probs = readout(tr.h[0, -1])
    np.testing.assert_allclose(probs, p, atol=0)


def test_the_round_weights_do_what_the_lesson_says():
    tr = demo_trace()
    blue, poll, q = WORDS.index("blue"), WORDS.index("polluted"), len(WORDS) - 1
    f, i, g, o, c, h = (getattr(tr, k)[0] for k in "figoch")
    # "blue": the blue memory's input gate opens and writes g ≈ 1
    assert (fmt(i[blue, 0]), fmt(g[blue, 0]), fmt(c[blue, 0])) == ("0.95", "1.00", "0.95")
    # the filler words: kept (f ≈ 0.98), nothing written, output gate closed so h ≈ 0
    assert fmt(f[blue + 1, 0]) == "0.98" and fmt(i[blue + 1, 0]) == "0.05" and fmt(h[blue + 1, 0]) == "0.03"
    # "polluted": W[polluted → f] = −8 shuts the blue memory's forget gate, the grey memory is written
    assert fmt(f[poll, 0]) == "0.02" and fmt(c[poll, 0]) == "0.02" and fmt(c[poll, 1]) == "0.95"
    from explainer.gates import block
    assert block(demo_weights()["kernel"], "f", 2)[FEATURES.index("polluted"), 0] == -8.0
    # the question word "is" opens both output gates: h carries the grey memory out
    assert fmt(o[q, 1]) == "0.95" and fmt(h[q, 1]) == "0.69" and fmt(h[q, 0]) == "0.02"
    assert [fmt(v) for v in tr.meta["probabilities"]] == ["0.03", "0.97"]


def test_the_demo_model_matches_keras():
    keras = pytest.importorskip("keras")
    from explainer.keras_bridge import to_keras

    model = demo_model()
    km = to_keras(model)
    for words in (WORDS, BLUE_WORDS):
        x = demo_sequence(words)
        np.testing.assert_allclose(np.asarray(km(x)), model.predict(x), atol=1e-6)
    assert keras.__version__


def test_the_opening_sentences_are_the_demos():
    """Chapter 0 shows the two sentences the demo reads, word for word, in both languages."""
    from explainer.glossary import term
    from explainer.presentation import localise

    for lang in ("en", "zh"):
        for key, words in (("task_blue", BLUE_WORDS), ("task_grey", WORDS)):
            shown, at = term(key, lang), 0
            for w in words:
                at = shown.index(localise(w, lang), at) + 1  # each word, in order


def test_the_demo_and_the_story_model_spell_each_shared_word_the_same_in_chinese():
    """A word both models read ("the sky", "was", "blue", "birds", "sang", "polluted", "is", and the answer
    "grey") is one token with one Chinese spelling: a student sees the same words in every chapter."""
    from explainer import demo
    from explainer.glossary import term
    from explainer.story.words import GREY, VOCABULARY

    story = dict(VOCABULARY + (GREY,))  # English → Chinese; grey is an answer, never read
    keys = {**demo.WORD_TERMS, **dict(zip(demo.ANSWERS, demo.ANSWER_TERMS))}  # the demo's glossary keys
    shared = [w for w in keys if w in story]
    assert set(shared) == {"the sky", "was", "blue", "birds", "sang", "polluted", "is", "grey"}
    for w in shared:
        assert term(keys[w], "zh") == story[w], (w, term(keys[w], "zh"), story[w])
    assert [term("word_" + w, "zh") for w in ("was", "blue", "grey")] == ["原来是", "蓝色的", "灰色的"]
