"""Why an LSTM: the recorded gradients of a trained LSTM and a trained plain RNN, over distance.

Both models are trained on the same story task by the same recipe (:mod:`explainer.story`):
a sentence opens with the sky's colour ("the sky was blue"), carries on with distractor
words, and ends with the question ("the sky is") whose answer is that colour. Here every
sentence has no event in between, so the answer depends only on the colour word, ``d + 2``
steps before the question (``d`` distractors).

For a batch of such sentences and the true answers, :meth:`Sequential.trace_gradients` records
the backward pass that trains the model: dL/dc_t and dL/dh_t of the LSTM, dL/dh_t of the
SimpleRNN, at every step. The chart shows, for each, the median over the sentences of

    ‖∂L/∂s_t‖ / ‖∂L/∂s_T‖        (s = c or h, ‖·‖ over units, T the last step)

against the number of steps before the question: how much of the gradient that leaves the
answer still reaches step t. Along the LSTM's belt each step back multiplies dL/dc by f_t
(plus what reaches c through h); the plain RNN multiplies dL/dh by tanh′(z)·Uᵀ. The summary
states the two ratios at the colour word and how many answers each model got right: the
numbers, nothing the data do not show.
"""
from __future__ import annotations

from functools import lru_cache

import ipywidgets as widgets
import numpy as np

from explainer import palette
from explainer.glossary import term

from .charts import line_chart, num
from .language import LanguageSwitch, check_lang

#: Sentences per measurement (one batch), and their seed: the same sentences on every machine.
N_SENTENCES, SEED = 32, 11


@lru_cache(maxsize=1)
def story_models() -> dict:
    """The trained story LSTM and the SimpleRNN trained by the same recipe (both shipped weights)."""
    from explainer.story import story_model, story_rnn_model

    return {"lstm": story_model(), "rnn": story_rnn_model()}


def story_batch(distractors: int, n: int = N_SENTENCES, seed: int = SEED):
    """``n`` story sentences with exactly ``distractors`` distractor words and no event: (x, y, tokens)."""
    from explainer.story import words as W

    d = int(distractors)
    if d < 0:
        raise ValueError(f"the number of distractor words must be >= 0, got {distractors}")
    rng = np.random.default_rng(seed + d)
    sents = [W.make_sentence(rng, d, p_events=(1.0, 0.0, 0.0)) for _ in range(int(n))]
    x = np.stack([W.one_hot(s.tokens, len(W.VOCABULARY)) for s in sents])
    y = np.eye(len(W.COLOURS), dtype=np.float32)[[s.colour for s in sents]]
    return x, y, sents


def _relative(g: np.ndarray) -> np.ndarray:
    """Median over the batch of ‖g_t‖ / ‖g_T‖ (norms over units): shape (time,)."""
    norms = np.linalg.norm(g.astype(np.float64), axis=-1)        # (batch, time)
    return np.median(norms / norms[:, -1:], axis=0)


def gradients_over_distance(distractors: int, n: int = N_SENTENCES) -> dict:
    """The recorded gradients of both trained models on ``n`` sentences with ``distractors`` distractors.

    Returns ``lstm_dc``, ``lstm_dh``, ``rnn_dh`` (each ``(T,)``: median ‖∂L/∂s_t‖ / ‖∂L/∂s_T‖),
    ``colour_step`` (the colour word's step), ``T``, and ``right`` (answers right per model).
    """
    models = story_models()
    x, y, sents = story_batch(distractors, n)
    out = {"T": x.shape[1], "colour_step": 2, "n": len(sents), "right": {}}
    for name, model in models.items():
        g = model.trace_gradients(x, y)[0]
        out[f"{name}_dh"] = _relative(g.dh)
        if name == "lstm":
            out["lstm_dc"] = _relative(g.dc)
        out["right"][name] = int((model.predict(x).argmax(-1) == y.argmax(-1)).sum())
    return out


class MemoryWidget(LanguageSwitch, widgets.VBox):
    """A slider for the distance (distractor words); the recorded gradients of both models against it."""

    def __init__(self, distractors: int = 60, lang: str = "en", show_language: bool = True) -> None:
        self.lang = check_lang(lang)
        self.distractors = widgets.IntSlider(value=distractors, min=0, max=60, step=5,
                                             style={"description_width": "initial"},
                                             layout=widgets.Layout(width="auto", min_width="360px"))
        self.distractors.add_class("lstm-slider-distractors")
        self.distractors.observe(lambda ch: self.redraw(), names="value")
        self._language_toggle(lang, show_language)
        self.chart = widgets.HTML()
        self.chart.add_class("lstm-memory-chart")
        self.summary = widgets.HTML()
        self.summary.add_class("lstm-memory-summary")
        self.data: dict = {}
        super().__init__([self.language, self.distractors, self.chart, self.summary])
        self.set_lang(lang)

    def redraw(self) -> None:
        lang = self.lang
        self.data = data = gradients_over_distance(int(self.distractors.value))
        T, k = data["T"], data["colour_step"]
        before = [str(T - 1 - t) for t in range(T)]
        series = [
            {"y": data["lstm_dc"], "colour": palette.CELL, "width": 3, "label": "LSTM ‖∂L/∂cₜ‖", "name": "lstm_dc"},
            {"y": data["lstm_dh"], "colour": palette.HIDDEN, "width": 2, "label": "LSTM ‖∂L/∂hₜ‖", "name": "lstm_dh"},
            {"y": data["rnn_dh"], "colour": palette.INK, "width": 2, "dashed": True,
             "label": f"{term('plain_rnn', lang)} ‖∂L/∂hₜ‖", "name": "rnn_dh"},
        ]
        for s in series:  # a log axis needs > 0; a zero is drawn at the floor but printed as 0
            s["true"] = s["y"]
            s["y"] = np.maximum(s["y"], 1e-300)
        logs = np.log10(np.concatenate([s["y"] for s in series]))
        lo, hi = float(np.floor(logs.min())) - 0.3, max(0.3, float(np.ceil(logs.max())) + 0.3)
        self.chart.value = line_chart(series, labels=before, marker=k, log=True, ylim=(lo, hi), width=720,
                                      height=300, title=term("grad_title", lang),
                                      xlabel=term("grad_steps_before", lang), ylabel=term("grad_ratio", lang))
        at = {name: float(data[name][k]) for name in ("lstm_dc", "lstm_dh", "rnn_dh")}
        spans = {name: (f'<span class="lstm-val lstm-val-{name}" data-value="{v!r}">'
                        f'{v:.2e}</span>') for name, v in at.items()}
        n, right = data["n"], data["right"]
        self.summary.value = (
            f'<div style="line-height:1.7;max-width:760px">'
            + term("grad_setup", lang).format(n=n, d=int(self.distractors.value), k=T - 1 - k) + "<br>"
            + f'<b style="color:{palette.CELL}">LSTM</b>: '
            + term("grad_lstm", lang).format(dc=spans["lstm_dc"], dh=spans["lstm_dh"], right=right["lstm"], n=n)
            + "<br>"
            + f'<b>{term("plain_rnn", lang)}</b>: '
            + term("grad_rnn", lang).format(dh=spans["rnn_dh"], right=right["rnn"], n=n)
            + f'<br><small>{term("grad_how", lang)}</small></div>')

    def _apply_lang(self) -> None:
        self.distractors.description = term("distractor_words", self.lang)
        self.redraw()


__all__ = ["MemoryWidget", "gradients_over_distance", "story_batch", "story_models"]
