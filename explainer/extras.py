"""Optional dependencies: which extra of ``pyproject.toml`` brings a module, and a clear refusal without it.

    require("bitcoin", "pandas", "matplotlib")   # ImportError: … pip install 'lstm-explainer[bitcoin]'

The core needs only NumPy and tqdm; an application or bridge that needs more calls this first,
so a missing package is one line naming the extra that installs it, not a bare ModuleNotFoundError.
"""
from __future__ import annotations

from importlib.util import find_spec


def require(extra: str, *modules: str, why: str | None = None) -> None:
    """Raise an ImportError naming ``pip install 'lstm-explainer[extra]'`` if any of ``modules`` is missing."""
    missing = []
    for m in modules:
        try:
            if find_spec(m) is None:
                missing.append(m)
        except (ImportError, ValueError):  # a blocked or broken package counts as missing
            missing.append(m)
    if missing:
        what = why or f"this part of lstm-explainer ({extra})"
        raise ImportError(f"{what} needs {', '.join(missing)}, which is not installed; "
                          f"install it with: pip install 'lstm-explainer[{extra}]'")
