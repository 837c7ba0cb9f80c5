"""The numbers every sub-command takes, checked by argparse so the error names the flag.

    p.add_argument("--seed", type=whole(0))          # argument --seed: must be a whole number >= 0, got '-1'
    p.add_argument("--dropout", type=real(0, 1, high_open=True))
    p.add_argument("--port", type=PORT)

Each helper returns a ``type=`` function that raises :class:`argparse.ArgumentTypeError`;
argparse then prints ``argument --FLAG: <why>``. One definition serves ``trace``,
``bitcoin``, ``story``, ``render`` and ``classroom``/``export-html``.
"""
from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

#: numpy's generators take seeds up to 2**32 - 1 on every platform; larger ones are refused, not wrapped.
MAX_SEED = 2**32 - 1


def _range_text(low, high, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"between {low} and {high}{' (excluded)' if high_open else ''}" if not low_open else \
            f"above {low} and {'below' if high_open else 'at most'} {high}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high}"
    return ""


def whole(low: int | None = None, high: int | None = None) -> Callable[[str], int]:
    """A ``type=`` for a whole number in ``[low, high]`` (either end optional)."""
    wanted = f"a whole number {_range_text(low, high, False, False)}".rstrip()

    def parse(text: str) -> int:
        try:
            value = int(text.strip().replace("_", ""), 10)
        except (ValueError, AttributeError):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}") from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}")
        return value

    parse.__name__ = "whole number"
    return parse


def real(low: float | None = None, high: float | None = None, *, low_open: bool = False,
         high_open: bool = False) -> Callable[[str], float]:
    """A ``type=`` for a finite real number in the range (``low_open``/``high_open``: that end excluded)."""
    wanted = f"a number {_range_text(low, high, low_open, high_open)}".rstrip()

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except (ValueError, AttributeError):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be {wanted} (finite), got {text!r}")
        if low is not None and (value < low or (low_open and value == low)):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}")
        if high is not None and (value > high or (high_open and value == high)):
            raise argparse.ArgumentTypeError(f"must be {wanted}, got {text!r}")
        return value

    parse.__name__ = "number"
    return parse


#: a count of things: units, epochs, jobs, sentences (at least one)
COUNT = whole(1)
#: an index into a batch or a list (0 is the first)
INDEX = whole(0)
#: a random seed
SEED = whole(0, MAX_SEED)
#: a TCP port a server can listen on (0 would mean "any", which the URL could not name)
PORT = whole(1, 65535)

__all__ = ["whole", "real", "COUNT", "INDEX", "SEED", "PORT", "MAX_SEED"]


def one_line_errors(parser: argparse.ArgumentParser) -> None:
    """Make ``parser``'s usage errors one line (what was wrong, where to look), not a usage block."""
    import sys

    def error(message: str):
        print(f"error: {parser.prog}: {message} (see: {parser.prog} --help)", file=sys.stderr)
        raise SystemExit(2)
    parser.error = error
