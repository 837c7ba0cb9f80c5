"""Files of plain arrays plus a JSON header, in one ``.npz``: safe to open from a stranger.

Loading uses ``allow_pickle=False``, so nothing in the file is ever unpickled or executed;
damage (truncation, junk, pickled objects, another format) is a clear ``ValueError``.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np


def save_npz(path: str | Path, arrays: dict[str, np.ndarray], header: dict) -> Path:
    """Write ``arrays`` and a JSON ``header`` (which must name its ``format``) to ``path``."""
    path = Path(path)
    payload = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    payload["header"] = np.array(json.dumps(header))
    with open(path, "wb") as fh:
        np.savez(fh, **payload)
    return path


def load_npz(path: str | Path, what: str, fmt: str) -> tuple[dict[str, np.ndarray], dict]:
    """Every array of a file written by :func:`save_npz`, and its header, checked to be ``fmt``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no {what} file at {path}")
    if not zipfile.is_zipfile(path):  # np.load would take any other bytes for a pickle
        raise ValueError(f"{path} is not a readable {what} file (not an .npz archive: corrupt or truncated)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            data = {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as e:
        raise ValueError(f"{path} is not a readable {what} file (corrupt or truncated .npz: {e})") from None
    except ValueError as e:  # object arrays are refused rather than unpickled
        raise ValueError(f"{path} is not a safe {what} file ({e}); it was not loaded") from None
    if "header" not in data:
        raise ValueError(f"{path}: missing header; not an lstm-explainer {what} file")
    try:
        header = json.loads(str(data.pop("header")))
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: header is not valid JSON ({e})") from None
    found = header.get("format") if isinstance(header, dict) else header
    if found != fmt:
        raise ValueError(f"{path}: expected format {fmt!r}, found {found!r}; is this a {what} file?")
    return data, header
