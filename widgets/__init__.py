"""Jupyter widgets that show a real LSTM working; every number comes from :mod:`explainer`.

    >>> from widgets import CellFlow, SequenceExplorer, MemoryWidget, dashboard
    >>> CellFlow()                 # one step of a small cell, sliders and presets
    >>> SequenceExplorer()         # play through the demo LSTM's story (or a saved trace)
    >>> MemoryWidget()             # ∏ f_t of an LSTM vs a plain RNN's vanishing gradient
    >>> dashboard(lang="zh")       # all three in tabs; `lstm-explainer classroom` serves it

Names are imported lazily so that ``lstm-explainer`` (which loads :mod:`widgets.cli`)
starts without importing ipywidgets.
"""
from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "CellFlow": "cell_flow", "PRESETS": "cell_flow",
    "SequenceExplorer": "sequence",
    "MemoryWidget": "memory",
    "Dashboard": "dashboard", "dashboard": "dashboard",
    "cell_svg": "diagram",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        # cache it; this also makes `widgets.dashboard` the function, not the submodule of that name
        globals()[name] = value
        return value
    raise AttributeError(f"module 'widgets' has no attribute {name!r}")
