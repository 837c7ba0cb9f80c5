"""What a trained story model does, measured on held-out sentences.

* :func:`accuracy_by_distance` — the share of right answers for each number of distractor words.
* :func:`memory_unit` — the unit that keeps the colour, found from the recorded cell states:
  the one whose cell state moves most, on average, at colour words
  (mean over those steps of |c_t - c_{t-1}|). Found, never chosen by index.
* :func:`gate_report` — that unit's forget gate on every distractor word and at "polluted",
  and its input gate at every colour word.

Every number comes from running the model (:meth:`~explainer.layers.LSTM.trace`).
"""
from __future__ import annotations
from ..errors import InputError

import numpy as np

from ..model import Sequential
from . import words as W
from .train import batches_by_length

#: Seed of the held-out sentences (training uses the recipe's seed, 0 by default).
EVAL_SEED = 20_260_101


def held_out(n: int = 600, max_distractors: int = 60, seed: int = EVAL_SEED) -> list[W.Sentence]:
    """Sentences the model never trained on, with up to ``max_distractors`` distractors."""
    return W.make_sentences(n, max_distractors=max_distractors, seed=seed)


def predictions(model: Sequential, sents: list[W.Sentence]) -> np.ndarray:
    """The predicted answer index of each sentence, in the sentences' order."""
    out = np.empty(len(sents), np.int64)
    pos = {id(s): k for k, s in enumerate(sents)}
    by_len: dict[int, list[W.Sentence]] = {}
    for s in sents:
        by_len.setdefault(len(s.tokens), []).append(s)
    v = len(W.VOCABULARY)
    for group in by_len.values():
        x = np.stack([W.one_hot(s.tokens, v) for s in group])
        p = model.predict(x, batch_size=len(group)).argmax(-1)
        for s, k in zip(group, p):
            out[pos[id(s)]] = k
    return out


def accuracy(model: Sequential, sents: list[W.Sentence]) -> float:
    """Share of sentences whose predicted colour is the right one."""
    if not sents:
        raise InputError("accuracy() needs at least one sentence")
    return float(np.mean(predictions(model, sents) == np.array([s.colour for s in sents])))


def accuracy_by_distance(model: Sequential, distances=range(0, 61, 5), n: int = 200,
                         seed: int = EVAL_SEED) -> dict[int, float]:
    """Accuracy on ``n`` held-out sentences with exactly ``d`` distractor words, for each ``d``."""
    return {int(d): accuracy(model, distance_sentences(int(d), n, seed)) for d in distances}


def distance_sentences(d: int, n: int = 200, seed: int = EVAL_SEED) -> list[W.Sentence]:
    """The ``n`` held-out sentences with exactly ``d`` distractor words that :func:`accuracy_by_distance`
    scores a model on (seed ``seed + d``)."""
    return W.make_sentences(n, min_distractors=d, max_distractors=d, seed=seed + d)


def _recorded(model: Sequential, sents: list[W.Sentence]):
    """(tokens (b, T), trace) per length group: the first layer's trace of each group, one batch each."""
    layer = model.layers[0]
    for x, _ in batches_by_length(sents, batch_size=max(1, len(sents))):
        yield x.argmax(-1), layer.trace(x)


def memory_unit(model: Sequential, sents: list[W.Sentence] | None = None) -> int:
    """The unit whose cell state changes most at colour words: mean |c_t - c_{t-1}| there."""
    sents = held_out(300) if sents is None else sents
    colours = np.array([W.VOCABULARY.index(c) for c in W.MENTIONED_COLOURS])
    total, count = None, 0
    for tokens, tr in _recorded(model, sents):
        at = np.isin(tokens, colours)
        moved = np.abs(tr.c - tr.c_prev)[at]          # (steps at colour words, units)
        total = moved.sum(0) if total is None else total + moved.sum(0)
        count += len(moved)
    if not count:
        raise InputError("memory_unit() needs sentences with colour words")
    return int(np.argmax(total / count))


def gate_report(model: Sequential, unit: int, sents: list[W.Sentence] | None = None) -> dict[str, float]:
    """The memory unit's gates over held-out sentences.

    ``min_f_distractors``: the smallest forget gate on any distractor word (keeping);
    ``max_f_polluted``: the largest forget gate at any "polluted" (dropping);
    ``min_i_colours``: the smallest input gate at any colour word (writing); with their means.
    """
    sents = held_out() if sents is None else sents
    colours = [W.VOCABULARY.index(c) for c in W.MENTIONED_COLOURS]
    distractors = [W.VOCABULARY.index(d) for d in W.DISTRACTORS]
    polluted = W.VOCABULARY.index(W.POLLUTED)
    f_d, f_p, i_c = [], [], []
    for tokens, tr in _recorded(model, sents):
        f, i = tr.f[..., unit], tr.i[..., unit]
        f_d.append(f[np.isin(tokens, distractors)])
        f_p.append(f[tokens == polluted])
        i_c.append(i[np.isin(tokens, colours)])
    f_d, f_p, i_c = (np.concatenate(a) for a in (f_d, f_p, i_c))
    if not (f_d.size and f_p.size and i_c.size):
        raise InputError("gate_report() needs sentences with distractors, 'polluted' and colour words")
    return {"unit": int(unit),
            "min_f_distractors": float(f_d.min()), "mean_f_distractors": float(f_d.mean()),
            "max_f_polluted": float(f_p.max()), "mean_f_polluted": float(f_p.mean()),
            "min_i_colours": float(i_c.min()), "mean_i_colours": float(i_c.mean()),
            "steps": {"distractors": int(f_d.size), "polluted": int(f_p.size), "colours": int(i_c.size)}}


#: What the learned model must show (the claims the lesson makes about it).
CRITERIA = {"accuracy": 0.98, "min_f_distractors": 0.9, "max_f_polluted": 0.3, "min_i_colours": 0.5}


def check_criteria(model: Sequential, sents: list[W.Sentence] | None = None) -> dict:
    """Accuracy (up to 60 distractors) and the memory unit's gates, with ``ok`` per criterion."""
    sents = held_out() if sents is None else sents
    unit = memory_unit(model, sents)
    report = gate_report(model, unit, sents)
    report["accuracy"] = accuracy(model, sents)
    report["ok"] = {"accuracy": report["accuracy"] >= CRITERIA["accuracy"],
                    "min_f_distractors": report["min_f_distractors"] >= CRITERIA["min_f_distractors"],
                    "max_f_polluted": report["max_f_polluted"] <= CRITERIA["max_f_polluted"],
                    "min_i_colours": report["min_i_colours"] >= CRITERIA["min_i_colours"]}
    return report
