"""Why an LSTM: what the two trained models do over distance, then why, from their recorded gradients.

Both models are trained on the same story task by the same recipe (:mod:`explainer.story`):
a sentence opens with the sky's colour ("the sky was blue"), carries on with distractor
words, and ends with the question ("the sky is") whose answer is that colour.

1. **Accuracy against distance** — the table ``lstm-explainer story compare`` wrote (shipped:
   5 seeds per cell, 200 held-out sentences per distance): the mean over seeds and the worst seed.
2. **Gradients per sentence** — for ``n`` sentences with ``d`` distractors and no event (the
   answer depends only on the colour word, ``d + 2`` steps before the question),
   :meth:`Sequential.trace_gradients` records the backward pass that trains each model. Each
   sentence is one faint line of

       ‖∂L/∂s_t‖ / ‖∂L/∂s_T‖        (s = c for the LSTM's belt, h for the plain RNN; T the last step)

   against the steps before the question, coloured by whether the model answered it right.
   No median: the plain RNN's sentences fall into groups decades apart, which one summary
   number would hide.
3. **Two sentences** of interpretation computed from those numbers: the LSTM's range at the
   colour word, and the RNN's groups (split where the values jump by more than a decade),
   with the colours of the sentences in each group and the answers right.
"""
from __future__ import annotations
from explainer.errors import InputError

from functools import lru_cache
from html import escape

import ipywidgets as widgets
import numpy as np

from explainer import palette
from explainer.glossary import term

from .charts import line_chart, sci
from .language import LanguageSwitch, check_lang

#: Sentences per measurement (one batch), and their seed: the same sentences on every machine.
N_SENTENCES, SEED = 32, 11
#: Each cell's colour in the charts: the LSTM in its belt's (c), the plain RNN in h's (all it has).
CELL_COLOURS = {"lstm": palette.CELL, "rnn": palette.HIDDEN, "gru": palette.OUTPUT}
RIGHT, WRONG = palette.INPUT, palette.FORGET
#: Each answer's line colour and the glossary word that names that colour: the charts, the legend and the text
#: all read this table, so the text cannot name a colour the chart does not draw (the sentences' own colour
#: words, "the sky was red", are the story's, not the lines').
LINES = {True: (RIGHT, "colour_green", "answer_right"), False: (WRONG, "colour_red", "answer_wrong")}
#: Each cell's accuracy line (its worst seed's is half as wide): a line drawn later is narrower than one
#: it may lie on, so equal accuracies show as a band with a line inside, not one line hiding the other.
MEAN_WIDTH = {"lstm": 6, "gru": 2.5, "rnn": 3}
#: Values more than this many decades apart are separate groups.
GAP_DECADES = 1.0
#: The charts' text at 1.4 times the charts' usual (ticks and legend 15.4 px, step labels 14 px): this tab is read
#: from the back of a room, at 1400×900 and on a projector (853×480 CSS px), where the charts keep their width.
TEXT_SCALE = 1.4
#: The text around the charts is read from as far: the distance slider's label and readout were the widgets'
#: 13 px, the note on how the gradients are computed a <small> of 15 px (12.5 px); 14 px, like the legend.
MEMORY_CSS = """
.lstm-memory .lstm-slider-distractors .widget-label, .lstm-memory .lstm-slider-distractors .widget-readout {font-size:14px}
.lstm-memory .lstm-memory-how {font-size:14px; line-height:1.4}
"""


def _titled(title: str, svg: str) -> str:
    """A chart under its title, the title in HTML: at the charts' text size it is wider than the chart and wraps."""
    return (f'<div class="lstm-memory-titled" style="max-width:100%">'
            f'<div class="lstm-chart-title" style="font-weight:bold;font-size:16px;margin:2px 4px;color:{palette.INK}">'
            f'{escape(title)}</div>{svg}</div>')


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
        raise InputError(f"the number of distractor words must be >= 0, got {distractors}")
    rng = np.random.default_rng(seed + d)
    sents = [W.make_sentence(rng, d, p_events=(1.0, 0.0, 0.0)) for _ in range(int(n))]
    x = np.stack([W.one_hot(s.tokens, len(W.VOCABULARY)) for s in sents])
    y = np.eye(len(W.COLOURS), dtype=np.float32)[[s.colour for s in sents]]
    return x, y, sents


def _relative(g: np.ndarray) -> np.ndarray:
    """Per sentence ‖g_t‖ / ‖g_T‖ (norms over units): shape (batch, time)."""
    norms = np.linalg.norm(g.astype(np.float64), axis=-1)        # (batch, time)
    return norms / norms[:, -1:]


