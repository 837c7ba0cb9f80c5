"""What the two "why" scenes draw: the trained story LSTM, its recorded gradients, and a plain RNN's.

* :func:`backprop_data` — the story sentence (with "polluted"); the trained story LSTM's recorded backprop
  through time (``model.trace_gradients``): dL/dc_t of its colour-memory unit and the belt factor
  ∂c_t/∂c_{t-1} (= f_t), L the cross-entropy of the right answer.
* :func:`story_data` — the trained story LSTM's trace over the story sentence with "polluted" in it.
* :func:`gradient_spread` — both trained models (the LSTM and the story's ``SimpleRNN``, same size, same
  recipe) on the same held-out sentences (one colour, 20 filler words, no event): per sentence and word, the
  size of the gradient with respect to each model's memory (the LSTM's c, the RNN's h, each a length over
  its 3 units) relative to the last word's. A median would hide what the recordings show: the RNN's share
  is tiny on some sentences and above one on others.

Both are computed by :mod:`explainer` (the code that trains the models); nothing here does LSTM maths.
Gradients are tiny when the model is confident: the chain is counted in a stated power of ten, the
sentences' lines as a share of their last word's (a ratio of two recorded values).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np


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
    """Chapter 10's first half: the trained story LSTM's recorded backprop through time over the story sentence
    (with "polluted"), for its colour-memory unit, against the right answer (grey).

    ``dc[t]`` = dL/dc_t, ``belt[t]`` = ∂c_t/∂c_{t-1} = f_t (both recorded by the layer's own backward pass), so
    the chain rule along the belt reads dL/dc_{t-1} = dL/dc_t · f_t + (what reaches c_{t-1} through h_{t-1}):
    :meth:`direct` is the first term, the recorded ``dc[t-1]`` the total. ``unit_size`` is the power of ten the
    scene counts the gradients in (they are small: the model is sure of its answer).
    """

    words: list[str]          # the sentence in the lesson's language
    colour_step: int          # where the colour word is
    poll_step: int            # where "polluted" is
    unit: int                 # the story LSTM's colour-memory unit
    dc: np.ndarray            # (time,) dL/dc_t of that unit
    belt: np.ndarray          # (time,) ∂c_t/∂c_{t-1} of that unit (= f_t)
    answer: str               # the right answer, the target of L
    prediction: str           # what the model answers
    p_answer: float           # the probability it gives the right answer

    @property
    def unit_size(self) -> float:
        """10^k with the largest |dL/dc| between 1 and 10 of them: the unit the scene counts gradients in."""
        return float(10.0 ** np.floor(np.log10(np.abs(self.dc).max())))

    def scaled(self, t: int) -> float:
        """dL/dc_t in units of :attr:`unit_size`."""
        return float(self.dc[t] / self.unit_size)

    def direct(self, t: int) -> float:
        """The belt's term of dL/dc_{t-1}: dL/dc_t · f_t, in units of :attr:`unit_size`."""
        return float(self.dc[t] * self.belt[t] / self.unit_size)

    def row_digits(self, t: int) -> int:
        """Decimals (3 or 4) of dL/dc_t and of the belt term at which dL/dc_t × f_t, both shown rounded, multiplies
        to the belt term shown; f_t is shown with one decimal more (:meth:`f_digits`): dL/dc is about 5 units,
        so f's rounding would otherwise move the product's last digit."""
        from explainer.presentation import fmt
        for d in (3, 4):
            shown = round(self.scaled(t), d) * round(float(self.belt[t]), d + 1)
            if fmt(shown, d) == fmt(self.direct(t), d):
                return d
        return 4

    def f_digits(self, t: int) -> int:
        return self.row_digits(t) + 1

    @property
    def chain_steps(self) -> list[int]:
        """The steps the chain rule is worked at: the last two words, then "polluted"."""
        T = len(self.words)
        return [T - 1, T - 2, self.poll_step]

    @property
    def filler_product(self) -> float:
        """∏ f over the words between the colour and "polluted": the belt's direct path from c_{poll-1} back to
        the colour word's c."""
        return float(np.prod(self.belt[self.colour_step + 1:self.poll_step]))

    @property
    def filler_ratio(self) -> float:
        """The recorded dL/dc at the colour word over dL/dc just before "polluted": the total of every path."""
        return float(self.dc[self.colour_step] / self.dc[self.poll_step - 1])

    @property
    def blame_ratio(self) -> float:
        """|dL/dc| at the last word over |dL/dc| at the colour word: how much less the old colour is blamed."""
        return float(abs(self.dc[-1]) / abs(self.dc[self.colour_step]))


@lru_cache(maxsize=4)
def backprop_data(lang: str = "en") -> Backprop:
    """The recorded gradients of the trained story LSTM over the story sentence (the one :func:`story_data`
    traces), against its right answer (``explainer.story.story_gradients``)."""
    from explainer.story import story_gradients

    trace, unit = story_data(lang)
    words = [str(w) for w in trace.meta["labels"]]
    g = story_gradients(words, lang=lang, cell="lstm")
    assert int(g.meta["memory_unit"]) == unit
    colour = next(t for t, w in enumerate(words) if w in trace.meta["colour_words"])
    answer = str(g.meta["answer"])
    p = float(trace.meta["probabilities"][list(trace.meta["colour_words"]).index(answer)])
    return Backprop(words, colour, words.index(trace.meta["pollution_word"]), unit,
                    g.dc[0, :, unit].astype(np.float64), g.belt[0, :, unit].astype(np.float64), answer,
                    str(trace.meta["prediction"]), p)


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
    """Chapter 10's second half: both trained story models on the same held-out sentences (one colour, 20
    filler words, no event; the answer is the colour). Per sentence and word, the size (Euclidean length over
    the 3 units) of the gradient of L with respect to each model's memory — the LSTM's c, the plain RNN's h —
    divided by the same size at the last word: ``lstm[k, j]`` = ‖dL/dc_t‖ / ‖dL/dc_T‖ at t = colour_step + j."""

    lstm: np.ndarray   # (n, steps) from the colour word to the last word
    rnn: np.ndarray    # (n, steps)
    fillers: int
    colour_step: int
    highlight: int     # the sentence chapter 2 shows (the first blue one)
    tokens: tuple      # its tokens

    @property
    def n(self) -> int:
        return len(self.lstm)

    @property
    def lstm_at_colour(self) -> np.ndarray:
        return self.lstm[:, 0]

    @property
    def rnn_at_colour(self) -> np.ndarray:
        return self.rnn[:, 0]

    def words(self, lang: str) -> list[str]:
        from explainer.story import words as W
        return [W.VOCABULARY[t][W.LANGS.index(lang)] for t in self.tokens]


#: Below this share the gradient has vanished for the narration ("less than a hundredth arrives").
VANISHED = 0.01


@lru_cache(maxsize=1)
def gradient_spread(n: int = SPREAD_SENTENCES, fillers: int = SPREAD_FILLERS) -> Spread:
    """Recorded backprop through time of the trained story LSTM and SimpleRNN over ``n`` held-out sentences
    of one length (one batch each; the batch's mean loss divides every gradient by ``n``, and the shares
    cancel it), against their right answers. Both models read the same sentences."""
    from explainer.story import story_model, story_rnn_model
    from explainer.story import words as W
    from explainer.story.analysis import EVAL_SEED

    sents = W.make_sentences(n, min_distractors=fillers, max_distractors=fillers, seed=EVAL_SEED,
                             p_events=(1.0, 0.0, 0.0))
    x = np.stack([W.one_hot(s.tokens) for s in sents])
    y = np.eye(len(W.COLOURS), dtype=np.float32)[[s.colour for s in sents]]
    colour_step = len(W.FRAME_OPEN)
    g, gr = story_model("en").trace_gradients(x, y)[0], story_rnn_model("en").trace_gradients(x, y)[0]
    dc = np.linalg.norm(g.dc.astype(np.float64), axis=-1)[:, colour_step:]
    dh = np.linalg.norm(gr.dh.astype(np.float64), axis=-1)[:, colour_step:]
    k = next(j for j, s in enumerate(sents) if s.colour == 0)  # chapter 2's sentence (rnn_fails_data)
    return Spread(dc / dc[:, -1:], dh / dh[:, -1:], fillers, colour_step, k, tuple(sents[k].tokens))


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
    RNN answers there. ``c``: the trained story LSTM's cell state at every word of the same sentence (time,
    units): the memory an LSTM adds, beside the RNN's h.
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
    c: np.ndarray

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

    @property
    def c_per_word(self) -> np.ndarray:
        """The same for the LSTM's cell state: at each filler word, the largest |c_t − c_{t−1}| over its units."""
        t = np.arange(self.colour_step + 1, self.later_step + 1)
        return np.abs(self.c[t] - self.c[t - 1]).max(axis=1)


@lru_cache(maxsize=4)
def rnn_fails_data(lang: str = "en") -> RNNFails:
    """The shipped comparison table and the trained story SimpleRNN over the first held-out blue sentence."""
    from explainer.story import story_model, story_rnn_model
    from explainer.story import words as W
    from explainer.story.analysis import EVAL_SEED
    from explainer.story.compare import majority_by_distance, shipped_table

    table = shipped_table()
    majority = majority_by_distance(table)  # counted on the sentences each point was scored on
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
                    answers[int(np.argmax(model.predict(x)[0]))], answers[s.colour],
                    story_model(lang).trace(x)[0].c[0].astype(np.float64))
