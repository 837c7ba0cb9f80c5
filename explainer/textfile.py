"""Text tables as people save them: the encoding, the separator and the decimal comma of a CSV.

    text = decode(path.read_bytes(), path)   # UTF-8 (BOM or not), UTF-16, else Latin-1 with a warning
    sep = sniff_separator(text)              # , ; tab |
    DECIMAL_COMMA.match("4.599,88")          # a number written with a decimal comma

Shared by every reader of user files (``your_model``'s ``.csv`` inputs, the bitcoin app's prices),
so each file is read the same way everywhere. Standard library only.
"""
from __future__ import annotations

import csv
import re
import warnings


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
