"""Run the bitcoin example for each coin on our LSTM (and Keras) and write the report folder.

``run()`` writes into ``out``:

* ``report.md`` and ``report.html`` — data checks, metrics table, agreement, timings, plots;
* ``metrics.json`` — the same numbers, plus per-epoch histories;
* ``data.png`` and, per coin, ``loss_<coin>.png`` (loss and val_loss per epoch, ours and
  Keras overlaid), ``train_fit_<coin>.png`` (training-set fit), ``test_<coin>.png`` (test-set
  prediction in price space on a date axis: actual vs ours vs Keras vs "no change", the
  window's last close);
* ``ours_<coin>.npz`` (:meth:`explainer.Sequential.save`) and ``keras_<coin>.keras``;
* ``trace_<coin>.npz`` — a :class:`explainer.SequenceTrace` of the trained model's first LSTM
  layer on the last test window, narrowed to its 8 most active units, ``meta["labels"]``
  the window's dates, so animations and widgets can show the trained bitcoin LSTM.
"""
from __future__ import annotations

import html
import json
import os
import platform
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import palette
from .pipeline import (PARITY_TOLERANCE, SEED_CONFIG, Config, Dataset, Fit, build_model, compare, fit_keras, fit_ours,
                       forecast_metrics, parity_config, prepare, to_keras_compiled)

ACTUAL, OURS, KERAS, NAIVE = palette.INK, palette.HIDDEN, palette.CELL, palette.INPUT_X
TRACE_UNITS = 8


@dataclass
class CoinResult:
    coin: str
    fits: dict[str, Fit]
    metrics: dict[str, dict]
    agreement: dict[str, float] = field(default_factory=dict)
    initial_weights_max_abs_diff: float | None = None


def _log(msg: str, verbose: int) -> None:
    if verbose:
        print(msg, flush=True)


def train_coin(ds: Dataset, coin: str, keras: bool = True, verbose: int = 1) -> CoinResult:
    """Build ours, copy its initial weights into Keras, train both on the same batches, measure both."""
    cfg = ds.config
    model = build_model(ds.x_train.shape[1:], cfg, name=f"bitcoin_{coin.lower()}")
    km, init_diff = None, None
    if keras:
        km = to_keras_compiled(model, cfg)  # before training: the copy starts from our initial weights
        init_diff = max(float(np.max(np.abs(a - b))) for a, b in zip(model.get_weights(), km.get_weights()))
        if init_diff != 0:
            raise AssertionError(f"Keras copy of the {coin} model differs from ours by {init_diff} before training")
    fits = {}
    _log(f"[{coin}] training our LSTM: {cfg.epochs} epochs, {len(ds.x_train)} windows, batch {cfg.batch_size}", verbose)
    fits["ours"] = fit_ours(model, ds, coin, verbose)
    if keras:
        _log(f"[{coin}] training Keras from the same initial weights, same batches", verbose)
        fits["keras"] = fit_keras(km, ds, coin, verbose)
    true, base, last = ds.y_test[coin], ds.base_close(coin, "test"), ds.last_close(coin, "test")
    metrics = {}
    for impl, fit in fits.items():
        m = forecast_metrics(fit.pred_test, true, base, last)
        m.update(seconds_per_epoch=float(np.mean(fit.seconds_per_epoch)),
                 seconds_per_epoch_median=float(np.median(fit.seconds_per_epoch)),  # Keras's first epoch also builds its graph
                 seconds=float(np.sum(fit.seconds_per_epoch)),
                 final_loss=fit.history["loss"][-1], final_val_loss=fit.history["val_loss"][-1])
        metrics[impl] = m
    metrics["naive"] = forecast_metrics(None, true, base, last)
    agreement = compare(fits["ours"], fits["keras"]) if keras else {}
    return CoinResult(coin, fits, metrics, agreement, init_diff)


