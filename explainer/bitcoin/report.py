"""The bitcoin report, written once in Markdown and converted to HTML by markdown-it-py.

:func:`markdown` turns the run's metrics (the dict that also becomes ``metrics.json``) into
``report.md``: data checks, a metrics table per coin (a pandas table), the agreement of the two
implementations, timings, plots. :func:`html` converts that same text. :func:`write` writes
both and ``metrics.json`` as strict JSON: a metric that is undefined (say, the share of right
directions on days the price never moved) is ``null`` there and explained in words here.
"""
from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path

import pandas as pd

from .pipeline import PARITY_TOLERANCE, STANDARD_CONFIG

IMPLEMENTATIONS = {"ours": "ours (NumPy)", "keras": "Keras", "naive": 'naive "no change"'}
STYLE = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}img{max-width:100%}")


def _fmt(v, kind: str = "g") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "undefined"
    return {"pct": f"{100 * v:.1f} %", "usd": f"{v:,.2f}", "s": f"{v:.2f}"}.get(kind, f"{v:.4g}")


def _table(rows: list[dict], numbers: bool = False) -> str:
    """A Markdown table from rows of already formatted cells (pandas writes it); ``numbers``: every
    column but the first holds numbers, aligned right."""
    df = pd.DataFrame(rows)
    align = ("left",) + ("right" if numbers else "left",) * (len(df.columns) - 1)
    return df.to_markdown(index=False, disable_numparse=True, colalign=align)


def _bullets(items) -> str:
    return "\n".join(f"- {x}" for x in items)


def _coin_section(coin: str, cm: dict, cfg: dict, parity: bool) -> list[str]:
    rows, undefined = [], set()
    for impl, label in IMPLEMENTATIONS.items():
        if impl not in cm["metrics"]:
            continue
        x = cm["metrics"][impl]
        if x.get("undefined"):
            undefined.add(x["undefined"])
        direction = (_fmt(x["direction_accuracy"], "pct") if impl != "naive" or x["up_share"] is None
                     else f"({_fmt(x['up_share'], 'pct')} up)")
        rows.append({"model": label, "MAE return": _fmt(x["mae_return"]), "RMSE return": _fmt(x["rmse_return"]),
                     "RMSE price (USD)": _fmt(x["rmse_price"], "usd"), "direction right": direction,
                     "final loss": _fmt(x.get("final_loss")) if impl != "naive" else "",
                     "final val_loss": _fmt(x.get("final_val_loss")) if impl != "naive" else "",
                     "s / epoch (mean)": _fmt(x.get("seconds_per_epoch"), "s") if impl != "naive" else "",
                     "s / epoch (median)": _fmt(x.get("seconds_per_epoch_median"), "s") if impl != "naive" else ""})
    out = [f"## {coin}", _table(rows, numbers=True)]
    if undefined:
        out.append("**Undefined metrics**: " + " ".join(f"{u[0].upper()}{u[1:]}." for u in sorted(undefined)))
    naive = cm["metrics"]["naive"]["rmse_price"]
    verdicts = []
    for impl in ("ours", "keras"):
        if impl in cm["metrics"]:
            r = cm["metrics"][impl]["rmse_price"]
            verdicts.append(f"{impl}: price RMSE {r:,.2f} vs {naive:,.2f} for \"no change\" — "
                            + ("**beats** persistence" if r < naive else "does **not** beat persistence"))
    out.append(_bullets(verdicts))
    out.append(f"The target is the close on the day after a {cfg['window']}-day window "
               "divided by the window's first close, minus 1: a one-day-ahead forecast. \"No change\" says "
               "that day closes where the window's last day did. \"Direction right\" is the share of test "
               "days on which the predicted move from that last close (up or down) was right; \"no change\" "
               "predicts no move, so its column shows how often the price went up (what always guessing "
               "\"up\" would score).")
    if cm["agreement"]:
        a = cm["agreement"]
        label = "Parity (dropout 0)" if parity else "How far the two dropout-trained runs differ"
        out.append(f"**{label}**: largest per-epoch relative difference of the training loss "
                   f"{a['max_rel_diff_loss']:.2e}, of val_loss {a['max_rel_diff_val_loss']:.2e}; largest "
                   f"difference of a test prediction {a['max_abs_diff_test_prediction']:.2e}."
                   + (f" Tolerance {PARITY_TOLERANCE:g}: **{'PASS' if cm['parity_ok'] else 'FAIL'}**." if parity else
                      " Dropout masks come from two different random generators, so the curves differ "
                      "by more than rounding; run `--parity` (dropout 0) for the exact comparison."))
    for kind, alt in (("loss", "loss and val_loss per epoch"), ("train_fit", "training-set fit"),
                      ("test", "test-set prediction in price space")):
        out.append(f"![{coin}: {alt}]({kind}_{coin.lower()}.png)")
    return out


