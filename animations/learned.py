"""What the two "why" scenes draw: the trained story LSTM, its recorded gradients, and a plain RNN's.

* :func:`backprop_data` — one story sentence with many filler words and no "polluted"; the trained story
  LSTM's recorded backprop through time (``model.trace_gradients``): ∂L/∂c_t of its colour-memory unit and
  the belt factor ∂c_t/∂c_{t-1} (= f_t); beside it the story's ``SimpleRNN`` (same size, trained by the
  same recipe) on the same sentence and target: ‖∂L/∂h_t‖.
* :func:`story_data` — the trained story LSTM's trace over the story sentence with "polluted" in it.
* :func:`gradient_spread` — the same share for many held-out sentences (one colour, 20 filler words, no
  event): how much of the last word's gradient reaches the colour word, per sentence, for both models —
  the LSTM's ∂L/∂c of its colour memory, the RNN's ‖∂L/∂h‖ (each model's memory), each relative to the
  same quantity at the last word. A median would hide what the recordings show: the RNN's share is tiny
  on some sentences and above one on others.

Both are computed by :mod:`explainer` (the code that trains the models); nothing here does LSTM maths.
Gradients at the last step are tiny when the model is confident, so the scene shows each step's gradient
*relative to the last step's*: a ratio of two recorded values.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: Filler words between the colour and the question in the backprop sentence.
FILLERS = 14


def available() -> bool:
    """True when the story package (trained story LSTM, SimpleRNN, gradient traces) is installed."""
    try:
        from explainer.story import story_gradients, story_rnn_model  # noqa: F401
        from explainer.gradients import trace_gradients  # noqa: F401
        from explainer.rnn import SimpleRNN  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class Backprop:
    words: list[str]          # the sentence in the lesson's language
    colour_step: int          # where the colour word is
    unit: int                 # the story LSTM's colour-memory unit
    lstm_dc: np.ndarray       # (time,) ∂L/∂c_t of that unit
    belt: np.ndarray          # (time,) ∂c_t/∂c_{t-1} of that unit (= f_t)
    rnn_dh: np.ndarray        # (time,) ‖∂L/∂h_t‖ of the plain RNN
    answer: str

    @property
    def lstm_share(self) -> np.ndarray:
        """|∂L/∂c_t| / |∂L/∂c_T|: how much of the last step's gradient reaches step t along the LSTM."""
        return np.abs(self.lstm_dc) / max(abs(float(self.lstm_dc[-1])), 1e-30)

    @property
    def rnn_share(self) -> np.ndarray:
        """‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ for the plain RNN."""
        return self.rnn_dh / max(float(self.rnn_dh[-1]), 1e-30)


def _tokens() -> list[int]:
    from explainer.story import words as W
    v = W.VOCABULARY
    toks = [v.index(t) for t in W.FRAME_OPEN] + [v.index(W.MENTIONED_COLOURS[0])]
    toks += [v.index(W.DISTRACTORS[k % len(W.DISTRACTORS)]) for k in range(FILLERS)]
    return toks + [v.index(t) for t in W.FRAME_QUESTION]


@lru_cache(maxsize=4)
def backprop_data(lang: str = "en") -> Backprop:
    """The recorded gradients of the trained story LSTM and of the story's trained SimpleRNN over one long
    sentence, against its right answer (``explainer.story.story_gradients``)."""
    from explainer.story import story_gradients
    from explainer.story import words as W

    toks = _tokens()
    words = [W.VOCABULARY[t][W.LANGS.index(lang)] for t in toks]
    g = story_gradients(words, lang=lang, cell="lstm")
    gr = story_gradients(words, lang=lang, cell="rnn")
    unit = int(g.meta["memory_unit"])
    return Backprop(words, 2, unit, g.dc[0, :, unit].astype(np.float64), g.belt[0, :, unit].astype(np.float64),
                    np.linalg.norm(gr.dh[0].astype(np.float64), axis=-1), str(g.meta["answer"]))


@lru_cache(maxsize=4)
def story_data(lang: str = "en"):
    """The trained story LSTM's trace over the story sentence (with "polluted"), and its memory unit."""
    from explainer.sources import trace_source
    trace = trace_source("story", lang=lang)
    return trace, int(trace.meta["memory_unit"])


#: The sentences of :func:`gradient_spread`: held-out (the evaluation seed), 20 filler words, no event.
SPREAD_SENTENCES = 40
SPREAD_FILLERS = 20


@dataclass
class Spread:
    lstm: np.ndarray   # (n,) |∂L/∂c| at the colour word / at the last word, the LSTM's colour memory
    rnn: np.ndarray    # (n,) ‖∂L/∂h‖ at the colour word / at the last word, the plain RNN
    fillers: int
    colour_step: int

    @property
    def n(self) -> int:
        return len(self.lstm)


