"""Keras-style callbacks for :meth:`Sequential.fit`: History, EarlyStopping, TerminateOnNaN, TraceRecorder.

``fit(..., callbacks=[...])`` calls, as Keras 3 does::

    on_train_begin(logs)                                  once, logs = None
      on_epoch_begin(epoch, logs)                         epoch counts from 0
        on_batch_begin(batch, logs) / on_batch_end(batch, logs)
                                                          logs: the epoch's running means so far
      on_epoch_end(epoch, logs)                           logs: loss, metrics, val_* of the epoch
    on_train_end(logs)                                    logs: the last epoch's

A callback stops training by setting ``self.model.stop_training = True``: the loop ends
after the current batch (the epoch is then closed with the batches it saw) or at the end
of the epoch. A :class:`History` is always among the callbacks; ``fit`` returns it.

:class:`TraceRecorder` records a probe sequence's trace before training and after every
epoch: the gates *learning*. Its file is a :class:`EpochTraces`, safe to open (no pickle).
"""
from __future__ import annotations
from .errors import InputError, InputTypeError

import time
import warnings
from pathlib import Path

import numpy as np

from .npzfile import load_npz, names_matching, save_npz
from .layers import LSTM
from .rnn import RNN_FIELDS, RNNTrace, SimpleRNN
from .trace import ARRAY_FIELDS, SequenceTrace

EPOCH_TRACES_FORMAT = "lstm-explainer-epoch-traces/1"
_EPOCH_MEMBERS = names_matching(*(rf"layer[0-9]{{1,3}}/{name}" for name in sorted(set(ARRAY_FIELDS + RNN_FIELDS))),
                                r"layer[0-9]{1,3}/(unit_index|mask)", r"layer[0-9]{1,3}/weights/[A-Za-z_][A-Za-z0-9_]{0,63}")


class Callback:
    """Base class: every hook does nothing. ``self.model`` is the model being trained,
    ``self.params`` holds ``epochs``, ``steps`` (batches per epoch) and ``verbose``."""

    def __init__(self) -> None:
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None) -> None: ...
    def on_train_end(self, logs=None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs=None) -> None: ...
    def on_epoch_end(self, epoch: int, logs=None) -> None: ...
    def on_batch_begin(self, batch: int, logs=None) -> None: ...
    def on_batch_end(self, batch: int, logs=None) -> None: ...

    # Keras's names for the training batches; they call the generic ones, as in Keras.
    def on_train_batch_begin(self, batch: int, logs=None) -> None:
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs=None) -> None:
        self.on_batch_end(batch, logs)


class CallbackList:
    """The callbacks of one ``fit``, called in order; a :class:`History` is added first if none is given."""

    def __init__(self, callbacks, model, params: dict) -> None:
        callbacks = list(callbacks or [])
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise InputTypeError(f"callbacks must be Callback instances (History, EarlyStopping, TerminateOnNaN, "
                                f"TraceRecorder, or a subclass of Callback); got {type(cb).__name__}")
        histories = [cb for cb in callbacks if isinstance(cb, History)]
        # first, so its epoch timer measures the epoch, not the work other callbacks do at its end
        self.history = histories[0] if histories else History()
        self.callbacks = callbacks if histories else [self.history] + callbacks
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    def __getattr__(self, hook: str):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call(*args):
            for cb in self.callbacks:
                getattr(cb, hook)(*args)
        return call


class History(Callback):
    """Records each epoch's logs: ``history`` maps Keras's keys (``loss``, ``val_loss``, ``mae``…)
    to per-epoch lists; ``epoch`` lists the epochs run; ``seconds_per_epoch`` their wall time."""

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.seconds_per_epoch: list[float] = []

    def on_train_begin(self, logs=None) -> None:
        self.epoch = []

    def on_epoch_begin(self, epoch: int, logs=None) -> None:
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self.seconds_per_epoch.append(time.perf_counter() - self._t0)
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        self.model.history = self


