"""``lstm-explainer bitcoin``: the bitcoin forecasting example, offline, on our LSTM and on Keras.

    lstm-explainer bitcoin                      # the standard configuration, both coins, both implementations
    lstm-explainer bitcoin --quick --no-keras   # a small, fast run of ours alone (no TensorFlow needed)
    lstm-explainer bitcoin --parity             # dropout 0: the two loss curves must agree to 1e-3
    lstm-explainer bitcoin --cmc-btc btc.csv --cmc-eth eth.csv   # your own coinmarketcap exports
"""
from __future__ import annotations
from ..argtypes import COUNT, INDEX, SEED, real, whole
from ..errors import InputError

import argparse
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

from .data import LAYOUTS, MAX_GAP_DAYS, DataWarning, parse_day
from .pipeline import QUICK, STANDARD_CONFIG

DEFAULT_OUT = "reports/bitcoin"


def _coins(text: str) -> tuple[str, ...]:
    coins = tuple(c.strip().upper() for c in text.split(",") if c.strip())
    if not coins:
        raise argparse.ArgumentTypeError(f"--coins needs symbols such as BTC,ETH; got {text!r}")
    return coins


def _coin_file(text: str) -> tuple[str, str]:
    coin, sep, path = text.partition("=")
    if not sep or not coin.strip() or not path.strip():
        raise argparse.ArgumentTypeError(f"--coin-file takes COIN=PATH such as LTC=ltc.csv; got {text!r}")
    return coin.strip().upper(), path.strip()


def _day(text: str) -> str:
    try:
        parse_day(text, "--from-date")
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text.strip()


