"""The bitcoin example end to end: data → both implementations trained per coin → the report folder.

``run()`` writes into ``out`` (whole or not at all, see :mod:`explainer.bitcoin.output`):

* ``report.md`` and ``report.html`` — data checks, metrics table, agreement, timings, plots;
* ``metrics.json`` — the same numbers, plus per-epoch histories (strict JSON);
* ``data.png`` and, per coin, ``loss_<coin>.png``, ``train_fit_<coin>.png``, ``test_<coin>.png``;
* ``ours_<coin>.npz`` (:meth:`explainer.Sequential.save`) and ``keras_<coin>.keras``;
* ``trace_<coin>.npz`` — a :class:`explainer.SequenceTrace` of the trained model's first LSTM
  layer on the last test window, narrowed to its 8 most active units, ``meta["labels"]``
  the window's dates, so animations and widgets can show the trained bitcoin LSTM.
"""
from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import numpy as np

from . import plots, report
from .output import OutputFolder
from .pipeline import PARITY_TOLERANCE, CoinResult, Config, Dataset, check_memory, parity_config, prepare, train_coin

TRACE_UNITS = 8


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
    trace.validate().save(out / f"trace_{c}.npz")
    files.append(f"trace_{c}.npz")
    return files


def _versions(keras_used: bool) -> dict:
    import matplotlib
    import pandas as pd

    v = {"python": platform.python_version(), "numpy": np.__version__, "pandas": pd.__version__,
         "matplotlib": matplotlib.__version__}
    if keras_used:
        import keras

        v["keras"] = keras.__version__
    return v


def metrics(config: Config, ds: Dataset, results: dict[str, CoinResult], keras: bool, parity: bool) -> dict:
    """Everything the report says, as one JSON-ready dict (``metrics.json``)."""
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
    return m


def run(config: Config, out: str | Path, csv=None, coin_files=None, keras: bool = True, parity: bool = False,
        verbose: int = 1, force: bool = False) -> dict:
    """Prepare the data, train each coin on ours (and Keras), write the report folder; returns the metrics.

    ``out`` is checked before any work (see :func:`explainer.bitcoin.output.check_out`); the files
    appear there only once all of them are written.
    """
    t0 = time.perf_counter()
    if parity:
        config = parity_config(config)
    with OutputFolder(out, force=force) as folder:
        ds = prepare(config, csv=csv, coin_files=coin_files)
        check_memory(config, len(ds.x_train), ds.x_train.shape[-1], keras)
        staging = folder.staging
        files = [plots.plot_data(staging, ds)]
        results = {}
        for coin in config.coins:
            res = train_coin(ds, coin, keras=keras, verbose=verbose)
            files += save_artifacts(staging, ds, res) + plots.plot_coin(staging, ds, res)
            results[coin] = res
        m = metrics(config, ds, results, keras, parity)
        m["files"] = files + ["metrics.json", "report.md", "report.html"]
        m["seconds"] = {"total": time.perf_counter() - t0}
        report.write(staging, m)
        folder.commit()
    return m


__all__ = ["run", "save_artifacts", "metrics", "TRACE_UNITS"]
