"""The story's sentences: a colour, distracting words, maybe "polluted" or a new colour, and a question.

One sentence, in English and in Chinese tokens::

    the sky | was | blue  birds sang river … polluted … wind blew  the sky | is   → grey
    天空 | 原来是 | 蓝色的  鸟儿 唱歌 河水 … 污染了 … 风 吹      天空 | 现在是 → 灰色的

* It opens with a colour ("the sky was blue").
* Then come distractor words: filler that says nothing about the sky's colour.
* Somewhere among them there may be events: "polluted" (after which the sky is grey) or
  "turned" + a new colour. The last event decides the answer.
* It closes with the question "the sky is ?"; the target is the colour at that point.

Every token has an English and a Chinese spelling with the same index, so a Chinese
sentence is the English one spelled in Chinese tokens: the one-hot inputs, and therefore
a model's weights, are the same in both languages.

A sentence is generated from a seeded :class:`numpy.random.Generator` only, so
``sentences(n, max_distractors=20, seed=0)`` is the same list on every machine.
"""
from __future__ import annotations
from ..errors import InputError

from dataclasses import dataclass

import numpy as np

from ..glossary import LANGS, check_lang  # LANGS re-exported as explainer.story.LANGS
from ..presentation import localise


def _shared(english: str) -> tuple[str, str]:
    """A word the hand-set demo reads too, spelled as the glossary spells it (``word_*``): one spelling of
    each word for both models, in every language."""
    return english, localise(english, "zh")


# (English, Chinese) spelling of each kind of token. Tokens may be short phrases: the
# Chinese frame "原来是" ("was") is one token, like its English counterpart.
FRAME_OPEN = (_shared("the sky"), _shared("was"))
FRAME_QUESTION = (_shared("the sky"), _shared("is"))
TURNED = ("turned", "变成了")
POLLUTED = _shared("polluted")
#: Colours a sentence can mention; the sky is grey after "polluted".
MENTIONED_COLOURS = (_shared("blue"), ("red", "红色的"), ("green", "绿色的"))
GREY = _shared("grey")
COLOURS = MENTIONED_COLOURS + (GREY,)
DISTRACTORS = (
    _shared("birds"), _shared("sang"), ("river", "河水"), ("flowed", "流淌"), ("children", "孩子们"),
    ("played", "玩耍"), ("and", "和"), ("wind", "风"), ("blew", "吹"), ("trees", "树木"), ("grew", "生长"),
    ("people", "人们"), ("walked", "散步"), ("boats", "小船"), ("sailed", "航行"), ("slowly", "慢慢地"),
)


def _vocabulary() -> tuple[tuple[str, str], ...]:
    seen: list[tuple[str, str]] = []
    for tok in (*FRAME_OPEN, *FRAME_QUESTION, TURNED, POLLUTED, *MENTIONED_COLOURS, *DISTRACTORS):
        if tok not in seen:
            seen.append(tok)
    return tuple(seen)


#: Every token, (English, Chinese), in one-hot order.
VOCABULARY = _vocabulary()


def _lang(lang: str) -> int:
    return LANGS.index(check_lang(lang))


def vocabulary(lang: str = "en") -> list[str]:
    """The tokens in one-hot order, spelled in ``lang``."""
    return [tok[_lang(lang)] for tok in VOCABULARY]


def colour_words(lang: str = "en") -> list[str]:
    """The answers, in the model's output order: the mentioned colours, then grey."""
    return [c[_lang(lang)] for c in COLOURS]


def distractor_words(lang: str = "en") -> list[str]:
    return [d[_lang(lang)] for d in DISTRACTORS]


def pollution_word(lang: str = "en") -> str:
    return POLLUTED[_lang(lang)]


@dataclass(frozen=True)
class Sentence:
    """A sentence as token indices, with its answer (an index into :func:`colour_words`)."""

    tokens: tuple[int, ...]
    colour: int
    distractors: int

    def words(self, lang: str = "en") -> list[str]:
        k = _lang(lang)
        return [VOCABULARY[t][k] for t in self.tokens]


def _index(tok: tuple[str, str]) -> int:
    return VOCABULARY.index(tok)


def make_sentence(rng: np.random.Generator, distractors: int, *, p_events=(0.4, 0.4, 0.2),
                  p_pollution: float = 0.5) -> Sentence:
    """One sentence with exactly ``distractors`` distractor words.

    The number of events (0, 1 or 2) is drawn with probabilities ``p_events``; each event is
    "polluted" with probability ``p_pollution``, otherwise "turned" + a colour different from
    the current one. Events sit at random places among the distractors.
    """
    n_colours = len(MENTIONED_COLOURS)
    colour = int(rng.integers(n_colours))
    tokens = [_index(t) for t in FRAME_OPEN] + [_index(MENTIONED_COLOURS[colour])]
    n_events = int(rng.choice(len(p_events), p=p_events))
    at = np.sort(rng.integers(0, distractors + 1, size=n_events))  # after how many distractors
    fill = rng.integers(0, len(DISTRACTORS), size=distractors)
    d_first = _index(DISTRACTORS[0])
    e = 0
    for k in range(distractors + 1):
        while e < n_events and at[e] == k:
            if rng.random() < p_pollution:
                tokens.append(_index(POLLUTED))
                colour = len(MENTIONED_COLOURS)  # grey
            else:
                others = [c for c in range(n_colours) if c != colour]  # a colour other than the current one
                new = others[int(rng.integers(len(others)))]
                tokens += [_index(TURNED), _index(MENTIONED_COLOURS[new])]
                colour = new
            e += 1
        if k < distractors:
            tokens.append(d_first + int(fill[k]))
    tokens += [_index(t) for t in FRAME_QUESTION]
    return Sentence(tuple(tokens), colour, distractors)


