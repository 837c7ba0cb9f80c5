"""Text tables as people save them: the encoding, the separator and each column's number format.

    text = decode(path.read_bytes(), path)   # UTF-8 (BOM or not), UTF-16, else Latin-1 with a warning
    sep = sniff_separator(text)              # , ; tab |
    values = read_numbers(cells, path, "close", where)   # "20.274,98" → 20274.98, "$1,234.5" → 1234.5

Shared by every reader of user files (``trace --input``'s ``.csv`` inputs, the bitcoin app's prices),
so each file is read the same way everywhere: a column's numbers are read exactly in the one format its
cells show (decimal point or comma; thousands grouped by ``,`` ``.`` spaces or apostrophes; one currency
sign), or refused naming the column and the cells — never guessed. Standard library, plus pandas for
:func:`number_format` and :func:`read_numbers` (they take a column as a ``pandas.Series``).
"""
from __future__ import annotations

import csv
import re
import warnings
from typing import TYPE_CHECKING, Callable

from .errors import InputError

if TYPE_CHECKING:
    import pandas as pd


class DataWarning(UserWarning):
    """A problem found in a user's data file and how it was handled."""


def decode(raw: bytes, path) -> str:
    """Bytes of a text file → text: UTF-8 (with or without BOM), UTF-16 (BOM, or NUL bytes between
    ASCII letters), else Latin-1 with a :class:`DataWarning` (spreadsheets on Windows write it)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    head = raw[:200]
    if head and head.count(0) > len(head) // 4:  # UTF-16 without a BOM: every other byte is 0
        return raw.decode("utf-16-le" if head[1:2] == b"\0" else "utf-16-be")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        text = raw.decode("latin-1")
        warnings.warn(f"{path} is not UTF-8 (byte {raw[e.start]:#x} at position {e.start}); read as Latin-1. "
                      "If names look wrong, save the file as UTF-8.", DataWarning, stacklevel=3)
        return text


def sniff_separator(text: str) -> str:
    """The separator of a CSV, from its header line: the one of ``, ; tab |`` that splits it most."""
    line = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {sep: len(next(csv.reader([line], delimiter=sep))) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] > 1 else ","


#: "1.234,56" or "4599,88": numbers written with a decimal comma (European spreadsheets, with ';' separators).
DECIMAL_COMMA = re.compile(r"^[-+]?(\d{1,3}(\.\d{3})+|\d+),\d+$")


#: what a cell says when its value is missing (read as NaN; each reader decides whether that is allowed)
MISSING_TOKENS = {"", "-", "—", "nan", "NaN", "NAN", "null", "NULL", "None", "N/A", "n/a", "NA"}

#: currency signs a price may carry (one per column); stripped once the column agrees on one
CURRENCY = ("US$", "$", "€", "£", "¥", "₿", "USD", "EUR")
#: what may separate groups of three digits besides ',' and '.': (no-break, narrow, thin) spaces, apostrophes
GROUP_MARKS = "\u00a0\u202f\u2009 '"
_G = "[" + GROUP_MARKS + "]"
_EXP = r"([eE][+-]?\d+)?"
#: each cell's shape, by what it says about the decimal mark
_SHAPES = {
    "point": [rf"\d{{1,3}}(,\d{{3}})+\.\d+", rf"\d{{1,3}}(,\d{{3}}){{2,}}", rf"\d{{1,3}}({_G}\d{{3}})+\.\d+",
              rf"(0|\d{{4,}})\.\d+{_EXP}", rf"\d*\.(\d{{1,2}}|\d{{4,}}){_EXP}", rf"\d+(\.\d+)?[eE][+-]?\d+"],
    "comma": [rf"\d{{1,3}}(\.\d{{3}})+,\d+", rf"\d{{1,3}}(\.\d{{3}}){{2,}}", rf"\d{{1,3}}({_G}\d{{3}})+,\d+",
              r"(0|\d{4,}),\d+", r"\d*,(\d{1,2}|\d{4,})"],
    "either": [r"[1-9]\d{0,2}[.,]\d{3}"],                          # 1,234 or 1.234: thousands, or decimals?
    "whole": [r"\d+", rf"\d{{1,3}}({_G}\d{{3}})+"],
}
#: every number a column with that decimal mark may hold
_VALID = {".": re.compile(rf"[+-]?(\d+|\d{{1,3}}(,\d{{3}})+|\d{{1,3}}({_G}\d{{3}})+)?(\.\d+)?{_EXP}"),
          ",": re.compile(rf"[+-]?(\d+|\d{{1,3}}(\.\d{{3}})+|\d{{1,3}}({_G}\d{{3}})+)?(,\d+)?")}
#: not finite, but numbers all the same: read, then treated as missing by :func:`clean` (reported)
_NOT_FINITE = re.compile(r"[+-]?(inf|infinity|nan)", re.IGNORECASE)


def number_format(text: pd.Series, path, column: str, where: Callable[[int], str]) -> tuple[str, str]:
    """How one column writes its numbers, read from its cells: ``(decimal mark, currency sign or "")``.

    ``1,234.56``, ``0.75``, ``1234.5`` say "decimal point"; ``1.234,56``, ``1 234,56``, ``4599,88`` say
    "decimal comma"; ``1,234`` alone could be either. Refused, naming the column and cells (never
    guessed): a column that says both, one where no cell tells (only ``1,234``-like values), two
    currencies in one column, and percentages (a price, a volume or a feature is not a % change).
    ``where(r)`` names the ``r``-th row of the column in a message (``"date 2017-01-05"``, ``"row 7"``).
    """
    cells = text[~text.isin(MISSING_TOKENS)]

    def cells_at(mask) -> str:
        rows = [k for k, v in enumerate(mask) if v][:3]
        return ", ".join(f"{cells.iloc[r]!r} ({where(cells.index[r])})" for r in rows)

    pct = cells.str.contains("%", regex=False)
    if pct.any():
        raise InputError(f"{path}: column {column!r} holds percentages ({cells_at(pct)}); give the "
                         "amounts themselves (a price, a volume, a measurement), not % changes — is it the right column?")
    signs = [c for c in CURRENCY if cells.str.contains(c, regex=False).any()]
    signs = [c for c in signs if not any(c != o and c in o for o in signs)]  # the "$" of "US$"
    if len(signs) > 1:
        has = cells.str.contains("|".join(map(re.escape, signs)))
        raise InputError(f"{path}: column {column!r} mixes currencies ({', '.join(signs)}): {cells_at(has)}; "
                         "one column must hold one currency")
    body = _unsigned(cells, signs[0] if signs else "")
    says = {k: body.str.lstrip("+-").str.fullmatch("|".join(f"(?:{p})" for p in v)).to_numpy() for k, v in _SHAPES.items()}
    if says["point"].any() and says["comma"].any():
        raise InputError(f"{path}: column {column!r} mixes number formats: a decimal point in {cells_at(says['point'])} "
                         f"but a decimal comma in {cells_at(says['comma'])}; write every number of a column one way")
    if not (says["point"].any() or says["comma"].any()) and says["either"].any():
        raise InputError(f"{path}: column {column!r} is ambiguous: in {cells_at(says['either'])} the separator could "
                         "group thousands (1,234 = 1234) or mark decimals (1,234 = 1.234) and no cell of the column "
                         "tells which; write the numbers without thousands separators (1234.5)")
    return ("," if says["comma"].any() else "."), (signs[0] if signs else "")


def _unsigned(cells: pd.Series, currency: str) -> pd.Series:
    """Cells without their currency sign and with the Unicode minus as ``-``."""
    body = cells.str.replace("−", "-", regex=False)
    if currency:
        body = body.str.replace(currency, "", regex=False)
    return body.str.strip().str.replace(r"^([+-])\s+", r"\1", regex=True)


def read_numbers(raw: pd.Series, path, column: str, where: Callable[[int], str]) -> pd.Series:
    """Text → float64 in the column's own :func:`number_format`; :data:`MISSING_TOKENS` (``-``, empty) are
    missing (NaN); anything else (including a number that does not fit the column's format) is an
    :class:`InputError` naming the column and the cells (``where(r)`` names row ``r``)."""
    import pandas as pd

    raw = raw.reset_index(drop=True)
    text = raw.astype(str).str.strip()
    missing = text.isin(MISSING_TOKENS)
    decimal, currency = number_format(text, path, column, where)
    body = _unsigned(text, currency)
    fits = body.str.fullmatch(_VALID[decimal]) & body.str.contains(r"\d") | body.str.fullmatch(_NOT_FINITE)
    cleaned = body.str.replace(_G, "", regex=True).str.replace("." if decimal == "," else ",", "", regex=False)
    if decimal == ",":
        cleaned = cleaned.str.replace(",", ".", regex=False)
    values = pd.to_numeric(cleaned.where(~missing & fits), errors="coerce")
    bad = values.isna() & ~missing
    if bad.any():
        rows = [k for k, v in enumerate(bad.to_numpy()) if v][:5]
        shown = ", ".join(f"{text.iloc[r]!r} ({where(r)})" for r in rows)
        fmt = "1,234.5 or 1234.5" if decimal == "." else "1.234,5 or 1234,5"
        raise InputError(f"{path}: column {column!r} has values that are not numbers: {shown}"
                         f"{' …' if bad.sum() > 5 else ''} (this column writes numbers like {fmt}); use '-' or "
                         "leave the cell empty for a missing value")
    return values.astype("float64")
