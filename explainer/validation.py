"""Input checks shared by the model and layers: say what is wrong and how to fix it."""
from __future__ import annotations

import numpy as np


def check_array(a, name: str, dtype=np.float32, ndim: int | None = None) -> np.ndarray:
    """``a`` as a finite array of ``dtype``; a clear ``TypeError``/``ValueError`` otherwise."""
    if a is None:
        raise TypeError(f"{name} is None; pass a NumPy array")
    try:
        arr = np.asarray(a)
    except Exception as e:  # ragged nested lists and the like
        raise TypeError(f"{name} could not be turned into an array: {e}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    arr = arr.astype(dtype, copy=False)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0].tolist()
        raise ValueError(f"{name} contains NaN or infinite values (first at index {bad}); "
                         "clean or impute the data before passing it in")
    return arr
