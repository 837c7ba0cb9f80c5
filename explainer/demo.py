"""The demo LSTM: two units with round hand-set weights and a readout, doing the lesson's task.

The network reads a sentence one word at a time and, at the last word, answers *what colour is the sky
now?*::

    the sky | was | blue | birds | sang |            the sky | is   → blue
    the sky | was | blue | birds | sang | polluted | the sky | is   → grey

"grey" is an answer, never an input. The words are one-hot features ``[blue, polluted, is]`` ("is" marks
the question); every other word is the all-zero input.

=====  ============  ===========================================================================
unit   name          what its weights make it do
=====  ============  ===========================================================================
0      blue memory   input gate opens on "blue" (W = +6, b = −3: i = σ(3) ≈ 0.95) and writes
                     g = tanh(3) ≈ +1; the forget gate keeps (b_f = +4, f ≈ 0.98) until
                     "polluted", whose weight W[polluted → f] = −8 shuts it (f ≈ 0.02): the
                     memory is wiped. The output gate is shut (b_o = −3, o ≈ 0.05: kept, not
                     said) until the question word "is" opens it (W = +6, o ≈ 0.95).
1      grey memory   the same, written by "polluted" instead of "blue", and never forgotten.
=====  ============  ===========================================================================

Two small recurrent weights (U = +0.5, each unit's h_{t-1} into its own forget gate) make h_{t-1} part of
the weighted sum. The readout is a Dense layer with softmax on h at the last word:
score(blue) = 5 · h[blue memory], score(grey) = 5 · h[grey memory].
Every value a scene or widget shows comes from running this model, never from this text.
"""
from __future__ import annotations

import numpy as np

from .activations import softmax
from .gates import GATES
from .layers import LSTM, Dense
from .model import Sequential
from .trace import SequenceTrace

#: The lesson's sentence (the gate chapters walk it): the colour, two filler words, "polluted", the question.
WORDS = ("the sky", "was", "blue", "birds", "sang", "polluted", "the sky", "is")
#: The same sentence without "polluted": the answer stays blue.
BLUE_WORDS = tuple(w for w in WORDS if w != "polluted")
FEATURES = ("blue", "polluted", "is")
UNIT_NAMES = ("blue memory", "grey memory")
#: The readout's answers, in its output order.
ANSWERS = ("blue", "grey")
#: Glossary keys of the words and unit names (explainer.glossary holds both languages).
WORD_TERMS = {w: "word_" + w.replace(" ", "_") for w in dict.fromkeys(WORDS)}
UNIT_TERMS = ("unit_blue_memory", "unit_grey_memory")
ANSWER_TERMS = ("word_blue", "word_grey")

UNITS = len(UNIT_NAMES)


def demo_sequence(words=WORDS) -> np.ndarray:
    """One-hot features of ``words``: shape (1, len(words), 3); a word that is no feature is all zeros."""
    x = np.zeros((1, len(words), len(FEATURES)), np.float32)
    for t, w in enumerate(words):
        if w in FEATURES:
            x[0, t, FEATURES.index(w)] = 1.0
    return x


def demo_weights() -> dict[str, np.ndarray]:
    """kernel W (3, 8), recurrent_kernel U (2, 8), bias b (8,) in Keras's [i | f | c | o] blocks."""
    u = UNITS
    W = np.zeros((len(FEATURES), 4 * u), np.float32)
    U = np.zeros((u, 4 * u), np.float32)
    b = np.zeros(4 * u, np.float32)
    I, F, G, O = (slice(g.index * u, (g.index + 1) * u) for g in GATES)
    blue, poll, is_ = 0, 1, 2
    # input gate: shut (bias -3) except on the unit's own word
    b[I] = -3.0
    W[blue, I.start + 0] = W[poll, I.start + 1] = 6.0
    # candidate g: what would be written, +1 on the unit's own word, 0 elsewhere
    W[blue, G.start + 0] = W[poll, G.start + 1] = 3.0
    # forget gate: keep (bias +4) ... except "polluted" wipes the blue memory
    b[F] = 4.0
    W[poll, F.start + 0] = -8.0
    # output gate: shut (bias -3) until the question word "is"
    b[O] = -3.0
    W[is_, O.start + 0] = W[is_, O.start + 1] = 6.0
    # a little recurrence: each unit's h_{t-1} into its own forget gate
    U[0, F.start + 0] = U[1, F.start + 1] = 0.5
    return {"kernel": W, "recurrent_kernel": U, "bias": b}


def readout_weights() -> dict[str, np.ndarray]:
    """The readout Dense(2) on h at the last word: kernel (2 units, 2 answers), bias (2,)."""
    return {"kernel": np.array([[5.0, 0.0], [0.0, 5.0]], np.float32), "bias": np.zeros(2, np.float32)}


def demo_lstm(return_sequences: bool = True) -> LSTM:
    """The demo layer (2 units, 3 input features), weights from :func:`demo_weights`."""
    layer = LSTM(UNITS, return_sequences=return_sequences, name="demo_lstm")
    layer.build((None, len(FEATURES)), np.random.default_rng(0))
    w = demo_weights()
    layer.set_weights([w["kernel"], w["recurrent_kernel"], w["bias"]])
    return layer


def demo_model() -> Sequential:
    """The whole demo network: LSTM(2) then Dense(2, softmax) on h at the last word → P(blue), P(grey)."""
    model = Sequential([demo_lstm(return_sequences=False)], name="demo")
    model.add(Dense(len(ANSWERS), activation="softmax", name="demo_readout"))  # built by add: weights after
    r = readout_weights()
    model.layers[-1].set_weights([r["kernel"], r["bias"]])
    return model


def _readout(activation: str | None) -> Dense:
    layer = Dense(len(ANSWERS), activation=activation, name="demo_readout")
    layer.build((None, UNITS), np.random.default_rng(0))
    r = readout_weights()
    layer.set_weights([r["kernel"], r["bias"]])
    return layer


def readout(h_last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The readout on h at the last word (units,): scores s = h W + b (answers,) and p = softmax(s)."""
    s = _readout(None).forward(np.asarray(h_last, np.float32)[None])[0]
    return s, softmax(s)


def demo_trace(words=WORDS) -> SequenceTrace:
    """Trace of the demo LSTM over ``words``; ``meta`` carries the words, unit names and the answer
    (``scores``, ``probabilities`` of :data:`ANSWERS` and ``prediction``, read out from h at the last word)."""
    trace = demo_lstm().trace(demo_sequence(words))
    scores, p = readout(trace.h[0, -1])
    trace.meta.update({"labels": list(words), "features": list(FEATURES), "unit_names": list(UNIT_NAMES),
                       "source": "demo", "answers": list(ANSWERS), "scores": [float(v) for v in scores],
                       "probabilities": [float(v) for v in p], "prediction": ANSWERS[int(np.argmax(p))]})
    return trace
