"""Files of plain arrays plus a JSON header, in one ``.npz``: safe to open from a stranger.

A file from someone else may be damaged or built to hurt: truncated, pickled objects, an
array header that claims 25 TiB, a small zip holding a gigabyte member, a header nested a
million levels deep. :func:`load_npz` therefore

* opens the archive with :mod:`zipfile` itself (never :func:`numpy.load`, which would take
  other bytes for a pickle or a bare ``.npy``) and reads only the members the format
  defines (``allowed``); anything else in the archive is never decompressed;
* reads each member's ``.npy`` header first and checks its dtype (plain numbers only, or
  text for the header) and its shape and byte count against the caps *before* reading
  any data;
* parses the JSON header with a size and nesting cap.

Every refusal is a ``ValueError`` that names the file, the member and what was wrong.
"""
from __future__ import annotations
from .errors import InputError
from .paths import container_of, input_file, replacing

import json
import re
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

#: Largest total of array bytes one file may declare (models of the bitcoin example are ~40 MB).
MAX_BYTES = 1 << 30
#: Most members read from one archive.
MAX_MEMBERS = 4096
#: Most dimensions of one array (traces are 3-D).
MAX_NDIM = 4
#: Largest JSON header, in characters, and its deepest nesting.
MAX_HEADER_CHARS = 1 << 20
MAX_HEADER_DEPTH = 32
#: dtype kinds an array may have: real numbers. Bools, complex numbers, text, objects are refused.
NUMERIC_KINDS = "fiu"


def save_npz(path: str | Path, arrays: dict[str, np.ndarray], header: dict) -> Path:
    """Write ``arrays`` and a JSON ``header`` (which must name its ``format``) to ``path``, through a
    temporary file: an interrupted save never leaves a cut archive under ``path``'s name."""
    path = Path(path)
    payload = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    payload["header"] = np.array(json.dumps(header))
    with replacing(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **payload)
    return path


def save_trace(path: str | Path, trace, fields: tuple[str, ...], fmt: str) -> Path:
    """Write a trace (LSTM, GRU or RNN) to ``path``: its ``fields``, ``unit_index``, ``mask`` when it has one
    (as numbers: 1 = step used) and each weight as ``weights/NAME``; the header names ``fmt``, the layer and meta."""
    arrays = {name: getattr(trace, name) for name in fields}
    arrays["unit_index"] = trace.unit_index
    if getattr(trace, "mask", None) is not None:
        arrays["mask"] = trace.mask.astype(np.uint8)
    arrays.update({f"weights/{name}": np.asarray(w) for name, w in trace.weights.items()})
    return save_npz(path, arrays, {"format": fmt, "layer": trace.layer, "meta": trace.meta})


def load_trace(path: str | Path, what: str, fmt: str, fields: tuple[str, ...], allowed: Callable[[str], bool],
               max_bytes: int = MAX_BYTES) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict]:
    """The arrays, weights and header of a trace written by :func:`save_trace`; a file without one of
    ``fields`` or ``unit_index`` is refused naming the arrays it lacks."""
    data, header = load_npz(path, what, fmt, allowed, max_bytes)
    missing = [n for n in fields + ("unit_index",) if n not in data]
    if missing:
        raise InputError(f"{path}: not an lstm-explainer {what}, missing arrays {missing}")
    weights = {k.split("/", 1)[1]: v for k, v in data.items() if k.startswith("weights/")}
    return data, weights, header


def _no_constant(name: str):
    raise InputError(f"{name} is not a JSON number")


def parse_header(text: str, where: str) -> dict:
    """The JSON header, refused if too long, too deep, not JSON or not an object."""
    if len(text) > MAX_HEADER_CHARS:
        raise InputError(f"{where}: header is {len(text):,} characters long (at most {MAX_HEADER_CHARS:,}); not loaded")
    # Count brackets before parsing: json.loads recurses and a deep header would blow Python's stack.
    depth, deepest, in_str, esc = 0, 0, False, False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    if deepest > MAX_HEADER_DEPTH:
        raise InputError(f"{where}: header nests {deepest} levels deep (at most {MAX_HEADER_DEPTH}); not loaded")
    try:
        header = json.loads(text, parse_constant=_no_constant)
    except (json.JSONDecodeError, RecursionError, ValueError) as e:
        raise InputError(f"{where}: header is not valid JSON ({e})") from None
    if not isinstance(header, dict):
        raise InputError(f"{where}: header must be a JSON object, found {type(header).__name__}")
    return header


def _member_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> tuple[tuple, np.dtype, int]:
    """Shape, dtype and data offset of one ``.npy`` member, read without reading its data."""
    with zf.open(info) as fh:
        try:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise InputError(f"unsupported .npy version {version}")
        except (ValueError, SyntaxError, EOFError, OSError, zipfile.BadZipFile) as e:
            raise InputError(f"{where}: member {info.filename!r} is not a readable array ({e})") from None
        return tuple(shape), np.dtype(dtype), fh.tell()


