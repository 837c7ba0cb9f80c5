"""One LSTM cell: a single time step, forward and backward, in Keras's exact numerics.

    z   = x_t W + h_{t-1} U + b                 W: (input_dim, 4u)  U: (u, 4u)  b: (4u,)  blocks [i | f | c | o]
    i   = σ(z_i)      f = σ(z_f)      g = tanh(z_c)      o = σ(z_o)
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)

⊙ is the element-wise (Hadamard) product, not a matrix product.

With ``peephole=True`` (Gers & Schmidhuber 2000) the gates also look at the cell state:
z_i += p_i ⊙ c_{t-1}, z_f += p_f ⊙ c_{t-1}, z_o += p_o ⊙ c_t. Keras has no such option.
"""
from __future__ import annotations

import numpy as np

from . import initializers
from .activations import sigmoid
from .trace import StepTrace

PEEPHOLES = ("peephole_i", "peephole_f", "peephole_o")


class LSTMCell:
    """The weights of one LSTM layer and the arithmetic of one step.

    Weights use Keras's names and layout: ``kernel`` (input_dim, 4u), ``recurrent_kernel``
    (u, 4u), ``bias`` (4u,), and with peepholes ``peephole_i/f/o`` (u,).
    """

    def __init__(self, units: int, input_dim: int, *, peephole: bool = False,
                 unit_forget_bias: bool = True, dtype=np.float32,
                 rng: np.random.Generator | None = None) -> None:
        if int(units) < 1 or int(input_dim) < 1:
            raise ValueError(f"an LSTM cell needs units >= 1 and input_dim >= 1, got {units} and {input_dim}")
        self.units, self.input_dim = int(units), int(input_dim)
        self.peephole = bool(peephole)
        self.dtype = np.dtype(dtype)
        rng = rng if rng is not None else np.random.default_rng()
        u, d = self.units, self.input_dim
        self.params: dict[str, np.ndarray] = {
            "kernel": initializers.glorot_uniform((d, 4 * u), rng, self.dtype),
            "recurrent_kernel": initializers.orthogonal((u, 4 * u), rng, self.dtype),
            "bias": initializers.zeros((4 * u,), self.dtype),
        }
        if unit_forget_bias:  # start by remembering: forget gate σ(1) ≈ 0.73
            self.params["bias"][u:2 * u] = 1.0
        if self.peephole:
            for name in PEEPHOLES:
                self.params[name] = initializers.zeros((u,), self.dtype)
        self._tanh_scale = np.array([0.5] * (2 * u) + [1.0] * u + [0.5] * u, dtype=self.dtype)

    # Readable names for the three matrices of the equations.
    @property
    def W(self) -> np.ndarray:
        return self.params["kernel"]

    @property
    def U(self) -> np.ndarray:
        return self.params["recurrent_kernel"]

    @property
    def b(self) -> np.ndarray:
        return self.params["bias"]

    def step(self, x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray,
             xW_b: np.ndarray | None = None) -> StepTrace:
        """One step; returns every intermediate value as a :class:`StepTrace`.

        ``x`` (batch, input_dim), ``h_prev`` and ``c_prev`` (batch, units). A layer that has
        already computed ``x W + b`` for all time steps in one matrix product passes it
        as ``xW_b`` (batch, 4u).
        """
        u = self.units
        if xW_b is None:
            xW_b = x @ self.W + self.b
        z = h_prev @ self.U
        z += xW_b
        if self.peephole:
            return self._peephole_step(x, h_prev, c_prev, z)
        # All four activations in one tanh: σ(a) = (1 + tanh(a/2)) / 2, so the gate blocks
        # are halved first and shifted after. Same values, a third of the passes over memory.
        act = np.tanh(z * self._tanh_scale)
        for gate in (slice(0, 2 * u), slice(3 * u, 4 * u)):
            act[:, gate] *= 0.5
            act[:, gate] += 0.5
        i, f, g, o = act[:, :u], act[:, u:2 * u], act[:, 2 * u:3 * u], act[:, 3 * u:]
        c = f * c_prev
        c += i * g
        tanh_c = np.tanh(c)
        h = o * tanh_c
        return StepTrace(x=x, h_prev=h_prev, c_prev=c_prev, z=z, i=i, f=f, g=g, o=o,
                         c=c, tanh_c=tanh_c, h=h)

    def _peephole_step(self, x, h_prev, c_prev, z) -> StepTrace:
        """The peephole step, spelled out: the output gate must wait for c_t."""
        u = self.units
        z[:, :u] += self.params["peephole_i"] * c_prev
        z[:, u:2 * u] += self.params["peephole_f"] * c_prev
        i = sigmoid(z[:, :u])
        f = sigmoid(z[:, u:2 * u])
        g = np.tanh(z[:, 2 * u:3 * u])
        c = f * c_prev + i * g
        z[:, 3 * u:] += self.params["peephole_o"] * c
        o = sigmoid(z[:, 3 * u:])
        tanh_c = np.tanh(c)
        h = o * tanh_c
        return StepTrace(x=x, h_prev=h_prev, c_prev=c_prev, z=z, i=i, f=f, g=g, o=o,
                         c=c, tanh_c=tanh_c, h=h)

    def backward_step(self, s: StepTrace, dh: np.ndarray, dc_next: np.ndarray,
                      grads: dict[str, np.ndarray], dz: np.ndarray | None = None):
        """Backprop one step from the recorded values ``s``.

        ``dh`` is dL/dh_t (from the output and from step t+1), ``dc_next`` is dL/dc_t
        arriving from step t+1. Returns ``(dz, dh_prev, dc_prev)`` with dz = dL/dz
        (batch, 4u), written into ``dz`` when given; peephole gradients are added into
        ``grads``. The W, U and b gradients are left to the caller, which forms them for
        all steps in one matrix product each.

            dc      = dc_next + dh ⊙ o ⊙ (1 - tanh²c)
            dz_i    = dc ⊙ g ⊙ i(1-i)          dz_f = dc ⊙ c_prev ⊙ f(1-f)
            dz_c    = dc ⊙ i ⊙ (1-g²)          dz_o = dh ⊙ tanh c ⊙ o(1-o)
            dc_prev = dc ⊙ f                   dh_prev = dz Uᵀ
        """
        u = self.units
        if dz is None:
            dz = np.empty(s.z.shape, s.z.dtype)
        dz_i, dz_f, dz_c, dz_o = dz[:, :u], dz[:, u:2 * u], dz[:, 2 * u:3 * u], dz[:, 3 * u:]
        np.multiply(dh, s.tanh_c, out=dz_o)
        dz_o *= s.o * (1 - s.o)
        dc = dh * s.o
        dc *= 1 - s.tanh_c * s.tanh_c
        dc += dc_next
        if self.peephole:
            dc += dz_o * self.params["peephole_o"]
            grads["peephole_o"] += (dz_o * s.c).sum(axis=0)
        np.multiply(dc, s.g, out=dz_i)
        dz_i *= s.i * (1 - s.i)
        np.multiply(dc, s.c_prev, out=dz_f)
        dz_f *= s.f * (1 - s.f)
        np.multiply(dc, s.i, out=dz_c)
        dz_c *= 1 - s.g * s.g
        dc_prev = dc * s.f
        if self.peephole:
            dc_prev += dz_i * self.params["peephole_i"] + dz_f * self.params["peephole_f"]
            grads["peephole_i"] += (dz_i * s.c_prev).sum(axis=0)
            grads["peephole_f"] += (dz_f * s.c_prev).sum(axis=0)
        dh_prev = dz @ self.U.T
        return dz, dh_prev, dc_prev
