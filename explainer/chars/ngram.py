"""The baseline the LSTM must beat: a character n-gram model with interpolated absolute discounting.

    P_n(c | h) = max(C(h c) − D, 0) / C(h)  +  D · N₁₊(h ·) / C(h) · P_{n−1}(c | h′)
    P_0(c)     = 1 / V

h is the last n−1 characters, h′ the last n−2, C counts in the training text, N₁₊(h ·) is
how many different characters ever followed h; a context never seen falls back to
P_{n−1} whole. D = 0.75 is the textbook value (not tuned on the held-out text).
"""
from __future__ import annotations
from ..errors import InputError

from collections import Counter

import numpy as np

from .corpus import ALPHABET, decode, encode


class NGram:
    def __init__(self, text: str, order: int = 5, discount: float = 0.75) -> None:
        if order < 1:
            raise InputError(f"order must be >= 1, got {order}")
        self.order, self.D, self.V = order, float(discount), len(ALPHABET)
        text = decode(encode(text))  # the model's alphabet: unknown characters as one symbol
        self.grams: list[Counter] = []      # grams[n]: counts of the n+1-character strings
        self.contexts: list[Counter] = []   # contexts[n]: C(h) for the n-character contexts h (as followed by a char)
        self.types: list[Counter] = []      # types[n]: N1+(h ·)
        for n in range(order):
            grams = Counter(text[k:k + n + 1] for k in range(len(text) - n))
            ctx, types = Counter(), Counter()
            for g, cnt in grams.items():
                ctx[g[:-1]] += cnt
                types[g[:-1]] += 1
            self.grams.append(grams)
            self.contexts.append(ctx)
            self.types.append(types)

    def prob(self, history: str, ch: str) -> float:
        """P(ch | the last order−1 characters of history)."""
        p = 1.0 / self.V
        for n in range(self.order):
            h = history[len(history) - n:] if n else ""
            if n and len(history) < n:
                break
            total = self.contexts[n].get(h, 0)
            if total == 0:
                break   # an unseen context: keep the lower order's estimate
            p = max(self.grams[n].get(h + ch, 0) - self.D, 0) / total + self.D * self.types[n][h] / total * p
        return p

    def bits_per_char(self, text: str) -> float:
        """Cross-entropy in bits of each character of ``text`` after the first, given the ones before."""
        text = decode(encode(text))
        k0 = 1
        logs = [np.log2(self.prob(text[max(0, k - self.order + 1):k], text[k])) for k in range(k0, len(text))]
        return -float(np.mean(logs))
