"""What a path given as an input file must be: an existing, readable, regular file of the right kind.

One check for every reader (models, traces, safetensors, inputs, price CSVs), so a folder, a
named pipe, a device or a file of another kind is named for what it is instead of being read
(a FIFO would block forever) or reported as "missing" or "damaged".
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import InputError

#: the first bytes of the containers people hand over by mistake (or compressed on purpose)
MAGIC = {b"\x1f\x8b": "gzip-compressed", b"BZh": "bzip2-compressed", b"\xfd7zXZ\x00": "xz-compressed",
         b"PK\x03\x04": "a zip archive", b"PK\x05\x06": "an empty zip archive", b"\x89HDF\r\n\x1a\n": "an HDF5 file",
         b"\x93NUMPY": "a NumPy .npy array", b"\x80\x02": "a Python pickle", b"\x80\x04": "a Python pickle",
         b"%PDF": "a PDF document", b"\x89PNG": "a PNG image"}


def container_of(head: bytes) -> str | None:
    """What the first bytes of a file say it is (``'gzip-compressed'``, ``'a zip archive'`` …), or None."""
    return next((what for magic, what in MAGIC.items() if head.startswith(magic)), None)


def input_file(path: str | Path, what: str) -> Path:
    """``path`` if it is a regular file that can be read; else ``FileNotFoundError`` (nothing there) or
    :class:`InputError` naming what is there instead (a folder, a FIFO, …) and what was expected."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"no {what} at {path}") from None
    except OSError as e:
        raise InputError(f"{path}: cannot look at this {what} ({e.strerror or e})") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        hint = " (a .keras model is one file written by model.save('model.keras'), not a folder)" \
            if path.suffix.lower() == ".keras" else ""
        raise InputError(f"{path} is a folder; expected a {what} (a file){hint}")
    if not stat.S_ISREG(mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
        raise InputError(f"{path} is {kind}; expected a {what} saved as a regular file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: this {what} is not readable (permission denied)")
    return path


__all__ = ["input_file", "container_of", "MAGIC"]
