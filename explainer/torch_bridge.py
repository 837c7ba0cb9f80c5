"""Read a PyTorch ``nn.LSTM`` or ``nn.GRU`` (+ ``nn.Linear``) state dict into this package's Keras-layout model.

No torch needed: a ``.safetensors`` file is read with the ``safetensors`` package (plain
arrays, nothing unpickled), or a ``{name: array}`` mapping is taken as it is.

How PyTorch's weights map onto Keras's, for layer k (``_reverse`` for the backward direction)::

    weight_ih_lk  (4H, in)   rows in blocks i, f, g, o   →  kernel           (in, 4H) = W_ihᵀ
    weight_hh_lk  (4H, H)                                 →  recurrent_kernel (H, 4H)  = W_hhᵀ
    bias_ih_lk + bias_hh_lk  (4H,)                        →  bias             (4H,)    (PyTorch adds both)
    Linear.weight (out, in), Linear.bias (out,)           →  Dense kernel (in, out) = weightᵀ, bias

PyTorch's block order i, f, g, o and Keras's i, f, c, o name the same four gates (Keras calls
the candidate ``c``); the mapping below goes through the gate table by name, not by position.

An ``nn.GRU`` (weights of 3H rows) is Keras's ``GRU(reset_after=True)``: PyTorch's
n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h is Keras's
h̃ and h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃. Its blocks r, z, n go to Keras's z, r, h by name, and
the two biases stay apart: ``bias`` (2, 3H) = [b_ih; b_hh] (b_hn sits inside the reset product).

``batch_first`` is not stored in a state dict: it only says how the inputs are laid out. The
model returned here always takes ``(batch, time, features)``; time-major inputs are swapped
with :func:`batch_major`.
"""
from __future__ import annotations
from .errors import InputError, InputTypeError
from .paths import input_file

import re
from pathlib import Path
from typing import Mapping

import numpy as np

from . import gates
from .bidirectional import Bidirectional
from .gru import GRU
from .layers import LSTM, Dense
from .model import Sequential

#: PyTorch's order of the four gate blocks in weight_ih / weight_hh / biases.
TORCH_GATE_ORDER = ("i", "f", "g", "o")
#: PyTorch's nn.GRU blocks r, z, n as the GRU gate table's fields (n is the candidate h̃).
TORCH_GRU_ORDER = ("r", "z", "h_tilde")
_LSTM_KEY = re.compile(r"^(?P<prefix>.*?)(?P<kind>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)"
                       r"_l(?P<layer>\d+)(?P<reverse>_reverse)?$")


#: bytes per element of every dtype a .safetensors header can name
SAFETENSORS_DTYPES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1, "F8_E8M0": 1,
                      "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U64": 8, "U32": 4, "U16": 2, "U8": 1, "BOOL": 1,
                      "C64": 8, "C128": 16}
#: a header larger than this is not a state dict's (names, dtypes, shapes of a few tensors)
MAX_HEADER_BYTES = 64 << 20


def _float8_table(exponent: int, mantissa: int, bias: int, finite_only: bool) -> np.ndarray:
    """The 256 values of an 8-bit float (1 sign bit): ``E4M3`` (finite_only: no inf, NaN = all ones)
    or ``E5M2`` (IEEE-like: inf and NaN at the top exponent)."""
    b = np.arange(256)
    sign = np.where(b & 0x80, -1.0, 1.0)
    e = (b >> mantissa) & ((1 << exponent) - 1)
    m = (b & ((1 << mantissa) - 1)) / (1 << mantissa)
    value = sign * np.where(e == 0, m * 2.0 ** (1 - bias), (1 + m) * 2.0 ** (e - bias))
    top = e == (1 << exponent) - 1
    if finite_only:
        value[top & ((b & ((1 << mantissa) - 1)) == (1 << mantissa) - 1)] = np.nan
    else:
        value[top] = np.where(m[top] == 0, sign[top] * np.inf, np.nan)
    return value.astype(np.float32)


