"""From your own model file and input file to a trace of one of its recurrent layers.

    model = load_model_file("model.keras")         # .keras | .h5 (Keras) | .safetensors (PyTorch) | .npz (ours)
    x, features, labels = read_inputs("day.csv", model)
    trace = trace_model(model, x, layer=0, sample=0, units=8)

Keras is imported only for ``.keras``/``.h5`` files; a ``.safetensors`` file is read without
torch. Every problem is a ``ValueError`` that names what was wrong and how to fix it.
"""
from __future__ import annotations
from .errors import InputError
from .paths import input_file

import os
from pathlib import Path

import numpy as np

from .embedding import Embedding
from .model import Sequential
from .trace import ARRAY_FIELDS, SequenceTrace

MODEL_SUFFIXES = (".keras", ".h5", ".safetensors", ".npz")
INPUT_SUFFIXES = (".npy", ".csv")
#: Bytes per float32 value.
_F32 = 4


def load_model_file(path: str | Path, torch_output: str = "last_state") -> Sequential:
    """A :class:`Sequential` from a Keras (``.keras``, ``.h5``), PyTorch (``.safetensors``) or our ``.npz`` file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in MODEL_SUFFIXES:
        raise InputError(f"{path}: unknown model file type {path.suffix or '(none)'!r}; give a Keras model "
                         "(.keras, .h5), a PyTorch state dict saved with safetensors (.safetensors) "
                         "or a model saved by lstm-explainer (.npz)")
    input_file(path, "model file")
    if suffix == ".npz":
        return Sequential.load(path)
    if suffix == ".safetensors":
        from .torch_bridge import from_torch_state_dict

        return from_torch_state_dict(path, output=torch_output, name=path.stem)
    from .keras_bridge import from_keras, import_keras

    import zipfile

    if suffix == ".keras" and not zipfile.is_zipfile(path):
        raise InputError(f"{path} is not a Keras .keras file (not a zip archive: damaged, or another format); "
                         "save the model with model.save('model.keras')")
    keras = import_keras()
    try:
        km = keras.models.load_model(path, compile=False)
    except (ValueError, TypeError, KeyError, AttributeError, OSError, zipfile.BadZipFile) as e:
        # what Keras raises for a damaged or foreign file; the cause stays attached (``__cause__``)
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"{path}: Keras could not load this model ({type(e).__name__}: {first[:200]})") from e
    return from_keras(km)


def recurrent_layers(model: Sequential) -> list[str]:
    """The names of the traces ``model.trace`` makes, in order (a Bidirectional layer gives two)."""
    names = []
    for layer in model.layers:
        if hasattr(layer, "layers") and hasattr(layer, "trace"):
            names += [inner.name for inner in layer.layers]
        elif hasattr(layer, "trace"):
            names.append(layer.name)
    return names


def read_inputs(path: str | Path, model: Sequential,
                time_major: bool = False) -> tuple[np.ndarray, list[str] | None, list[str] | None]:
    """Inputs for ``model`` from ``.npy`` or ``.csv``: ``(x, feature names, step labels)``.

    ``.npy``: (time, features) for one sequence or (batch, time, features); for a model that
    starts with an Embedding, (time,) or (batch, time) token ids. ``.csv``: one sequence, a row
    per time step; the header names the features, and a first column that is not numeric
    (dates, words) labels the steps. ``time_major``: a 3-D array is (time, batch, features)
    (PyTorch's ``batch_first=False`` layout) and is swapped to (batch, time, features).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in INPUT_SUFFIXES:
        raise InputError(f"{path}: unknown input file type {path.suffix or '(none)'!r}; give a NumPy array "
                         "(.npy) or a table with a row per time step (.csv)")
    input_file(path, "input file")
    ids = isinstance(model.layers[0], Embedding)
    features = labels = None
    if suffix == ".npy":
        try:
            x = np.load(path, allow_pickle=False)
        except ValueError as e:
            raise InputError(f"{path}: not a plain numeric .npy array ({e}); save it with np.save") from None
        except (OSError, EOFError) as e:
            raise InputError(f"{path}: not a readable .npy file ({e})") from None
    else:
        x, features, labels = _read_csv(path)
        if ids:
            if x.shape[1] != 1:
                raise InputError(f"{path}: this model starts with an Embedding, so it reads token ids: give one "
                                 f"column of ids (a row per time step), not {x.shape[1]} columns")
            x = x[:, 0]
    if x.dtype.kind not in "biuf":
        raise InputError(f"{path}: the input must be numbers, got dtype {x.dtype}; convert it to floats "
                         "(or token ids) first")
    want = 2 if ids else 3
    if time_major:
        if x.ndim != want:
            raise InputError(f"{path}: --time-major needs a {want}-D array (time, batch, …), got shape {x.shape}")
        x = np.swapaxes(x, 0, 1)
    if x.ndim == want - 1:
        x = x[None]  # one sequence
    shape_text = "(time,) or (batch, time) token ids" if ids else "(time, features) or (batch, time, features)"
    if x.ndim != want:
        raise InputError(f"{path}: input of shape {x.shape} does not fit; give {shape_text}")
    if 0 in x.shape:
        raise InputError(f"{path}: input of shape {x.shape} is empty (no samples, time steps or features); "
                         "give at least one time step")
    if ids:
        length = model.input_shape[0] if model.input_shape else None
        if length is not None and x.shape[1] != length:
            raise InputError(f"{path}: the model reads sequences of {length} token ids; this input has {x.shape[1]} "
                             f"per sequence; pad or cut them to {length}")
    else:
        expected = model.input_shape[-1]
        if x.shape[-1] != expected:
            raise InputError(f"{path}: the input has {x.shape[-1]} features per step but the model expects "
                             f"{expected}; give a file with {expected} columns (one per feature)")
    if not np.all(np.isfinite(x)):
        raise InputError(f"{path}: the input contains NaN or infinite values; clean or impute them first")
    if features is not None and len(features) != x.shape[-1]:
        features = None
    return x, features, labels


def _read_csv(path: Path):
    import csv
    import io

    import pandas as pd

    from .bitcoin.data import _DECIMAL_COMMA, decode, sniff_separator  # UTF-8/16, Latin-1; , ; tab |

    text = decode(path.read_bytes(), path)
    if not text.strip():
        raise InputError(f"{path}: the file is empty; give a header row, then one row per time step")
    sep = sniff_separator(text)
    try:
        cells = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
        comma = sep != "," and cells.stack().astype(str).str.strip().str.match(_DECIMAL_COMMA).any() \
            if len(cells.columns) and len(cells) else False
        df = pd.read_csv(io.StringIO(text), sep=sep, decimal="," if comma else ".",
                         thousands="." if comma else None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as e:
        raise InputError(f"{path}: not a readable CSV table ({str(e).splitlines()[0]})") from None
    if df.empty:
        raise InputError(f"{path}: the table has no rows; give one row per time step")
    labels = None
    first = df.columns[0]
    if not pd.api.types.is_numeric_dtype(df[first]):
        labels = [str(v) for v in df[first]]
        df = df.drop(columns=[first])
    bad = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        raise InputError(f"{path}: column(s) {', '.join(map(repr, bad))} are not numbers; only the first column "
                         "may hold labels (dates, words); remove or encode the others")
    if df.shape[1] == 0:
        raise InputError(f"{path}: no numeric columns; give one column per input feature")
    return df.to_numpy(dtype=np.float64), [str(c) for c in df.columns], labels


def available_memory() -> int:
    """Bytes of memory this process may reasonably use (the machine's available memory)."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 8 << 30


def trace_bytes(batch: int, time: int, units: int, input_dim: int) -> int:
    """Memory one float32 trace takes: 13 unit-wide fields (z counts four) plus x."""
    return (batch * time * (len(ARRAY_FIELDS) - 2 + 4) * units + batch * time * input_dim) * _F32


def check_memory(needed: int, what: str, fix: str) -> None:
    """Refuse, with the figure, work that would need more than half the available memory."""
    have = available_memory()
    if needed > have // 2:
        raise InputError(f"{what} would need about {needed / 2**30:,.1f} GiB of memory and "
                         f"{have / 2**30:,.1f} GiB is available; {fix}")


def parse_units(text: str) -> int | list[int]:
    """``--units``: ``K`` keeps the K most active units, ``a,b,c`` keeps those unit indices."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        values = [int(p) for p in parts]
    except ValueError:
        raise InputError(f"--units must be a count such as 8 or unit indices such as 0,5,7; got {text!r}") from None
    if len(set(values)) != len(values):
        raise InputError(f"--units lists a unit twice ({text!r}); give each unit once")
    if len(values) == 1:
        if values[0] < 1:
            raise InputError(f"--units {values[0]} keeps no unit; give a count of at least 1 (or omit --units for all)")
        return values[0]
    if min(values) < 0:
        raise InputError(f"--units indices must be >= 0; got {text!r}")
    return values


def trace_model(model: Sequential, x: np.ndarray, layer: int | str = 0, sample: int | None = None,
                units: int | list[int] | None = None):
    """The trace of recurrent layer ``layer`` (index or name) of ``model`` on ``x``: a
    :class:`SequenceTrace` for an LSTM, an :class:`~explainer.rnn.RNNTrace` for a SimpleRNN.

    ``sample`` keeps one sequence of the batch; ``units`` keeps the K most active units (an int)
    or the listed unit indices.
    """
    names = recurrent_layers(model)
    if not names:
        kinds = ", ".join(f"{l.name} ({type(l).__name__})" for l in model.layers)
        raise InputError(f"the model has no recurrent layer to trace (its layers: {kinds}); "
                         "give a model with an LSTM")
    listing = ", ".join(f"{k}={n}" for k, n in enumerate(names))
    if isinstance(layer, str):
        if layer not in names:
            raise InputError(f"no recurrent layer named {layer!r}; choose one of {listing}")
        index = names.index(layer)
    else:
        index = int(layer)
        if not -len(names) <= index < len(names):
            raise InputError(f"--layer {index} is out of range; the model has {len(names)} recurrent "
                             f"layer(s): {listing}")
    if sample is not None:
        if not -len(x) <= sample < len(x):
            raise InputError(f"--sample {sample} is out of range; the input holds {len(x)} sequence(s) "
                             f"(0..{len(x) - 1})")
        x = x[sample:sample + 1] if sample != -1 else x[-1:]
    widest = max(_units_of(model, n) for n in names)
    check_memory(len(names) * trace_bytes(x.shape[0], x.shape[1], widest, x.shape[-1] if x.ndim == 3 else 1),
                 f"tracing {x.shape[0]} sequence(s) of {x.shape[1]} steps",
                 "trace fewer sequences (--sample K) or a shorter input")
    trace = model.trace(x)[index]
    if units is not None and not isinstance(trace, SequenceTrace):
        raise InputError(f"--units: layer {trace.layer!r} is a {type(trace).__name__} (a plain RNN), which is kept "
                         "whole; omit --units, or trace an LSTM layer (--layer)")
    if units is not None:
        if isinstance(units, int):
            if units > trace.units:
                raise InputError(f"--units {units}: layer {trace.layer!r} has only {trace.units} units; "
                                 f"give at most {trace.units}")
            trace = trace.narrow(trace.most_active(units))
        else:
            trace = trace.narrow(units)
    return trace


def _units_of(model: Sequential, name: str) -> int:
    for layer in model.layers:
        for inner in getattr(layer, "layers", (layer,)):
            if getattr(inner, "name", None) == name:
                return inner.units
    return 1