def save_artifacts(out: Path, ds: Dataset, res: CoinResult) -> list[str]:
    """Trained models and the trace of our trained model on the last test window."""
    c = res.coin.lower()
    files = []
    ours = res.fits["ours"].model
    ours.save(out / f"ours_{c}.npz")
    files.append(f"ours_{c}.npz")
    if "keras" in res.fits:
        res.fits["keras"].model.save(out / f"keras_{c}.keras")
        files.append(f"keras_{c}.keras")
    i = len(ds.x_test) - 1
    trace = ours.trace(ds.x_test[i:i + 1])[0]  # the first LSTM layer: its inputs are the real features
    trace = trace.narrow(trace.most_active(TRACE_UNITS))
    trace.meta.update({
        "labels": ds.window_dates("test", i), "features": list(ds.features), "coin": res.coin,
        "source": "lstm-explainer bitcoin", "layer_index": 0, "window_index": int(i),
        "normalisation": "each column divided by the window's first row, minus 1",
        "target_date": f"{ds.target_dates('test')[i]:%Y-%m-%d}",
        "target_return": float(ds.y_test[res.coin][i]),
        "predicted_return": float(res.fits["ours"].pred_test[i]),
        "close_at_start": float(ds.base_close(res.coin, "test")[i]),
        "close_at_end": float(ds.last_close(res.coin, "test")[i]),
    })
    trace.save(out / f"trace_{c}.npz")
    files.append(f"trace_{c}.npz")
    return files


# --- plots -----------------------------------------------------------------------
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


# --- the report document (rendered to Markdown and HTML from one list of blocks) ---
def _fmt(v, kind: str = "g") -> str:
    if v is None:
        return "—"
    if kind == "pct":
        return f"{100 * v:.1f} %"
    if kind == "usd":
        return f"{v:,.2f}"
    if kind == "s":
        return f"{v:.2f}"
    return f"{v:.4g}"


