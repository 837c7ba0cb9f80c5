"""Read a PyTorch ``nn.LSTM`` (+ ``nn.Linear``) state dict into this package's Keras-layout model.

No torch needed: a ``.safetensors`` file is read with the ``safetensors`` package (plain
arrays, nothing unpickled), or a ``{name: array}`` mapping is taken as it is.

How PyTorch's weights map onto Keras's, for layer k (``_reverse`` for the backward direction)::

    weight_ih_lk  (4H, in)   rows in blocks i, f, g, o   →  kernel           (in, 4H) = W_ihᵀ
    weight_hh_lk  (4H, H)                                 →  recurrent_kernel (H, 4H)  = W_hhᵀ
    bias_ih_lk + bias_hh_lk  (4H,)                        →  bias             (4H,)    (PyTorch adds both)
    Linear.weight (out, in), Linear.bias (out,)           →  Dense kernel (in, out) = weightᵀ, bias

PyTorch's block order i, f, g, o and Keras's i, f, c, o name the same four gates (Keras calls
the candidate ``c``); the mapping below goes through the gate table by name, not by position.

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
from .layers import LSTM, Dense
from .model import Sequential

#: PyTorch's order of the four gate blocks in weight_ih / weight_hh / biases.
TORCH_GATE_ORDER = ("i", "f", "g", "o")
_LSTM_KEY = re.compile(r"^(?P<prefix>.*?)(?P<kind>weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)"
                       r"_l(?P<layer>\d+)(?P<reverse>_reverse)?$")


def load_safetensors(path: str | Path) -> dict[str, np.ndarray]:
    """Every tensor of a ``.safetensors`` file as a NumPy array (no torch, nothing unpickled)."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    path = input_file(path, ".safetensors file")
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as e:
        raise InputError(f"{path} is not a readable .safetensors file ({e})") from None


def batch_major(x: np.ndarray, batch_first: bool) -> np.ndarray:
    """Inputs laid out for an ``nn.LSTM(batch_first=batch_first)`` as (batch, time, features)."""
    x = np.asarray(x)
    return x if batch_first else np.swapaxes(x, 0, 1)


def torch_to_keras_blocks(w: np.ndarray, units: int) -> np.ndarray:
    """Reorder the 4 gate blocks along axis 0 from PyTorch's i, f, g, o to Keras's i, f, c, o, by name."""
    blocks = {name: w[k * units:(k + 1) * units] for k, name in enumerate(TORCH_GATE_ORDER)}
    return np.concatenate([blocks[g.field] for g in gates.GATES], axis=0)


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


def _direction(tensors: dict, layer: int, reverse: bool, units: int) -> tuple[list, bool]:
    """Keras-layout ``[kernel, recurrent_kernel, (bias)]`` of one direction of one layer, and whether it has a bias."""
    w_ih = tensors[(layer, reverse, "weight_ih")]
    w_hh = tensors[(layer, reverse, "weight_hh")]
    b_ih, b_hh = tensors.get((layer, reverse, "bias_ih")), tensors.get((layer, reverse, "bias_hh"))
    use_bias = b_ih is not None or b_hh is not None
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
    """A :class:`Sequential` computing what a PyTorch ``nn.LSTM`` (and a following ``nn.Linear``) computes.

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
    units = tensors[(0, False, "weight_hh")].shape[1]
    input_dim = tensors[(0, False, "weight_ih")].shape[1]
    model = Sequential(name=name)
    all_weights = []
    for k in range(num_layers):
        top = k == num_layers - 1
        return_sequences = not top or output == "sequence"
        layer_name = f"{module}_l{k}"
        w_fwd, use_bias = _direction(tensors, k, False, units)
        options = dict(return_sequences=return_sequences, dtype=dtype)
        if not use_bias:
            options["use_bias"] = False
        if bidirectional:
            w_bwd, _ = _direction(tensors, k, True, units)
            model.add(Bidirectional(LSTM(units, **options, name=layer_name), merge_mode="concat",
                                    name=f"{layer_name}_bidirectional"))
            all_weights += w_fwd + w_bwd
        else:
            model.add(LSTM(units, **options, name=layer_name))
            all_weights += w_fwd
    lin = _find_linear(arrays, prefix, linear)
    if lin is not None:
        w = arrays[lin + "weight"]
        feed = units * (2 if bidirectional else 1)
        if w.shape[1] != feed:
            raise InputError(f"nn.Linear {lin.rstrip('.')!r} takes {w.shape[1]} inputs but the LSTM gives {feed}; "
                             "is it the layer that reads this LSTM?")
        b = arrays.get(lin + "bias")
        model.add(Dense(w.shape[0], use_bias=b is not None, name=lin.rstrip(".") or "linear", dtype=dtype))
        all_weights += [w.T] + ([b] if b is not None else [])
    model.build((1, input_dim))  # any number of time steps: the weights depend on the features only
    model.input_shape = (None, input_dim)
    model.set_weights([np.asarray(w, dtype=dtype) for w in all_weights])
    return model
