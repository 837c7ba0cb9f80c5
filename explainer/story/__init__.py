"""The story, learned: a small LSTM trained here remembers the sky's colour and drops it at "polluted".

    the sky | was | blue  birds sang … polluted … wind blew  the sky | is  → grey

Sentences open with a colour, carry on with distractor words, may contain "polluted" (the
sky is grey from then on) or "turned" + a new colour, and end with the question. An
``LSTM(3)`` trained on them by this package (see :mod:`explainer.story.train`) answers
correctly even with three times as many distractors as it ever saw, and one of its units
(found from its cell state, :func:`explainer.story.analysis.memory_unit`) keeps the colour:
its forget gate stays near 1 on distractor words and closes at "polluted".

Chinese: the same sentences spelled in Chinese tokens (天空 原来是 蓝色的 … 污染了 … 天空 现在是 →
灰色的). Each token has the same one-hot index in both languages, so one set of weights
serves both: the Chinese model *is* the English one, read through a token mapping.

Public API::

    sentences(n, max_distractors=60, seed=1)  -> [(words, colour), ...]
    story_model()                             -> the trained Sequential (shipped weights)
    predict(words)                            -> "grey"
    story_trace(words)                        -> SequenceTrace of that one sentence
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from ..model import Sequential
from ..trace import SequenceTrace
from . import words as _w
from .words import DEFAULT_STORY, LANGS, colour_words, distractor_words, pollution_word, vocabulary

WEIGHTS_FILE = "story_lstm.npz"

#: Names of the memory unit in the two languages (the other units keep their index).
_MEMORY_NAME = {"en": "colour memory", "zh": "颜色记忆"}
_UNIT_NAME = {"en": "unit {k}", "zh": "单元 {k}"}


def sentences(n: int, *, max_distractors: int, seed: int, lang: str = "en") -> list[tuple[list[str], str]]:
    """``n`` story sentences as ``(words, colour)``, spelled in ``lang`` ("en" or "zh").

    Each has a random number of distractor words, uniform in ``0 … max_distractors``; the
    same ``seed`` gives the same sentences on every machine (and the same sentence in both
    languages).
    """
    _w._lang(lang)
    answers = colour_words(lang)
    return [(s.words(lang), answers[s.colour]) for s in _w.make_sentences(n, max_distractors=max_distractors,
                                                                          seed=seed)]


def weights_path():
    """The shipped trained weights (a safe ``.npz`` in the model format)."""
    return resources.files(__name__).joinpath(WEIGHTS_FILE)


def story_model(lang: str = "en") -> Sequential:
    """The trained story model (a fresh copy: train or change it freely).

    ``lang`` only checks the language: both read the same weights through the token mapping.
    """
    _w._lang(lang)
    with resources.as_file(weights_path()) as path:
        if not path.exists():
            raise FileNotFoundError(f"the story model's weights are missing ({path}); "
                                    "make them with: lstm-explainer story train")
        return Sequential.load(path)


@lru_cache(maxsize=1)
def _shipped() -> tuple[Sequential, int]:
    from .analysis import memory_unit

    model = story_model()
    return model, memory_unit(model)


def _inputs(words, lang: str) -> np.ndarray:
    tokens = _w.encode(words, lang)
    return _w.one_hot(tokens)[None]


def predict(words, lang: str = "en") -> str:
    """The colour the model answers for ``words`` (a list of tokens spelled in ``lang``)."""
    model, _ = _shipped()
    p = model.predict(_inputs(words, lang))[0]
    return colour_words(lang)[int(np.argmax(p))]


def story_trace(words=None, lang: str = "en", model: Sequential | None = None) -> SequenceTrace:
    """The trace of the trained LSTM over one sentence: exactly its own steps, batch 1.

    ``meta`` holds ``words`` (and ``labels``, the same list, one per step), ``features``
    (the vocabulary: one name per one-hot input column), ``memory_unit`` (its index),
    ``unit_names``, ``pollution_word``, ``colour_words``, ``prediction``, ``lang`` and
    ``source = "story"``. ``words`` defaults to :data:`DEFAULT_STORY`. ``model`` replaces the
    shipped model (e.g. one just trained); its memory unit is then found afresh.
    """
    if words is None:
        words = [_w.VOCABULARY[t][_w._lang(lang)] for t in DEFAULT_STORY]
    if model is None:
        model, unit = _shipped()
    else:
        from .analysis import memory_unit
        unit = memory_unit(model)
    x = _inputs(words, lang)
    trace = model.trace(x)[0]
    answer = colour_words(lang)[int(np.argmax(model.predict(x)[0]))]
    names = [_UNIT_NAME[lang].format(k=k) for k in range(trace.units)]
    names[unit] = _MEMORY_NAME[lang]
    words = [str(w) for w in words]
    trace.meta.update({"source": "story", "lang": lang, "words": words, "labels": list(words),
                       "features": vocabulary(lang), "memory_unit": int(unit), "unit_names": names,
                       "pollution_word": pollution_word(lang), "colour_words": colour_words(lang),
                       "prediction": answer})
    return trace


__all__ = ["sentences", "story_model", "predict", "story_trace", "weights_path", "vocabulary", "colour_words",
           "distractor_words", "pollution_word", "DEFAULT_STORY", "LANGS"]