def _blocks(m: dict) -> list[tuple]:
    cfg, data = m["config"], m["data"]
    b: list[tuple] = [("h", 1, "Bitcoin example: our LSTM and Keras side by side")]
    seed = SEED_CONFIG.to_dict()
    changed = [f"{k} {cfg[k]} (seed {seed[k]})" for k in seed if cfg[k] != seed[k]]
    b.append(("p", ("Seed configuration" if not changed else f"Configuration (differs from the seed in: {', '.join(changed)})")
                   + (" with dropout 0 for `--parity`" if m["parity"] else "") + ": "
                   f"3 × LSTM({cfg['units']}, tanh) each followed by Dropout({cfg['dropout']:g}), Dense(1), tanh; "
                   f"{cfg['loss']}, {cfg['optimizer']}, {cfg['epochs']} epochs, batch {cfg['batch_size']}, "
                   f"shuffle=False; {cfg['window']}-day windows normalised by their first row; "
                   f"split {cfg['split']:g}; seed {cfg['seed']}. "
                   + ("Both implementations started from identical weights (copied from ours into Keras, "
                      "max difference 0) and saw identical batches."
                      if m["keras"] else "Keras not run (`--no-keras`).")))
    b.append(("h", 2, "Data"))
    b.append(("table", ["coin", "source", "layout", "rows read", "first", "last"],
              [[s["coin"], s["path"], s["layout"], str(s["rows"]), s["first"], s["last"]] for s in data["sources"]]))
    sp = m["split"]
    b.append(("p", f"Merged on date: {data['days']} days, {data['start']} → {data['end']}. "
                   f"Training: {sp['train_days']} days ({sp['train_from']} → {sp['train_to']}), {sp['train_windows']} windows; "
                   f"test: {sp['test_days']} days ({sp['test_from']} → {sp['test_to']}), {sp['test_windows']} windows. "
                   f"Features: {', '.join(m['features'])}."))
    if data["notes"]:
        b.append(("ul", data["notes"]))
    b.append(("p", "**Problems found and what was done** (also given as warnings):" if data["issues"]
              else "**Problems found**: none."))
    if data["issues"]:
        b.append(("ul", [i["message"] for i in data["issues"]]))
    b.append(("p", "Policy, always applied: " + " ".join(data["policy"])))
    b.append(("img", "BTC and ETH close and volume, with the train/test split", "data.png"))

    for coin, cm in m["coins"].items():
        b.append(("h", 2, coin))
        rows = []
        for impl in ("ours", "keras", "naive"):
            if impl not in cm["metrics"]:
                continue
            x = cm["metrics"][impl]
            label = {"ours": "ours (NumPy)", "keras": "Keras", "naive": 'naive "no change"'}[impl]
            direction = _fmt(x["direction_accuracy"], "pct") if impl != "naive" else f"({_fmt(x['up_share'], 'pct')} up)"
            rows.append([label, _fmt(x["mae_return"]), _fmt(x["rmse_return"]), _fmt(x["rmse_price"], "usd"), direction,
                         _fmt(x.get("final_loss")), _fmt(x.get("final_val_loss")),
                         _fmt(x.get("seconds_per_epoch"), "s"), _fmt(x.get("seconds_per_epoch_median"), "s")])
        b.append(("table", ["model", "MAE return", "RMSE return", "RMSE price (USD)", "direction right",
                            "final loss", "final val_loss", "s / epoch (mean)", "s / epoch (median)"], rows))
        naive = cm["metrics"]["naive"]["rmse_price"]
        verdicts = []
        for impl in ("ours", "keras"):
            if impl in cm["metrics"]:
                r = cm["metrics"][impl]["rmse_price"]
                verdicts.append(f"{impl}: price RMSE {r:,.2f} vs {naive:,.2f} for \"no change\" — "
                                + ("**beats** persistence" if r < naive else "does **not** beat persistence"))
        b.append(("ul", verdicts))
        b.append(("p", f"The target, as in the seed, is the close on the day after a {cfg['window']}-day window "
                       "divided by the window's first close, minus 1: a one-day-ahead forecast. \"No change\" says "
                       "that day closes where the window's last day did. \"Direction right\" is the share of test "
                       "days on which the predicted move from that last close (up or down) was right; \"no change\" "
                       "predicts no move, so its column shows how often the price went up (what always guessing "
                       "\"up\" would score)."))
        if cm["agreement"]:
            a = cm["agreement"]
            label = "Parity (dropout 0)" if m["parity"] else "How far the two dropout-trained runs differ"
            b.append(("p", f"**{label}**: largest per-epoch relative difference of the training loss "
                           f"{a['max_rel_diff_loss']:.2e}, of val_loss {a['max_rel_diff_val_loss']:.2e}; largest "
                           f"difference of a test prediction {a['max_abs_diff_test_prediction']:.2e}."
                           + (f" Tolerance {PARITY_TOLERANCE:g}: **{'PASS' if cm['parity_ok'] else 'FAIL'}**."
                              if m["parity"] else
                              " Dropout masks come from two different random generators, so the curves differ "
                              "by more than rounding; run `--parity` (dropout 0) for the exact comparison.")))
        for kind, alt in (("loss", "loss and val_loss per epoch"), ("train_fit", "training-set fit"),
                          ("test", "test-set prediction in price space")):
            b.append(("img", f"{coin}: {alt}", f"{kind}_{coin.lower()}.png"))
    b.append(("h", 2, "Timing"))
    b.append(("p", f"Whole run {m['seconds']['total']:.1f} s on {m['machine']['cpus']} CPU cores "
                   f"({m['machine']['platform']}); seconds per epoch are in the tables above."))
    b.append(("h", 2, "Files"))
    b.append(("ul", [f"`{f}`" for f in m["files"]]))
    return b


def _inline_html(text: str) -> str:
    t = html.escape(text, quote=False)
    t = re.sub(r"`([^`]+)`", r"<code>\1</code>", t)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", t)


