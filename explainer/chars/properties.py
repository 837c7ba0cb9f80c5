"""What each character of a text *is*, from a real tokenizer: the properties a cell may track.

For any text:
    line_position   characters since the last newline (0 at a line's first character)
For Python source, from :mod:`tokenize` (the interpreter's own tokenizer):
    string          1 inside a string literal (its quotes and prefix included; f-strings whole), else 0
    comment         1 inside a ``#`` comment, else 0
    bracket_depth   how many ( [ { are open at this character (an opening bracket counts itself)
    indent          the indentation level (INDENT/DEDENT tokens) of the logical line the character is on

Each property is a float array with one value per character of the text. A text cut off in the middle
of a file (a sample) is fine: a string or bracket still open at its end stays open to the end.
"""
from __future__ import annotations
from ..errors import InputError

import io
import tokenize

import numpy as np

CODE_PROPERTIES = ("string", "comment", "bracket_depth", "indent")
PROPERTIES = CODE_PROPERTIES + ("line_position",)
OPEN, CLOSE = "([{", ")]}"


def line_position(text: str) -> np.ndarray:
    out = np.empty(len(text), np.float32)
    col = 0
    for k, ch in enumerate(text):
        out[k] = col
        col = 0 if ch == "\n" else col + 1
    return out


def _offsets(text: str) -> list[int]:
    """Offset of the first character of each line (1-based line numbers as tokenize's, index 0 unused)."""
    starts = [0, 0]
    for k, ch in enumerate(text):
        if ch == "\n":
            starts.append(k + 1)
    return starts


def code_properties(text: str) -> dict[str, np.ndarray]:
    """``string``, ``comment``, ``bracket_depth`` and ``indent`` per character of Python source ``text``.

    Raises ``ValueError`` (naming the line) if the text is not tokenizable Python.
    """
    n = len(text)
    starts = _offsets(text)
    pos = lambda rc: min(starts[rc[0]] + rc[1], n) if rc[0] < len(starts) else n  # noqa: E731
    string, comment = np.zeros(n, np.float32), np.zeros(n, np.float32)
    depth_change = np.zeros(n + 1, np.float32)
    indent_at_line = {}
    level = 0
    fstring_kinds = {getattr(tokenize, k) for k in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, k)}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            a, b = pos(tok.start), pos(tok.end)
            if tok.type == tokenize.STRING or tok.type in fstring_kinds:
                string[a:b] = 1
            elif tok.type == tokenize.COMMENT:
                comment[a:b] = 1
            elif tok.type == tokenize.OP and tok.string in OPEN:
                depth_change[a] += 1
            elif tok.type == tokenize.OP and tok.string in CLOSE:
                depth_change[b] -= 1    # the closing bracket is still inside
            elif tok.type == tokenize.INDENT:
                level += 1
            elif tok.type == tokenize.DEDENT:
                level -= 1
            if tok.type not in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
                indent_at_line.setdefault(tok.start[0], level)
    except tokenize.TokenError as e:
        # a text cut in the middle (a sample of a file): the tokens so far are right; what is left open at
        # the end is an unterminated multi-line string (from its start on) or an unclosed bracket (counted)
        if e.args[0].startswith("EOF in multi-line string"):
            string[pos(e.args[1]):] = 1
        elif not e.args[0].startswith("EOF in multi-line statement"):
            raise InputError(f"the text is not Python that tokenize can read ({e}); the code properties need "
                             "Python source (line_position works for any text)") from None
    except (IndentationError, SyntaxError) as e:
        raise InputError(f"the text is not Python that tokenize can read ({e}); the code properties need "
                         "Python source (line_position works for any text)") from None
    depth = np.cumsum(depth_change[:n]).astype(np.float32)
    indent = np.zeros(n, np.float32)
    line, last = 1, 0.0
    for k in range(n):
        while line + 1 < len(starts) and starts[line + 1] <= k:
            line += 1
        last = indent_at_line.get(line, last)  # a line with no token of its own (blank, inside a """…) keeps the last
        indent[k] = last
    return {"string": string, "comment": comment, "bracket_depth": depth, "indent": indent}


def properties(text: str, code: bool = True) -> dict[str, np.ndarray]:
    """All properties of ``text``; ``code=False`` (or untokenizable text with ``code=None``): line_position only."""
    out = {}
    if code:
        out.update(code_properties(text))
    out["line_position"] = line_position(text)
    return out
