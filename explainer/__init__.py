"""lstm-explainer: a reference LSTM in NumPy that records every gate and matches Keras.

    >>> from explainer import LSTM
    >>> trace = LSTM(3).trace(x)          # x: (batch, time, features)
    >>> trace.f[0, :, 0]                  # the forget gate of unit 0 over time

TensorFlow is never imported here; only :mod:`explainer.keras_bridge` does, lazily. The names
below are imported on first use (PEP 562), so ``import explainer`` — and so the first fraction
of a second of every ``lstm-explainer`` command, where a Ctrl-C must end quietly — loads no NumPy.
"""
from __future__ import annotations

from importlib import import_module

#: each public name → the module that defines it
_WHERE = {
    "sigmoid": "activations", "LSTMCell": "cell",
    "Callback": "callbacks", "EarlyStopping": "callbacks", "EpochTraces": "callbacks",
    "TerminateOnNaN": "callbacks", "TraceRecorder": "callbacks",
    "GradientTrace": "gradients",
    "LSTM": "layers", "Activation": "layers", "Dense": "layers", "Dropout": "layers", "Layer": "layers",
    "Bidirectional": "bidirectional", "Embedding": "embedding", "Masking": "masking",
    "TimeDistributed": "time_distributed",
    "History": "model", "Sequential": "model", "load_model": "model",
    "Adam": "optimizers", "RMSprop": "optimizers",
    "RNNTrace": "rnn", "SimpleRNN": "rnn",
    "SequenceTrace": "trace", "StepTrace": "trace",
    "InputError": "errors",
}

__version__ = "0.1.0"
__all__ = ["LSTMCell", "LSTM", "Dense", "Dropout", "Activation", "Layer", "Embedding", "Masking",
           "Bidirectional", "TimeDistributed", "Sequential", "History",
           "load_model", "Adam", "RMSprop", "SequenceTrace", "StepTrace", "sigmoid",
           "SimpleRNN", "RNNTrace", "GradientTrace", "Callback", "EarlyStopping", "TerminateOnNaN",
           "TraceRecorder", "EpochTraces", "InputError"]


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value  # once imported, an ordinary attribute
        return value
    raise AttributeError(f"module 'explainer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