def load_npz(path: str | Path, what: str, fmt: str,
             allowed: Callable[[str], bool] | None = None,
             max_bytes: int = MAX_BYTES) -> tuple[dict[str, np.ndarray], dict]:
    """The arrays of a file written by :func:`save_npz`, and its header, checked to be ``fmt``.

    ``allowed(name)`` says which array names the format defines (default: any); others are
    never read. Arrays must hold real numbers, have at most :data:`MAX_NDIM` dimensions and
    together declare at most ``max_bytes`` bytes; all of that is checked from the array
    headers before any data is read.
    """
    path = input_file(path, f"{what} file")
    with open(path, "rb") as fh:
        magic = fh.read(4)
    # An .npz starts with a zip entry; np.load would take other bytes for a pickle or an .npy.
    if magic == b"PK\x03\x04" and not zipfile.is_zipfile(path):
        # a zip's directory is at its end: an archive that starts right but has none was cut short
        raise InputError(f"{path} is not a readable {what} file (corrupt or truncated .npz: it starts as a "
                         "zip archive but its end is missing; copy or download it again)")
    if magic != b"PK\x03\x04":
        kind = container_of(magic)
        raise InputError(f"{path} is not a readable {what} file (not an .npz archive: "
                         f"{f'it is {kind}' if kind else 'corrupt or truncated'})")
    try:
        with zipfile.ZipFile(path) as zf:
            return _read(zf, path, what, fmt, allowed, max_bytes)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, KeyError, NotImplementedError) as e:
        raise InputError(f"{path} is not a readable {what} file (corrupt or truncated .npz: {e})") from None


def _read(zf: zipfile.ZipFile, path: Path, what: str, fmt: str, allowed, max_bytes: int):
    members = {}
    for info in zf.infolist():
        name = info.filename[:-4] if info.filename.endswith(".npy") else None
        if name is None or info.is_dir():
            continue
        if name == "header" or allowed is None or allowed(name):
            if name in members:
                raise InputError(f"{path}: member {info.filename!r} appears twice; not loaded")
            members[name] = info
    if len(members) > MAX_MEMBERS:
        raise InputError(f"{path}: {len(members)} arrays (at most {MAX_MEMBERS}); not loaded")
    if "header" not in members:
        raise InputError(f"{path}: missing header; not an lstm-explainer {what} file")

    # 1. every header first: dtype, shape, size, and that the member really holds that many bytes
    plans, total = {}, 0
    for name, info in members.items():
        where = f"{path}: array {name!r}"
        shape, dtype, offset = _member_header(zf, info, str(path))
        if dtype.hasobject:
            raise InputError(f"{path} is not a safe {what} file (array {name!r} holds Python objects, which "
                             "would have to be unpickled); it was not loaded")
        if name == "header":
            if dtype.kind != "U" or shape != ():
                raise InputError(f"{where} must be one text value, found dtype {dtype} shape {shape}")
        elif dtype.kind not in NUMERIC_KINDS:
            kind = {"c": "complex numbers", "b": "booleans", "U": "text", "S": "bytes"}.get(dtype.kind, "not numbers")
            raise InputError(f"{where} must hold real numbers, found {kind} (dtype {dtype})")
        if len(shape) > MAX_NDIM or any((not isinstance(s, int)) or s < 0 for s in shape):
            raise InputError(f"{where} has an impossible shape {shape}")
        nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
        total += nbytes
        if total > max_bytes:
            raise InputError(f"{where} declares shape {shape} ({nbytes / 2**20:,.1f} MiB); the file's arrays "
                             f"exceed the {max_bytes / 2**20:,.0f} MiB a {what} file may hold; not loaded")
        if info.file_size != offset + nbytes:
            raise InputError(f"{where} declares {nbytes:,} bytes of data but its member holds "
                             f"{info.file_size - offset:,} (corrupt or truncated .npz)")
        plans[name] = info

    # 2. then the data, bounded by the sizes just checked
    data = {}
    for name, info in plans.items():
        with zf.open(info) as fh:
            try:
                data[name] = np.lib.format.read_array(fh, allow_pickle=False)
            except ValueError as e:
                raise InputError(f"{path}: array {name!r} could not be read ({e})") from None
    header = parse_header(str(data.pop("header")), str(path))
    found = header.get("format")
    if found != fmt:
        raise InputError(f"{path}: expected format {fmt!r}, found {found!r}; is this a {what} file?")
    return data, header


def names_matching(*patterns: str) -> Callable[[str], bool]:
    """A predicate for ``allowed``: the name fully matches one of the regular expressions."""
    compiled = [re.compile(p) for p in patterns]
    return lambda name: any(c.fullmatch(name) for c in compiled)


__all__ = ["save_npz", "load_npz", "parse_header", "names_matching", "MAX_BYTES"]