def make_sentences(n: int, *, max_distractors: int, seed: int, min_distractors: int = 0,
                   **kw) -> list[Sentence]:
    """``n`` sentences, distractor counts uniform in ``[min_distractors, max_distractors]``."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise InputError(f"n must be a non-negative integer, got {n!r}")
    for name, v in (("max_distractors", max_distractors), ("min_distractors", min_distractors)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0:
            raise InputError(f"{name} must be a non-negative integer, got {v!r}")
    if min_distractors > max_distractors:
        raise InputError(f"min_distractors ({min_distractors}) is larger than max_distractors ({max_distractors})")
    rng = np.random.default_rng(seed)
    counts = rng.integers(min_distractors, max_distractors + 1, size=n)
    return [make_sentence(rng, int(d), **kw) for d in counts]


def one_hot(tokens, vocab_size: int | None = None) -> np.ndarray:
    """(len(tokens), V) float32: row t has a 1 at token t's index."""
    v = len(VOCABULARY) if vocab_size is None else vocab_size
    x = np.zeros((len(tokens), v), np.float32)
    x[np.arange(len(tokens)), list(tokens)] = 1.0
    return x


def encode(words, lang: str = "en") -> tuple[int, ...]:
    """Token indices of ``words`` (spelled in ``lang``); an unknown word is a clear ``ValueError``."""
    if isinstance(words, str):
        raise InputError("words must be a list of tokens such as ['the sky', 'was', 'blue', …], not one string")
    index = {w: k for k, w in enumerate(vocabulary(lang))}
    out = []
    for w in words:
        if w not in index:
            raise InputError(f"unknown word {w!r} for lang={lang!r}; known words: {', '.join(vocabulary(lang))}")
        out.append(index[w])
    if not out:
        raise InputError("words is empty; a sentence needs at least one token")
    return tuple(out)


#: What separates words in typed text: anything but letters, digits, CJK characters, ' and -.
_SEPARATORS = r"[^\w'-]+"


def tokenise(text: str, lang: str = "en") -> tuple[list[str], list[str]]:
    """A typed sentence as the model's tokens, and the words it does not know: ``(tokens, unknown)``.

    Case and punctuation do not matter. English: words split on spaces, and a two-word token
    ("the sky") is taken whole where its words stand together. Chinese needs no spaces: each run
    of characters is read longest token first; characters that start no token are one unknown
    word until the next known token. The offline page's JavaScript tokenises the same way (a
    browser test compares the two on the same sentences).
    """
    import re

    vocab = vocabulary(lang)
    longest = max(len(w) for w in vocab)
    tokens: list[str] = []
    unknown: list[str] = []
    chunks = [c for c in re.split(_SEPARATORS, str(text).lower()) if c.strip("'-")]
    if lang == "en":
        words = [c.strip("'-") for c in chunks]
        k = 0
        while k < len(words):
            pair = " ".join(words[k:k + 2])
            if k + 1 < len(words) and pair in vocab:
                tokens.append(pair)
                k += 2
                continue
            (tokens if words[k] in vocab else unknown).append(words[k])
            k += 1
        return tokens, unknown
    for chunk in chunks:
        k, pending = 0, ""
        while k < len(chunk):
            for n in range(min(longest, len(chunk) - k), 0, -1):
                if chunk[k:k + n] in vocab:
                    if pending:
                        unknown.append(pending)
                        pending = ""
                    tokens.append(chunk[k:k + n])
                    k += n
                    break
            else:
                pending += chunk[k]
                k += 1
        if pending:
            unknown.append(pending)
    return tokens, unknown


def _default_story() -> tuple[int, ...]:
    en = ["the sky", "was", "blue", "birds", "sang", "and", "children", "played", "polluted",
          "wind", "blew", "the sky", "is"]
    return encode(en, "en")


#: The sentence a lesson tells by default (token indices): blue, five distractors, "polluted",
#: two more, the question. Answer: grey.
DEFAULT_STORY = _default_story()


def answer(words, lang: str = "en") -> str:
    """The right answer for ``words`` by the story's rule: the last colour named, or grey after "polluted"."""
    k = _lang(lang)
    colour = None
    for t in encode(words, lang):
        tok = VOCABULARY[t]
        if tok in MENTIONED_COLOURS:
            colour = tok
        elif tok == POLLUTED:
            colour = GREY
    if colour is None:
        raise InputError("the sentence names no colour, so it has no answer; start it like "
                         f"{' '.join(VOCABULARY[t][k] for t in DEFAULT_STORY[:3])} …")
    return colour[k]
