"""The report folder: checked before any work, written whole or not at all.

A run writes into a staging folder first and moves its files into ``out`` only when every one
of them is complete, with Ctrl-C held back for those few renames. So an interrupted or failed
run leaves ``out`` exactly as it was (the previous report still beside its own models), and a
finished one never leaves a new model beside an old report.

``out`` is refused before any work when it is empty, a file, not writable, or a folder that
holds files this command did not write (its manifest, :data:`MANIFEST`, lists what it wrote);
``force=True`` (``--force``) writes there anyway and leaves those other files alone.
"""
from __future__ import annotations
from ..errors import InputError
from ..paths import output_folder

import json
import os
import re
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

#: The list of files a run wrote, kept in the folder so the next run knows what is its own.
MANIFEST = ".lstm-explainer-bitcoin.json"
_STAGING = ".bitcoin-partial-"
# What a run writes (folders written before the manifest existed are recognised by these names).
_OURS = re.compile(r"report\.(md|html)|metrics\.json|data\.png|(ours|trace)_[a-z0-9]+\.npz|keras_[a-z0-9]+\.keras"
                   r"|(loss|train_fit|test)_[a-z0-9]+\.png")
# Written last, so that a report on disk is always the report of the models beside it.
_LAST = ("report.md", "report.html", "metrics.json")


def _fail(path: Path, what: str, e: OSError | None = None) -> InputError:
    reason = f" ({e.strerror or e})" if e is not None else ""
    return InputError(f"--out {path}: {what}{reason}")


def previous_files(out: Path) -> set[str]:
    """Names of the files an earlier run wrote into ``out`` (from its manifest)."""
    try:
        listed = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("files", [])
        return {f for f in listed if isinstance(f, str) and "/" not in f}
    except (OSError, ValueError, AttributeError):
        pass
    try:  # a folder from before the manifest: ours if it holds our metrics.json
        if "config" in json.loads((out / "metrics.json").read_text(encoding="utf-8")):
            return {p.name for p in out.iterdir() if _OURS.fullmatch(p.name)}
    except (OSError, ValueError, TypeError):
        pass
    return set()


def check_out(out, force: bool = False) -> Path:
    """``out`` as a path this run may write to; an :class:`InputError` saying why not and what to do.

    A file, a FIFO, a path under a file or a folder that cannot be written are refused by
    :func:`explainer.paths.output_folder` (the check every command's output folder gets); here, a folder
    holding files this command did not write."""
    path = output_folder(out, "--out", "the report")
    if path.is_dir():
        ours = previous_files(path) | {MANIFEST}
        foreign = sorted(p.name + ("/" if p.is_dir() else "") for p in path.iterdir()
                         if p.name not in ours and not p.name.startswith(_STAGING))
        if foreign and not force:
            shown = ", ".join(foreign[:5]) + (f", … {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise _fail(path, f"holds files this command did not write ({shown}); choose an empty or new folder, "
                              "or add --force to write there anyway (those files are left alone)")
    return path


@contextmanager
def _hold_interrupts():
    """Ctrl-C waits until the block is done (main thread only; others cannot set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending = []
    old = signal.signal(signal.SIGINT, lambda *a: pending.append(a))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


class OutputFolder:
    """Write a run's files into :attr:`staging`, then :meth:`commit` them into ``out`` together.

    >>> with OutputFolder("reports/bitcoin") as folder:     # doctest: +SKIP
    ...     (folder.staging / "report.md").write_text("…")
    ...     folder.commit()
    """

    def __init__(self, out, force: bool = False) -> None:
        self.out = check_out(out, force)
        self.staging: Path | None = None

    def __enter__(self) -> "OutputFolder":
        try:
            if self.out.is_dir():
                for old in self.out.glob(_STAGING + "*"):  # left by a run that was killed
                    shutil.rmtree(old, ignore_errors=True)
                self.staging = Path(tempfile.mkdtemp(prefix=_STAGING, dir=self.out))
            else:
                self.out.parent.mkdir(parents=True, exist_ok=True)
                self.staging = Path(tempfile.mkdtemp(prefix=f".{self.out.name}{_STAGING}", dir=self.out.parent))
        except OSError as e:
            raise _fail(self.out, "cannot be created", e) from None
        return self

    def __exit__(self, *exc) -> None:
        if self.staging is not None and self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)

    def commit(self) -> list[str]:
        """Move every staged file into ``out`` (the report last) and drop our files of an older run
        that this one did not write again. Returns the names written."""
        names = sorted((p.name for p in self.staging.iterdir()), key=lambda n: (n in _LAST, _LAST.index(n)
                                                                                   if n in _LAST else 0, n))
        manifest = json.dumps({"written_by": "lstm-explainer bitcoin", "files": names}, indent=1)
        (self.staging / MANIFEST).write_text(manifest, encoding="utf-8")
        with _hold_interrupts():
            if not self.out.exists():
                os.rename(self.staging, self.out)
            else:
                stale = previous_files(self.out) - set(names)
                for name in names + [MANIFEST]:
                    os.replace(self.staging / name, self.out / name)
                for name in stale:
                    (self.out / name).unlink(missing_ok=True)
                self.staging.rmdir()
        return names


__all__ = ["OutputFolder", "check_out", "previous_files", "MANIFEST"]