def gradients_over_distance(distractors: int, n: int = N_SENTENCES) -> dict:
    """The recorded gradients of both trained models on ``n`` sentences with ``distractors`` distractors.

    Returns ``lstm_dc``, ``lstm_dh``, ``rnn_dh`` (each ``(n, T)``: per sentence ‖∂L/∂s_t‖ / ‖∂L/∂s_T‖),
    ``right`` (per model, one bool per sentence), ``colours`` (each sentence's colour word, English),
    ``colour_step`` (the colour word's step), ``T`` and ``n``.
    """
    from explainer.story import words as W

    models = story_models()
    x, y, sents = story_batch(distractors, n)
    out = {"T": x.shape[1], "colour_step": 2, "n": len(sents), "right": {},
           "colours": [W.COLOURS[s.colour][0] for s in sents]}
    for name, model in models.items():
        g = model.trace_gradients(x, y)[0]
        out[f"{name}_dh"] = _relative(g.dh)
        if name == "lstm":
            out["lstm_dc"] = _relative(g.dc)
        out["right"][name] = model.predict(x).argmax(-1) == y.argmax(-1)
    return out


def groups(values) -> list[np.ndarray]:
    """Indices of ``values`` (> 0) split where sorted log10 values jump by more than :data:`GAP_DECADES`,
    lowest group first. One group when there is no such jump."""
    v = np.log10(np.maximum(np.asarray(values, float), 1e-300))
    order = np.argsort(v)
    cuts = [k + 1 for k in range(len(v) - 1) if v[order[k + 1]] - v[order[k]] > GAP_DECADES]
    return [np.sort(part) for part in np.split(order, cuts)]


def accuracy_table() -> dict:
    """The shipped ``story compare`` table (see :func:`explainer.story.compare.shipped_table`)."""
    from explainer.story.compare import shipped_table

    return shipped_table()


def _val(name: str, v: float) -> str:
    return f'<span class="lstm-val lstm-val-{name}" data-value="{float(v)!r}">{sci(v)}</span>'


def _range(name: str, v: np.ndarray) -> str:
    lo, hi = float(np.min(v)), float(np.max(v))
    return _val(f"{name}-lo", lo) if sci(lo) == sci(hi) else f"{_val(f'{name}-lo', lo)} – {_val(f'{name}-hi', hi)}"


def interpretation(data: dict, lang: str = "en") -> tuple[str, str]:
    """Two sentences (HTML) read off ``data`` (:func:`gradients_over_distance`): the LSTM's ∂L/∂c at the
    colour word over all sentences; the plain RNN's ∂L/∂h there, group by group."""
    k, n = data["colour_step"], data["n"]
    lstm = data["lstm_dc"][:, k]
    first = term("why_lstm_line", lang).format(n=n, range=_range("lstm_dc", lstm),
                                               right=int(data["right"]["lstm"].sum()))
    rnn = data["rnn_dh"][:, k]
    parts = []
    for g, idx in enumerate(groups(rnn)):
        colours = sorted({data["colours"][i] for i in idx}, key=["blue", "red", "green", "grey"].index)
        named = ("或" if lang == "zh" else " or ").join(term(f"colour_{c}", lang) for c in colours)
        right = data["right"]["rnn"][idx]
        # the lines of this group as the chart draws them: one per sentence, coloured by its answer
        lines = (", " if lang == "en" else "，").join(
            term("why_lines", lang).format(n=int(count), line=term(LINES[ok][1], lang), answer=term(LINES[ok][2], lang))
            for ok, count in ((True, right.sum()), (False, (~right).sum())) if count)
        parts.append(term("why_rnn_group", lang).format(k=len(idx), colours=named, range=_range(f"rnn_dh-{g}", rnn[idx]),
                                                        lines=lines))
    key = "why_rnn_split" if len(parts) > 1 else "why_rnn_one"
    second = term(key, lang).format(groups=("; " if lang == "en" else ";").join(parts))
    return first, second


