"""One LSTM cell: a single time step, forward and backward, in Keras's exact numerics.

    z   = x_t W + h_{t-1} U + b                 W: (input_dim, 4u)  U: (u, 4u)  b: (4u,)  blocks [i | f | c | o]
    i   = σ(z_i)      f = σ(z_f)      g = tanh(z_g)      o = σ(z_o)
    c_t = f ⊙ c_{t-1} + i ⊙ g
    h_t = o ⊙ tanh(c_t)

⊙ is the element-wise (Hadamard) product, not a matrix product; in code it is ``*``.
Keras calls the candidate's block ``c``; here it is ``g`` so it is never confused with the
cell state (see :mod:`explainer.gates`).

With ``peephole=True`` (Gers & Schmidhuber 2000) the gates also look at the cell state:
z_i += p_i ⊙ c_{t-1}, z_f += p_f ⊙ c_{t-1}, z_o += p_o ⊙ c_t. Keras has no such option;
:func:`peephole_step` and :func:`peephole_backward_step` spell that variant out on its own.

The backward functions take dL/dh_t and the dL/dc_t that flows back along the belt from
step t+1, and return dL/dz (the four blocks) and dL/dc_{t-1}. Every derivative is
written through the activation's output, as the recorded trace holds it:
σ′(z) = σ(z)(1 − σ(z)), tanh′(z) = 1 − tanh²(z).
"""
from __future__ import annotations
from .errors import InputError

import numpy as np

from . import activations, initializers
from .activations import Activation, sigmoid
from .gates import GATES
from .trace import StepTrace

PEEPHOLES = ("peephole_i", "peephole_f", "peephole_o")