def _decode(name: str, dtype: str, data: bytes, shape: tuple, path) -> np.ndarray:
    """One tensor's bytes as a NumPy array: float types as floats (bfloat16 and float8 widened to
    float32, exactly); integer and bool tensors as they are (refused later if used as weights)."""
    plain = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
             "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?", "C64": "<c8", "C128": "<c16"}
    if dtype in plain:
        return np.frombuffer(data, dtype=plain[dtype]).reshape(shape)
    raw = np.frombuffer(data, dtype="<u2" if dtype == "BF16" else "u1")
    if dtype == "BF16":  # the top half of a float32
        return (raw.astype(np.uint32) << 16).view(np.float32).reshape(shape)
    if dtype == "F8_E8M0":  # exponent only (a scale): 2**(e - 127), 0xFF is NaN
        out = np.ldexp(np.float32(1), raw.astype(np.int32) - 127).astype(np.float32)
        out[raw == 0xFF] = np.nan
        return out.reshape(shape)
    table = _float8_table(4, 3, 7, True) if dtype == "F8_E4M3" else _float8_table(5, 2, 15, False)
    return table[raw].reshape(shape)


def load_safetensors(path: str | Path) -> dict[str, np.ndarray]:
    """Every tensor of a ``.safetensors`` file as a NumPy array (no torch, nothing unpickled).

    The format is read here (an 8-byte header length, a JSON header of names → dtype, shape and
    byte range, then the bytes), so every dtype it can hold is read — bfloat16 and both float8
    kinds exactly widened to float32 — and a damaged header names the tensor and what is wrong.
    """
    import json

    path = input_file(path, ".safetensors file")
    blob = path.read_bytes()
    where = f"{path} is not a readable .safetensors file"
    if len(blob) < 8:
        raise InputError(f"{where} ({len(blob)} bytes; too short for its header)")
    n = int.from_bytes(blob[:8], "little")
    if n > min(MAX_HEADER_BYTES, len(blob) - 8):
        raise InputError(f"{where} (its header claims {n:,} bytes; the file has {len(blob) - 8:,} after the length)")
    try:
        header = json.loads(blob[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise InputError(f"{where} (its header is not JSON: {e})") from None
    if not isinstance(header, dict):
        raise InputError(f"{where} (its header is a {type(header).__name__}, not an object)")
    data, out = blob[8 + n:], {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= set(info):
            raise InputError(f"{where}: tensor {name!r} has no dtype, shape and data_offsets ({info!r:.80})")
        dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if dtype not in SAFETENSORS_DTYPES:
            raise InputError(f"{path}: tensor {name!r} has dtype {dtype!r}, which this reader does not know; "
                             f"known: {', '.join(SAFETENSORS_DTYPES)}")
        if not (isinstance(shape, list) and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0
                                                for d in shape)):
            raise InputError(f"{where}: tensor {name!r} has shape {shape!r:.60}, not a list of sizes")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)
                and 0 <= offsets[0] <= offsets[1] <= len(data)):
            raise InputError(f"{where}: tensor {name!r} has data_offsets {offsets!r:.60} outside the file's "
                             f"{len(data):,} data bytes (cut off?)")
        size = int(np.prod(shape, dtype=np.int64)) * SAFETENSORS_DTYPES[dtype]
        if offsets[1] - offsets[0] != size:
            raise InputError(f"{where}: tensor {name!r} ({dtype}, shape {tuple(shape)}) needs {size:,} bytes but "
                             f"its data_offsets hold {offsets[1] - offsets[0]:,}")
        out[str(name)] = _decode(name, dtype, data[offsets[0]:offsets[1]], tuple(shape), path)
    return out


def _check_tensor(arrays: dict, key: str, ndim: int, expected: str, rows: int | None = None,
                  cols: int | None = None) -> np.ndarray:
    """The state dict's tensor ``key`` if it holds real floats of ``ndim`` dimensions (with ``rows``/``cols``
    when given); else an :class:`InputError` naming it, its dtype and shape, and what was expected."""
    w = arrays[key]
    shape = f"{w.dtype} tensor of shape {tuple(w.shape)}"
    if w.dtype.kind != "f":
        raise InputError(f"{key!r} is a {shape}; expected {expected} of floating-point weights "
                         "(integer, bool and complex tensors are not an LSTM's weights)")
    if w.ndim != ndim or (rows is not None and w.shape[0] != rows) or (cols is not None and w.shape[1] != cols):
        raise InputError(f"{key!r} is a {shape}; expected {expected}")
    if w.size == 0:
        raise InputError(f"{key!r} is an empty {shape}; expected {expected}")
    return w


