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
import re
from pathlib import Path

import numpy as np

from .embedding import Embedding
from .model import Sequential
from .trace import ARRAY_FIELDS

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
    ids = isinstance(model.layers[0], Embedding)
    shape = (model.input_shape[0] if model.input_shape else None,) if ids else (None, model.input_shape[-1])
    return _read_one(path, ids, shape, time_major)


def _read_one(path: str | Path, ids: bool, shape: tuple, time_major: bool = False):
    """One input array from ``.npy``/``.csv`` for an input of ``shape`` (no batch; ``(time,)`` for
    token ids, ``(time, features)`` otherwise; None = any)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in INPUT_SUFFIXES:
        raise InputError(f"{path}: unknown input file type {path.suffix or '(none)'!r}; give a NumPy array "
                         "(.npy) or a table with a row per time step (.csv)")
    input_file(path, "input file")
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
    x = _check_input_array(x, path, ids, shape, time_major)
    if features is not None and len(features) != x.shape[-1]:
        features = None
    return x, features, labels


def _check_input_array(x: np.ndarray, path, ids: bool, shape: tuple, time_major: bool = False,
                       what: str = "") -> np.ndarray:
    """``x`` as (batch, time[, features]) for an input of ``shape``, or a ValueError saying what is wrong."""
    if x.dtype.kind not in "biuf":
        raise InputError(f"{path}{what}: the input must be numbers, got dtype {x.dtype}; convert it to floats "
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
        raise InputError(f"{path}{what}: input of shape {x.shape} does not fit; give {shape_text}")
    if 0 in x.shape:
        raise InputError(f"{path}{what}: input of shape {x.shape} is empty (no samples, time steps or features); "
                         "give at least one time step")
    if ids:
        length = shape[0]
        if length is not None and x.shape[1] != length:
            raise InputError(f"{path}{what}: the model reads sequences of {length} token ids; this input has "
                             f"{x.shape[1]} per sequence; pad or cut them to {length}")
    else:
        expected = shape[-1]
        if expected is not None and x.shape[-1] != expected:
            raise InputError(f"{path}{what}: the input has {x.shape[-1]} features per step but the model expects "
                             f"{expected}; give a file with {expected} columns (one per feature)")
        if shape[0] is not None and x.shape[1] != shape[0]:
            raise InputError(f"{path}{what}: the model reads sequences of {shape[0]} steps; this input has "
                             f"{x.shape[1]}; pad or cut them to {shape[0]}")
    if not np.all(np.isfinite(x)):
        raise InputError(f"{path}{what}: the input contains NaN or infinite values; clean or impute them first")
    return x


#: a cell that is a label (a word, a date, a time), not a number: a letter other than an exponent's or a
#: currency's, or a date's or time's separators between digits (2020-06-30, 30/06/2020, 12:30)
_LABEL = re.compile(r"[^\W\d_]|\d[-/:]\d+[-/:]\d|\d:\d")
_NOT_LABEL = re.compile(r"(?<=\d)[eE](?=[+-]?\d)|US\$|USD|EUR|^[+-]?(inf|infinity|nan)$", re.IGNORECASE)


def _is_labels(cells) -> bool:
    """A first column of words or dates (the steps' labels) rather than numbers."""
    from .textfile import MISSING_TOKENS

    return any(_LABEL.search(_NOT_LABEL.sub("", c)) for c in cells if c not in MISSING_TOKENS)


def _read_csv(path: Path):
    """A ``.csv`` input: one row per time step, one column per feature, an optional first column of labels.

    Every feature column is read in its own number format (:func:`explainer.textfile.read_numbers`, the
    reader the bitcoin app's prices go through): decimal commas, thousands separators and a currency sign
    read exactly; a mixed, ambiguous or percent column, a cell that is not a number and a missing cell are
    refused naming the column and the row."""
    import csv
    import io

    from .extras import require

    require("csv", "pandas", why="reading a .csv input (or give a .npy array)")
    import pandas as pd

    from .textfile import decode, read_numbers, sniff_separator  # UTF-8/16, Latin-1; , ; tab |

    text = decode(path.read_bytes(), path)
    if not text.strip():
        raise InputError(f"{path}: the file is empty; give a header row, then one row per time step")
    sep = sniff_separator(text)
    try:
        cells = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as e:
        raise InputError(f"{path}: not a readable CSV table ({str(e).splitlines()[0]})") from None
    if cells.empty:
        raise InputError(f"{path}: the table has no rows; give one row per time step")
    cells = cells.apply(lambda col: col.str.strip())
    labels = None
    first = cells.columns[0]
    if _is_labels(cells[first]):
        labels = [str(v) for v in cells[first]]
        cells = cells.drop(columns=[first])
    if cells.shape[1] == 0:
        raise InputError(f"{path}: no numeric columns; give one column per input feature")
    named = (lambda r: f"row {r + 2}, {first} {labels[r]!r}") if labels else (lambda r: f"row {r + 2}")
    bad = [c for c in cells.columns if _is_labels(cells[c])]
    if bad:
        raise InputError(f"{path}: column(s) {', '.join(map(repr, bad))} are not numbers; only the first column "
                         "may hold labels (dates, words); remove or encode the others")
    columns = {}
    for name in cells.columns:
        values = read_numbers(cells[name], path, name, named)
        if values.isna().any():
            r = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise InputError(f"{path}: column {name!r} has no value in {named(r)} ({cells[name].iloc[r]!r}); "
                             "every time step needs every feature — fill or remove that row")
        columns[name] = values.to_numpy(np.float64)
    return np.column_stack(list(columns.values())), [str(c) for c in columns], labels


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


def choose_layer(names: list[str], layer: int | str, aliases: dict[str, str] | None = None) -> int:
    """The position in ``names`` that ``--layer`` picks: an index (negative counts from the end) or a
    name; ``aliases`` maps other accepted names to one of ``names``. A ValueError lists the choices."""
    listing = ", ".join(f"{k}={n}" for k, n in enumerate(names))
    if isinstance(layer, str):
        layer = (aliases or {}).get(layer, layer)
        if layer not in names:
            raise InputError(f"no recurrent layer named {layer!r}; choose one of {listing}")
        return names.index(layer)
    index = int(layer)
    if not -len(names) <= index < len(names):
        raise InputError(f"--layer {index} is out of range; the model has {len(names)} recurrent "
                         f"layer(s): {listing}")
    return index % len(names)


def one_sample(n: int, sample: int) -> slice:
    """The slice that keeps sequence ``sample`` (negative counts from the end) of a batch of ``n``."""
    if not -n <= sample < n:
        raise InputError(f"--sample {sample} is out of range; the input holds {n} sequence(s) (0..{n - 1})")
    sample %= n
    return slice(sample, sample + 1)


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
    index = choose_layer(names, layer)
    if sample is not None:
        x = x[one_sample(len(x), sample)]
    widest = max(_units_of(model, n) for n in names)
    check_memory(len(names) * trace_bytes(x.shape[0], x.shape[1], widest, x.shape[-1] if x.ndim == 3 else 1),
                 f"tracing {x.shape[0]} sequence(s) of {x.shape[1]} steps",
                 "trace fewer sequences (--sample K) or a shorter input")
    trace = model.trace(x)[index]
    return keep_units(trace, units)


def keep_units(trace, units: int | list[int] | None):
    """``--units``: the trace of the K most active units (an int) or of the listed unit indices
    (an LSTM's or a GRU's trace; a plain RNN's is kept whole)."""
    if units is None:
        return trace
    if not hasattr(trace, "narrow"):
        raise InputError(f"--units: layer {trace.layer!r} is a {type(trace).__name__} (a plain RNN), which is kept "
                         "whole; omit --units, or trace an LSTM or GRU layer (--layer)")
    if isinstance(units, int):
        if units > trace.units:
            raise InputError(f"--units {units}: layer {trace.layer!r} has only {trace.units} units; "
                             f"give at most {trace.units}")
        return trace.narrow(trace.most_active(units))
    return trace.narrow(units)


def _units_of(model: Sequential, name: str) -> int:
    for layer in model.layers:
        for inner in getattr(layer, "layers", (layer,)):
            if getattr(inner, "name", None) == name:
                return inner.units
    return 1


# --- one layer of any Keras model ---------------------------------------------
#: The largest max |Δ| of h between our layer and Keras's for a trace to be written.
PARITY_LIMIT = 1e-4


def load_keras_file(path: str | Path):
    """The Keras model in a ``.keras``/``.h5`` file, or a ValueError saying why not."""
    import zipfile

    from .keras_bridge import import_keras

    path = Path(path)
    input_file(path, "model file")
    if path.suffix.lower() == ".keras" and not zipfile.is_zipfile(path):
        raise InputError(f"{path} is not a Keras .keras file (not a zip archive: damaged, or another format); "
                         "save the model with model.save('model.keras')")
    keras = import_keras()
    try:
        return keras.models.load_model(path, compile=False)
    except (ValueError, TypeError, KeyError, AttributeError, OSError, zipfile.BadZipFile) as e:
        # what Keras raises for a damaged or foreign file; the cause stays attached (``__cause__``)
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"{path}: Keras could not load this model ({type(e).__name__}: {first[:200]})") from e