def render_markdown(blocks) -> str:
    out = []
    for blk in blocks:
        kind = blk[0]
        if kind == "h":
            out.append("#" * blk[1] + " " + blk[2])
        elif kind == "p":
            out.append(blk[1])
        elif kind == "ul":
            out.append("\n".join(f"- {x}" for x in blk[1]))
        elif kind == "table":
            head, rows = blk[1], blk[2]
            out.append("\n".join(["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
                                 + ["| " + " | ".join(r) + " |" for r in rows]))
        elif kind == "img":
            out.append(f"![{blk[1]}]({blk[2]})")
    return "\n\n".join(out) + "\n"


def render_html(blocks, title: str) -> str:
    out = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
           "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
           "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
           "td:first-child,th:first-child{text-align:left}img{max-width:100%}</style></head><body>"]
    for blk in blocks:
        kind = blk[0]
        if kind == "h":
            out.append(f"<h{blk[1]}>{_inline_html(blk[2])}</h{blk[1]}>")
        elif kind == "p":
            out.append(f"<p>{_inline_html(blk[1])}</p>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{_inline_html(x)}</li>" for x in blk[1]) + "</ul>")
        elif kind == "table":
            out.append("<table><tr>" + "".join(f"<th>{_inline_html(h)}</th>" for h in blk[1]) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{_inline_html(c)}</td>" for c in r) + "</tr>" for r in blk[2])
                       + "</table>")
        elif kind == "img":
            out.append(f"<p><img src='{html.escape(blk[2])}' alt='{html.escape(blk[1])}'></p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _versions(keras_used: bool) -> dict:
    import matplotlib
    import pandas as pd

    v = {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
         "matplotlib": matplotlib.__version__}
    if keras_used:
        import keras

        v["keras"] = keras.__version__
    return v


def run(config: Config, out: str | Path, csv=None, coin_files=None, keras: bool = True, parity: bool = False,
        verbose: int = 1) -> dict:
    """Prepare the data, train each coin on ours (and Keras), write the report folder; returns the metrics."""
    t0 = time.perf_counter()
    if parity:
        config = parity_config(config)
    out = Path(out)
    ds = prepare(config, csv=csv, coin_files=coin_files)
    out.mkdir(parents=True, exist_ok=True)
    files = [plot_data(out, ds)]
    results = {}
    for coin in config.coins:
        res = train_coin(ds, coin, keras=keras, verbose=verbose)
        files += save_artifacts(out, ds, res) + plot_coin(out, ds, res)
        results[coin] = res
    tr, te = ds.train["date"], ds.test["date"]
    m = {
        "config": config.to_dict(), "keras": keras, "parity": parity, "features": ds.features,
        "data": ds.report.to_dict(),
        "split": {"train_days": len(tr), "test_days": len(te), "train_windows": len(ds.x_train),
                  "test_windows": len(ds.x_test), "train_from": f"{tr.iloc[0]:%Y-%m-%d}",
                  "train_to": f"{tr.iloc[-1]:%Y-%m-%d}", "test_from": f"{te.iloc[0]:%Y-%m-%d}",
                  "test_to": f"{te.iloc[-1]:%Y-%m-%d}"},
        "coins": {}, "history": {},
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "versions": _versions(keras),
    }
    for coin, res in results.items():
        entry = {"metrics": res.metrics, "agreement": res.agreement,
                 "initial_weights_max_abs_diff": res.initial_weights_max_abs_diff}
        if parity and keras:
            entry["parity_ok"] = bool(max(res.agreement["max_rel_diff_loss"],
                                          res.agreement["max_rel_diff_val_loss"]) <= PARITY_TOLERANCE)
        m["coins"][coin] = entry
        m["history"][coin] = {impl: {**fit.history, "seconds_per_epoch": fit.seconds_per_epoch}
                              for impl, fit in res.fits.items()}
    files += ["metrics.json", "report.md", "report.html"]
    m["files"] = files
    m["seconds"] = {"total": time.perf_counter() - t0}
    blocks = _blocks(m)
    (out / "report.md").write_text(render_markdown(blocks), encoding="utf-8")
    (out / "report.html").write_text(render_html(blocks, "lstm-explainer: bitcoin"), encoding="utf-8")
    (out / "metrics.json").write_text(json.dumps(m, indent=1), encoding="utf-8")
    return m


__all__ = ["run", "train_coin", "save_artifacts", "plot_data", "plot_coin", "render_markdown", "render_html",
           "CoinResult"]
