"""Paths the user gives: an input file must be an existing, readable, regular file; an output folder must
be a folder this command can write under; an output file appears only whole.

    input_file(path, "trace file")           # a folder, a FIFO, a device: named for what it is
    output_folder(out, "--out")              # a file, a FIFO, a read-only folder, a path under a file: refused
    with replacing(out) as tmp: write(tmp)   # ``out`` appears in one rename, complete, or not at all
    with only_one_run(out, "--out", "render"): …   # a second run into the same folder refuses

One check for every reader (models, traces, safetensors, inputs, price CSVs), so a folder, a
named pipe, a device or a file of another kind is named for what it is instead of being read
(a FIFO would block forever) or reported as "missing" or "damaged"; and one way of writing for
every writer, so Ctrl-C, a crash or SIGKILL never leave a half-written file under the final name.
"""
from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
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


def _kind(mode: int) -> str:
    return ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a file")


def _can_write_in(folder: Path) -> OSError | None:
    """None if a file can be made in ``folder``, else the error. A real write: root passes every permission test."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".lstm-explainer-check-"):
            return None
    except OSError as e:
        return e


def output_folder(path: str | Path, flag: str = "--out", holds: str = "the results") -> Path:
    """``path`` as a folder this command may write ``holds`` under (created later if missing).

    Refused with :class:`InputError` naming ``flag`` and how to fix it, before any work starts: an
    empty name, an existing file, a FIFO, socket or device, a path under a file, and a folder (or the
    nearest existing parent of a new one) in which no file can be written.
    """
    if path is None or not str(path).strip():
        raise InputError(f"{flag} is empty; give a folder to write {holds} under")
    path = Path(str(path)).expanduser()
    choose = f"give a folder (it will be created) to write {holds} under"
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:  # a parent is a file
        mode = None
    except OSError as e:
        raise InputError(f"{flag} {path}: cannot look at this folder ({e.strerror or e}); {choose}") from None
    if mode is not None and not stat.S_ISDIR(mode):
        raise InputError(f"{flag} {path} is {_kind(mode)}, not a folder; {choose}")
    if mode is not None:
        failed = _can_write_in(path)
        if failed is not None:
            raise InputError(f"{flag} {path}: this folder cannot be written ({failed.strerror or failed}); "
                             f"choose a folder you can write to")
        return path
    parent = path.parent
    while True:
        try:
            pmode = parent.stat().st_mode
            break
        except (FileNotFoundError, NotADirectoryError):
            if parent == parent.parent:
                pmode = stat.S_IFDIR
                break
            parent = parent.parent
    if not stat.S_ISDIR(pmode):
        raise InputError(f"{flag} {path}: {parent} is {_kind(pmode)}, so no folder can be made inside it; "
                         f"{choose}")
    failed = _can_write_in(parent)
    if failed is not None:
        raise InputError(f"{flag} {path}: this folder cannot be created in {parent} "
                         f"({failed.strerror or failed}); choose a folder you can write to")
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def replacing(path: str | Path, suffix: str = ".part"):
    """Yield a temporary file beside ``path`` to write; when the block ends without an error it becomes
    ``path`` in one rename, else (an error, Ctrl-C) it is removed.

    The temporary name is ``.<name>.<random><suffix>``, one of its own per run, so two runs writing the
    same ``path`` at once never write into one file: the one that renames last wins, whole. SIGKILL can
    leave that dot-file behind, never a half-written file under ``path``'s name.
    """
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    except OSError as e:  # the error names the file asked for, not a temporary name the user never gave
        raise type(e)(e.errno, e.strerror, str(path)) from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp's 0600 would make the result private to this user
        try:
            os.replace(tmp, path)
        except OSError as e:  # e.g. a folder of that name
            raise type(e)(e.errno, e.strerror, str(path)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def only_one_run(folder: str | Path, flag: str, command: str):
    """Hold ``folder`` for this run: a second run writing into it at the same time refuses at once with
    :class:`InputError` naming ``flag``, instead of both writing the same files. The hold is the
    kernel's lock on the open folder, so it ends however this process ends (SIGKILL too): nothing to
    clean up, nothing left behind."""
    import fcntl

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise InputError(f"{flag} {folder} is being written by another {command} right now; wait for it "
                             f"to finish or give another {flag}") from None
        yield folder
    finally:
        os.close(fd)


__all__ = ["input_file", "container_of", "MAGIC", "output_folder", "replacing", "only_one_run"]