@lru_cache(maxsize=1)
def gradient_spread(n: int = SPREAD_SENTENCES, fillers: int = SPREAD_FILLERS) -> Spread:
    """Recorded backprop through time of the trained story LSTM and SimpleRNN over ``n`` held-out sentences
    of one length (one batch each), against their right answers: per sentence, the share of the last word's
    gradient that reaches the colour word (see :class:`Spread`). Both models read the same sentences."""
    from explainer.story import story_model, story_rnn_model
    from explainer.story import words as W
    from explainer.story.analysis import EVAL_SEED, memory_unit

    sents = W.make_sentences(n, min_distractors=fillers, max_distractors=fillers, seed=EVAL_SEED,
                             p_events=(1.0, 0.0, 0.0))
    x = np.stack([W.one_hot(s.tokens) for s in sents])
    y = np.eye(len(W.COLOURS), dtype=np.float32)[[s.colour for s in sents]]
    colour_step = len(W.FRAME_OPEN)
    lstm, rnn = story_model("en"), story_rnn_model("en")
    g, gr = lstm.trace_gradients(x, y)[0], rnn.trace_gradients(x, y)[0]
    u = memory_unit(lstm)
    dc = np.abs(g.dc[:, :, u].astype(np.float64))
    dh = np.linalg.norm(gr.dh.astype(np.float64), axis=-1)
    return Spread(dc[:, colour_step] / dc[:, -1], dh[:, colour_step] / dh[:, -1], fillers, colour_step)


#: How far after the colour word chapter 2 looks at the plain RNN's h.
LATER = 20


@dataclass
class RNNFails:
    """What chapter 2 draws: the shipped ``story compare`` table and the story SimpleRNN's h on one sentence.

    ``distances``: filler words between the colour and the question; ``lstm``/``rnn``: accuracy on held-out
    sentences, the mean over the table's seeds (``rnn_min``: its worst seed); ``majority``: per distance, the
    accuracy of always giving that test set's most common answer (one of ``colours``), counted on the very
    sentences the table scored (:func:`explainer.story.analysis.distance_sentences`) — the honest "no memory"
    line. ``units``/``params``: each model's number of units and of weights. ``words``: one held-out sentence
    (evaluation seed, :data:`LATER` filler words, no event), ``h``: the trained SimpleRNN's h at every word of
    it (time, units), ``colour_step`` and ``later_step`` = colour_step + :data:`LATER`, ``answer`` what the
    RNN answers there.
    """

    distances: list[int]
    lstm: np.ndarray
    rnn: np.ndarray
    rnn_min: np.ndarray
    majority: np.ndarray
    colours: list[str]
    units: dict[str, int]
    params: dict[str, int]
    sentences: int
    seeds: int
    per_distance: int
    words: list[str]
    h: np.ndarray
    colour_step: int
    later_step: int
    answer: str
    right: str

    @property
    def change(self) -> np.ndarray:
        """|h[later] − h[colour]| per unit: how far h is, :data:`LATER` words on, from where the colour left it."""
        return np.abs(self.h[self.later_step] - self.h[self.colour_step])

    @property
    def per_word(self) -> np.ndarray:
        """At each filler word between the colour and ``later_step``: the largest |h_t − h_{t−1}| over the
        units, how much that one word changed h (:data:`LATER` values)."""
        t = np.arange(self.colour_step + 1, self.later_step + 1)
        return np.abs(self.h[t] - self.h[t - 1]).max(axis=1)


@lru_cache(maxsize=4)
def rnn_fails_data(lang: str = "en") -> RNNFails:
    """The shipped comparison table and the trained story SimpleRNN over the first held-out blue sentence."""
    from explainer.story import story_model, story_rnn_model
    from explainer.story import words as W
    from explainer.story.analysis import EVAL_SEED, distance_sentences
    from explainer.story.compare import shipped_table

    table = shipped_table()
    majority = []
    for dist in table["distances"]:  # the sentences each point of the table was scored on
        counts = np.bincount([s.colour for s in distance_sentences(int(dist), int(table["per_distance"]),
                                                                   int(table["eval_seed"]))],
                             minlength=len(W.COLOURS))
        majority.append(counts.max() / counts.sum())
    sents = W.make_sentences(SPREAD_SENTENCES, min_distractors=LATER, max_distractors=LATER, seed=EVAL_SEED,
                             p_events=(1.0, 0.0, 0.0))
    s = next(s for s in sents if s.colour == 0)  # the first one whose colour is blue, the lesson's colour
    model = story_rnn_model(lang)
    x = W.one_hot(s.tokens)[None]
    h = model.trace(x)[0].h[0].astype(np.float64)
    answers = W.colour_words(lang)
    colour_step = len(W.FRAME_OPEN)
    return RNNFails([int(d) for d in table["distances"]], np.asarray(table["lstm"]["accuracy"], np.float64),
                    np.asarray(table["rnn"]["accuracy"], np.float64), np.asarray(table["rnn"]["min"], np.float64),
                    np.asarray(majority, np.float64), answers,
                    {"lstm": int(story_model(lang).layers[0].units), "rnn": int(model.layers[0].units)},
                    {c: int(table[c]["params"]) for c in ("lstm", "rnn")}, int(table["recipe"]["sentences"]),
                    len(table["seeds"]), int(table["per_distance"]),
                    s.words(lang), h, colour_step, colour_step + LATER,
                    answers[int(np.argmax(model.predict(x)[0]))], answers[s.colour])
