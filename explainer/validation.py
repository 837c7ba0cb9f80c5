"""Input checks shared by the model and layers: say what is wrong and how to fix it."""
from __future__ import annotations
from .errors import InputError, InputTypeError

import numpy as np


def check_array(a, name: str, dtype=np.float32, ndim: int | None = None) -> np.ndarray:
    """``a`` as a finite array of ``dtype``; a clear ``TypeError``/``ValueError`` otherwise."""
    if a is None:
        raise InputTypeError(f"{name} is None; pass a NumPy array")
    try:
        arr = np.asarray(a)
    except Exception as e:  # ragged nested lists and the like
        raise InputTypeError(f"{name} could not be turned into an array: {e}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise InputTypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):  # casting would silently drop the imaginary part
        raise InputTypeError(f"{name} holds complex numbers (dtype {arr.dtype}); an LSTM takes real numbers: "
                        "pass the real part (a.real) or the magnitude (abs(a)) explicitly")
    if ndim is not None and arr.ndim != ndim:
        raise InputError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if arr.size == 0:
        raise InputError(f"{name} is empty (shape {arr.shape})")
    arr = arr.astype(dtype, copy=False)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0].tolist()
        raise InputError(f"{name} contains NaN or infinite values (first at index {bad}); "
                         "clean or impute the data before passing it in")
    return arr


def check_count(value, name: str, low: int = 1) -> int:
    """A whole number ``>= low`` (Python or NumPy integer, not a bool) as an ``int``; a clear error otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InputTypeError(f"{name} must be a whole number >= {low}, got {value!r} ({type(value).__name__})")
    if value < low:
        raise InputError(f"{name} must be a whole number >= {low}, got {value!r}")
    return int(value)


def check_weight(w, name: str, shape: tuple, dtype) -> np.ndarray:
    """One weight array: real, finite, of ``shape``; converted to ``dtype``."""
    try:
        arr = np.asarray(w)
    except Exception as e:
        raise InputTypeError(f"{name} could not be turned into an array: {e}") from None
    if arr.dtype.kind not in "fiu":
        what = "complex numbers" if arr.dtype.kind == "c" else f"dtype {arr.dtype}"
        raise InputTypeError(f"{name} must hold real numbers, got {what}")
    if arr.shape != tuple(shape):
        raise InputError(f"{name} must have shape {tuple(shape)}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} contains NaN or infinite values")
    return arr.astype(dtype)
