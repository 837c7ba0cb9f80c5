"""The demo LSTM: three units with hand-chosen weights, so every case the lesson teaches really happens.

It tells the tutorial's story, "the sky was blue, then polluted, grey": the words are one-hot
features ``[blue, grey, polluted]``; the other words are all-zero inputs.

=====  ===============  ============================================================================
unit   name             what its weights make it do
=====  ===============  ============================================================================
0      blue memory      input gate opens on "blue" (W = +6, b = −3) and writes g ≈ +1 (W_g = +3);
                        forget gate keeps (b_f = +4, f ≈ 0.98) until "polluted", whose weight
                        W[polluted → f] = −8 shuts it (f ≈ 0.02): the memory is wiped.
                        Output gate shut (b_o = −3) except on "blue" (W = +6): the memory is held
                        silently at "then" (c ≈ 0.9, o ≈ 0.05, h ≈ 0).
1      grey memory      input gate opens on "grey" and writes ≈ +1; kept (b_f = +3); output half open.
2      pollution flag   written on "polluted" (W_i = +5, W_g = +3); output gate opens only then
                        (b_o = −2, W = +4), so at "grey" it is shut although c ≈ 0.7.
=====  ===============  ============================================================================

Three small recurrent weights (U, ±0.5) make h_{t-1} visibly part of the weighted sum.
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
#: Glossary keys of the words, features and unit names (explainer.glossary holds both languages).
WORD_TERMS = {w: f"word_{w}" for w in WORDS}
UNIT_TERMS = ("unit_blue_memory", "unit_grey_memory", "unit_pollution_flag")


def demo_sequence(words=WORDS) -> np.ndarray:
    """One-hot features of ``words``: shape (1, len(words), 3)."""
    x = np.zeros((1, len(words), len(FEATURES)), np.float32)
    for t, w in enumerate(words):
        if w in FEATURES:
            x[0, t, FEATURES.index(w)] = 1.0
    return x


def demo_weights() -> dict[str, np.ndarray]:
    """kernel W (3, 12), recurrent_kernel U (3, 12), bias b (12,) in Keras's [i | f | c | o] blocks."""
    u = 3
    W = np.zeros((3, 4 * u), np.float32)
    U = np.zeros((u, 4 * u), np.float32)
    b = np.zeros(4 * u, np.float32)
    I, F, G, O = (slice(g.index * u, (g.index + 1) * u) for g in GATES)
    blue, grey, poll = 0, 1, 2
    # input gate: mostly shut (bias -3), opened by the unit's own word
    b[I] = [-3.0, -3.0, -2.5]
    W[blue, I.start + 0] = W[grey, I.start + 1] = 6.0
    W[poll, I.start + 2] = 5.0
    # forget gate: keep (bias +4) ... except "polluted" wipes the blue memory
    b[F] = [4.0, 3.0, 1.0]
    W[poll, F.start + 0] = -8.0
    # candidate g: what would be written
    W[blue, G.start + 0] = W[grey, G.start + 1] = 3.0
    W[poll, G.start + 2] = 3.0
    # output gate: the blue memory speaks only on "blue"; grey half-open; the flag only when polluted
    b[O] = [-3.0, 1.0, -2.0]
    W[blue, O.start + 0] = 6.0
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
