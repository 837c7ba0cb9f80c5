"""The LSTM against a GRU and a plain RNN on the story: accuracy against the number of distractor words.

All three are trained by the same recipe (:mod:`explainer.story.train`: same sentences, same
number of units, same loss with the same L2 penalty on the recurrent kernel, same
optimiser, epochs and batch order), once per seed, and measured on the same held-out
sentences with exactly 0, 5, …, 60 distractor words (training never went beyond 20).
One seed says little about a plain RNN, whose result varies a lot from one initialisation
to the next, so the table keeps every seed's curve, and the plot shows the mean with the
range between the worst and the best seed.

Why the penalty matters for the comparison: a plain RNN can only remember through its
recurrent weights (h_t = tanh(x_t W + h_{t-1} U + b)); the LSTM's cell state passes from
step to step through the forget gate, which the bias alone can hold open, and the GRU's h
passes through its update gate (h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃), which its bias can hold
near 1 too. Penalising U therefore costs the RNN its memory and leaves the gated paths untouched. ``l2_recurrent=0``
compares them without it.
"""
from __future__ import annotations
from ..errors import InputError

import json
from pathlib import Path

import numpy as np

from . import words as W
from .analysis import EVAL_SEED, accuracy_by_distance, held_out
from .train import Recipe, train

DISTANCES = tuple(range(0, 61, 5))
CELLS = ("lstm", "gru", "rnn")


def compare(recipe: Recipe | None = None, out: str | Path | None = None, *, seeds: int = 5,
            per_distance: int = 200, distances=DISTANCES, lang: str = "en", verbose: bool = False) -> dict:
    """Train the three cells (:data:`CELLS`) for ``seeds`` seeds (``recipe.seed``, ``recipe.seed + 1``, …); accuracy per distance.

    Returns a table ``{"distances": [...], "lstm": {...}, "gru": {...}, "rnn": {...}, ...}`` where each cell has
    ``accuracy`` (mean over seeds), ``min``, ``max`` and ``per_seed``. With ``out``, writes
    ``compare.json`` and ``compare.png`` there.
    """
    from ..glossary import check_lang

    check_lang(lang)
    recipe = (recipe or Recipe()).check()
    if isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer)) or seeds < 1:
        raise InputError(f"seeds must be a positive integer, got {seeds!r}")
    distances = [int(d) for d in distances]
    table: dict = {"distances": distances, "per_distance": per_distance, "eval_seed": EVAL_SEED,
                   "recipe": recipe.as_dict(), "seeds": [recipe.seed + k for k in range(seeds)]}
    for cell in CELLS:
        curves, secs = [], []
        for seed in table["seeds"]:
            r = train(Recipe(**{**recipe.as_dict(), "seed": seed}), cell=cell, verbose=verbose)
            acc = accuracy_by_distance(r.model, distances, n=per_distance)
            curves.append([acc[d] for d in distances])
            secs.append(r.seconds)
        a = np.array(curves)
        table[cell] = {"accuracy": a.mean(0).tolist(), "min": a.min(0).tolist(), "max": a.max(0).tolist(),
                       "per_seed": a.tolist(), "train_seconds": secs,
                       "params": int(r.model.count_params())}
    table["baseline"] = majority_baseline()
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        files = {"json": out / "compare.json", "png": out / "compare.png"}
        table["files"] = {k: str(v) for k, v in files.items()}
        files["json"].write_text(json.dumps(table, indent=1), encoding="utf-8")
        plot(table, files["png"], lang=lang)
    return table


#: The table ``story compare`` wrote with the default recipe, shipped so a view can show it without training.
SHIPPED_TABLE = "compare.json"


def shipped_table() -> dict:
    """The shipped ``story compare`` table (default recipe, 5 seeds): what :func:`compare` returns."""
    from importlib.resources import files

    return json.loads(files(__package__).joinpath(SHIPPED_TABLE).read_text(encoding="utf-8"))


def majority_by_distance(table: dict) -> list[float]:
    """Per distance of ``table``, the accuracy of always giving that test set's most common answer, counted on
    the very sentences the table scored (:func:`explainer.story.analysis.distance_sentences`): the honest
    "no memory" line beside each point, where :func:`majority_baseline` is one figure for all distances."""
    from .analysis import distance_sentences

    out = []
    for dist in table["distances"]:
        sents = distance_sentences(int(dist), int(table["per_distance"]), int(table["eval_seed"]))
        counts = np.bincount([s.colour for s in sents], minlength=len(W.COLOURS))
        out.append(float(counts.max() / counts.sum()))
    return out


