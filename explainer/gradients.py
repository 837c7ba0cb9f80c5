"""The gradient trace: backprop through time, recorded step by step beside the forward trace.

For a sequence x, its target y and the model's compiled loss L (averaged over the batch,
exactly as in training, with dropout off), :func:`trace_gradients` records for every
recurrent layer and every time step t (in processing order, like the forward trace):

LSTM (``kind="lstm"``), every array ``(batch, time, units)`` unless said otherwise:
    dh    dL/dh_t   total: from the layer's output at t (if it returns sequences or t is
                    last) plus from step t+1 through the recurrence h_t → z_{t+1}
    dc    dL/dc_t   total: from step t+1 along the belt plus through h_t = o ⊙ tanh(c_t)
                    (and, with peepholes, through z_o)
    dz    dL/dz_t   ``(batch, time, 4·units)``, blocks [i | f | g | o] (Keras order):
                    the gradient of each gate's pre-activation; :meth:`GradientTrace.gate`
                    gives one block
    belt  ∂c_t/∂c_{t-1} along the belt, element-wise, holding h_{t-1} fixed: for the plain
          LSTM exactly the forget gate f_t (with peepholes f_t plus the peephole terms,
          see :func:`explainer.cell.belt_factor`). So dL/dc_{t-1} = dL/dc_t ⊙ belt_t
          + (what reaches c_{t-1} through h_{t-1}).

A step masked out (``Masking``, ``Embedding(mask_zero=True)``) carries h and c unchanged:
there dh and dc are the gradients of the carried states, dz is 0 and belt is 1.

SimpleRNN (``kind="simple_rnn"``):
    dh     dL/dh_t   total, as above
    dz     dL/dz_t   = dh ⊙ slope
    slope  tanh′(z_t) = 1 − h_t² (the activation's derivative), so the step Jacobian is
           ∂h_t/∂h_{t-1} = diag(slope_t) Uᵀ: see :meth:`GradientTrace.jacobian`

GRU (``kind="gru"``), Keras's convention h_t = z_t ⊙ h_{t-1} + (1 − z_t) ⊙ h̃_t:
    dh      dL/dh_t   total, as above
    dz      dL/d[z_z | z_r | z_h]_t  ``(batch, time, 3·units)``, blocks [z | r | h] (Keras order):
            the gradient of the update gate's, the reset gate's and the candidate's pre-activation
    direct  ∂h_t/∂h_{t-1} on its direct path (not through U), element-wise: the update gate z_t
            itself (what Chung et al., who write the gate the other way round, call 1 − z);
            1 at a masked step. So dL/dh_{t-1} = dL/dh_t ⊙ direct_t + (what goes back through U).

Paths back in time, from those records: :meth:`GradientTrace.belt_path` (LSTM: the product
of the belt factors after step t) and :meth:`GradientTrace.jacobian_path` /
:meth:`GradientTrace.path_gain` (SimpleRNN: the product of the step Jacobians and its norm).

The numbers are recorded by the layers' own ``backward`` (the code that trains the
model), switched on by ``record_gradients``; nothing is computed twice. A gradient
trace saves to and loads from a safe ``.npz`` (no pickle), like the forward trace.
"""
from __future__ import annotations
from .errors import InputError

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import activations, gates
from .bidirectional import Bidirectional
from .cell import belt_factor
from .gru import GRU
from .layers import LSTM
from .npzfile import load_npz, names_matching, save_npz
from .rnn import SimpleRNN
from .trace import Timeline

GRADIENT_FORMAT = "lstm-explainer-gradients/1"
KINDS = ("lstm", "simple_rnn", "gru")
_OPTIONAL = ("dc", "belt", "slope", "direct")
#: Which optional fields each kind has, and how many blocks its dz has.
_NEEDS = {"lstm": ("dc", "belt"), "simple_rnn": ("slope",), "gru": ("direct",)}
_BLOCKS = {"lstm": 4, "simple_rnn": 1, "gru": 3}
_MEMBERS = names_matching("dh", "dz", *_OPTIONAL, "unit_index", r"weights/[A-Za-z_][A-Za-z0-9_]{0,63}")