class MemoryWidget(LanguageSwitch, widgets.VBox):
    """Accuracy against distance (shipped ``story compare`` table), then a distance slider and the recorded
    gradients of both models, one line per sentence, and two sentences saying what they show."""

    def __init__(self, distractors: int = 40, lang: str = "en", show_language: bool = True) -> None:
        self.lang = check_lang(lang)
        self.distractors = widgets.IntSlider(value=distractors, min=0, max=60, step=5,
                                             style={"description_width": "initial"},
                                             layout=widgets.Layout(width="auto", min_width="360px"))
        self.distractors.add_class("lstm-slider-distractors")
        self.distractors.observe(lambda ch: self.redraw(), names="value")
        self._language_toggle(lang, show_language)
        self.accuracy = widgets.HTML()
        self.accuracy.add_class("lstm-memory-accuracy")
        self.chart = widgets.HTML()
        self.chart.add_class("lstm-memory-chart")
        self.summary = widgets.HTML()
        self.summary.add_class("lstm-memory-summary")
        self.data: dict = {}
        self.table = accuracy_table()
        # the rules apply from a box not shown (a <style> needs no layout), so they add no gap above the chart
        style = widgets.HTML(MEMORY_CSS.join(("<style>", "</style>")), layout=widgets.Layout(display="none"))
        super().__init__([style, self.language, self.accuracy, self.distractors, self.summary, self.chart])
        self.add_class("lstm-memory")
        self.set_lang(lang)

    def _accuracy_chart(self) -> str:
        from explainer.story.compare import majority_by_distance

        lang, table = self.lang, self.table
        cells = [c for c in ("lstm", "gru", "rnn") if c in table]
        series = []
        for c in cells:
            name = "LSTM" if c == "lstm" else "GRU" if c == "gru" else term("plain_rnn", lang)
            # the LSTM and the GRU both score 100 %: the GRU's line, drawn later, is the thinner, so the
            # LSTM's shows around it instead of under it
            series.append({"y": table[c]["accuracy"], "colour": CELL_COLOURS[c], "width": MEAN_WIDTH[c],
                           "label": f"{name} ({term('mean_of_seeds', lang).format(n=len(table['seeds']))})",
                           "name": f"acc_{c}"})
            series.append({"y": table[c]["min"], "colour": CELL_COLOURS[c], "width": MEAN_WIDTH[c] / 2, "dashed": True,
                           "label": f"{name} ({term('worst_seed', lang)})", "name": f"acc_{c}_min"})
        # the answer needing no memory, counted per distance on the sentences the table scored (as the lesson)
        series.append({"y": majority_by_distance(table), "colour": palette.MUTED, "width": 1, "dashed": True,
                       "label": term("majority_line", lang), "name": "acc_majority"})
        d = int(self.distractors.value)
        marker = table["distances"].index(d) if d in table["distances"] else None
        return _titled(term("accuracy_title", lang),
                       line_chart(series, labels=[str(v) for v in table["distances"]], marker=marker, ylim=(0.0, 1.0),
                                  percent=True, width=720, height=400, text_scale=TEXT_SCALE,
                                  xlabel=term("distractor_words", lang), ylabel=term("accuracy", lang)))

    def redraw(self) -> None:
        lang = self.lang
        self.accuracy.value = self._accuracy_chart()
        self.data = data = gradients_over_distance(int(self.distractors.value))
        T, k = data["T"], data["colour_step"]
        before = [str(T - 1 - t) for t in range(T)]
        panels = (("lstm", "lstm_dc", "LSTM ‖∂L/∂cₜ‖"), ("rnn", "rnn_dh", f"{term('plain_rnn', lang)} ‖∂L/∂hₜ‖"))
        allv = np.concatenate([data[f].ravel() for _, f, _ in panels])
        logs = np.log10(np.maximum(allv, 1e-300))
        lo, hi = float(np.floor(logs.min())) - 0.3, max(0.3, float(np.ceil(logs.max())) + 0.3)  # one scale for both
        charts = []
        for cell, field, title in panels:
            right = data["right"][cell]
            series = [{"y": np.maximum(data[field][s], 1e-300), "colour": LINES[bool(right[s])][0],
                       "width": 1.2, "opacity": 0.45} for s in range(data["n"])]
            # 640 px: two beside each other at 1400 px, and their step labels every other one, level, at 40 words
            charts.append(_titled(f"{title} · {term('grad_per_sentence', lang)}",
                                  line_chart(series, labels=before, marker=k, log=True, ylim=(lo, hi), width=640,
                                             height=380, text_scale=TEXT_SCALE,
                                             xlabel=term("grad_steps_before", lang), ylabel=term("grad_ratio", lang),
                                             css_class=f"lstm-chart lstm-grad-{cell}")))
        legend = (f'<div class="lstm-legend" style="font-size:14px;margin:2px 0">'
                  + "".join(f'<span style="color:{c};font-weight:bold">━</span> {term("legend_line", lang).format(line=term(name, lang), answer=term(said, lang))} &nbsp; '
                            for c, name, said in LINES.values()) +
                  f'┆ {term("colour_word_marker", lang)}</div>')
        self.chart.value = legend + '<div style="display:flex;flex-wrap:wrap;gap:8px 16px">' + "".join(charts) + "</div>"
        first, second = interpretation(data, lang)
        self.summary.value = (
            f'<div style="line-height:1.6;max-width:980px;font-size:15px">'
            + term("grad_setup", lang).format(n=data["n"], d=int(self.distractors.value), k=T - 1 - k) + "<br>"
            + f'<b style="color:{palette.CELL}">LSTM</b>: {first}<br>'
            + f'<b style="color:{palette.HIDDEN}">{term("plain_rnn", lang)}</b>: {second}'
            + f'<div class="lstm-memory-how">{term("grad_how", lang)}</div></div>')

    def _apply_lang(self) -> None:
        self.distractors.description = term("distractor_words", self.lang)
        self.redraw()


__all__ = ["MemoryWidget", "gradients_over_distance", "story_batch", "story_models", "groups", "interpretation",
           "accuracy_table"]
