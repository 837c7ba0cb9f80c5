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
    story_timelapse(words)                    -> its traces over training, epoch by epoch
    story_gradients(words, cell="rnn")        -> backprop through time over it (LSTM or SimpleRNN)
"""
from __future__ import annotations
from ..errors import InputError

from functools import lru_cache
from importlib import resources

import numpy as np

from ..glossary import term
from ..model import Sequential
from ..presentation import default_unit_name
from ..trace import SequenceTrace
from . import words as _w
from .words import DEFAULT_STORY, LANGS, colour_words, distractor_words, pollution_word, vocabulary

WEIGHTS_FILE = "story_lstm.npz"
#: A SimpleRNN(3) trained by the same recipe and seed, for the comparison ("why an LSTM").
RNN_WEIGHTS_FILE = "story_rnn.npz"
#: The story model learning: the lesson's sentence traced before training and after each of its
#: 40 epochs (``lstm-explainer story train --timelapse FILE`` makes a new one), words in both languages.
TIMELAPSE_FILE = "story_timelapse.npz"



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


def weights_path(cell: str = "lstm"):
    """The shipped trained weights of ``cell`` ("lstm" or "rnn"): a safe ``.npz`` in the model format."""
    if cell not in ("lstm", "rnn"):
        raise InputError(f"cell must be 'lstm' or 'rnn', got {cell!r}")
    return resources.files(__name__).joinpath(WEIGHTS_FILE if cell == "lstm" else RNN_WEIGHTS_FILE)


def timelapse_path():
    """The shipped recording of the story model learning (an :class:`~explainer.callbacks.EpochTraces` file)."""
    return resources.files(__name__).joinpath(TIMELAPSE_FILE)


def _load(cell: str) -> Sequential:
    with resources.as_file(weights_path(cell)) as path:
        if not path.exists():
            raise FileNotFoundError(f"the story model's weights are missing ({path}); make them with: "
                                    f"lstm-explainer story train{' --cell rnn' if cell == 'rnn' else ''}")
        return Sequential.load(path)


def story_model(lang: str = "en") -> Sequential:
    """The trained story model (a fresh copy: train or change it freely).

    ``lang`` only checks the language: both read the same weights through the token mapping.
    """
    _w._lang(lang)
    return _load("lstm")


def story_rnn_model(lang: str = "en") -> Sequential:
    """A ``SimpleRNN(3)`` trained on the story by the same recipe and seed as :func:`story_model`."""
    _w._lang(lang)
    return _load("rnn")


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


def story_trace(words=None, lang: str = "en", model: Sequential | None = None, intervene=()) -> SequenceTrace:
    """The trace of the trained LSTM over one sentence: exactly its own steps, batch 1.

    ``meta`` holds ``words`` (and ``labels``, the same list, one per step), ``features``
    (the vocabulary: one name per one-hot input column), ``memory_unit`` (its index),
    ``unit_names``, ``pollution_word``, ``colour_words``, ``prediction``, ``probabilities``
    (the readout's softmax, one per colour), ``lang`` and ``source = "story"``. ``words``
    defaults to :data:`DEFAULT_STORY`. ``model`` replaces the shipped model (e.g. one just
    trained); its memory unit is then found afresh. ``intervene``: what-if clamps
    (:class:`~explainer.intervention.Intervention`); the answer is the model's from the changed state.
    """
    if words is None:
        words = _default_words(lang)
    if model is None:
        model, unit = _shipped()
    else:
        from .analysis import memory_unit
        unit = memory_unit(model)
    x = _inputs(words, lang)
    trace = model.trace(x, intervene=intervene)[0]
    p = model.predict(x, intervene=intervene)[0]
    answer = colour_words(lang)[int(np.argmax(p))]
    trace.meta.update(_meta(words, lang, unit, trace.units), prediction=answer,
                      probabilities=[float(v) for v in p])
    return trace


def _default_words(lang: str) -> list[str]:
    return [_w.VOCABULARY[t][_w._lang(lang)] for t in DEFAULT_STORY]


def _meta(words, lang: str, unit: int, units: int) -> dict:
    """What a view needs to label a story trace: words per step, input names, the memory unit."""
    names = [default_unit_name(k, lang) for k in range(units)]
    names[unit] = term("unit_colour_memory", lang)
    words = [str(w) for w in words]
    return {"source": "story", "lang": lang, "words": words, "labels": list(words), "features": vocabulary(lang),
            "memory_unit": int(unit), "unit_names": names, "pollution_word": pollution_word(lang),
            "colour_words": colour_words(lang)}


def _bilingual_meta(words, lang: str, unit: int, units: int) -> dict:
    """:func:`_meta` plus each language's spelling of the words and unit names (``labels_zh``,
    ``unit_names_en``, …): one recording, read in either language."""
    meta = _meta(words, lang, unit, units)
    tokens = _w.encode(meta["words"], lang)
    for other in LANGS:
        names = [default_unit_name(k, other) for k in range(units)]
        names[unit] = term("unit_colour_memory", other)
        meta[f"labels_{other}"] = [_w.VOCABULARY[t][_w._lang(other)] for t in tokens]
        meta[f"unit_names_{other}"] = names
    return meta


def story_gradients(words=None, lang: str = "en", cell: str = "lstm", model: Sequential | None = None):
    """Backprop through time over one sentence, against its right answer (cross-entropy, no penalty).

    A :class:`~explainer.gradients.GradientTrace`: dL/dh_t at every word (and for the LSTM
    dL/dc_t, each gate's dL/dz_t and the belt factor ∂c_t/∂c_{t-1} = f_t), with ``meta`` as
    :func:`story_trace` (``words``, ``labels``, ``answer``…). ``cell="rnn"`` uses the trained
    SimpleRNN: its gradient reaches the colour word only through tanh′ · U at every step.
    """
    from .analysis import memory_unit

    if model is None:
        model = story_model(lang) if cell == "lstm" else story_rnn_model(lang) if cell == "rnn" else None
        if model is None:
            raise InputError(f"cell must be 'lstm' or 'rnn', got {cell!r}")
    words = _default_words(lang) if words is None else words
    x = _inputs(words, lang)
    right = _w.answer(words, lang)
    y = np.eye(len(_w.COLOURS), dtype=np.float32)[[colour_words(lang).index(right)]]
    grads = model.trace_gradients(x, y)[0]
    units = grads.units
    unit = memory_unit(model) if grads.kind == "lstm" else None
    meta = _meta(words, lang, unit if unit is not None else 0, units)
    if unit is None:
        meta.pop("memory_unit")
        meta["unit_names"] = [default_unit_name(k, lang) for k in range(units)]
    grads.meta.update(meta, answer=right)
    return grads


def story_timelapse(words=None, lang: str = "en", path=None, verbose: bool = False, **recipe):
    """Train the story model afresh and record one sentence's trace before training and after every epoch.

    The gates *learning*: an :class:`~explainer.callbacks.EpochTraces` (``traces[k][0]`` after
    ``epochs[k]`` epochs) whose ``meta`` and traces carry the same labels as :func:`story_trace`,
    with the memory unit of the trained model. ``recipe`` overrides the training recipe
    (:class:`~explainer.story.train.Recipe` fields, e.g. ``epochs=10``); ``path`` saves it (``.npz``).
    """
    from ..callbacks import TraceRecorder
    from .analysis import memory_unit
    from .train import train

    words = _default_words(lang) if words is None else words
    recorder = TraceRecorder(_inputs(words, lang))
    result = train(verbose=verbose, callbacks=[recorder], **recipe)
    meta = _bilingual_meta(words, lang, memory_unit(result.model), result.model.layers[0].units)
    recorded = recorder.result
    recorded.meta.update(meta)
    for traces in recorded.traces:
        traces[0].meta.update(meta)
    if path is not None:
        recorded.save(path)
    return recorded


#: This app's named trace for every view (``explainer.sources``, via the ``lstm_explainer.sources`` entry point).
SOURCE = (lambda lang: story_trace(lang=lang),
          "the LSTM trained on the sky story, over a sentence where the sky gets polluted")

__all__ = ["sentences", "story_model", "story_rnn_model", "predict", "story_trace", "story_gradients",
           "story_timelapse", "timelapse_path", "weights_path", "vocabulary", "colour_words",
           "distractor_words", "pollution_word", "DEFAULT_STORY", "LANGS"]
