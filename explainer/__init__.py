"""lstm-explainer: a reference LSTM in NumPy that records every gate and matches Keras.

    >>> from explainer import LSTM
    >>> trace = LSTM(3).trace(x)          # x: (batch, time, features)
    >>> trace.f[0, :, 0]                  # the forget gate of unit 0 over time

TensorFlow is never imported here; only :mod:`explainer.keras_bridge` does, lazily.
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
