"""The GRU (Cho et al. 2014), Keras 3's ``GRU``: one cell's step, its backward, the layer, its trace.

Keras's kernel holds three blocks [z | r | h] (:data:`explainer.gates.GRU_GATES`):

    z  = ρ(x_t W_z + b_z + h_{t-1} U_z + b'_z)          update gate   (ρ: recurrent_activation, σ)
    r  = ρ(x_t W_r + b_r + h_{t-1} U_r + b'_r)          reset gate
    h̃  = α(x_t W_h + b_h + r ⊙ (h_{t-1} U_h + b'_h))     candidate     (α: activation, tanh)
    h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃

That is ``reset_after=True``, Keras's default and PyTorch's ``nn.GRU`` (whose two biases
b_ih, b_hh are Keras's ``bias[0]`` and ``bias[1]``, shape (2, 3u)). With ``reset_after=False``
(Cho et al.'s original) the reset gate acts before the product and there is one bias (3u,):

    h̃  = α(x_t W_h + b_h + (r ⊙ h_{t-1}) U_h)

Names follow Keras and Cho et al.: z the update gate, r the reset gate, h̃ (Keras ``hh``,
trace field ``h_tilde``) the candidate; ``z_z, z_r, z_h`` are their pre-activations, as
``z`` holds an LSTM's. Keras and PyTorch both write h_t = z h_{t-1} + (1 − z) h̃, so z is
the share of the old state kept (Chung et al. 2014 write the same gate as 1 − z).

Backprop through one step (dh = dL/dh_t)::

    dz_h = dh ⊙ (1 − z) ⊙ α′          dz_z = dh ⊙ (h_{t-1} − h̃) ⊙ ρ′          dz_r = dr ⊙ ρ′
    dr   = dz_h ⊙ (h_{t-1} U_h + b'_h)           (reset_after)
    dh_{t-1} = dh ⊙ z + [dz_z | dz_r | dz_h ⊙ r] Uᵀ

so the direct path of ∂h_t/∂h_{t-1} is the update gate z itself (element-wise); the rest
goes through U. Shapes: x (batch, input_dim), h (batch, units), W (input_dim, 3u), U (u, 3u).
"""
from __future__ import annotations
from .errors import InputError

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import activations, initializers
from .cell import (Weights, check_sizes, input_gradients, input_projection, recurrent_gradient, recurrent_product,
                   recurrent_product_backward, split_blocks)
from .gates import GRU_FIELDS
from .layers import LAYERS, Recurrent
from .npzfile import load_trace, names_matching, save_trace
from .trace import TOLERANCE_EPS, Timeline, TraceError, _check_kind
from .validation import check_array

GRU_TRACE_FIELDS = ("x", "h_prev", "z_z", "z_r", "z_h", *GRU_FIELDS, "h")
GRU_FORMAT = "lstm-explainer-gru-trace/1"
_GRU_MEMBERS = names_matching(*GRU_TRACE_FIELDS, "unit_index", "mask", r"weights/[A-Za-z_][A-Za-z0-9_]{0,63}")


@dataclass
class GRUStep:
    """One step's values, batched (batch, units); ``q`` is what the reset gate multiplies:
    h_{t-1} U_h + b'_h (reset_after) or h_{t-1} as the candidate saw it (reset before)."""

    x: np.ndarray
    h_prev: np.ndarray
    z_z: np.ndarray
    z_r: np.ndarray
    z_h: np.ndarray
    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray
    h: np.ndarray
    q: np.ndarray