def input_name(t) -> str:
    """The name of a Keras model input: its Input layer's (what ``keras.Input(name=…)`` gave)."""
    from .keras_bridge import input_name as name

    return name(t)


def _input_spec(t) -> str:
    shape = ", ".join("batch" if k == 0 else ("None" if s is None else str(s)) for k, s in enumerate(t.shape))
    return f"{input_name(t)} ({shape}) {t.dtype}"


def read_keras_inputs(path: str | Path, keras_model, time_major: bool = False):
    """Inputs for any Keras model: ``({input name: array}, feature names, step labels)``.

    A model with one input reads ``.npy``/``.csv`` as :func:`read_inputs` does; ``.npz`` holds one
    array per model input, named as the model's inputs (``np.savez("x.npz", tokens=ids, h0=h0)``),
    each batched or all one sample.
    """
    path = Path(path)
    specs = list(keras_model.inputs)
    names = [input_name(t) for t in specs]
    if path.suffix.lower() != ".npz":
        if len(specs) != 1:
            raise InputError(f"{path}: this model has {len(specs)} inputs ({'; '.join(map(_input_spec, specs))}); "
                             f"give an .npz with one array per input: np.savez('x.npz', "
                             f"{', '.join(f'{n}=…' for n in names)})")
        t = specs[0]
        ids = "int" in str(t.dtype)
        x, features, labels = _read_one(path, ids, tuple(t.shape[1:]), time_major)
        return {input_name(t): x.astype(str(t.dtype)) if ids else x.astype(np.float32)}, features, labels
    input_file(path, "input file")
    try:
        with np.load(path, allow_pickle=False) as f:
            given = {k: f[k] for k in f.files}
    except ValueError as e:
        raise InputError(f"{path}: not a plain numeric .npz file ({e}); save it with np.savez") from None
    except (OSError, EOFError, Exception) as e:
        raise InputError(f"{path}: not a readable .npz file ({type(e).__name__}: {e})") from None
    missing, extra = [n for n in names if n not in given], [n for n in given if n not in names]
    if missing or extra:
        parts = ([f"missing {', '.join(map(repr, missing))}"] if missing else []) + \
                ([f"unknown {', '.join(map(repr, extra))}"] if extra else [])
        raise InputError(f"{path}: {' and '.join(parts)}; the model's inputs are "
                         f"{'; '.join(map(_input_spec, specs))}: one array per input, named so")
    one = all(given[input_name(t)].ndim == len(t.shape) - 1 for t in specs)  # one sample, no batch axis
    out = {}
    for t in specs:
        a = given[input_name(t)][None] if one else given[input_name(t)]
        what = f" (input {input_name(t)!r})"
        if a.dtype.kind not in "biuf":
            raise InputError(f"{path}{what}: the input must be numbers, got dtype {a.dtype}")
        want = tuple(t.shape[1:])
        if a.ndim != len(want) + 1 or any(s is not None and s != g for s, g in zip(want, a.shape[1:])):
            raise InputError(f"{path}{what}: shape {a.shape} does not fit {_input_spec(t)}")
        if 0 in a.shape:
            raise InputError(f"{path}{what}: shape {a.shape} is empty")
        if not np.all(np.isfinite(a)):
            raise InputError(f"{path}{what}: the input contains NaN or infinite values; clean or impute them first")
        out[input_name(t)] = a.astype(str(t.dtype)) if "int" in str(t.dtype) else a.astype(np.float32)
    batches = {a.shape[0] for a in out.values()}
    if len(batches) > 1:
        raise InputError(f"{path}: the inputs hold different numbers of samples "
                         f"({', '.join(f'{k}: {a.shape[0]}' for k, a in out.items())}); give each the same batch")
    return out, None, None


