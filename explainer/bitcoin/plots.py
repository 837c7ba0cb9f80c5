"""The bitcoin report's plots: the data, and per coin the loss curves, the training fit and the
test forecast in price space. Colours come from :mod:`explainer.palette`."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import palette
from .pipeline import CoinResult, Dataset

ACTUAL, OURS, KERAS, NAIVE = palette.INK, palette.HIDDEN, palette.CELL, palette.INPUT_X


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _save(plt, fig, out: Path, name: str, dates: bool = True) -> str:
    if dates:
        fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out / name, dpi=100)
    plt.close(fig)
    return name


def plot_data(out: Path, ds: Dataset) -> str:
    plt = _plt()
    coins = ds.config.coins
    fig, axes = plt.subplots(2, len(coins), figsize=(6 * len(coins), 5), squeeze=False, sharex=True,
                             gridspec_kw={"height_ratios": [3, 1]})
    data = ds.merged
    split_day = ds.test["date"].iloc[0]
    fixed = {}
    for issue in ds.report.issues:
        if issue.kind in ("missing_days", "zero_volume", "nan", "nonpositive_price", "negative_volume"):
            fixed.setdefault(issue.coin, set()).update(issue.dates)
    for k, coin in enumerate(coins):
        ax, axv = axes[0, k], axes[1, k]
        ax.plot(data["date"], data[f"{coin}_close"], color=ACTUAL, lw=1)
        days = np.array(sorted(fixed.get(coin, ())), dtype="datetime64[D]")
        if len(days):
            mask = data["date"].isin(days.astype("datetime64[ns]"))
            ax.scatter(data["date"][mask], data[f"{coin}_close"][mask], s=10, color=palette.FORGET, zorder=3,
                       label=f"filled/fixed days ({len(days)})")
            ax.legend(loc="upper left", fontsize=8)
        ax.set_yscale("log")
        ax.set_title(f"{coin}: daily close (USD) and volume ({coin})")
        axv.bar(data["date"], data[f"{coin}_volume"], width=1.0, color=NAIVE)
        for a in (ax, axv):
            a.axvline(split_day, color=palette.OUTPUT, ls="--", lw=1)
        ax.text(split_day, ax.get_ylim()[1], " test →", va="top", color=palette.OUTPUT, fontsize=8)
    return _save(plt, fig, out, "data.png")


def plot_coin(out: Path, ds: Dataset, res: CoinResult) -> list[str]:
    plt = _plt()
    c, coin = res.coin.lower(), res.coin
    fig, ax = plt.subplots(figsize=(9, 4.5))
    styles = {"ours": (OURS, "-"), "keras": (KERAS, "--")}
    for impl, fit in res.fits.items():
        color, ls = styles[impl]
        epochs = np.arange(1, len(fit.history["loss"]) + 1)
        ax.plot(epochs, fit.history["loss"], color=color, ls=ls, lw=1.6, label=f"{impl}: training loss")
        ax.plot(epochs, fit.history["val_loss"], color=color, ls=ls, lw=1.6, alpha=0.45, label=f"{impl}: test loss (val_loss)")
    ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"{ds.config.loss} (log scale)")
    ax.set_title(f"{coin} model loss per epoch — ours and Keras from the same initial weights")
    ax.legend(fontsize=8)
    names = [_save(plt, fig, out, f"loss_{c}.png", dates=False)]

    fig, ax = plt.subplots(figsize=(11, 4.5))
    dates = ds.target_dates("train")
    ax.plot(dates, ds.y_train[coin], color=ACTUAL, lw=1, label="actual")
    for impl, fit in res.fits.items():
        ax.plot(dates, fit.pred_train, color=styles[impl][0], lw=1, ls=styles[impl][1], label=impl)
    ax.axhline(0, color=NAIVE, lw=0.8)
    ax.set_ylabel(f"close / close {ds.config.window} days earlier − 1")
    ax.set_title(f"{coin}: fit on the training set (target: the return from the window's first day to the day after it)")
    ax.legend(fontsize=8)
    names.append(_save(plt, fig, out, f"train_fit_{c}.png"))

    fig, ax = plt.subplots(figsize=(11, 4.5))
    dates, base = ds.target_dates("test"), ds.base_close(coin, "test")
    ax.plot(dates, ds.actual_close(coin, "test"), color=ACTUAL, lw=1.6, label="actual close")
    ax.plot(dates, ds.last_close(coin, "test"), color=NAIVE, lw=1, ls=":", label="no change (the previous day's close)")
    for impl, fit in res.fits.items():
        ax.plot(dates, (1 + fit.pred_test) * base, color=styles[impl][0], ls=styles[impl][1], lw=1.2,
                label=f"{impl}: predicted")
    ax.set_ylabel("price (USD)")
    ax.set_title(f"{coin}: test set, next day's close predicted from the {ds.config.window} days before, in price space")
    ax.legend(fontsize=8)
    names.append(_save(plt, fig, out, f"test_{c}.png"))
    return names


__all__ = ["plot_data", "plot_coin"]