def split_gates(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four gate blocks of ``z`` (…, 4u) as views ``(z_i, z_f, z_g, z_o)``, in Keras's block order."""
    u = z.shape[-1] // 4
    return tuple(z[..., g.index * u:(g.index + 1) * u] for g in GATES)


def dsigmoid(y: np.ndarray) -> np.ndarray:
    """σ′ written through the output y = σ(z): y(1 − y)."""
    return y * (1 - y)


def dtanh(y: np.ndarray) -> np.ndarray:
    """tanh′ written through the output y = tanh(z): 1 − y²."""
    return 1 - y * y


# --- the products with W and U, shared by every gated cell ---------------------
# n blocks of u columns each (LSTM: 4, GRU: 3). Keras's dropout multiplies x (or h_{t-1})
# by a mask before the product: one mask for all blocks, or with recurrent dropout one per
# block (masks shaped (n, batch, ·)). Forms the same sums as step by step, in one product.
def split_blocks(a: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """The ``n`` equal blocks of the last axis of ``a``, as views."""
    u = a.shape[-1] // n
    return tuple(a[..., k * u:(k + 1) * u] for k in range(n))


def input_projection(xs: np.ndarray, W: np.ndarray, b: np.ndarray, n: int,
                     mx: np.ndarray | None = None) -> np.ndarray:
    """``x_t W + b`` for every step at once, (time, batch, n·u), from ``xs`` (time, batch, d).

    One matrix product for the whole sequence: x_t does not depend on h, so this part of z
    need not wait for the loop. With per-block masks, z_g = (x ⊙ m_g) W_g + b_g.
    """
    t, bs, d = xs.shape
    if mx is None or mx.ndim == 2:
        xd = xs if mx is None else xs * mx
        return (xd.reshape(t * bs, d) @ W + b).reshape(t, bs, W.shape[1])
    return np.concatenate([(xs * mx[k]) @ Wg + bg for k, (Wg, bg) in
                           enumerate(zip(split_blocks(W, n), split_blocks(b, n)))], axis=-1)


def input_gradients(X: np.ndarray, dZ: np.ndarray, W: np.ndarray, n: int,
                    mx: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(dx, dW)`` of :func:`input_projection` over all steps: dx_t = dz_t Wᵀ, dW = Σ_t x_tᵀ dz_t."""
    t, bs, nu = dZ.shape
    if mx is None or mx.ndim == 2:
        Xd = X if mx is None else X * mx
        dZ2 = dZ.reshape(t * bs, nu)
        dW = Xd.reshape(t * bs, -1).T @ dZ2
        dx = (dZ2 @ W.T).reshape(t, bs, -1)
        if mx is not None:
            dx *= mx
        return dx, dW
    u = nu // n
    dz_g, W_g = split_blocks(dZ, n), split_blocks(W, n)
    dW = np.concatenate([(X * mx[g]).reshape(t * bs, -1).T @ dz_g[g].reshape(t * bs, u) for g in range(n)],
                        axis=-1)
    return sum((dz_g[g] @ W_g[g].T) * mx[g] for g in range(n)), dW


def recurrent_product(h: np.ndarray, U: np.ndarray, n: int, mh: np.ndarray | None = None) -> np.ndarray:
    """``h_{t-1} U`` (batch, n·u); with recurrent dropout each block sees its own masked h."""
    if mh is None:
        return h @ U
    return np.concatenate([(h * mh[g]) @ U_g for g, U_g in enumerate(split_blocks(U, n))], axis=-1)


def recurrent_product_backward(dz: np.ndarray, U: np.ndarray, n: int, mh: np.ndarray | None = None) -> np.ndarray:
    """dL/dh_{t-1} through :func:`recurrent_product`: dz Uᵀ (⊙ each block's mask)."""
    if mh is None:
        return dz @ U.T
    return sum((dz_g @ U_g.T) * mh[g] for g, (dz_g, U_g) in enumerate(zip(split_blocks(dz, n), split_blocks(U, n))))


def recurrent_gradient(H_prev: np.ndarray, dZ: np.ndarray, n: int, mh: np.ndarray | None = None) -> np.ndarray:
    """dU = Σ_t h_{t-1}ᵀ dz_t over all steps (each block with its masked h_{t-1})."""
    t, bs, nu = dZ.shape
    u = H_prev.shape[-1]
    if mh is None:
        return H_prev.reshape(t * bs, u).T @ dZ.reshape(t * bs, nu)
    dz_g = split_blocks(dZ, n)
    return np.concatenate([(H_prev * mh[g]).reshape(t * bs, u).T @ dz_g[g].reshape(t * bs, nu // n)
                           for g in range(n)], axis=-1)


# --- the plain LSTM: forward, then backward -------------------------------------
def update(c_prev: np.ndarray, i: np.ndarray, f: np.ndarray, g: np.ndarray, o: np.ndarray,
           act=np.tanh) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The state update from the four activations: ``(c, act(c), h)``.

        c_t = f ⊙ c_{t-1} + i ⊙ g        h_t = o ⊙ act(c_t)

    Shared by every plain step and by :mod:`explainer.intervention`, which recomputes the state
    after clamping a gate.
    """
    c = f * c_prev + i * g
    tanh_c = act(c)
    h = o * tanh_c
    return c, tanh_c, h


def step(x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, z: np.ndarray) -> StepTrace:
    """One plain LSTM step from its pre-activations ``z = x_t W + h_{t-1} U + b`` (batch, 4u)."""
    z_i, z_f, z_g, z_o = split_gates(z)
    i = sigmoid(z_i)
    f = sigmoid(z_f)
    g = np.tanh(z_g)
    o = sigmoid(z_o)
    c, tanh_c, h = update(c_prev, i, f, g, o)
    return StepTrace(x=x, h_prev=h_prev, c_prev=c_prev, z=z, i=i, f=f, g=g, o=o, c=c, tanh_c=tanh_c, h=h)


def backward_step(s: StepTrace, dh: np.ndarray, dc_next: np.ndarray):
    """Backprop one plain step from its recorded values ``s``.

    ``dh`` = dL/dh_t (from the output and from step t+1), ``dc_next`` = dL/dc_t arriving
    along the belt from step t+1. Returns ``((dz_i, dz_f, dz_g, dz_o), dc, dc_prev)``:
    dL/dz per gate, the total dL/dc_t and dL/dc_{t-1}. The belt passes the gradient
    back multiplied only by the forget gate: ∂c_t/∂c_{t-1} = f (on this direct path).
    """
    dc = dc_next + dh * s.o * dtanh(s.tanh_c)
    dz_i = dc * s.g * dsigmoid(s.i)
    dz_f = dc * s.c_prev * dsigmoid(s.f)
    dz_g = dc * s.i * dtanh(s.g)
    dz_o = dh * s.tanh_c * dsigmoid(s.o)
    dc_prev = dc * s.f
    return (dz_i, dz_f, dz_g, dz_o), dc, dc_prev


# --- with peepholes (Gers & Schmidhuber 2000) ----------------------------------
def peephole_step(x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, z: np.ndarray,
                  p_i: np.ndarray, p_f: np.ndarray, p_o: np.ndarray) -> StepTrace:
    """One peephole LSTM step; the peephole terms are added into ``z``, so the trace's z holds them.

    The output gate looks at the *new* cell state, so it must wait for c_t.
    """
    z_i, z_f, z_g, z_o = split_gates(z)
    z_i += p_i * c_prev
    z_f += p_f * c_prev
    i = sigmoid(z_i)
    f = sigmoid(z_f)
    g = np.tanh(z_g)
    c = f * c_prev + i * g
    z_o += p_o * c
    o = sigmoid(z_o)
    tanh_c = np.tanh(c)
    h = o * tanh_c
    return StepTrace(x=x, h_prev=h_prev, c_prev=c_prev, z=z, i=i, f=f, g=g, o=o, c=c, tanh_c=tanh_c, h=h)


def peephole_backward_step(s: StepTrace, dh: np.ndarray, dc_next: np.ndarray,
                           p_i: np.ndarray, p_f: np.ndarray, p_o: np.ndarray):
    """Backprop one peephole step: as :func:`backward_step`, plus the peephole paths.

    c_t also reaches the loss through z_o (p_o), and c_{t-1} through z_i and z_f (p_i, p_f).
    Returns ``((dz_i, dz_f, dz_g, dz_o), dc, dc_prev, (dp_i, dp_f, dp_o))``.
    """
    dz_o = dh * s.tanh_c * dsigmoid(s.o)
    dc = dc_next + dh * s.o * dtanh(s.tanh_c) + dz_o * p_o
    dz_i = dc * s.g * dsigmoid(s.i)
    dz_f = dc * s.c_prev * dsigmoid(s.f)
    dz_g = dc * s.i * dtanh(s.g)
    dc_prev = dc * s.f + (dz_i * p_i + dz_f * p_f)
    dp = ((dz_i * s.c_prev).sum(axis=0), (dz_f * s.c_prev).sum(axis=0), (dz_o * s.c).sum(axis=0))
    return (dz_i, dz_f, dz_g, dz_o), dc, dc_prev, dp


def belt_factor(s: StepTrace, p_i: np.ndarray | None = None, p_f: np.ndarray | None = None) -> np.ndarray:
    """∂c_t/∂c_{t-1} along the belt, element-wise (batch, units), holding h_{t-1} fixed.

    Plain LSTM: exactly the forget gate f_t; backprop hands dL/dc_{t-1} = dL/dc_t ⊙ f_t
    to the step before (plus what reaches c_{t-1} through h_{t-1}). With peepholes
    (``p_i``, ``p_f``) c_{t-1} also moves the input and forget gates:

        ∂c_t/∂c_{t-1} = f + c_{t-1} ⊙ σ′(z_f) ⊙ p_f + g ⊙ σ′(z_i) ⊙ p_i
    """
    if p_i is None:
        return s.f
    return s.f + s.c_prev * dsigmoid(s.f) * p_f + s.g * dsigmoid(s.i) * p_i


# --- any Keras activations -----------------------------------------------------
def step_with(x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, z: np.ndarray,
              act: Activation, rec: Activation) -> StepTrace:
    """One step with Keras's ``activation`` α and ``recurrent_activation`` ρ (the trace's
    ``tanh_c`` field then holds α(c)):

        i = ρ(z_i)  f = ρ(z_f)  g = α(z_g)  o = ρ(z_o)    c = f ⊙ c_prev + i ⊙ g    h = o ⊙ α(c)
    """
    z_i, z_f, z_g, z_o = split_gates(z)
    i = rec.fn(z_i)
    f = rec.fn(z_f)
    g = act.fn(z_g)
    o = rec.fn(z_o)
    c, tanh_c, h = update(c_prev, i, f, g, o, act.fn)
    return StepTrace(x=x, h_prev=h_prev, c_prev=c_prev, z=z, i=i, f=f, g=g, o=o, c=c, tanh_c=tanh_c, h=h)


def backward_step_with(s: StepTrace, dh: np.ndarray, dc_next: np.ndarray, act: Activation, rec: Activation):
    """:func:`backward_step` for any activations: α′ and ρ′ in place of tanh′ and σ′ (each
    from its output, or from z where the output alone does not fix the slope)."""
    z_i, z_f, z_g, z_o = split_gates(s.z)
    dc = dc_next + dh * s.o * act.derivative(s.c, s.tanh_c)
    dz_i = dc * s.g * rec.derivative(z_i, s.i)
    dz_f = dc * s.c_prev * rec.derivative(z_f, s.f)
    dz_g = dc * s.i * act.derivative(z_g, s.g)
    dz_o = dh * s.tanh_c * rec.derivative(z_o, s.o)
    dc_prev = dc * s.f
    return (dz_i, dz_f, dz_g, dz_o), dc, dc_prev


class Weights:
    """Readable names for the two matrices of the equations, over Keras's weight names:
    W = ``kernel`` (input_dim, blocks·u), U = ``recurrent_kernel`` (u, blocks·u). Shared by the
    LSTM and GRU cells and the SimpleRNN layer; each says what its own bias b is."""

    params: dict[str, np.ndarray]

    @property
    def W(self) -> np.ndarray:
        return self.params["kernel"]

    @property
    def U(self) -> np.ndarray:
        return self.params["recurrent_kernel"]


def check_sizes(units: int, input_dim: int, what: str) -> tuple[int, int]:
    """``(units, input_dim)`` as ints, or an InputError naming ``what`` ("an LSTM cell")."""
    if int(units) < 1 or int(input_dim) < 1:
        raise InputError(f"{what} needs units >= 1 and input_dim >= 1, got {units} and {input_dim}")
    return int(units), int(input_dim)


class LSTMCell(Weights):
    """The weights of one LSTM layer and the arithmetic of one step.

    Weights use Keras's names and layout: ``kernel`` W (input_dim, 4u), ``recurrent_kernel``
    U (u, 4u), ``bias`` b (4u,), and with peepholes ``peephole_i/f/o`` (u,).
    """

    def __init__(self, units: int, input_dim: int, *, peephole: bool = False,
                 unit_forget_bias: bool = True, use_bias: bool = True,
                 activation: str = "tanh", recurrent_activation: str = "sigmoid",
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", dtype=np.float32,
                 rng: np.random.Generator | None = None) -> None:
        self.units, self.input_dim = check_sizes(units, input_dim, "an LSTM cell")
        self.peephole = bool(peephole)
        self.use_bias = bool(use_bias)
        self.act, self.rec = activations.lookup(activation), activations.lookup(recurrent_activation)
        #: Keras's defaults (tanh, sigmoid) take the plain path that reads like the textbook equations.
        self.plain = (self.act.name, self.rec.name) == ("tanh", "sigmoid")
        if self.peephole and not self.plain:
            raise InputError("peephole connections are implemented with the default activations tanh and sigmoid")
        self.dtype = np.dtype(dtype)
        rng = rng if rng is not None else np.random.default_rng()
        u, d = self.units, self.input_dim
        self.params: dict[str, np.ndarray] = {
            "kernel": initializers.get(kernel_initializer)((d, 4 * u), rng, self.dtype),
            "recurrent_kernel": initializers.get(recurrent_initializer)((u, 4 * u), rng, self.dtype),
        }
        if self.use_bias:
            self.params["bias"] = initializers.get(bias_initializer)((4 * u,), rng, self.dtype)
            if unit_forget_bias:  # start by remembering: forget gate σ(1) ≈ 0.73
                split_gates(self.params["bias"])[1][...] = 1.0
        if self.peephole:
            for name in PEEPHOLES:
                self.params[name] = initializers.zeros((u,), self.dtype)

    @property
    def b(self) -> np.ndarray:
        """The bias; zeros when ``use_bias=False`` (Keras then has no bias weight at all)."""
        b = self.params.get("bias")
        return b if b is not None else np.zeros(4 * self.units, self.dtype)

    @property
    def peepholes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(p_i, p_f, p_o), each (units,)."""
        return tuple(self.params[name] for name in PEEPHOLES)

    # --- one step: forward, then backward --------------------------------------
    def input_projection(self, xs: np.ndarray, mx: np.ndarray | None = None) -> np.ndarray:
        """``x_t W + b`` for every step at once, (time, batch, 4u): see :func:`input_projection`."""
        return input_projection(xs, self.W, self.b, 4, mx)

    def step(self, x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray,
             xW_b: np.ndarray | None = None, mh: np.ndarray | None = None) -> StepTrace:
        """One step, ``z = x_t W + h_{t-1} U + b`` and the gates; every value as a :class:`StepTrace`.

        ``x`` (batch, input_dim), ``h_prev`` and ``c_prev`` (batch, units). A layer that has
        already formed ``x W + b`` for all steps (:meth:`input_projection`) passes this step's
        row as ``xW_b`` (batch, 4u); ``mh`` (4, batch, units) drops out parts of h_{t-1}, one
        mask per gate, as Keras's recurrent dropout does.
        """
        if xW_b is None:
            xW_b = x @ self.W + self.b
        z = xW_b + recurrent_product(h_prev, self.U, 4, mh)
        if self.peephole:
            return peephole_step(x, h_prev, c_prev, z, *self.peepholes)
        if self.plain:
            return step(x, h_prev, c_prev, z)
        return step_with(x, h_prev, c_prev, z, self.act, self.rec)

    def backward_step(self, s: StepTrace, dh: np.ndarray, dc_next: np.ndarray,
                      grads: dict[str, np.ndarray], dz: np.ndarray | None = None, mh: np.ndarray | None = None):
        """Backprop one step from the recorded values ``s``.

        ``dh`` is dL/dh_t (from the output and from step t+1), ``dc_next`` is dL/dc_t
        arriving from step t+1. Returns ``(dz, dc, dh_prev, dc_prev)``: dz = dL/dz
        (batch, 4u), written into ``dz`` when given, the total dc = dL/dc_t, and the
        gradients handed to step t-1. Peephole gradients are added into ``grads``; dx and
        the W, U and b gradients of all steps are :meth:`gradients`, right below.

            dc      = dc_next + dh ⊙ o ⊙ (1 - tanh²c)
            dz_i    = dc ⊙ g ⊙ i(1-i)          dz_f = dc ⊙ c_prev ⊙ f(1-f)
            dz_g    = dc ⊙ i ⊙ (1-g²)          dz_o = dh ⊙ tanh c ⊙ o(1-o)
            dc_prev = dc ⊙ f                   dh_prev = dz Uᵀ   (⊙ each gate's mask mh)
        """
        if self.peephole:
            dz_gates, dc, dc_prev, dp = peephole_backward_step(s, dh, dc_next, *self.peepholes)
            for name, d in zip(PEEPHOLES, dp):
                grads[name] += d
        elif self.plain:
            dz_gates, dc, dc_prev = backward_step(s, dh, dc_next)
        else:
            dz_gates, dc, dc_prev = backward_step_with(s, dh, dc_next, self.act, self.rec)
        dz = np.concatenate(dz_gates, axis=-1, out=dz)
        dh_prev = recurrent_product_backward(dz, self.U, 4, mh)
        return dz, dc, dh_prev, dc_prev

    def gradients(self, X: np.ndarray, H_prev: np.ndarray, dZ: np.ndarray,
                  mx: np.ndarray | None = None, mh: np.ndarray | None = None) -> tuple[np.ndarray, dict]:
        """dx and the weight gradients of every step, from the dz's :meth:`backward_step` gave.

        ``X`` (time, batch, input_dim), ``H_prev`` and ``dZ`` (time, batch, ·). Returns
        ``(dx, {"kernel": dW, "recurrent_kernel": dU, "bias": db})`` with

            dW = Σ_t x_tᵀ dz_t      dU = Σ_t h_{t-1}ᵀ dz_t      db = Σ_t dz_t      dx_t = dz_t Wᵀ

        each one matrix product over all steps (the same sums as step by step, and far fewer
        calls); with dropout, x and h_{t-1} as each gate saw them (⊙ mx, mh).
        """
        dx, dW = input_gradients(X, dZ, self.W, 4, mx)
        grads = {"kernel": dW, "recurrent_kernel": recurrent_gradient(H_prev, dZ, 4, mh)}
        if self.use_bias:
            t, b, u4 = dZ.shape
            grads["bias"] = dZ.reshape(t * b, u4).sum(axis=0)
        return dx, grads