class GRUCell(Weights):
    """The weights of one GRU layer and the arithmetic of one step, forward and backward.

    Keras's names and layout: ``kernel`` W (input_dim, 3u), ``recurrent_kernel`` U (u, 3u),
    ``bias`` (2, 3u) with reset_after (row 0 with x, row 1 with h) or (3u,) without.
    """

    def __init__(self, units: int, input_dim: int, *, reset_after: bool = True, use_bias: bool = True,
                 activation: str = "tanh", recurrent_activation: str = "sigmoid",
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", dtype=np.float32, rng: np.random.Generator | None = None) -> None:
        self.units, self.input_dim = check_sizes(units, input_dim, "a GRU cell")
        self.reset_after, self.use_bias = bool(reset_after), bool(use_bias)
        self.act, self.rec = activations.lookup(activation), activations.lookup(recurrent_activation)
        self.dtype = np.dtype(dtype)
        rng = rng if rng is not None else np.random.default_rng()
        u, d = self.units, self.input_dim
        self.params: dict[str, np.ndarray] = {
            "kernel": initializers.get(kernel_initializer)((d, 3 * u), rng, self.dtype),
            "recurrent_kernel": initializers.get(recurrent_initializer)((u, 3 * u), rng, self.dtype),
        }
        if self.use_bias:
            shape = (2, 3 * u) if self.reset_after else (3 * u,)
            self.params["bias"] = initializers.get(bias_initializer)(shape, rng, self.dtype)

    @property
    def b(self) -> np.ndarray:
        """The bias added with x W (zeros without ``use_bias``)."""
        b = self.params.get("bias")
        if b is None:
            return np.zeros(3 * self.units, self.dtype)
        return b[0] if self.reset_after else b

    @property
    def b_rec(self) -> np.ndarray | None:
        """The bias added with h U (reset_after and use_bias only), else ``None``."""
        b = self.params.get("bias")
        return b[1] if b is not None and self.reset_after else None

    def input_projection(self, xs: np.ndarray, mx: np.ndarray | None = None) -> np.ndarray:
        """``x_t W + b`` for every step at once, (time, batch, 3u)."""
        return input_projection(xs, self.W, self.b, 3, mx)

    # --- one step: forward, then backward --------------------------------------
    def step(self, x: np.ndarray, h_prev: np.ndarray, xW_b: np.ndarray | None = None,
             mh: np.ndarray | None = None) -> GRUStep:
        """One step from ``x`` (batch, input_dim) and ``h_prev`` (batch, units).

        ``xW_b`` is this step's row of :meth:`input_projection`; ``mh`` (3, batch, units) are
        the recurrent dropout masks, one per block (the mix with h_{t-1} uses it unmasked).
        """
        if xW_b is None:
            xW_b = x @ self.W + self.b
        x_z, x_r, x_h = split_blocks(xW_b, 3)
        rho, alpha, u = self.rec.fn, self.act.fn, self.units
        if self.reset_after:
            hU = recurrent_product(h_prev, self.U, 3, mh)
            if self.b_rec is not None:
                hU = hU + self.b_rec
            hU_z, hU_r, q = split_blocks(hU, 3)
            z_z, z_r = x_z + hU_z, x_r + hU_r
            z, r = rho(z_z), rho(z_r)
            z_h = x_h + r * q
        else:
            hU_z, hU_r = split_blocks(recurrent_product(h_prev, self.U[:, :2 * u], 2,
                                                        None if mh is None else mh[:2]), 2)
            z_z, z_r = x_z + hU_z, x_r + hU_r
            z, r = rho(z_z), rho(z_r)
            q = h_prev if mh is None else h_prev * mh[2]
            z_h = x_h + (r * q) @ self.U[:, 2 * u:]
        h_tilde = alpha(z_h)
        h = z * h_prev + (1 - z) * h_tilde
        return GRUStep(x, h_prev, z_z, z_r, z_h, z, r, h_tilde, h, q)

    def backward_step(self, s: GRUStep, dh: np.ndarray, mh: np.ndarray | None = None):
        """Backprop one step: ``dh`` = dL/dh_t. Returns ``(dz, dq, dh_prev)``: dz = dL/d[z_z | z_r | z_h]
        (batch, 3u), the gradient of x W + b; dq that of the recurrent product's blocks (reset_after:
        [dz_z | dz_r | dz_h ⊙ r] of h U + b'; reset before: [dz_z | dz_r] and dz_h); dh_prev = dL/dh_{t-1}.
        """
        u = self.units
        dz_h = dh * (1 - s.z) * self.act.derivative(s.z_h, s.h_tilde)
        dz_z = dh * (s.h_prev - s.h_tilde) * self.rec.derivative(s.z_z, s.z)
        direct = dh * s.z  # h_t = z ⊙ h_{t-1} + …: the direct path back is the update gate
        if self.reset_after:
            dz_r = dz_h * s.q * self.rec.derivative(s.z_r, s.r)
            dq = np.concatenate([dz_z, dz_r, dz_h * s.r], axis=-1)
            dh_prev = direct + recurrent_product_backward(dq, self.U, 3, mh)
        else:
            d_rq = dz_h @ self.U[:, 2 * u:].T  # dL/d(r ⊙ q)
            dz_r = d_rq * s.q * self.rec.derivative(s.z_r, s.r)
            dq = np.concatenate([dz_z, dz_r], axis=-1)
            dh_prev = direct + recurrent_product_backward(dq, self.U[:, :2 * u], 2, None if mh is None else mh[:2])
            dh_prev += d_rq * s.r * (1 if mh is None else mh[2])
        return np.concatenate([dz_z, dz_r, dz_h], axis=-1), dq, dh_prev

    def gradients(self, X: np.ndarray, H_prev: np.ndarray, R: np.ndarray, Q: np.ndarray,
                  dZ: np.ndarray, dQ: np.ndarray,
                  mx: np.ndarray | None = None, mh: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
        """dx and the weight gradients over all steps (time-major arrays), one product each:

            dW = Σ_t x_tᵀ dz_t     db = Σ_t dz_t      dx_t = dz_t Wᵀ
            reset_after:  dU = Σ_t h_{t-1}ᵀ dq_t    db' = Σ_t dq_t
            reset before: dU_zr = Σ_t h_{t-1}ᵀ dq_t    dU_h = Σ_t (r ⊙ h_{t-1})ᵀ dz_h
        """
        t, b, _ = dZ.shape
        dx, dW = input_gradients(X, dZ, self.W, 3, mx)
        grads = {"kernel": dW}
        if self.reset_after:
            grads["recurrent_kernel"] = recurrent_gradient(H_prev, dQ, 3, mh)
        else:
            u = self.units
            dU_zr = recurrent_gradient(H_prev, dQ, 2, None if mh is None else mh[:2])
            grads["recurrent_kernel"] = np.concatenate(
                [dU_zr, (R * Q).reshape(t * b, u).T @ dZ[..., 2 * u:].reshape(t * b, u)], axis=-1)
        if self.use_bias:
            db = dZ.reshape(t * b, -1).sum(axis=0)
            grads["bias"] = np.stack([db, dQ.reshape(t * b, -1).sum(axis=0)]) if self.reset_after else db
        return dx, grads


@dataclass
class GRUTrace(Timeline):
    """Every value a :class:`GRU` computed, stacked over time, ``(batch, time, ...)``, processing order.

        x        (batch, time, input_dim)   x_t
        h_prev   (batch, time, units)       h_{t-1}
        z_z, z_r, z_h                       pre-activations of the update gate, reset gate, candidate
        z        (batch, time, units)       update gate ρ(z_z)      (Keras ``z``, Cho et al. z)
        r        (batch, time, units)       reset gate ρ(z_r)       (Keras ``r``, Cho et al. r)
        h_tilde  (batch, time, units)       candidate α(z_h)        (Keras ``hh``, Cho et al. h̃)
        h        (batch, time, units)       h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃   (h_{t-1} at a masked step)

    ``mask`` (batch, time) marks the steps used; ``weights`` the layer's (Keras names);
    ``meta`` says ``reset_after``, ``go_backwards`` and the activations.
    """

    x: np.ndarray
    h_prev: np.ndarray
    z_z: np.ndarray
    z_r: np.ndarray
    z_h: np.ndarray
    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray
    h: np.ndarray
    layer: str = "gru"
    unit_index: np.ndarray | None = None
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    mask: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in GRU_TRACE_FIELDS:
            a = getattr(self, name)
            if not isinstance(a, np.ndarray) or a.ndim != 3:
                raise TraceError(f"GRU trace field {name!r} must be a (batch, time, ...) array, got {np.shape(a)}",
                                 field=name)
            _check_kind(a, f"GRU trace field {name!r}", name)
        b, t, u = self.h.shape
        for name in GRU_TRACE_FIELDS[1:]:
            if getattr(self, name).shape != (b, t, u):
                raise TraceError(f"GRU trace field {name!r} has shape {getattr(self, name).shape}, "
                                 f"expected {(b, t, u)}", field=name)
        if self.x.shape[:2] != (b, t):
            raise TraceError(f"GRU trace field 'x' has shape {self.x.shape}, expected ({b}, {t}, input_dim)",
                             field="x")
        self.unit_index = np.arange(u) if self.unit_index is None else np.asarray(self.unit_index, dtype=np.int64)
        if self.unit_index.shape != (u,):
            raise TraceError(f"unit_index has shape {self.unit_index.shape}, expected ({u},)", field="unit_index")
        if self.mask is not None:
            self.mask = np.asarray(self.mask)
            if self.mask.shape != (b, t) or self.mask.dtype.kind not in "biu" or not np.isin(self.mask, (0, 1)).all():
                raise TraceError(f"GRU trace mask must be (batch, time) = {(b, t)} of 0/1, got {self.mask.shape}",
                                 field="mask")
            self.mask = self.mask.astype(bool)

    @property
    def reset_after(self) -> bool:
        return bool(self.meta.get("reset_after", True))

    def validate(self) -> "GRUTrace":
        """Check the trace against its own equations; a :class:`TraceError` names the field and step.

        Every value finite; z and r in the recurrent activation's range; z = ρ(z_z), r = ρ(z_r),
        h̃ = α(z_h); h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h̃ at the steps used and h_t = h_{t-1} at masked
        ones; h_prev continues h; and, when the trace carries the layer's full weights, the
        pre-activations recomputed from x, h_{t-1} and the weights. Returns ``self``.
        """
        for name in GRU_TRACE_FIELDS:
            bad = ~np.isfinite(getattr(self, name))
            if bad.any():
                self._refuse(bad, name, "is not finite")
        eps = np.finfo(self.h.dtype if self.h.dtype.kind == "f" else np.float64).eps
        tol = TOLERANCE_EPS * eps
        rho = activations.lookup(self.meta.get("recurrent_activation", "sigmoid"))
        alpha = activations.lookup(self.meta.get("activation", "tanh"))
        live = np.ones(self.h.shape[:2], bool) if self.mask is None else self.mask
        checks = [("z", self.z, rho.fn(self.z_z), 1.0), ("r", self.r, rho.fn(self.z_r), 1.0),
                  ("h_tilde", self.h_tilde, alpha.fn(self.z_h), np.maximum(1.0, np.abs(self.z_h)))]
        mixed = np.where(live[..., None], self.z * self.h_prev + (1 - self.z) * self.h_tilde, self.h_prev)
        checks.append(("h", self.h, mixed, np.maximum(1.0, np.abs(self.h_prev) + np.abs(self.h_tilde))))
        if self.time > 1:
            checks.append(("h_prev", self.h_prev[:, 1:], self.h[:, :-1], 1.0))
        for name, recorded, expected, scale in checks:
            bad = np.abs(recorded - expected) > tol * scale
            if bad.any():
                self._refuse(bad, name, "breaks its equation", expected)
        self._check_preactivations(tol)
        return self

    def _check_preactivations(self, tol: float) -> None:
        W, U = self.weights.get("kernel"), self.weights.get("recurrent_kernel")
        u = self.units
        if W is None or U is None or U.shape != (u, 3 * u) or W.shape != (self.x.shape[-1], 3 * u):
            return  # no weights, or a narrowed trace: nothing to recompute from
        bias = self.weights.get("bias")
        b_in = np.zeros(3 * u) if bias is None else (bias[0] if bias.ndim == 2 else bias)
        x_z, x_r, x_h = split_blocks(self.x @ W + b_in, 3)
        if self.reset_after:
            hU = self.h_prev @ U + (bias[1] if bias is not None and bias.ndim == 2 else 0)
            hz, hr, q = split_blocks(hU, 3)
            expected = {"z_z": x_z + hz, "z_r": x_r + hr, "z_h": x_h + self.r * q}
        else:
            hz, hr = split_blocks(self.h_prev @ U[:, :2 * u], 2)
            expected = {"z_z": x_z + hz, "z_r": x_r + hr, "z_h": x_h + (self.r * self.h_prev) @ U[:, 2 * u:]}
        scale = 1.0 + np.abs(self.x).sum(-1, keepdims=True) + np.abs(self.h_prev).sum(-1, keepdims=True)
        for name, e in expected.items():
            bad = np.abs(getattr(self, name) - e) > tol * scale * 4
            if bad.any():
                self._refuse(bad, name, "does not follow from x, h_prev and the weights", e)

    def _refuse(self, bad: np.ndarray, name: str, what: str, expected: np.ndarray | None = None) -> None:
        b, t, k = (int(v) for v in np.argwhere(bad)[0])
        got = getattr(self, name)[b, t, k] if name != "h_prev" or expected is None else self.h_prev[b, t + 1, k]
        more = "" if expected is None else f" (recorded {float(got):.6g}, expected {float(expected[b, t, k]):.6g})"
        step = t + 1 if name == "h_prev" and expected is not None else t
        raise TraceError(f"GRU trace field {name!r} {what} at sample {b}, step {step}, unit "
                         f"{int(self.unit_index[k])}{more}", field=name, sample=b, step=step,
                         unit=int(self.unit_index[k]))

    def step(self, t: int) -> GRUStep:
        """The values of step ``t`` (batch, ·)."""
        vals = {n: getattr(self, n)[:, t] for n in GRU_TRACE_FIELDS}
        return GRUStep(**vals, q=np.zeros_like(vals["h"]))

    def gate(self, name: str) -> np.ndarray:
        """A gate by field or Keras letter: ``"z"``, ``"r"``, ``"h_tilde"`` (Keras: ``"h"``)."""
        from .gates import gru_gate

        return getattr(self, gru_gate(name).field)

    def sample(self, b: int) -> "GRUTrace":
        """The trace of one sequence of the batch (keeps batch dimension 1)."""
        if not -self.batch <= b < self.batch:
            raise IndexError(f"batch index {b} out of range for a batch of {self.batch}")
        b %= self.batch
        return GRUTrace(**{n: getattr(self, n)[b:b + 1] for n in GRU_TRACE_FIELDS}, layer=self.layer,
                        unit_index=self.unit_index.copy(), weights=dict(self.weights), meta=dict(self.meta),
                        mask=None if self.mask is None else self.mask[b:b + 1])

    def narrow(self, units) -> "GRUTrace":
        """Keep only the chosen units (positions within this trace), e.g. ``[0, 5, 7]``: their values
        exactly, their columns of the three weight blocks, and their indices."""
        idx = np.asarray(units, dtype=np.int64).reshape(-1)
        if idx.size == 0:
            raise InputError("narrow() needs at least one unit")
        if idx.min() < 0 or idx.max() >= self.units:
            raise InputError(f"unit indices {idx.tolist()} out of range for a layer of {self.units} units")
        cols = np.concatenate([k * self.units + idx for k in range(len(GRU_FIELDS))])
        weights = {k: w[..., cols] for k, w in self.weights.items() if k in ("kernel", "recurrent_kernel", "bias")}
        return GRUTrace(x=self.x, **{n: getattr(self, n)[..., idx] for n in GRU_TRACE_FIELDS[1:]}, layer=self.layer,
                        unit_index=self.unit_index[idx], weights=weights, meta=dict(self.meta), mask=self.mask)

    def most_active(self, k: int) -> np.ndarray:
        """Positions of the ``k`` units whose h moves most over time (then by |h|)."""
        k = int(k)
        if k < 1:
            raise InputError("most_active() needs k >= 1")
        score = np.abs(np.diff(self.h, axis=1)).mean(axis=(0, 1)) if self.time > 1 else np.zeros(self.units)
        score = score + 1e-3 * np.abs(self.h).mean(axis=(0, 1))
        return np.sort(np.argsort(-score, kind="stable")[:min(k, self.units)])

    def save(self, path: str | Path) -> Path:
        """Write the trace to ``path`` (``.npz``): plain arrays and JSON, no pickle."""
        return save_trace(path, self, GRU_TRACE_FIELDS, GRU_FORMAT)

    @classmethod
    def load(cls, path: str | Path) -> "GRUTrace":
        """Read a trace written by :meth:`save`. Never unpickles; a damaged file is a ``ValueError``."""
        data, weights, header = load_trace(path, "GRU trace", GRU_FORMAT, GRU_TRACE_FIELDS, _GRU_MEMBERS)
        meta = header.get("meta")
        if meta is not None and not isinstance(meta, dict):
            raise InputError(f"{path}: damaged GRU trace (meta is not a mapping)")
        return cls(**{n: data[n] for n in GRU_TRACE_FIELDS}, layer=str(header.get("layer", "gru")),
                   unit_index=data["unit_index"], weights=weights, meta=dict(meta or {}), mask=data.get("mask"))

    def __eq__(self, other) -> bool:
        if not isinstance(other, GRUTrace):
            return NotImplemented
        return (all(np.array_equal(getattr(self, n), getattr(other, n)) for n in GRU_TRACE_FIELDS)
                and np.array_equal(self.unit_index, other.unit_index) and self.layer == other.layer
                and ((self.mask is None and other.mask is None) or
                     (self.mask is not None and other.mask is not None and np.array_equal(self.mask, other.mask))))


class GRU(Recurrent):
    """A GRU layer over ``(batch, time, features)`` inputs, with Keras 3's options and numerics.

    The options of :class:`~explainer.layers.Recurrent` (masks, ``initial_state=[h0]``,
    ``stateful``, dropout masks, ``return_sequences``/``return_state``, ``go_backwards``),
    ``reset_after`` (default True, as Keras and PyTorch), activations, ``use_bias`` and
    initialisers. Holds only the loop over time, the masks and the dropout; the arithmetic
    is :class:`GRUCell`'s. A masked step carries h forward unchanged.
    """

    n_gates = 3
    state_names = ("h0",)

    def __init__(self, units: int, activation: str = "tanh", recurrent_activation: str = "sigmoid",
                 use_bias: bool = True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False, go_backwards: bool = False,
                 stateful: bool = False, unroll: bool = False, zero_output_for_mask: bool = False,
                 reset_after: bool = True, input_shape=None, name: str | None = None, dtype="float32",
                 seed: int | None = None,
                 dropout_mask_fn: Callable[[tuple], np.ndarray] | None = None) -> None:
        super().__init__(units, activation, recurrent_activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, dropout, recurrent_dropout, return_sequences,
                         return_state, go_backwards, stateful, unroll, zero_output_for_mask, input_shape, name,
                         dtype, seed, dropout_mask_fn)
        self.reset_after = bool(reset_after)
        self.cell: GRUCell | None = None
        self._steps: list[GRUStep] = []

    def build(self, input_shape: tuple, rng: np.random.Generator) -> None:
        self._check_build_shape(input_shape)
        rng = np.random.default_rng(self.seed) if self.seed is not None else rng
        self.cell = GRUCell(self.units, int(input_shape[-1]), reset_after=self.reset_after, use_bias=self.use_bias,
                            activation=self.activation, recurrent_activation=self.recurrent_activation,
                            **self.initializers, dtype=self.dtype, rng=rng)
        self.params = self.cell.params
        self.input_shape = tuple(input_shape)
        self.built = True

    def get_config(self) -> dict:
        return {**super().get_config(), "reset_after": self.reset_after}

    # --- forward --------------------------------------------------------------
    def run(self, x: np.ndarray, initial_state=None, mask=None, training: bool = False) -> list[GRUStep]:
        """Run the sequence and return its steps in processing order (at a masked step h is the carried one)."""
        return self._run(x, initial_state, mask, training)[0]

    def _run(self, x, initial_state, mask, training):
        x = np.asarray(x, dtype=self.dtype)
        self._check_input(x)
        if not self.built:
            self.build(x.shape[1:], np.random.default_rng())
        (h,) = self._initial(x, initial_state)
        xs, ms = self._time_major(x, mask)
        mx, mh = self._dropout_masks(x.shape[0], training)
        xW_b = self.cell.input_projection(xs, mx)
        steps = []
        for k in range(len(xs)):
            s = self.cell.step(xs[k], h, xW_b=xW_b[k], mh=mh)
            if ms is not None and not ms[k].all():  # masked rows keep their state
                s.h = np.where(ms[k][:, None], s.h, h)
            steps.append(s)
            h = s.h
        return steps, ms, (mx, mh)

    def forward(self, x: np.ndarray, training: bool = False, initial_state=None, mask=None):
        self._steps, self._mask, self._drop = self._run(x, initial_state, mask, training)
        H = np.stack([s.h for s in self._steps]) if self.return_sequences else None
        return self._outputs(H, [self._steps[-1].h])

    def trace(self, x, initial_state=None, mask=None) -> GRUTrace:
        """Run ``x`` (batch, time, features) with dropout off and record every gate: a :class:`GRUTrace`."""
        steps, ms, _ = self._run(check_array(x, "x", dtype=self.dtype), initial_state, mask, False)
        arrays = {n: np.stack([getattr(s, n) for s in steps], axis=1) for n in GRU_TRACE_FIELDS}
        meta = {"go_backwards": self.go_backwards, "reset_after": self.reset_after,
                "activation": self.activation, "recurrent_activation": self.recurrent_activation}
        return GRUTrace(**arrays, layer=self.name, weights={k: v.copy() for k, v in self.params.items()},
                        meta=meta, mask=None if ms is None else np.swapaxes(ms, 0, 1).copy())

    # --- backward -------------------------------------------------------------
    def backward(self, dy, dh_state: np.ndarray | None = None) -> np.ndarray:
        """Backprop through time; ``dy`` is dL/d(output) (or ``[dy, dh]`` with ``return_state``).
        Returns dL/dx; dL/dh0 is left in ``d_initial_state``. With ``record_gradients``,
        ``recorded`` keeps dL/dh_t, dL/d[z_z | z_r | z_h] and the direct factor z_t per step.
        A masked step handed h over unchanged, so its gradient passes straight back."""
        if isinstance(dy, (list, tuple)):
            dy, dh_state = dy
        steps, cell = self._steps, self.cell
        if not steps:
            raise RuntimeError(f"GRU {self.name!r}: backward() before forward()")
        t, (b, u) = len(steps), steps[0].h.shape
        ms = self._mask
        mx, mh = self._drop
        dH, dh_last = self._output_gradient(dy, t)
        dh_next = np.zeros((b, u), self.dtype) if dh_state is None else dh_state.astype(self.dtype)
        if dh_last is not None:
            dh_next = dh_next + dh_last
        dZ = np.empty((t, b, 3 * u), self.dtype)
        dQ = np.empty((t, b, (3 if self.reset_after else 2) * u), self.dtype)
        rec_dh = np.empty((t, b, u), self.dtype)
        for k in reversed(range(t)):
            dh = dh_next + dH[k] if dH is not None else dh_next
            live = None if ms is None else ms[k][:, None].astype(self.dtype)
            dz, dq, dh_prev = cell.backward_step(steps[k], dh if live is None else dh * live, mh)
            dZ[k], dQ[k], rec_dh[k] = dz, dq, dh
            dh_next = dh_prev if live is None else dh_prev + dh * (1 - live)
        self.d_initial_state = [dh_next]
        if self.record_gradients:
            self.recorded = {"dh": rec_dh, "dz": dZ.copy()}
        X, H_prev, R, Q = (np.stack([getattr(s, n) for s in steps]) for n in ("x", "h_prev", "r", "q"))
        dx, self.grads = cell.gradients(X, H_prev, R, Q, dZ, dQ, mx, mh)
        dx = np.swapaxes(dx, 0, 1)
        return dx[:, ::-1] if self.go_backwards else dx


def load_gated_trace(path: str | Path):
    """The trace in a file written by ``SequenceTrace.save`` (an LSTM's) or ``GRUTrace.save`` (a GRU's),
    told apart by the format its header names; validated. Anything else is refused as
    ``SequenceTrace.load`` refuses it."""
    from .trace import SequenceTrace

    try:
        return SequenceTrace.load(path)
    except InputError as e:
        if f"found {GRU_FORMAT!r}" not in str(e):  # load_npz names the format it found
            raise
    return GRUTrace.load(path).validate()


__all__ = ["GRU", "GRUCell", "GRUTrace", "GRUStep", "load_gated_trace"]

LAYERS["GRU"] = GRU  # where Sequential.load looks a saved layer's class up