@dataclass
class GradientTrace(Timeline):
    """One recurrent layer's backprop through time, step by step; see the module docstring.

    ``dh``, ``dc``, ``belt``, ``slope`` are ``(batch, time, units)``; ``dz`` is
    ``(batch, time, 4·units)`` for an LSTM, ``(batch, time, units)`` for a SimpleRNN.
    ``dc`` and ``belt`` exist for an LSTM only, ``slope`` for a SimpleRNN only (else ``None``).
    """

    _timeline = "dh"  # its shape is read from dL/dh

    kind: str
    dh: np.ndarray
    dz: np.ndarray
    dc: np.ndarray | None = None
    belt: np.ndarray | None = None
    slope: np.ndarray | None = None
    direct: np.ndarray | None = None
    layer: str = "lstm"
    loss: float = float("nan")
    unit_index: np.ndarray | None = None
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"gradient trace kind must be one of {KINDS}, got {self.kind!r}")
        if not isinstance(self.dh, np.ndarray) or self.dh.ndim != 3:
            raise InputError(f"gradient trace field 'dh' must be a (batch, time, units) array, got {np.shape(self.dh)}")
        b, t, u = self.dh.shape
        needs = _NEEDS[self.kind]
        for name in _OPTIONAL:
            a = getattr(self, name)
            if (a is None) == (name in needs):
                raise InputError(f"a {self.kind} gradient trace {'needs' if a is None else 'has no'} field {name!r}")
            if a is not None and a.shape != (b, t, u):
                raise InputError(f"gradient trace field {name!r} has shape {a.shape}, expected {(b, t, u)}")
        zu = _BLOCKS[self.kind] * u
        if self.dz.shape != (b, t, zu):
            raise InputError(f"gradient trace field 'dz' has shape {self.dz.shape}, expected {(b, t, zu)}")
        self.unit_index = np.arange(u) if self.unit_index is None else np.asarray(self.unit_index, dtype=np.int64)
        if self.unit_index.shape != (u,):
            raise InputError(f"unit_index has shape {self.unit_index.shape}, expected ({u},)")
        self.loss = float(self.loss)

    # --- views ----------------------------------------------------------------
    def gate(self, name: str) -> np.ndarray:
        """dL/dz of one LSTM gate, ``"i"``, ``"f"``, ``"g"`` (Keras: ``"c"``) or ``"o"``: (batch, time, units)."""
        if self.kind == "gru":
            k = gates.gru_gate(name).index
            return self.dz[..., k * self.units:(k + 1) * self.units]
        if self.kind != "lstm":
            raise InputError("a SimpleRNN has no gates; its dL/dz_t is the field dz")
        return gates.block(self.dz, name, self.units)

    def jacobian(self, t: int) -> np.ndarray:
        """SimpleRNN: ∂h_t/∂h_{t-1} = diag(slope_t) Uᵀ at step ``t``, ``(batch, units, units)``, [b, j, k] = ∂h_t[j]/∂h_{t-1}[k].

        Needs the full trace (not narrowed): U couples every unit with every other.
        """
        if self.kind != "simple_rnn":
            raise InputError("jacobian() is the SimpleRNN's step factor; an LSTM's belt factor is the field belt")
        U = self.weights.get("recurrent_kernel")
        if U is None or U.shape != (self.units, self.units):
            raise InputError("jacobian() needs the layer's full recurrent_kernel (a trace that was not narrowed)")
        return self.slope[:, t, :, None] * U.T[None]

    def belt_path(self) -> np.ndarray:
        """LSTM: ∏_{k=t+1}^{T-1} belt_k for every step t, ``(batch, time, units)`` (1 at the last step).

        The factor by which a gradient at the last cell state is multiplied on its way back to
        c_t along the belt alone: for the plain LSTM the product of the forget gates after t.
        """
        if self.kind != "lstm":
            raise InputError("belt_path() follows an LSTM's cell state; a SimpleRNN has none (see path_gain())")
        after = np.cumprod(self.belt[:, :0:-1], axis=1)[:, ::-1]  # t = 0 … T-2
        return np.concatenate([after, np.ones_like(self.belt[:, :1])], axis=1)

    def jacobian_path(self, t: int) -> np.ndarray:
        """SimpleRNN: ∂h_{T-1}/∂h_t = J_{T-1} ⋯ J_{t+1}, ``(batch, units, units)`` (the identity at t = T-1).

        The plain RNN's only way back in time: every step multiplies by diag(tanh′) Uᵀ.
        """
        if not -self.time <= t < self.time:
            raise IndexError(f"time step {t} out of range for a trace of {self.time} steps")
        t %= self.time
        P = np.broadcast_to(np.eye(self.units, dtype=self.dh.dtype), (self.batch, self.units, self.units)).copy()
        for k in range(t + 1, self.time):
            P = self.jacobian(k) @ P  # ∂h_k/∂h_t = J_k · ∂h_{k-1}/∂h_t
        return P

    def path_gain(self) -> np.ndarray:
        """SimpleRNN: the spectral norm ‖∂h_{T-1}/∂h_t‖₂ for every step t, ``(batch, time)``: how much a
        gradient at the last step can grow (> 1) or shrink (< 1) on its way back to step t."""
        P = np.broadcast_to(np.eye(self.units, dtype=self.dh.dtype), (self.batch, self.units, self.units)).copy()
        gain = np.ones((self.batch, self.time), self.dh.dtype)
        for t in range(self.time - 2, -1, -1):
            P = P @ self.jacobian(t + 1)  # ∂h_{T-1}/∂h_t = ∂h_{T-1}/∂h_{t+1} · J_{t+1}
            gain[:, t] = np.linalg.norm(P, ord=2, axis=(1, 2))
        return gain

    def sample(self, b: int) -> "GradientTrace":
        """The gradients of one sequence of the batch (keeps batch dimension 1)."""
        if not -self.batch <= b < self.batch:
            raise IndexError(f"batch index {b} out of range for a batch of {self.batch}")
        b = b % self.batch
        arrays = {n: getattr(self, n)[b:b + 1] for n in ("dh", "dz", *_OPTIONAL) if getattr(self, n) is not None}
        return GradientTrace(kind=self.kind, **arrays, layer=self.layer, loss=self.loss,
                             unit_index=self.unit_index.copy(), weights=dict(self.weights), meta=dict(self.meta))

    def narrow(self, units) -> "GradientTrace":
        """Keep only the chosen units (positions in this trace), as :meth:`SequenceTrace.narrow` does."""
        idx = np.asarray(units, dtype=np.int64).reshape(-1)
        if idx.size == 0 or idx.min() < 0 or idx.max() >= self.units:
            raise InputError(f"unit indices {idx.tolist()} out of range for a layer of {self.units} units")
        u = self.units
        zcols = np.concatenate([k * u + idx for k in range(_BLOCKS[self.kind])])
        arrays = {n: getattr(self, n)[..., idx] for n in ("dh", *_OPTIONAL) if getattr(self, n) is not None}
        weights = {}
        for name, w in self.weights.items():  # columns follow the kept units (and their gate blocks)
            weights[name] = w[..., zcols] if w.shape[-1] == self.dz.shape[-1] else w[..., idx]
        return GradientTrace(kind=self.kind, dz=self.dz[..., zcols], **arrays, layer=self.layer, loss=self.loss,
                             unit_index=self.unit_index[idx], weights=weights, meta=dict(self.meta))

    # --- files ----------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write to ``path`` (``.npz``): plain arrays and a JSON header, no pickle."""
        arrays = {n: getattr(self, n) for n in ("dh", "dz", *_OPTIONAL) if getattr(self, n) is not None}
        arrays["unit_index"] = self.unit_index
        arrays.update({f"weights/{k}": np.asarray(w) for k, w in self.weights.items()})
        header = {"format": GRADIENT_FORMAT, "kind": self.kind, "layer": self.layer, "loss": self.loss,
                  "meta": self.meta}
        return save_npz(path, arrays, header)

    @classmethod
    def load(cls, path: str | Path) -> "GradientTrace":
        """Read a gradient trace written by :meth:`save`. Never unpickles; damage is a ``ValueError``."""
        data, header = load_npz(path, "gradient trace", GRADIENT_FORMAT, _MEMBERS)
        missing = [n for n in ("dh", "dz", "unit_index") if n not in data]
        if missing:
            raise InputError(f"{path}: not an lstm-explainer gradient trace, missing arrays {missing}")
        weights = {k.split("/", 1)[1]: v for k, v in data.items() if k.startswith("weights/")}
        try:
            return cls(kind=str(header.get("kind")), dh=data["dh"], dz=data["dz"],
                       **{n: data.get(n) for n in _OPTIONAL}, layer=str(header.get("layer", "")),
                       loss=float(header.get("loss", "nan")), unit_index=data["unit_index"], weights=weights,
                       meta=dict(header.get("meta") or {}))
        except (TypeError, ValueError) as e:
            raise InputError(f"{path}: damaged gradient trace ({e})") from None

    def __eq__(self, other) -> bool:
        if not isinstance(other, GradientTrace):
            return NotImplemented
        same = [(getattr(self, n) is None and getattr(other, n) is None)
                or (getattr(self, n) is not None and getattr(other, n) is not None
                    and np.array_equal(getattr(self, n), getattr(other, n)))
                for n in ("dh", "dz", *_OPTIONAL)]
        return (all(same) and self.kind == other.kind and self.layer == other.layer
                and np.array_equal(self.unit_index, other.unit_index))


