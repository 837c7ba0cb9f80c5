"""Why an LSTM: memory over time, the tutorial's opening claim made visible.

**LSTM, from a real trace.** A 1-unit :class:`explainer.LSTM` with zero kernel and zero
recurrent kernel, bias ``b_f`` on the forget block, runs over ``T`` steps of x_t = 0 from
h_0 = 0, c_0 = 1. The candidate is g = tanh(0) = 0, so nothing is written and
c_T = f_T ⊙ … ⊙ f_1 ⊙ c_0: the share of c_0 that survives is ∏ f_t, read from
``trace.f`` (and equal to ``trace.c / c_0``). Along the cell-state path this is also the
gradient ∂c_T/∂c_0 — no weight matrix and no tanh′ multiply it.

**Plain RNN, for comparison (not LSTM maths, six lines here).** h_t = tanh(w·h_{t-1}),
h_0 = 0.5, x_t = 0. Back-propagating through T steps multiplies by
∂h_t/∂h_{t-1} = w·tanh′(w·h_{t-1}) = w·(1 − h_t²) at every step, so
∂h_T/∂h_0 = ∏ w·(1 − h_t²). With x_t = 0 every factor stays below 1 for any w (the
larger w, the nearer h gets to ±1 and the smaller 1 − h_t²), so the product vanishes.
"""
from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from explainer import LSTM, palette
from explainer.glossary import term
from explainer.trace import SequenceTrace

from .charts import line_chart
from .language import LanguageSwitch, check_lang

#: Where the plain RNN starts; any value in (0, 1) tells the same story.
RNN_H0 = 0.5
LOG_FLOOR = -12.0  # draw values below 1e-12 at the floor


def lstm_memory_trace(forget_bias: float, length: int) -> SequenceTrace:
    """The trace of the memory LSTM above over ``length`` steps (c_0 = 1)."""
    if int(length) < 1:
        raise ValueError(f"sequence length must be >= 1, got {length}")
    layer = LSTM(1, return_sequences=True, name="memory_lstm")
    layer.build((None, 1), np.random.default_rng(0))
    bias = np.zeros(4, np.float32)
    bias[1] = forget_bias  # blocks [i | f | c | o]
    layer.set_weights([np.zeros((1, 4), np.float32), np.zeros((1, 4), np.float32), bias])
    x = np.zeros((1, int(length), 1), np.float32)
    return layer.trace(x, initial_state=[np.zeros((1, 1), np.float32), np.ones((1, 1), np.float32)])


def lstm_survival(forget_bias: float, length: int) -> np.ndarray:
    """∏_{s≤t} f_s for t = 1..T, from the traced forget gate: shape (T,)."""
    return np.cumprod(lstm_memory_trace(forget_bias, length).f[0, :, 0].astype(np.float64))


def rnn_gradient(w: float, length: int, h0: float = RNN_H0) -> np.ndarray:
    """∂h_t/∂h_0 = ∏_{s≤t} w·(1 − h_s²) of the plain RNN h_t = tanh(w·h_{t-1}), t = 1..T: shape (T,)."""
    if int(length) < 1:
        raise ValueError(f"sequence length must be >= 1, got {length}")
    h, factors = float(h0), []
    for _ in range(int(length)):
        h = np.tanh(w * h)
        factors.append(w * (1.0 - h * h))
    return np.cumprod(factors)


class MemoryWidget(LanguageSwitch, widgets.VBox):
    """Sliders for forget bias, RNN weight and length; a log-scale chart of both products."""

    def __init__(self, forget_bias: float = 4.0, w: float = 0.9, length: int = 50, lang: str = "en",
                 show_language: bool = True) -> None:
        self.lang = check_lang(lang)
        style, layout = {"description_width": "130px"}, widgets.Layout(width="420px")
        self.forget_bias = widgets.FloatSlider(value=forget_bias, min=-2.0, max=8.0, step=0.1, style=style,
                                               layout=layout)
        self.w = widgets.FloatSlider(value=w, min=0.0, max=3.0, step=0.05, style=style, layout=layout)
        self.length = widgets.IntSlider(value=length, min=1, max=200, style=style, layout=layout)
        for name, s in (("forget-bias", self.forget_bias), ("w", self.w), ("length", self.length)):
            s.add_class(f"lstm-slider-{name}")
            s.observe(lambda ch: self.redraw(), names="value")
        self._language_toggle(lang, show_language)
        self.chart = widgets.HTML()
        self.summary = widgets.HTML()
        self.summary.add_class("lstm-memory-summary")
        super().__init__([self.language, self.forget_bias, self.w, self.length, self.chart, self.summary])
        self.set_lang(lang)

    def redraw(self) -> None:
        T, lang = int(self.length.value), self.lang
        self.survival = lstm_survival(self.forget_bias.value, T)
        self.gradient = rnn_gradient(self.w.value, T)
        logs = np.log10(np.maximum(np.r_[self.survival, np.abs(self.gradient)], 10 ** LOG_FLOOR))
        top = max(0.5, float(logs.max()) + 0.5)
        bottom = max(LOG_FLOOR, float(np.floor(logs.min())) - 1.0)
        series = [
            {"y": np.maximum(self.survival, 10 ** LOG_FLOOR), "true": self.survival, "colour": palette.CELL,
             "width": 3, "label": "∏ f_t", "name": "lstm_survival"},
            {"y": np.maximum(np.abs(self.gradient), 10 ** LOG_FLOOR), "true": np.abs(self.gradient),
             "colour": palette.INK, "width": 2, "label": "∏ w·tanh′", "name": "rnn_gradient"},
        ]
        labels = [str(t) for t in range(1, T + 1)]
        self.chart.value = line_chart(series, labels=labels, marker=T - 1, log=True, ylim=(bottom, top),
                                      width=640, height=260, title=f"log₁₀ · {term('after_one_step' if T == 1 else 'after_steps', lang).format(T=T)}")
        f = float(self.survival[0]) if T else 1.0
        self.summary.value = (
            f'<div style="line-height:1.7">'
            f'<span style="color:{palette.CELL}"><b>{term("lstm_survival", lang)}</b> = '
            f'<span class="lstm-val-lstm_survival" data-value="{float(self.survival[-1])!r}">{self.survival[-1]:.3e}</span>'
            f'</span> &nbsp; (f = σ(b_f) = {f:.4f}, f<sup>{T}</sup>)<br>'
            f'<b>{term("rnn_gradient", lang)}</b> = '
            f'<span class="lstm-val-rnn_gradient" data-value="{float(self.gradient[-1])!r}">{self.gradient[-1]:.3e}</span>'
            f' &nbsp; (h₀ = {RNN_H0})<br><small>{term("why_lstm_note", lang)}</small></div>')

    def _apply_lang(self) -> None:
        lang = self.lang
        self.forget_bias.description = term("forget_bias", lang)
        self.w.description = term("recurrent_weight", lang)
        self.length.description = term("sequence_length", lang)
        self.redraw()


__all__ = ["MemoryWidget", "lstm_memory_trace", "lstm_survival", "rnn_gradient"]
