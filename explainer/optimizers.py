"""Adam and RMSprop exactly as Keras 3 updates a variable.

Adam, step t counted from 1:
    m ← m + (g - m)(1 - β1)        v ← v + (g² - v)(1 - β2)
    α = lr · √(1 - β2^t) / (1 - β1^t)
    θ ← θ - α · m / (√v + ε)        (ε outside the bias correction)

RMSprop:
    v ← ρ v + (1 - ρ) g²
    θ ← θ - lr · g / √(v + ε)        (ε inside the square root)
"""
from __future__ import annotations
from .errors import InputError, InputTypeError

import inspect

import numpy as np


#: The largest learning rate accepted: Adam and RMSprop move each weight by about the learning
#: rate per step, and the weights of a tanh network live within a few units of zero.
MAX_LEARNING_RATE = 1.0


def hyperparameter(value, name: str, low: float, high: float, low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a float inside [low, high] (an end excluded when ``*_open``); a clear error otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputTypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    v = float(value)
    inside = (low < v if low_open else low <= v) and (v < high if high_open else v <= high)
    if not np.isfinite(v) or not inside:
        span = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise InputError(f"{name} must be in {span}, got {value!r}")
    return v


class Optimizer:
    def __init__(self, learning_rate: float = 0.001) -> None:
        self.learning_rate = hyperparameter(learning_rate, "learning_rate", 0, MAX_LEARNING_RATE, low_open=True)
        self.iterations = 0
        self._slots: dict[int, dict[str, np.ndarray]] = {}

    def _slot(self, theta: np.ndarray, name: str) -> np.ndarray:
        slots = self._slots.setdefault(id(theta), {})
        if name not in slots:
            slots[name] = np.zeros_like(theta)
        return slots[name]

    def apply(self, params_and_grads: list[tuple[np.ndarray, np.ndarray]]) -> None:
        """Update every parameter in place from its gradient; one optimiser step."""
        self.iterations += 1
        for theta, grad in params_and_grads:
            self.update(theta, grad.astype(theta.dtype, copy=False))

    def update(self, theta: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {"name": type(self).__name__.lower(), "learning_rate": self.learning_rate}


class Adam(Optimizer):
    def __init__(self, learning_rate: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7) -> None:
        super().__init__(learning_rate)
        # β = 1 would never update the moment (and divide by 1 - β^t = 0); ε = 0 divides 0 by 0
        self.beta_1 = hyperparameter(beta_1, "beta_1", 0, 1, high_open=True)
        self.beta_2 = hyperparameter(beta_2, "beta_2", 0, 1, high_open=True)
        self.epsilon = hyperparameter(epsilon, "epsilon", 0, 1, low_open=True)

    def update(self, theta: np.ndarray, g: np.ndarray) -> None:
        t = self.iterations
        m, v = self._slot(theta, "m"), self._slot(theta, "v")
        one = theta.dtype.type
        # Powers computed in the variable's precision, as Keras does with ops.power on float32.
        b1t, b2t = one(self.beta_1) ** one(t), one(self.beta_2) ** one(t)
        alpha = one(self.learning_rate) * np.sqrt(one(1) - b2t) / (one(1) - b1t)
        # In place with one scratch buffer: the model's weights are tens of megabytes.
        tmp = np.subtract(g, m)
        tmp *= one(1 - self.beta_1)
        m += tmp                                  # m ← m + (g - m)(1 - β1)
        np.multiply(g, g, out=tmp)
        tmp -= v
        tmp *= one(1 - self.beta_2)
        v += tmp                                  # v ← v + (g² - v)(1 - β2)
        np.sqrt(v, out=tmp)
        tmp += one(self.epsilon)
        np.divide(m * alpha, tmp, out=tmp)
        theta -= tmp                              # θ ← θ - α m / (√v + ε)

    def get_config(self) -> dict:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class RMSprop(Optimizer):
    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, epsilon: float = 1e-7) -> None:
        super().__init__(learning_rate)
        self.rho = hyperparameter(rho, "rho", 0, 1, high_open=True)
        self.epsilon = hyperparameter(epsilon, "epsilon", 0, 1, low_open=True)

    def update(self, theta: np.ndarray, g: np.ndarray) -> None:
        one = theta.dtype.type
        v = self._slot(theta, "v")
        v[...] = one(self.rho) * v + one(1 - self.rho) * (g * g)
        theta -= one(self.learning_rate) * g / np.sqrt(v + one(self.epsilon))

    def get_config(self) -> dict:
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


OPTIMIZERS = {"adam": Adam, "rmsprop": RMSprop}


def from_config(name, params: dict) -> Optimizer:
    """The optimiser ``name`` with ``params`` (as written by ``get_config``); unknown names and keys refused."""
    if not isinstance(name, str) or name.lower() not in OPTIMIZERS:
        raise InputError(f"unknown optimizer {name!r}; supported: {sorted(OPTIMIZERS)}")
    kind = OPTIMIZERS[name.lower()]
    known = set(inspect.signature(kind.__init__).parameters) - {"self"}
    extra = sorted(set(params) - known)
    if extra:
        raise InputError(f"optimizer {name!r} has no setting {', '.join(map(repr, extra))}; "
                         f"its settings are {', '.join(sorted(known))}")
    return kind(**params)


def get(opt) -> Optimizer:
    if isinstance(opt, Optimizer):
        return opt
    if isinstance(opt, str):
        if opt.lower() not in OPTIMIZERS:
            raise InputError(f"unknown optimizer {opt!r}; supported: {sorted(OPTIMIZERS)}")
        return OPTIMIZERS[opt.lower()]()
    raise InputTypeError(f"optimizer must be a name ('adam', 'rmsprop') or an Optimizer, got {type(opt).__name__}")