def _from_layer(layer, loss: float, loss_name: str) -> GradientTrace:
    """Wrap what ``layer.backward`` recorded, moved to (batch, time, …)."""
    rec = {k: np.ascontiguousarray(np.swapaxes(v, 0, 1)) for k, v in layer.recorded.items()}
    weights = {k: v.copy() for k, v in layer.params.items()}
    meta = {"go_backwards": layer.go_backwards, "loss_name": loss_name}
    if isinstance(layer, GRU):
        direct = np.stack([s.z for s in layer._steps], axis=1)  # h_t = z ⊙ h_{t-1} + …
        if layer._mask is not None:  # a masked step carries h unchanged: factor 1
            direct = np.where(np.swapaxes(layer._mask, 0, 1)[..., None], direct, direct.dtype.type(1))
        meta["reset_after"] = layer.reset_after
        return GradientTrace("gru", rec["dh"], rec["dz"], direct=direct, layer=layer.name, loss=loss,
                             weights=weights, meta=meta)
    if isinstance(layer, LSTM):
        peep = layer.cell.peepholes[:2] if layer.peephole else (None, None)
        belt = np.stack([belt_factor(s, *peep) for s in layer._steps], axis=1)
        if layer._mask is not None:  # a masked step carries c unchanged: c_t = c_{t-1}, factor 1
            belt = np.where(np.swapaxes(layer._mask, 0, 1)[..., None], belt, belt.dtype.type(1))
        meta["peephole"] = layer.peephole
        return GradientTrace("lstm", rec["dh"], rec["dz"], dc=rec["dc"], belt=belt, layer=layer.name,
                             loss=loss, weights=weights, meta=meta)
    Z, H = (np.swapaxes(layer._run[k], 0, 1) for k in ("z", "h"))
    slope = activations.derivative(layer.activation, Z, H)  # tanh′(z) = 1 − h²
    meta["activation"] = layer.activation
    return GradientTrace("simple_rnn", rec["dh"], rec["dz"], slope=slope, layer=layer.name, loss=loss,
                         weights=weights, meta=meta)