def add_command(sub) -> None:
    s = STANDARD_CONFIG
    p = sub.add_parser(
        "bitcoin", help="train the bitcoin forecasting model on our LSTM and on Keras; write a report",
        description="The classic bitcoin forecasting example (3 × LSTM(512) on 7-day windows of BTC and ETH close "
                    "and volume), offline on bundled Bitfinex data: one model per coin, trained on our NumPy LSTM "
                    "and on Keras from identical initial weights, then a report folder (report.md/html, "
                    "metrics.json, plots, trained models, a trace for the animations). Every option defaults to "
                    "the example's standard value. The folder is written whole or not at all: an interrupted or "
                    "failed run leaves it as it was.")
    p.add_argument("--out", default=DEFAULT_OUT,
                   help=f"report folder (default {DEFAULT_OUT}); created if missing, refused if it holds files this "
                        "command did not write (unless --force)")
    p.add_argument("--force", action="store_true",
                   help="write into --out even if it holds other files (they are left alone)")
    p.add_argument("--coins", type=_coins, default=s.coins,
                   help=f"coins: their close and volume are the features; one model each (default {','.join(s.coins)})")
    p.add_argument("--units", type=COUNT, help=f"units of each of the 3 LSTM layers (default {s.units}; "
                                             f"{QUICK['units']} with --quick)")
    p.add_argument("--epochs", type=COUNT, help=f"(default {s.epochs}; {QUICK['epochs']} with --quick)")
    p.add_argument("--batch-size", type=COUNT, default=s.batch_size, help=f"(default {s.batch_size})")
    p.add_argument("--window", type=whole(2), default=s.window, help=f"days per input window (default {s.window})")
    p.add_argument("--dropout", type=real(0, 1, high_open=True), default=s.dropout,
                   help=f"rate of the Dropout after each LSTM (default {s.dropout})")
    p.add_argument("--split", type=real(0, 1, low_open=True, high_open=True), default=s.split,
                   help=f"share of days, oldest first, used for training (default {s.split})")
    p.add_argument("--from-date", type=_day, default=s.from_date,
                   help=f"first day used, written YYYY-MM-DD (default {s.from_date})")
    p.add_argument("--max-gap-days", type=INDEX, default=MAX_GAP_DAYS,
                   help=f"longest run of missing days filled from the day before (default {MAX_GAP_DAYS}); "
                        "a longer gap is refused rather than filled with invented flat prices")
    p.add_argument("--loss", choices=("mse", "mae"), default=s.loss, help=f"(default {s.loss})")
    p.add_argument("--optimizer", choices=("adam", "rmsprop"), default=s.optimizer, help=f"(default {s.optimizer})")
    p.add_argument("--seed", type=SEED, default=s.seed,
                   help=f"random seed of our initial weights and dropout masks (default {s.seed})")
    g = p.add_argument_group("data (default: the bundled Bitfinex BTC/ETH daily file)")
    g.add_argument("--csv", help=f"a tidy CSV with several coins: {LAYOUTS['tidy']}")
    for coin in ("btc", "eth"):
        g.add_argument(f"--cmc-{coin}", metavar="FILE", help=f"{coin.upper()} coinmarketcap export: {LAYOUTS['coinmarketcap']}")
        g.add_argument(f"--kaggle-{coin}", metavar="FILE", help=f"{coin.upper()} Kaggle file: {LAYOUTS['kaggle']}")
    g.add_argument("--coin-file", type=_coin_file, action="append", default=[], metavar="COIN=FILE",
                   help="any coin's own file (coinmarketcap, kaggle or Date/Close/Volume; detected), repeatable")
    p.add_argument("--quick", action="store_true",
                   help=f"small and fast: units {QUICK['units']}, epochs {QUICK['epochs']} (unless given)")
    p.add_argument("--parity", action="store_true",
                   help="dropout 0; the two loss curves must agree to 1e-3 per epoch (exit status 1 if not)")
    p.add_argument("--no-keras", action="store_true", help="train ours only (TensorFlow is then never imported)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run_command)


def run_command(args) -> int:
    """Run the example from parsed arguments; bad input, a full disk or Ctrl-C end in one line on stderr."""
    try:
        return _run(args)
    except KeyboardInterrupt:
        print(f"\ninterrupted: nothing was written; {args.out} is as it was before this run", file=sys.stderr)
        return 130
    except OSError as e:
        print(f"error: {e.strerror or e}{f': {e.filename}' if e.filename else ''}; {args.out} is as it was "
              "before this run", file=sys.stderr)
        return 2


def _run(args) -> int:
    from .app import run

    values = {k: getattr(args, k) for k in ("coins", "units", "epochs", "batch_size", "window", "dropout", "split",
                                            "from_date", "loss", "optimizer", "seed", "max_gap_days")}
    for k, v in QUICK.items():  # --units/--epochs given win; else the quick or the standard value
        if values[k] is None:
            values[k] = v if args.quick else getattr(STANDARD_CONFIG, k)
    config = replace(STANDARD_CONFIG, **values)
    coin_files = {}
    for coin in ("btc", "eth"):
        cmc, kag = getattr(args, f"cmc_{coin}"), getattr(args, f"kaggle_{coin}")
        if cmc and kag:
            raise InputError(f"give either --cmc-{coin} or --kaggle-{coin}, not both")
        if cmc or kag:
            coin_files[coin.upper()] = cmc or kag
    for coin, path in args.coin_file:
        if coin in coin_files:
            raise InputError(f"two files were given for {coin}")
        coin_files[coin] = path
    verbose = 0 if args.quiet else 1
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("always", DataWarning)
        warnings.showwarning = lambda msg, cat, *a, **k: print(
            f"{'data' if issubclass(cat, DataWarning) else cat.__name__}: {msg}", file=sys.stderr)
        m = run(config, args.out, csv=args.csv, coin_files=coin_files or None, keras=not args.no_keras,
                parity=args.parity, verbose=verbose, force=args.force)
    out = Path(args.out)
    print(f"\nbitcoin: {len(config.coins)} coin(s) × {'2 implementations' if not args.no_keras else 'ours only'}, "
          f"{time.perf_counter() - t0:.1f} s")
    for coin, cm in m["coins"].items():
        line = "  ".join(f"{impl} RMSE price {x['rmse_price']:,.2f}" for impl, x in cm["metrics"].items()
                         if x["rmse_price"] is not None)
        print(f"  {coin}: {line}")
        if cm["agreement"]:
            a = cm["agreement"]
            ok = f" → {'PASS' if cm['parity_ok'] else 'FAIL'} (≤ 1e-3)" if "parity_ok" in cm else ""
            print(f"  {coin}: ours vs Keras, max per-epoch relative difference: loss {a['max_rel_diff_loss']:.2e}, "
                  f"val_loss {a['max_rel_diff_val_loss']:.2e}{ok}")
    print(f"report: {out / 'report.md'} (and report.html, metrics.json, plots, models, traces in {out}/)")
    if args.parity and not all(cm.get("parity_ok", True) for cm in m["coins"].values()):
        print("error: --parity: the loss curves differ by more than 1e-3", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m explainer.bitcoin.cli [options]`` — the same as ``lstm-explainer bitcoin [options]``."""
    from ..cli import main as cli_main

    return cli_main(["bitcoin", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
