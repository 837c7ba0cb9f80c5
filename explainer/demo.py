"""The demo LSTM: three units with hand-chosen weights, so each gate does something visible.

It tells the tutorial's story, "the sky was blue … then it was polluted, grey": the
words are one-hot features ``[blue, grey, polluted]``.

* unit 0 — *blue memory*: the input gate opens on "blue" and writes ≈ +1; the forget gate
  stays near 1 (the memory is kept) until "polluted", where it drops near 0 and the
  memory is gone.
* unit 1 — *grey memory*: written on "grey", always kept.
* unit 2 — *pollution flag*: written on "polluted"; its output gate opens only then.

Every value a scene or widget shows comes from running this LSTM, never from this text.
"""
from __future__ import annotations

import numpy as np

from .gates import GATES
from .layers import LSTM
from .trace import SequenceTrace

WORDS = ("the", "sky", "was", "blue", "then", "polluted", "grey")
FEATURES = ("blue", "grey", "polluted")
UNIT_NAMES = ("blue memory", "grey memory", "pollution flag")


def demo_sequence(words=WORDS) -> np.ndarray:
    """One-hot features of ``words``: shape (1, len(words), 3)."""
    x = np.zeros((1, len(words), len(FEATURES)), np.float32)
    for t, w in enumerate(words):
        if w in FEATURES:
            x[0, t, FEATURES.index(w)] = 1.0
    return x


def demo_weights() -> dict[str, np.ndarray]:
    """kernel (3, 12), recurrent_kernel (3, 12), bias (12,) in Keras's [i | f | c | o] blocks."""
    u = 3
    W = np.zeros((3, 4 * u), np.float32)
    U = np.zeros((u, 4 * u), np.float32)
    b = np.zeros(4 * u, np.float32)
    I, F, C, O = (slice(g.index * u, (g.index + 1) * u) for g in GATES)
    blue, grey, poll = 0, 1, 2
    # input gate: mostly shut (bias -3), opened by the unit's own word
    b[I] = [-3.0, -3.0, -2.5]
    W[blue, I.start + 0] = W[grey, I.start + 1] = 6.0
    W[poll, I.start + 2] = 5.0
    # forget gate: keep (bias +4) ... except "polluted" wipes the blue memory
    b[F] = [4.0, 3.0, 1.0]
    W[poll, F.start + 0] = -8.0
    # candidate: what would be written
    W[blue, C.start + 0] = W[grey, C.start + 1] = 3.0
    W[poll, C.start + 2] = 3.0
    # output gate: units 0 and 1 read out half-open; the flag only when polluted
    b[O] = [1.0, 1.0, -2.0]
    W[poll, O.start + 2] = 4.0
    # a little recurrence, so h_{t-1} visibly contributes to the weighted sum
    U[0, F.start + 1] = 0.5
    U[1, O.start + 0] = -0.5
    U[2, I.start + 1] = 0.5
    return {"kernel": W, "recurrent_kernel": U, "bias": b}


def demo_lstm() -> LSTM:
    """The demo layer (3 units, 3 input features), weights from :func:`demo_weights`."""
    layer = LSTM(3, return_sequences=True, name="demo_lstm")
    layer.build((None, len(FEATURES)), np.random.default_rng(0))
    w = demo_weights()
    layer.set_weights([w["kernel"], w["recurrent_kernel"], w["bias"]])
    return layer


def demo_trace(words=WORDS) -> SequenceTrace:
    """Trace of the demo LSTM over the story; ``meta`` carries the words and unit names."""
    trace = demo_lstm().trace(demo_sequence(words))
    trace.meta.update({"labels": list(words), "features": list(FEATURES), "unit_names": list(UNIT_NAMES),
                       "source": "demo"})
    return trace