def trace_gradients(model, x, y) -> list[GradientTrace]:
    """Backprop ``x`` (batch, time, features) against ``y`` through ``model`` (compiled) with
    dropout off; return one :class:`GradientTrace` per recurrent layer (LSTM, GRU, SimpleRNN; a
    Bidirectional LSTM gives two, forward then backward, as :meth:`Sequential.trace` does).

    The model's weights are not changed (its layers' ``grads`` are, as by any backward pass).
    """
    if model.loss_name is None:
        raise RuntimeError("trace_gradients needs a loss: call compile(loss=...) first")
    x = model._check_x(x)
    y = model._check_y(y, x)
    recurrent = []  # in the order Sequential.trace lists the forward traces
    for layer in model.layers:
        if isinstance(layer, (LSTM, SimpleRNN, GRU)):
            recurrent.append(layer)
        elif isinstance(layer, Bidirectional):  # its forward LSTM, then its backward one
            recurrent.extend(layer.layers)
    if not recurrent:
        raise InputError("the model has no LSTM, GRU or SimpleRNN layer, so there is no time to backprop through")
    for layer in recurrent:
        layer.record_gradients, layer.recorded = True, None
    try:
        loss, _ = model.loss_and_grads(x, y, training=False)
    finally:
        for layer in recurrent:
            layer.record_gradients = False
    return [_from_layer(layer, loss, str(model.loss_name)) for layer in recurrent]


__all__ = ["GradientTrace", "trace_gradients"]