def markdown(m: dict) -> str:
    """The whole report as Markdown, from the run's metrics dict."""
    cfg, data, sp = m["config"], m["data"], m["split"]
    standard = STANDARD_CONFIG.to_dict()
    changed = [f"{k} {cfg[k]} (standard {standard[k]})" for k in standard if cfg[k] != standard[k]]
    parts = ["# Bitcoin example: our LSTM and Keras side by side"]
    parts.append(("The standard configuration" if not changed
                  else f"Configuration (differs from the standard one in: {', '.join(changed)})")
                 + (" with dropout 0 for `--parity`" if m["parity"] else "") + ": "
                 f"3 × LSTM({cfg['units']}, tanh) each followed by Dropout({cfg['dropout']:g}), Dense(1), tanh; "
                 f"{cfg['loss']}, {cfg['optimizer']}, {cfg['epochs']} epochs, batch {cfg['batch_size']}, "
                 f"shuffle=False; {cfg['window']}-day windows normalised by their first row; "
                 f"split {cfg['split']:g}; random seed {cfg['seed']}. "
                 + ("Both implementations started from identical weights (copied from ours into Keras, "
                    "max difference 0) and saw identical batches." if m["keras"] else "Keras not run (`--no-keras`)."))
    parts.append("## Data")
    parts.append(_table([{"coin": s["coin"], "source": s["path"], "layout": s["layout"], "rows read": str(s["rows"]),
                          "first": s["first"], "last": s["last"]} for s in data["sources"]]))
    parts.append(f"Merged on date: {data['days']} days, {data['start']} → {data['end']}. "
                 f"Training: {sp['train_days']} days ({sp['train_from']} → {sp['train_to']}), "
                 f"{sp['train_windows']} windows; test: {sp['test_days']} days ({sp['test_from']} → {sp['test_to']}), "
                 f"{sp['test_windows']} windows. Features: {', '.join(m['features'])}.")
    if data["notes"]:
        parts.append(_bullets(data["notes"]))
    if data["issues"]:
        parts += ["**Problems found and what was done** (also given as warnings):",
                  _bullets(i["message"] for i in data["issues"])]
    else:
        parts.append("**Problems found**: none.")
    parts.append("Policy, always applied: " + " ".join(data["policy"]))
    parts.append(f"![{', '.join(cfg['coins'])} close and volume, with the train/test split](data.png)")
    for coin, cm in m["coins"].items():
        parts += _coin_section(coin, cm, cfg, m["parity"])
    parts += ["## Timing", f"Whole run {m['seconds']['total']:.1f} s on {m['machine']['cpus']} CPU cores "
                           f"({m['machine']['platform']}); seconds per epoch are in the tables above."]
    parts += ["## Files", _bullets(f"`{f}`" for f in m["files"])]
    return "\n\n".join(parts) + "\n"


def html(md: str, title: str = "lstm-explainer: bitcoin") -> str:
    """``md`` converted by markdown-it-py (CommonMark with tables), in a small standalone page."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(md)
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body>\n{body}</body></html>\n")


def strict_json(obj):
    """``obj`` with every non-finite float replaced by ``None``, so ``json.dumps(allow_nan=False)`` holds."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: strict_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [strict_json(v) for v in obj]
    return obj


def write(folder: Path, m: dict) -> list[str]:
    """Write ``report.md``, ``report.html`` and ``metrics.json`` (strict JSON) into ``folder``."""
    md = markdown(m)
    (folder / "report.md").write_text(md, encoding="utf-8")
    (folder / "report.html").write_text(html(md), encoding="utf-8")
    (folder / "metrics.json").write_text(json.dumps(strict_json(m), indent=1, allow_nan=False), encoding="utf-8")
    return ["report.md", "report.html", "metrics.json"]


__all__ = ["markdown", "html", "write", "strict_json"]
