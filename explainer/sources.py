"""Where a trace to show comes from: one name or path, resolved the same way by every view.

    trace_source("demo")            the hand-built demo LSTM over "the sky was blue … polluted … grey"
    trace_source("story")           the trained story LSTM over a sentence with "polluted" in it
    trace_source("run/trace.npz")   a trace saved earlier (SequenceTrace.save)

The lesson (``render --trace …``), the sequence explorer and the classroom call this, so a
new source appears everywhere. The applications add theirs (the story app its trained LSTM)
through the ``lstm_explainer.sources`` entry points in ``pyproject.toml``: each names a
``(builder(lang), description)`` pair, so this core module never imports an application.
"""
from __future__ import annotations
from .errors import InputError
from .paths import input_file

from importlib.metadata import entry_points
from pathlib import Path

from .glossary import LANGS, check_lang
from .trace import SequenceTrace


def _demo(lang: str) -> SequenceTrace:
    from .demo import demo_trace

    return demo_trace()


#: Named sources: name -> (builder(lang), one-line description); the applications' follow the demo.
SOURCES = {
    "demo": (_demo, "the hand-built demo LSTM (3 units, round-number weights) over the sky story"),
}
for _ep in entry_points(group="lstm_explainer.sources"):
    try:
        SOURCES.setdefault(_ep.name, _ep.load())
    except ImportError:  # the application's extra is not installed: its source is simply absent
        pass


def trace_source(name_or_path: str | Path, lang: str = "en") -> SequenceTrace:
    """A :class:`SequenceTrace` from a source name (:data:`SOURCES`) or a saved ``.npz`` trace.

    ``lang`` ("en" or "zh") chooses the spelling of a named source's words where it has one.
    Unknown names and missing files are a ``ValueError`` / ``FileNotFoundError`` saying what exists.
    """
    check_lang(lang)
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
