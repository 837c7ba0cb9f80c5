"""What the two "why" scenes draw: the trained story LSTM, its recorded gradients, and a plain RNN's.

* :func:`backprop_data` — one story sentence with many filler words and no "polluted"; the trained story
  LSTM's recorded backprop through time (``model.trace_gradients``): ∂L/∂c_t of its colour-memory unit and
  the belt factor ∂c_t/∂c_{t-1} (= f_t); beside it the story's ``SimpleRNN`` (same size, trained by the
  same recipe) on the same sentence and target: ‖∂L/∂h_t‖.
* :func:`story_data` — the trained story LSTM's trace over the story sentence with "polluted" in it.

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