def _check_recurrent_shapes(arrays: dict, prefix: str, tensors: dict) -> tuple[int, int, int]:
    """``(units, input features, gate blocks)`` of an nn.LSTM's (4 blocks) or nn.GRU's (3 blocks) tensors,
    every one checked against what PyTorch stores: weight_ih_lk (nH, in_k), weight_hh_lk (nH, H),
    biases (nH,), in_k = H (× 2 if bidirectional) for k > 0."""
    first = f"{prefix}weight_hh_l0"
    w_hh = _check_tensor(arrays, first, 2, "a 2-D (4·hidden_size, hidden_size) tensor (nn.LSTM; 3· for nn.GRU)")
    units = w_hh.shape[1]
    if w_hh.shape[0] not in (3 * units, 4 * units):
        raise InputError(f"{first!r} is a {w_hh.dtype} tensor of shape {w_hh.shape}; expected (4·hidden_size, "
                         f"hidden_size) = ({4 * units}, {units}) for an nn.LSTM (gate blocks i, f, g, o) or "
                         f"({3 * units}, {units}) for an nn.GRU (r, z, n)")
    n = w_hh.shape[0] // units
    bidirectional = any(rev for (_, rev, _) in tensors)
    for (layer, rev, kind) in sorted(tensors):
        key = f"{prefix}{kind}_l{layer}{'_reverse' if rev else ''}"
        if kind == "weight_hh":
            _check_tensor(arrays, key, 2, f"a 2-D ({n * units}, {units}) tensor", n * units, units)
        elif kind == "weight_ih":
            feed = None if layer == 0 else units * (2 if bidirectional else 1)
            _check_tensor(arrays, key, 2, f"a 2-D ({n * units}, {feed or 'input features'}) tensor", n * units, feed)
        elif kind in ("bias_ih", "bias_hh"):
            _check_tensor(arrays, key, 1, f"a 1-D ({n * units},) tensor", n * units)
    return units, arrays[f"{prefix}weight_ih_l0"].shape[1], n


def batch_major(x: np.ndarray, batch_first: bool) -> np.ndarray:
    """Inputs laid out for an ``nn.LSTM(batch_first=batch_first)`` as (batch, time, features)."""
    x = np.asarray(x)
    return x if batch_first else np.swapaxes(x, 0, 1)


def torch_to_keras_blocks(w: np.ndarray, units: int) -> np.ndarray:
    """Reorder the 4 gate blocks along axis 0 from PyTorch's i, f, g, o to Keras's i, f, c, o, by name."""
    blocks = {name: w[k * units:(k + 1) * units] for k, name in enumerate(TORCH_GATE_ORDER)}
    return np.concatenate([blocks[g.field] for g in gates.GATES], axis=0)


def torch_to_keras_gru_blocks(w: np.ndarray, units: int) -> np.ndarray:
    """Reorder the 3 blocks along axis 0 from PyTorch's r, z, n to Keras's z, r, h, by name."""
    blocks = {name: w[k * units:(k + 1) * units] for k, name in enumerate(TORCH_GRU_ORDER)}
    return np.concatenate([blocks[g.field] for g in gates.GRU_GATES], axis=0)


def _as_arrays(state_dict) -> dict[str, np.ndarray]:
    if isinstance(state_dict, (str, Path)):
        return load_safetensors(state_dict)
    if not isinstance(state_dict, Mapping):
        raise InputTypeError(f"from_torch_state_dict takes a mapping of names to arrays or a .safetensors path, "
                        f"got {type(state_dict).__name__}")
    out = {}
    for k, v in state_dict.items():
        if hasattr(v, "detach"):  # a torch tensor, if the caller has torch
            v = v.detach().cpu().numpy()
        out[str(k)] = np.asarray(v)
    return out


