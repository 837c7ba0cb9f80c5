"""Losses as Keras 3 computes them: a per-sample value averaged over the batch.

Each loss returns ``(per_sample, grad)``: per-sample losses ``(batch,)`` and the gradient
of their batch mean ``L = mean(per_sample)`` with respect to ``y_pred``.
"""
from __future__ import annotations
from .errors import InputError, InputTypeError

import numpy as np

EPSILON = 1e-7  # keras.backend.epsilon()


def mse(y_true: np.ndarray, y_pred: np.ndarray):
    """L_n = mean_k (ŷ_nk - y_nk)²."""
    d = y_pred - y_true
    per = (d * d).reshape(len(d), -1).mean(axis=1)
    return per, 2 * d / d.size


def mae(y_true: np.ndarray, y_pred: np.ndarray):
    """L_n = mean_k |ŷ_nk - y_nk|."""
    d = y_pred - y_true
    per = np.abs(d).reshape(len(d), -1).mean(axis=1)
    return per, np.sign(d) / d.size


def categorical_crossentropy(y_true: np.ndarray, y_pred: np.ndarray):
    """L_n = -Σ_k y_nk log p_nk with p = ŷ / Σŷ clipped to [ε, 1-ε] (Keras's probabilities path)."""
    s = y_pred.sum(axis=-1, keepdims=True)
    p = y_pred / s
    pc = np.clip(p, EPSILON, 1 - EPSILON)
    per = -(y_true * np.log(pc)).sum(axis=-1)
    dp = -y_true / pc * ((p >= EPSILON) & (p <= 1 - EPSILON))  # clip passes no gradient outside
    dy = (dp - (dp * p).sum(axis=-1, keepdims=True)) / s        # through p = ŷ / Σŷ
    return per.reshape(len(per), -1).mean(axis=1), dy / per.size  # per step of a sequence: Keras averages over all


LOSSES = {
    "mse": mse, "mean_squared_error": mse,
    "mae": mae, "mean_absolute_error": mae,
    "categorical_crossentropy": categorical_crossentropy,
}


def canonical(name, kind: str, table: dict) -> str:
    """``name`` as the table spells it: names are case-insensitive (``"MSE"`` is ``"mse"``), as optimisers'."""
    if not isinstance(name, str):
        raise InputTypeError(f"{kind} must be a name such as 'mse', got {type(name).__name__}")
    key = name.strip().lower()
    if key not in table:
        raise InputError(f"unknown {kind} {name!r}; supported: {sorted(table)}")
    return key


def get(name: str):
    return LOSSES[canonical(name, "loss", LOSSES)]


# Metrics: per-sample values, averaged over the epoch weighted by batch size (as Keras's Mean metrics).
def _accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    if y_pred.shape[-1] > 1:
        return (y_true.argmax(axis=-1) == y_pred.argmax(axis=-1)).astype(np.float64)
    return ((y_pred > 0.5) == (y_true > 0.5)).reshape(len(y_pred), -1).mean(axis=1)


METRICS = {
    "mae": lambda t, p: mae(t, p)[0], "mean_absolute_error": lambda t, p: mae(t, p)[0],
    "mse": lambda t, p: mse(t, p)[0], "mean_squared_error": lambda t, p: mse(t, p)[0],
    "accuracy": _accuracy, "acc": _accuracy, "categorical_accuracy": _accuracy,
}


def metric(name: str):
    return METRICS[canonical(name, "metric", METRICS)]
