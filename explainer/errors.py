"""The one error class for bad input: what the user gave is wrong, and the message says how to fix it.

The command line prints these as one ``error:`` line; every other exception is a bug in this
package and keeps its traceback. ``InputError`` is a ``ValueError`` (and ``InputTypeError`` a
``TypeError`` too), so ``except ValueError`` around library calls keeps working.
"""
from __future__ import annotations


class InputError(ValueError):
    """Bad input (a file, an option, an argument): the message names it and says what was expected."""


class InputTypeError(InputError, TypeError):
    """Bad input of the wrong kind (a string where a number was expected, an object that is not a layer)."""


__all__ = ["InputError", "InputTypeError"]