def majority_baseline(n: int = 5000) -> dict:
    """The accuracy of always giving the most common answer (grey: pollution is frequent), on held-out sentences."""
    counts = np.bincount([s.colour for s in held_out(n)], minlength=len(W.COLOURS))
    k = int(np.argmax(counts))
    return {"colour": W.COLOURS[k][0], "colour_zh": W.COLOURS[k][1], "accuracy": float(counts[k] / n)}


_TEXT = {
    "en": {"title": "Remembering the sky's colour over distractor words",
           "x": "distractor words between the colour and the question",
           "y": "accuracy on held-out sentences", "lstm": "LSTM", "rnn": "SimpleRNN (no cell state)",
           "gru": "GRU (update gate, no cell state)",
           "trained": "trained up to {d}", "baseline": "always answering '{c}' ({a:.0%})",
           "note": "{units} units each (LSTM {pl} weights, {pg}SimpleRNN {pr}); mean of {n} seeds; "
                   "band: worst to best seed", "gru_params": "GRU {p}, "},
    "zh": {"title": "隔着干扰词记住天空的颜色", "x": "颜色与提问之间的干扰词个数", "y": "未见过的句子上的准确率",
           "lstm": "LSTM", "rnn": "SimpleRNN（没有细胞状态）", "gru": "GRU（更新门，没有细胞状态）",
           "trained": "训练时最多 {d} 个", "gru_params": "GRU {p} 个，",
           "baseline": "总是回答“{c}”（{a:.0%}）",
           "note": "各 {units} 个单元（LSTM {pl} 个权重，{pg}SimpleRNN {pr} 个）；{n} 个随机种子的平均；色带：最差到最好"},
}


def plot(table: dict, path: str | Path, lang: str = "en") -> Path:
    """Accuracy against distance for every cell in ``table``, in the project's palette, to ``path`` (PNG)."""
    from ..extras import require

    require("story", "matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .. import palette

    text = _TEXT[lang]
    # the LSTM in the cell state's colour (its belt), the RNN in the hidden state's (all it has)
    # and the GRU in its update gate's (the gate that carries its memory)
    colours = {"lstm": palette.color("c"), "gru": palette.color("z"), "rnn": palette.color("h")}
    if lang == "zh":
        _cjk_font(plt)
    d = np.array(table["distances"])
    fig, ax = plt.subplots(figsize=(8, 4.8), dpi=120)
    for cell, marker in (("lstm", "o"), ("gru", "^"), ("rnn", "s")):
        if cell not in table:  # a table written before the GRU joined
            continue
        row = table[cell]
        ax.fill_between(d, row["min"], row["max"], color=colours[cell], alpha=0.18, linewidth=0)
        ax.plot(d, row["accuracy"], marker=marker, color=colours[cell], label=text[cell], linewidth=2)
    trained = table["recipe"]["max_distractors"]
    ax.axvspan(0, trained, color=palette.FRAME, alpha=0.08, linewidth=0)
    ax.text(trained / 2, 0.03, text["trained"].format(d=trained), ha="center", va="bottom", color=palette.MUTED)
    base = table["baseline"]
    ax.axhline(base["accuracy"], color=palette.MUTED, linestyle="--", linewidth=1,
               label=text["baseline"].format(c=base["colour_zh" if lang == "zh" else "colour"], a=base["accuracy"]))
    ax.set_xlim(d.min() - 1, d.max() + 1)
    ax.set_ylim(0, 1.04)
    ax.set_xlabel(text["x"])
    ax.set_ylabel(text["y"])
    ax.set_title(text["title"])
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", frameon=True)
    fig.text(0.99, 0.01, text["note"].format(units=table["recipe"]["units"], n=len(table["seeds"]),
                                          pl=table["lstm"]["params"], pr=table["rnn"]["params"],
                                          pg=text["gru_params"].format(p=table["gru"]["params"]) if "gru" in table
                                          else ""),
             ha="right", va="bottom", fontsize=8, color=palette.MUTED)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path)
    plt.close(fig)
    return Path(path)


def _cjk_font(plt) -> None:
    from matplotlib import font_manager

    for name in ("Noto Sans CJK SC", "Noto Serif CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei"):
        if any(f.name == name for f in font_manager.fontManager.ttflist):
            plt.rcParams["font.family"] = [name, "DejaVu Sans"]
            return
