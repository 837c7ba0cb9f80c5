"""lstm-explainer: a reference LSTM in NumPy that records every gate and matches Keras.

    >>> from explainer import LSTM
    >>> trace = LSTM(3).trace(x)          # x: (batch, time, features)
    >>> trace.f[0, :, 0]                  # the forget gate of unit 0 over time

TensorFlow is never imported here; only :mod:`explainer.keras_bridge` does, lazily. The names
below are imported on first use (PEP 562), so ``import explainer`` — and so the first fraction
of a second of every ``lstm-explainer`` command, where a Ctrl-C must end quietly — loads no NumPy.

The package in layers, each importing only its own and those below (tests/test_architecture.py):

* the maths: ``activations``, ``cell``, ``gates``, ``trace``, ``gradients``, ``intervention``,
  ``initializers``, ``validation``, with what every layer shares: ``palette``, ``glossary``,
  ``presentation`` (how numbers and equations are written), ``npzfile`` (checked ``.npz`` files),
  ``textfile`` (CSV encodings and separators), ``extras`` (optional dependencies), ``errors`` (the
  one bad-input error class), ``paths`` (what an input path must be);
* the Keras-like framework: ``layers``, ``rnn``, ``gru``, ``bidirectional``, ``embedding``, ``masking``,
  ``time_distributed``, ``model`` (Sequential, fit, files), ``callbacks``, ``optimizers``, ``losses``;
* the bridges: ``keras_bridge``, ``torch_bridge``, ``your_model`` (your model file → a trace),
  ``demo``, ``sources`` (named traces for the views), ``cli`` and ``argtypes`` (its numbers);
* the applications, above the core: ``story``, ``bitcoin`` and ``chars``. The core never imports them: they
  register their commands and named traces through entry points (``pyproject.toml``).

``animations`` and ``widgets`` (the views) import ``explainer``, never the reverse. The core needs
only NumPy and tqdm; an application or bridge that needs more says which ``pip install
'lstm-explainer[…]'`` brings it.
"""
from __future__ import annotations

import _signal  # the C module: importing `signal` (pure Python, it loads enum) is slow enough to be hit
import sys
from importlib import import_module


def _interrupted_early(signum, frame) -> None:
    """Ctrl-C while the ``lstm-explainer`` command starts (Python compiling and importing the CLI and
    argparse, before ``explainer.cli.main`` runs): one line, no traceback."""
    sys.stderr.write("\ninterrupted\n")
    raise SystemExit(130)


def _is_the_command() -> bool:
    """This process is ``lstm-explainer …`` or ``python -m explainer.cli|explainer.bitcoin.cli …``."""
    argv = getattr(sys, "orig_argv", None) or []
    if "-m" in argv[:-1] and argv[argv.index("-m") + 1] in ("explainer.cli", "explainer.bitcoin.cli"):
        return True
    return (getattr(sys, "argv", None) or [""])[0].rsplit("/", 1)[-1].startswith("lstm-explainer")


# installed before anything else is imported; explainer.cli.main hands Ctrl-C back to Python
if _is_the_command() and _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
    _signal.signal(_signal.SIGINT, _interrupted_early)

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
    "RNNTrace": "rnn", "SimpleRNN": "rnn", "GRU": "gru", "GRUCell": "gru", "GRUTrace": "gru",
    "SequenceTrace": "trace", "StepTrace": "trace",
    "InputError": "errors",
}

__version__ = "0.1.0"
__all__ = ["LSTMCell", "LSTM", "Dense", "Dropout", "Activation", "Layer", "Embedding", "Masking",
           "Bidirectional", "TimeDistributed", "Sequential", "History",
           "load_model", "Adam", "RMSprop", "SequenceTrace", "StepTrace", "sigmoid",
           "SimpleRNN", "RNNTrace", "GRU", "GRUCell", "GRUTrace", "GradientTrace", "Callback", "EarlyStopping", "TerminateOnNaN",
           "TraceRecorder", "EpochTraces", "InputError"]


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value  # once imported, an ordinary attribute
        return value
    raise AttributeError(f"module 'explainer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
