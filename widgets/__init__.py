"""Jupyter widgets that show a real LSTM working; every number comes from :mod:`explainer`.

    >>> from widgets import CellFlow, SequenceExplorer, MemoryWidget, dashboard
    >>> CellFlow()                 # one step of a small cell, sliders and presets
    >>> SequenceExplorer()         # play through the demo LSTM's story (or a saved trace)
    >>> MemoryWidget()             # recorded gradients of the trained LSTM and a plain RNN over distance
    >>> TimelapseWidget("run.npz") # the gates learning, epoch by epoch (a TraceRecorder file)
    >>> dashboard(lang="zh")       # all of them in tabs; `lstm-explainer classroom` serves it
    >>> export_html(trace, "page.html", ("en", "zh"))   # one offline page of a trace
    >>> CellsWidget(model, text)   # a character LSTM's text coloured by one unit (the string cell…)

Names are imported lazily so that ``lstm-explainer`` (which loads :mod:`widgets.cli`)
starts without importing ipywidgets.
"""
from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "CellFlow": "cell_flow", "PRESETS": "cell_flow",
    "SequenceExplorer": "sequence",
    "MemoryWidget": "memory",
    "TimelapseWidget": "timelapse",
    "export_html": "export",
    "Dashboard": "dashboard", "dashboard": "dashboard",
    "cell_svg": "diagram",
    "CellsWidget": "cells",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        # cache it; this also makes `widgets.dashboard` the function, not the submodule of that name
        globals()[name] = value
        return value
    raise AttributeError(f"module 'widgets' has no attribute {name!r}")
