"""The real text the character model learns from: CPython 3.11.7's standard library, as shipped.

The corpus is every top-level ``Lib/*.py`` module of CPython 3.11.7 (the files in
``python3.11/`` beside ``os.py``), in sorted order, each followed by one blank line. The list
of files and each file's SHA-256 are pinned in ``data/manifest.json``; :func:`build` rebuilds
the corpus from a local 3.11.7 standard library and refuses any file whose hash differs (a
different patch release changes files). The built text ships compressed
(``data/train.txt.xz``, ``data/heldout.txt.xz``), so the corpus loads offline on any machine.

Held-out split: whole files, every :data:`HELDOUT_EVERY`-th file of the sorted list.
Training never sees a character of them.

The text is Python Software Foundation code under the PSF licence; see ``data/NOTICE.md``.
"""
from __future__ import annotations
from ..errors import InputError

import hashlib
import json
import lzma
import sysconfig
from pathlib import Path

DATA = Path(__file__).parent / "data"
MANIFEST = DATA / "manifest.json"
VERSION = "3.11.7"
HELDOUT_EVERY = 12

#: The alphabet: index 0 stands for any character outside it (tabs, non-ASCII letters…),
#: then newline and the 95 printable ASCII characters.
UNKNOWN = "\x00"
ALPHABET = UNKNOWN + "\n" + "".join(chr(k) for k in range(32, 127))
INDEX = {ch: k for k, ch in enumerate(ALPHABET)}


def encode(text: str):
    """``text`` as alphabet indices (an int32 array); characters outside the alphabet become 0."""
    import numpy as np

    return np.fromiter((INDEX.get(ch, 0) for ch in text), dtype=np.int32, count=len(text))


def decode(ids) -> str:
    return "".join(ALPHABET[int(k)] for k in ids)


def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def split_names(names: list[str]) -> tuple[list[str], list[str]]:
    """(training files, held-out files): every HELDOUT_EVERY-th file of the sorted list is held out."""
    names = sorted(names)
    held = [n for k, n in enumerate(names) if k % HELDOUT_EVERY == HELDOUT_EVERY // 2]
    return [n for n in names if n not in held], held


def stdlib_dir() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build(source: Path | None = None, out: Path | None = None, write_manifest: bool = False) -> dict[str, str]:
    """Rebuild ``train.txt`` and ``heldout.txt`` from a CPython 3.11.7 standard library folder.

    ``write_manifest=True`` (the maintainer's step) pins the files found in ``source``;
    otherwise every pinned file must be there with its pinned SHA-256, or a ``ValueError``
    says which one differs. Returns the SHA-256 of the two texts.
    """
    source = Path(source) if source is not None else stdlib_dir()
    out = Path(out) if out is not None else DATA
    if write_manifest:
        files = {p.name: _sha(p.read_bytes()) for p in sorted(source.glob("*.py"))}
        pinned = {"cpython": VERSION, "files": files}
    else:
        pinned = manifest()
    texts = {}
    train, held = split_names(list(pinned["files"]))
    for split, names in (("train", train), ("heldout", held)):
        parts = []
        for name in names:
            path = source / name
            if not path.exists():
                raise InputError(f"{path} is missing: the corpus needs CPython {pinned['cpython']}'s standard "
                                 "library (or use the shipped copy: explainer.chars.corpus.load())")
            data = path.read_bytes()
            if _sha(data) != pinned["files"][name]:
                raise InputError(f"{path} differs from CPython {pinned['cpython']}'s (SHA-256 mismatch): "
                                 "another Python release; use the shipped copy: explainer.chars.corpus.load()")
            parts.append(data.decode("utf-8") + "\n")
        texts[split] = "".join(parts)
    hashes = {k: _sha(v.encode("utf-8")) for k, v in texts.items()}
    if write_manifest:
        pinned.update(train_files=train, heldout_files=held, sha256=hashes)
        MANIFEST.write_text(json.dumps(pinned, indent=1) + "\n", encoding="utf-8")
    elif hashes != pinned["sha256"]:
        raise InputError(f"rebuilt corpus differs from the pinned one: {hashes} vs {pinned['sha256']}")
    out.mkdir(parents=True, exist_ok=True)
    for split, text in texts.items():
        tmp = out / f"{split}.txt.xz.tmp"
        tmp.write_bytes(lzma.compress(text.encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))
        tmp.replace(out / f"{split}.txt.xz")
    return hashes


def load(split: str = "train") -> str:
    """The shipped corpus text, ``split`` = ``"train"`` or ``"heldout"``; checked against the pinned hash."""
    if split not in ("train", "heldout"):
        raise InputError(f"split must be 'train' or 'heldout', got {split!r}")
    text = lzma.decompress((DATA / f"{split}.txt.xz").read_bytes()).decode("utf-8")
    if _sha(text.encode("utf-8")) != manifest()["sha256"][split]:
        raise InputError(f"the shipped {split} corpus does not match its pinned SHA-256; reinstall the package")
    return text