def _merge(merge_mode, y, y_rev):
    if merge_mode == "concat":
        return np.concatenate([y, y_rev], axis=-1)
    return {"sum": lambda: y + y_rev, "mul": lambda: y * y_rev, "ave": lambda: (y + y_rev) / 2,
            None: lambda: [y, y_rev]}[merge_mode]()


def keras_parity(ours, output, theirs, mask) -> float:
    """max |Δ| between our layer's output and Keras's (all returned states too), over unmasked steps."""
    ours_list = ours if isinstance(ours, list) else [ours]
    theirs_list = theirs if isinstance(theirs, list) else [theirs]
    worst = 0.0
    for a, b in zip(ours_list, theirs_list):
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        if a.shape != b.shape:
            raise InputError(f"our copy of the layer gives shape {a.shape}, Keras's {b.shape}")
        d = np.abs(a - b)
        if d.ndim == 3 and mask is not None:
            m = mask[:, ::-1] if output == "reversed" else mask
            d = d[m]
        if d.size:
            worst = max(worst, float(d.max()))
    if len(ours_list) != len(theirs_list):
        raise InputError(f"our copy of the layer returns {len(ours_list)} array(s), Keras's {len(theirs_list)}")
    return worst


def trace_keras_layer(keras_model, inputs: dict[str, np.ndarray], layer: int | str = 0,
                      sample: int | None = None, units: int | list[int] | None = None):
    """The trace of one recurrent layer of any Keras model, and its parity with Keras: ``(trace, max |Δ|)``.

    Keras computes what the layer receives (its input, mask and initial state, from whatever
    surrounds it); our copy of the layer, with its weights, runs on that and records every step;
    its output is checked against the output Keras computed (max |Δ| of h over unmasked steps,
    returned states included). A ValueError when it exceeds :data:`PARITY_LIMIT`.
    """
    from .keras_bridge import find_recurrent_layer, keras_call, layer_from_keras

    kl, direction, chain = find_recurrent_layer(keras_model, layer)  # chain: nested models around it
    if sample is not None:
        keep = one_sample(len(next(iter(inputs.values()))), sample)
        inputs = {k: v[keep] for k, v in inputs.items()}
    ours = layer_from_keras(kl)  # before Keras runs: a stateful layer's states are those saved
    args, kwargs, theirs = keras_call(keras_model, kl, inputs, chain)
    x = np.asarray(args[0], ours.dtype)
    mask = kwargs.get("mask")
    if isinstance(mask, list):  # one mask per input tensor: the sequence's
        mask = mask[0]
    mask = None if mask is None else np.asarray(mask, bool)
    state = kwargs.get("initial_state")
    state = None if state is None else [np.asarray(s, ours.dtype) for s in
                                        (state if isinstance(state, (list, tuple)) else [state])]
    extra = sorted(set(kwargs) - {"mask", "initial_state"})
    if extra or len(args) > 1:
        raise InputError(f"Keras layer {kl.name!r} is called with {', '.join(extra) or 'more than one input'}, "
                         "which this trace cannot pass on; it takes an input, a mask and an initial_state")
    check_memory(trace_bytes(x.shape[0], x.shape[1], getattr(ours, "units", 1) or 1, x.shape[-1]),
                 f"tracing {x.shape[0]} sequence(s) of {x.shape[1]} steps",
                 "trace fewer sequences (--sample K) or a shorter input")
    call = {}
    if mask is not None:
        if not getattr(ours, "takes_mask", True) and not mask.all():
            raise InputError(f"Keras layer {kl.name!r} ({type(kl).__name__}) is given a mask that skips steps, "
                             "which our SimpleRNN does not take; trace an LSTM layer instead")
        if getattr(ours, "takes_mask", True):
            call["mask"] = mask
    if state is not None:
        call["initial_state"] = state
    traces = ours.trace(x, **call)
    trace = traces[direction or 0] if isinstance(traces, list) else traces  # Bidirectional: one direction
    mine = ours.forward(x, training=False, **call)
    backwards = getattr(ours, "go_backwards", False) and getattr(ours, "return_sequences", False)
    delta = keras_parity(mine, "reversed" if backwards else "forward", theirs, mask)
    if not delta <= PARITY_LIMIT:
        raise InputError(f"our copy of Keras layer {kl.name!r} differs from Keras's output by max |Δh| = "
                         f"{delta:.3g} (over unmasked steps), more than {PARITY_LIMIT:g}; no trace written")
    return keep_units(trace, units), delta
