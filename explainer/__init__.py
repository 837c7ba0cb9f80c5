"""lstm-explainer: a reference LSTM in NumPy that records every gate and matches Keras.

    >>> from explainer import LSTM
    >>> trace = LSTM(3).trace(x)          # x: (batch, time, features)
    >>> trace.f[0, :, 0]                  # the forget gate of unit 0 over time

TensorFlow is never imported here; only :mod:`explainer.keras_bridge` does, lazily.

The package in layers, each importing only its own and those below (tests/test_architecture.py):

* the maths: ``activations``, ``cell``, ``gates``, ``trace``, ``gradients``, ``intervention``,
  ``initializers``, ``validation``, with what every layer shares: ``palette``, ``glossary``,
  ``presentation`` (how numbers and equations are written), ``npzfile`` (checked ``.npz`` files),
  ``textfile`` (CSV encodings and separators), ``extras`` (optional dependencies);
* the Keras-like framework: ``layers``, ``rnn``, ``gru``, ``bidirectional``, ``embedding``, ``masking``,
  ``time_distributed``, ``model`` (Sequential, fit, files), ``callbacks``, ``optimizers``, ``losses``;
* the bridges: ``keras_bridge``, ``torch_bridge``, ``your_model`` (your model file → a trace),
  ``demo``, ``sources`` (named traces for the views), ``cli``;
* the applications, above the core: ``story``, ``bitcoin`` and ``chars``. The core never imports them: they
  register their commands and named traces through entry points (``pyproject.toml``).

``animations`` and ``widgets`` (the views) import ``explainer``, never the reverse. The core needs
only NumPy and tqdm; an application or bridge that needs more says which ``pip install
'lstm-explainer[…]'`` brings it.
"""
from .activations import sigmoid
from .cell import LSTMCell
from .callbacks import Callback, EarlyStopping, EpochTraces, TerminateOnNaN, TraceRecorder
from .gradients import GradientTrace
from .layers import LSTM, Activation, Dense, Dropout, Layer
from .bidirectional import Bidirectional
from .embedding import Embedding
from .masking import Masking
from .time_distributed import TimeDistributed
from .model import History, Sequential, load_model
from .optimizers import Adam, RMSprop
from .rnn import RNNTrace, SimpleRNN
from .gru import GRU, GRUCell, GRUTrace
from .trace import SequenceTrace, StepTrace

__version__ = "0.1.0"
__all__ = ["LSTMCell", "LSTM", "Dense", "Dropout", "Activation", "Layer", "Embedding", "Masking",
           "Bidirectional", "TimeDistributed", "Sequential", "History",
           "load_model", "Adam", "RMSprop", "SequenceTrace", "StepTrace", "sigmoid",
           "SimpleRNN", "RNNTrace", "GRU", "GRUCell", "GRUTrace", "GradientTrace", "Callback", "EarlyStopping", "TerminateOnNaN",
           "TraceRecorder", "EpochTraces"]