def _find_lstm(arrays: dict[str, np.ndarray], name: str | None) -> tuple[str, dict]:
    """The LSTM's key prefix and its tensors grouped by (layer, reverse)."""
    found: dict[str, dict] = {}
    for key, value in arrays.items():
        m = _LSTM_KEY.match(key)
        if m:
            found.setdefault(m["prefix"], {})[(int(m["layer"]), bool(m["reverse"]), m["kind"])] = value
    if not found:
        raise InputError("no nn.LSTM weights in this state dict (looked for keys like 'lstm.weight_ih_l0'); "
                         f"keys found: {', '.join(sorted(arrays)[:8])}{'…' if len(arrays) > 8 else ''}")
    if name is not None:
        prefix = name if name == "" or name.endswith(".") else name + "."
        if prefix not in found:
            raise InputError(f"no nn.LSTM named {name!r}; LSTMs found: {', '.join(repr(p.rstrip('.')) for p in found)}")
    elif len(found) > 1:
        raise InputError(f"this state dict holds several LSTMs ({', '.join(repr(p.rstrip('.')) for p in found)}); "
                         "choose one with lstm=NAME")
    else:
        prefix = next(iter(found))
    return prefix, found[prefix]


def _find_linear(arrays, lstm_prefix: str, name: str | None) -> str | None:
    candidates = sorted(k[:-len("weight")] for k, v in arrays.items()
                        if k.endswith("weight") and v.ndim == 2 and not k.startswith(lstm_prefix or "\0"))
    if name == "":
        return None
    if name is not None:
        prefix = name if name.endswith(".") else name + "."
        if prefix + "weight" not in arrays:
            raise InputError(f"no nn.Linear named {name!r}; 2-D weights found: "
                             f"{', '.join(repr(c.rstrip('.')) for c in candidates) or 'none'}")
        return prefix
    if len(candidates) > 1:
        raise InputError(f"several candidate nn.Linear layers ({', '.join(repr(c.rstrip('.')) for c in candidates)}); "
                         "choose one with linear=NAME (or linear='' for none)")
    return candidates[0] if candidates else None


def _direction(tensors: dict, layer: int, reverse: bool, units: int, gru: bool = False) -> tuple[list, bool]:
    """Keras-layout ``[kernel, recurrent_kernel, (bias)]`` of one direction of one layer, and whether it has a bias."""
    w_ih = tensors[(layer, reverse, "weight_ih")]
    w_hh = tensors[(layer, reverse, "weight_hh")]
    b_ih, b_hh = tensors.get((layer, reverse, "bias_ih")), tensors.get((layer, reverse, "bias_hh"))
    use_bias = b_ih is not None or b_hh is not None
    if gru:  # two biases kept apart, as Keras's reset_after GRU keeps them
        blocks = lambda w: torch_to_keras_gru_blocks(w, units)  # noqa: E731
        weights = [blocks(w_ih).T, blocks(w_hh).T]
        if use_bias:
            zero = np.zeros(3 * units, np.float64)
            weights.append(np.stack([blocks(zero if b is None else b.astype(np.float64)) for b in (b_ih, b_hh)]))
        return weights, use_bias
    weights = [torch_to_keras_blocks(w_ih, units).T, torch_to_keras_blocks(w_hh, units).T]
    if use_bias:
        b = np.zeros(4 * units, np.float64)
        for part in (b_ih, b_hh):  # PyTorch adds both biases; Keras has one
            if part is not None:
                b = b + part.astype(np.float64)
        weights.append(torch_to_keras_blocks(b, units))
    return weights, use_bias