# Which way is better, for mode="auto" (Keras reads it from the metric's direction).
_LOWER_IS_BETTER = {"loss", "mae", "mse", "mean_absolute_error", "mean_squared_error"}
_HIGHER_IS_BETTER = {"accuracy", "acc", "categorical_accuracy"}


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has stopped improving, with Keras 3's rules.

    After each epoch: an improvement is ``current + min_delta < best`` (mode min) or
    ``current - min_delta > best`` (mode max; ``mode="auto"`` reads the direction from
    the name): it must beat the best by more than ``min_delta``. Each epoch without one adds to ``wait``; training stops at the end of the
    epoch where ``wait >= patience`` (never after the first epoch). ``baseline``: the
    monitored value must also beat it to reset ``wait``. ``start_from_epoch``: epochs
    before it are not watched. ``restore_best_weights`` puts back the weights of the best
    epoch when training ends (also if it ran to the last epoch, as Keras 3 does).
    ``stopped_epoch`` and ``best_epoch`` count from 0, like ``epoch`` in the hooks.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"EarlyStopping mode {mode!r} is unknown, fallback to auto mode.", stacklevel=2)
            mode = "auto"
        if not isinstance(patience, (int, np.integer)) or patience < 0:
            raise InputError(f"patience must be a non-negative integer, got {patience!r}")
        self.monitor, self.mode, self.baseline = monitor, mode, baseline
        self.min_delta = abs(float(min_delta))
        self.patience, self.verbose = int(patience), verbose
        self.restore_best_weights, self.start_from_epoch = bool(restore_best_weights), int(start_from_epoch)
        self.lower_is_better = self._direction()
        self.on_train_begin()

    def _direction(self) -> bool:
        if self.mode != "auto":
            return self.mode == "min"
        name = self.monitor.removeprefix("val_")
        if name in _LOWER_IS_BETTER or name in _HIGHER_IS_BETTER:
            return name in _LOWER_IS_BETTER
        raise InputError(f"EarlyStopping callback received monitor={self.monitor}, but cannot tell whether that "
                         "metric should be maximized or minimized. Pass mode='max' in order to monitor based on "
                         "the highest metric value, or pass mode='min' in order to use the lowest value.")

    def _is_improvement(self, value: float, reference: float | None) -> bool:
        if reference is None:
            return True
        if self.lower_is_better:
            return value + self.min_delta < reference
        return value - self.min_delta > reference

    def on_train_begin(self, logs=None) -> None:
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best, self.best_weights = None, None

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(logs or {})}", stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class TerminateOnNaN(Callback):
    """Stop training after the batch whose running loss is NaN or infinite (Keras's rule).

    With ``raise_error=True`` raise a ``RuntimeError`` there instead.
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = bool(raise_error)

    def on_batch_end(self, batch: int, logs=None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                                   "Terminating training immediately.")
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class EpochTraces:
    """A probe's traces over training: ``traces[k][layer]`` after ``epochs[k]`` epochs (0 = untrained).

    One trace per recurrent layer (a :class:`~explainer.trace.SequenceTrace` per LSTM, an
    :class:`~explainer.rnn.RNNTrace` per SimpleRNN), with the layer's weights at that
    moment; ``logs[k]`` holds that epoch's loss, metrics and val_* (empty for epoch 0).
    """

    def __init__(self, traces: list[list], epochs: list[int], logs: list[dict] | None = None,
                 meta: dict | None = None) -> None:
        if len(traces) != len(epochs):
            raise InputError(f"{len(traces)} sets of traces for {len(epochs)} epochs")
        if traces and len({len(t) for t in traces}) != 1:
            raise InputError("every epoch must hold one trace per recurrent layer")
        self.traces, self.epochs = traces, [int(e) for e in epochs]
        self.logs = list(logs) if logs is not None else [{} for _ in epochs]
        self.meta = dict(meta or {})

    def __len__(self) -> int:
        return len(self.epochs)

    @property
    def layers(self) -> list[str]:
        return [t.layer for t in self.traces[0]] if self.traces else []

    def at(self, epoch: int, layer: int | str = 0):
        """The trace of ``layer`` (index or name) after ``epoch`` epochs of training."""
        if epoch not in self.epochs:
            raise KeyError(f"no trace after {epoch} epochs; recorded: {self.epochs}")
        return self.traces[self.epochs.index(epoch)][self._layer(layer)]

    def over_epochs(self, layer: int | str = 0) -> list:
        """The traces of one layer, one per recorded epoch."""
        k = self._layer(layer)
        return [t[k] for t in self.traces]

    def _layer(self, layer: int | str) -> int:
        if isinstance(layer, str):
            if layer not in self.layers:
                raise KeyError(f"no layer {layer!r}; recorded: {self.layers}")
            return self.layers.index(layer)
        return int(layer)

    def save(self, path: str | Path) -> Path:
        """One ``.npz``: each field of each layer stacked over epochs, ``(epochs, batch, time, …)``; no pickle."""
        if not self.traces:
            raise InputError("no traces recorded yet")
        arrays, layers = {}, []
        for k, first in enumerate(self.traces[0]):
            fields = ARRAY_FIELDS if isinstance(first, SequenceTrace) else RNN_FIELDS
            per_epoch = [t[k] for t in self.traces]
            for name in fields:
                arrays[f"layer{k}/{name}"] = np.stack([getattr(t, name) for t in per_epoch])
            arrays[f"layer{k}/unit_index"] = first.unit_index
            if getattr(first, "mask", None) is not None:  # the probe's mask is the same at every epoch
                arrays[f"layer{k}/mask"] = first.mask.astype(np.uint8)
            for name in first.weights:
                arrays[f"layer{k}/weights/{name}"] = np.stack([t.weights[name] for t in per_epoch])
            layers.append({"name": first.layer, "kind": "lstm" if isinstance(first, SequenceTrace) else "simple_rnn",
                           "meta": first.meta})
        header = {"format": EPOCH_TRACES_FORMAT, "epochs": self.epochs, "logs": self.logs, "layers": layers,
                  "meta": self.meta}
        return save_npz(path, arrays, header)

    @classmethod
    def load(cls, path: str | Path) -> "EpochTraces":
        """Read a file written by :meth:`save` (or by :class:`TraceRecorder`). Never unpickles."""
        data, header = load_npz(path, "epoch traces", EPOCH_TRACES_FORMAT, _EPOCH_MEMBERS)
        try:
            epochs, layers = list(header["epochs"]), list(header["layers"])
            traces = [[] for _ in epochs]
            for k, spec in enumerate(layers):
                kind, fields = ((SequenceTrace, ARRAY_FIELDS) if spec["kind"] == "lstm" else (RNNTrace, RNN_FIELDS))
                wnames = [key.split("/", 2)[2] for key in data if key.startswith(f"layer{k}/weights/")]
                mask = {} if f"layer{k}/mask" not in data else {"mask": data[f"layer{k}/mask"]}
                for e in range(len(epochs)):
                    traces[e].append(kind(**{n: data[f"layer{k}/{n}"][e] for n in fields}, layer=str(spec["name"]),
                                          unit_index=data[f"layer{k}/unit_index"],
                                          weights={n: data[f"layer{k}/weights/{n}"][e] for n in wnames},
                                          meta=dict(spec.get("meta") or {}), **mask))
            return cls(traces, epochs, list(header.get("logs") or [{} for _ in epochs]), header.get("meta"))
        except (KeyError, IndexError, TypeError, ValueError) as e:
            raise InputError(f"{path}: damaged epoch-traces file ({type(e).__name__}: {e})") from None


class TraceRecorder(Callback):
    """Record the trace of ``x_probe`` before training and after every epoch (dropout off).

    ``x_probe`` is ``(batch, time, features)`` or one sequence ``(time, features)``. The
    recording is :attr:`result`, an :class:`EpochTraces`; with ``path`` it is also saved
    there when training ends (however it ends).
    """

    def __init__(self, x_probe, path: str | Path | None = None) -> None:
        super().__init__()
        x = np.asarray(x_probe)
        self.x_probe = x[None] if x.ndim == 2 else x
        self.path = None if path is None else Path(path)
        self.result: EpochTraces | None = None
        self._epochs_done = 0

    def _record(self, epochs_trained: int, logs) -> None:
        self.result.traces.append(self.model.trace(self.x_probe))
        self.result.epochs.append(epochs_trained)
        self.result.logs.append({k: float(v) for k, v in (logs or {}).items()})

    def on_train_begin(self, logs=None) -> None:
        if not any(isinstance(layer, (LSTM, SimpleRNN)) for layer in self.model.layers):
            raise InputError("TraceRecorder needs a model with an LSTM or SimpleRNN layer to trace")
        self.result = EpochTraces([], [], [], {"probe_shape": list(self.x_probe.shape)})
        self._record(0, None)

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        self._record(epoch + 1, logs)

    def on_train_end(self, logs=None) -> None:
        if self.path is not None:
            self.result.save(self.path)


__all__ = ["Callback", "History", "EarlyStopping", "TerminateOnNaN", "TraceRecorder", "EpochTraces"]
