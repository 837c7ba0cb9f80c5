"""Where a trace to show comes from: one name or path, resolved the same way by every view.

    trace_source("demo")            the hand-built demo LSTM over "the sky was blue … polluted … grey"
    trace_source("story")           the trained story LSTM over a sentence with "polluted" in it
    trace_source("run/trace.npz")   a trace saved earlier (SequenceTrace.save)

The lesson (``render --trace …``), the sequence explorer and the classroom call this, so a
new source added here appears everywhere.
"""
from __future__ import annotations
from .errors import InputError
from .paths import input_file

from pathlib import Path

from .trace import SequenceTrace

LANGS = ("en", "zh")


def _demo(lang: str) -> SequenceTrace:
    from .demo import demo_trace

    return demo_trace()


def _story(lang: str) -> SequenceTrace:
    from .story import story_trace

    return story_trace(lang=lang)


#: Named sources: name -> (builder(lang), one-line description).
SOURCES = {
    "demo": (_demo, "the hand-built demo LSTM (3 units, round-number weights) over the sky story"),
    "story": (_story, "the LSTM trained on the sky story, over a sentence where the sky gets polluted"),
}


def trace_source(name_or_path: str | Path, lang: str = "en") -> SequenceTrace:
    """A :class:`SequenceTrace` from a source name (:data:`SOURCES`) or a saved ``.npz`` trace.

    ``lang`` ("en" or "zh") chooses the spelling of a named source's words where it has one.
    Unknown names and missing files are a ``ValueError`` / ``FileNotFoundError`` saying what exists.
    """
    if lang not in LANGS:
        raise InputError(f"lang must be 'en' or 'zh', got {lang!r}")
    if isinstance(name_or_path, SequenceTrace):
        return name_or_path
    if not isinstance(name_or_path, (str, Path)) or not str(name_or_path).strip():
        raise InputError(f"a trace source is a name ({', '.join(SOURCES)}) or a path to a saved .npz trace; "
                         f"got {name_or_path!r}")
    text = str(name_or_path)
    if isinstance(name_or_path, str) and text in SOURCES:
        return SOURCES[text][0](lang)
    path = Path(text).expanduser()
    if path.is_file():
        return SequenceTrace.load(path)
    if path.exists() and not path.is_dir():  # a FIFO, a device: named for what it is
        input_file(path, "trace file")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a saved trace file (.npz) inside it, or one of: "
                         f"{', '.join(SOURCES)}")
    if path.suffix == ".npz" or len(path.parts) > 1:
        raise FileNotFoundError(f"no trace file at {path}; save one with SequenceTrace.save() or "
                                f"`lstm-explainer bitcoin`, or use a named source: {', '.join(SOURCES)}")
    raise InputError(f"unknown trace source {text!r}; choose one of: "
                     + "; ".join(f"{k} ({v[1]})" for k, v in SOURCES.items()) + ", or a path to a saved .npz trace")


__all__ = ["trace_source", "SOURCES"]