def from_torch_state_dict(state_dict, *, lstm: str | None = None, linear: str | None = None,
                          output: str = "last_state", dtype="float32", name: str = "torch_model") -> Sequential:
    """A :class:`Sequential` computing what a PyTorch ``nn.LSTM`` or ``nn.GRU`` (and a following ``nn.Linear``)
    computes; the recurrent module's key names are the same for both, its shapes say which.

    ``state_dict``: ``model.state_dict()`` (arrays or tensors) or a ``.safetensors`` path.
    ``lstm`` / ``linear``: the modules' names in the state dict when there is more than one
    (``linear=''`` for none). ``output``: how the Linear reads the LSTM —
    ``"last_state"`` (``h_n`` of the top layer; both directions side by side when bidirectional,
    i.e. ``torch.cat([h_n[-2], h_n[-1]], 1)``), or ``"sequence"`` (every step, ``Linear(output)``).
    ``num_layers`` and ``bidirectional`` are read from the keys; ``proj_size > 0`` is refused.
    Inputs are (batch, time, features): see :func:`batch_major` for ``batch_first=False`` data.
    """
    if output not in ("last_state", "sequence"):
        raise InputError(f"output must be 'last_state' or 'sequence', got {output!r}")
    arrays = _as_arrays(state_dict)
    prefix, tensors = _find_lstm(arrays, lstm)
    module = prefix.rstrip(".") or "lstm"
    if any(kind == "weight_hr" for (_, _, kind) in tensors):
        raise InputError(f"nn.LSTM {module!r} uses proj_size > 0 (weights 'weight_hr_l*'); projected LSTMs have "
                         "no Keras counterpart and are not supported: retrain with proj_size=0")
    num_layers = 1 + max(layer for (layer, _, _) in tensors)
    bidirectional = any(rev for (_, rev, _) in tensors)
    for k in range(num_layers):
        for rev in ((False, True) if bidirectional else (False,)):
            for kind in ("weight_ih", "weight_hh"):
                if (k, rev, kind) not in tensors:
                    raise InputError(f"nn.LSTM {module!r}: missing {prefix}{kind}_l{k}{'_reverse' if rev else ''}")
    units, input_dim, blocks = _check_recurrent_shapes(arrays, prefix, tensors)
    gru = blocks == 3  # nn.GRU: 3 blocks r, z, n; nn.LSTM: 4
    if gru and bidirectional:
        raise InputError(f"nn.GRU {module!r} is bidirectional; a Bidirectional GRU is not supported here "
                         "(only a Bidirectional LSTM): export one direction or use an nn.LSTM")
    model = Sequential(name=name)
    all_weights = []
    for k in range(num_layers):
        top = k == num_layers - 1
        return_sequences = not top or output == "sequence"
        layer_name = f"{module}_l{k}"
        w_fwd, use_bias = _direction(tensors, k, False, units, gru)
        options = dict(return_sequences=return_sequences, dtype=dtype)
        if not use_bias:
            options["use_bias"] = False
        if gru:
            model.add(GRU(units, **options, name=layer_name))
            all_weights += w_fwd
        elif bidirectional:
            w_bwd, _ = _direction(tensors, k, True, units)
            model.add(Bidirectional(LSTM(units, **options, name=layer_name), merge_mode="concat",
                                    name=f"{layer_name}_bidirectional"))
            all_weights += w_fwd + w_bwd
        else:
            model.add(LSTM(units, **options, name=layer_name))
            all_weights += w_fwd
    lin = _find_linear(arrays, prefix, linear)
    if lin is not None:
        w = _check_tensor(arrays, lin + "weight", 2, "a 2-D (out_features, in_features) tensor")
        feed = units * (2 if bidirectional else 1)
        if w.shape[1] != feed:
            raise InputError(f"nn.Linear {lin.rstrip('.')!r} takes {w.shape[1]} inputs but the LSTM gives {feed}; "
                             "is it the layer that reads this LSTM?")
        b = arrays.get(lin + "bias")
        if b is not None:
            b = _check_tensor(arrays, lin + "bias", 1, f"a 1-D ({w.shape[0]},) tensor", w.shape[0])
        model.add(Dense(w.shape[0], use_bias=b is not None, name=lin.rstrip(".") or "linear", dtype=dtype))
        all_weights += [w.T] + ([b] if b is not None else [])
    model.build((1, input_dim))  # any number of time steps: the weights depend on the features only
    model.input_shape = (None, input_dim)
    model.set_weights([np.asarray(w, dtype=dtype) for w in all_weights])
    return model
