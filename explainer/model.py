"""A Keras-like ``Sequential`` model: compile, fit, predict, evaluate, save, load, trace.

``fit`` follows Keras 3's bookkeeping exactly: the epoch ``loss`` (and each metric) is
Σ n_b·L_b / Σ n_b over the epoch's batches, each L_b measured in training mode before
that batch's update; ``val_*`` are measured after the epoch's last update with
``training=False``. ``shuffle=False`` keeps the order and the last partial batch.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import losses, optimizers
from .callbacks import CallbackList, History
from .gradients import GradientTrace, trace_gradients
from .layers import LAYERS, LSTM, Layer
from .npzfile import load_npz, save_npz
from .rnn import RNNTrace, SimpleRNN
from .trace import SequenceTrace
from .validation import check_array

MODEL_FORMAT = "lstm-explainer-model/1"


class Sequential:
    """A stack of layers, as ``keras.Sequential``.

    >>> model = Sequential([LSTM(8, input_shape=(7, 4)), Dense(1), Activation("tanh")])
    >>> model.compile(loss="mse", optimizer="adam", metrics=["mae"])
    """

    def __init__(self, layers: list[Layer] | None = None, seed: int | None = None, name: str = "sequential") -> None:
        self.layers: list[Layer] = []
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.loss_name: str | None = None
        self.optimizer: optimizers.Optimizer | None = None
        self.metric_names: list[str] = []
        self.input_shape: tuple | None = None
        self.stop_training = False
        self.history: History | None = None
        for layer in layers or []:
            self.add(layer)

    # --- building -------------------------------------------------------------
    def add(self, layer: Layer) -> None:
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add() takes a layer (LSTM, SimpleRNN, Dense, Dropout, Activation), got {type(layer).__name__}")
        if isinstance(layer, LSTM) and layer.return_state:
            raise ValueError(f"LSTM {layer.name!r}: return_state=True cannot be used inside Sequential "
                             "(a layer there must return one tensor); call the layer directly instead")
        names = {lyr.name for lyr in self.layers}
        if layer.name in names:
            raise ValueError(f"duplicate layer name {layer.name!r}")
        self.layers.append(layer)
        if self.built:  # later layers are built from the shape flowing out of the earlier ones
            layer.build(self.output_shape, self.rng)
            self.output_shape = layer.output_shape(self.output_shape)
        elif len(self.layers) == 1 and layer.input_shape is not None:
            self.build(layer.input_shape)

    @property
    def dtype(self) -> np.dtype:
        return self.layers[0].dtype if self.layers else np.dtype(np.float32)

    def build(self, input_shape) -> None:
        """Create every layer's weights for per-sample ``input_shape`` such as ``(7, 4)``."""
        if not self.layers:
            raise ValueError("the model has no layers; add some first")
        shape = tuple(int(s) for s in input_shape)
        self.input_shape = shape
        for layer in self.layers:
            if not layer.built:
                layer.build(shape, self.rng)
            shape = layer.output_shape(shape)
        self.output_shape = shape

    @property
    def built(self) -> bool:
        return self.input_shape is not None

    def compile(self, loss="mse", optimizer="adam", metrics=None) -> None:
        losses.get(loss)
        self.loss_name = loss
        self.optimizer = optimizers.get(optimizer)
        metrics = list(metrics or [])
        for m in metrics:
            losses.metric(m)
        self.metric_names = metrics

    # --- checks ---------------------------------------------------------------
    def _check_x(self, x, name: str = "x") -> np.ndarray:
        x = check_array(x, name, dtype=self.dtype)
        if not self.built:
            self.build(x.shape[1:])
        expected = self.input_shape
        if x.ndim != len(expected) + 1:
            raise ValueError(f"{name} must have shape (batch, {', '.join(map(str, expected))}), got {x.shape} "
                             f"({x.ndim}-D instead of {len(expected) + 1}-D)")
        if x.shape[-1] != expected[-1]:
            raise ValueError(f"{name} has {x.shape[-1]} features per step but the model expects {expected[-1]}")
        return x

    def _check_y(self, y, x: np.ndarray, name: str = "y") -> np.ndarray:
        y = check_array(y, name, dtype=self.dtype)
        if len(y) != len(x):
            raise ValueError(f"{name} has {len(y)} samples but x has {len(x)}")
        out = (len(x),) + tuple(self.output_shape)
        if y.shape != out:
            if y.size != int(np.prod(out)):
                raise ValueError(f"{name} has shape {y.shape} but the model outputs {out}")
            y = y.reshape(out)  # e.g. (n,) targets for a (n, 1) output, as Keras does
        return y

    def _require_compiled(self) -> None:
        if self.optimizer is None:
            raise RuntimeError("call compile(loss=..., optimizer=...) before fit/evaluate")

    # --- passes ---------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x, training=training)
        return x

    def backward(self, dy: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    def __call__(self, x, training: bool = False) -> np.ndarray:
        return self.forward(self._check_x(x), training)

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray, training: bool = True):
        """Forward, loss, backward on one batch. Returns ``(loss, y_pred)``; gradients land in each layer's ``grads``."""
        y_pred = self.forward(x, training=training)
        per, dy = losses.get(self.loss_name)(y, y_pred)
        self.backward(dy.astype(self.dtype, copy=False))
        return float(per.mean(dtype=np.float64)), y_pred

    def train_on_batch(self, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        loss, y_pred = self.loss_and_grads(x, y, training=True)
        self.optimizer.apply([(layer.params[k], layer.grads[k]) for layer in self.layers for k in layer.params])
        return loss, y_pred

    def fit(self, x, y, epochs: int = 1, batch_size: int = 32, validation_data=None,
            shuffle: bool = True, verbose: int = 1, callbacks=None) -> History:
        """Train with mini-batch gradient descent; returns the :class:`~explainer.callbacks.History`.

        ``callbacks``: Keras-style :class:`~explainer.callbacks.Callback` objects (``EarlyStopping``,
        ``TerminateOnNaN``, ``TraceRecorder``…), called at the start and end of training, of
        each epoch and of each batch. Setting ``model.stop_training = True`` ends training
        after the current batch.
        """
        self._require_compiled()
        x = self._check_x(x)
        y = self._check_y(y, x)
        if not isinstance(epochs, int) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (x_val, y_val)")
            x_val = self._check_x(validation_data[0], "x_val")
            y_val = self._check_y(validation_data[1], x_val, "y_val")
        self._warn_unnormalised_targets(y)
        from tqdm.auto import tqdm  # noqa: F401  imported here (not at module level): the core stays quick to import
        steps = -(-len(x) // batch_size)
        callbacks = CallbackList(callbacks, self, {"epochs": epochs, "steps": steps, "verbose": verbose})
        self.stop_training = False
        callbacks.on_train_begin(None)
        logs = None
        for epoch in range(epochs):
            callbacks.on_epoch_begin(epoch, None)
            logs = self._train_epoch(x, y, epoch, epochs, batch_size, shuffle, verbose, callbacks)
            if validation_data is not None:
                logs.update({f"val_{k}": v for k, v in self._evaluate(x_val, y_val, batch_size).items()})
            callbacks.on_epoch_end(epoch, logs)
            if verbose:
                from tqdm.auto import tqdm
                tqdm.write(f"Epoch {epoch + 1}/{epochs} - " + " - ".join(f"{k}: {v:.4g}" for k, v in logs.items()))
            if self.stop_training:
                break
        callbacks.on_train_end(logs)
        return callbacks.history

    def _train_epoch(self, x, y, epoch: int, epochs: int, batch_size: int, shuffle: bool, verbose: int,
                     callbacks: CallbackList) -> dict[str, float]:
        """One pass over the data; returns the epoch's logs (loss and metrics averaged over the samples seen)."""
        from tqdm.auto import tqdm

        n = len(x)
        order = self.rng.permutation(n) if shuffle else np.arange(n)
        metric_fns = [(m, losses.metric(m)) for m in self.metric_names]
        sums = {"loss": 0.0, **{m: 0.0 for m, _ in metric_fns}}
        seen = 0
        # disable=None: a live bar on a terminal only; logs get one line per epoch
        bar = tqdm(range(0, n, batch_size), desc=f"Epoch {epoch + 1}/{epochs}", unit="batch",
                   disable=None if verbose else True, leave=verbose == 1)
        try:
            for batch, start in enumerate(bar):
                callbacks.on_train_batch_begin(batch, None)
                idx = order[start:start + batch_size]
                xb, yb = x[idx], y[idx]
                loss, y_pred = self.train_on_batch(xb, yb)
                seen += len(idx)
                sums["loss"] += loss * len(idx)
                for m, fn in metric_fns:
                    sums[m] += float(fn(yb, y_pred).sum(dtype=np.float64))
                logs = {k: v / seen for k, v in sums.items()}  # running means, as Keras's batch logs
                bar.set_postfix(loss=f"{logs['loss']:.4g}")
                callbacks.on_train_batch_end(batch, logs)
                if self.stop_training:
                    break
        finally:
            bar.close()
        return {k: v / seen for k, v in sums.items()}

    def _warn_unnormalised_targets(self, y: np.ndarray) -> None:
        if self.loss_name == "categorical_crossentropy":
            sums = y.reshape(len(y), -1).sum(axis=1)
            if not np.allclose(sums, 1, atol=1e-3):
                import warnings
                warnings.warn("categorical_crossentropy expects each target row to sum to 1 (one-hot or "
                              f"probabilities); these rows sum to {sums.min():.3g}…{sums.max():.3g}. "
                              "This model follows the loss's true gradient; Keras/TensorFlow trains on "
                              "softmax - y, which differs when rows do not sum to 1.", stacklevel=3)

    def _evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int) -> dict[str, float]:
        metric_fns = [(m, losses.metric(m)) for m in self.metric_names]
        sums = {"loss": 0.0, **{m: 0.0 for m, _ in metric_fns}}
        loss_fn = losses.get(self.loss_name)
        for start in range(0, len(x), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            y_pred = self.forward(xb, training=False)
            sums["loss"] += float(loss_fn(yb, y_pred)[0].sum(dtype=np.float64))
            for m, fn in metric_fns:
                sums[m] += float(fn(yb, y_pred).sum(dtype=np.float64))
        return {k: v / len(x) for k, v in sums.items()}

    def evaluate(self, x, y, batch_size: int = 32, verbose: int = 0):
        """Loss (and metrics) with ``training=False``: a float, or ``[loss, *metrics]`` as Keras."""
        self._require_compiled()
        x = self._check_x(x)
        logs = self._evaluate(x, self._check_y(y, x), batch_size)
        return logs["loss"] if not self.metric_names else list(logs.values())

    def predict(self, x, batch_size: int = 32, verbose: int = 0) -> np.ndarray:
        x = self._check_x(x)
        return np.concatenate([self.forward(x[s:s + batch_size]) for s in range(0, len(x), batch_size)])

    def trace(self, x) -> list[SequenceTrace | RNNTrace]:
        """Run ``x`` (dropout off) and return one trace per recurrent layer:
        a :class:`SequenceTrace` per LSTM, an :class:`~explainer.rnn.RNNTrace` per SimpleRNN."""
        x = self._check_x(x)
        traces = []
        for layer in self.layers:
            if isinstance(layer, (LSTM, SimpleRNN)):
                traces.append(layer.trace(x))
            x = layer.forward(x, training=False)
        return traces

    def trace_gradients(self, x, y) -> list[GradientTrace]:
        """Backprop ``x`` against target ``y`` (dropout off) and return one
        :class:`~explainer.gradients.GradientTrace` per recurrent layer: dL/dh_t, dL/dc_t,
        dL/dz_t and the belt factor at every step, recorded by the training backward pass."""
        return trace_gradients(self, x, y)

    # --- weights --------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """All weights in Keras's order (layer by layer; LSTM: kernel, recurrent_kernel, bias)."""
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights) -> None:
        weights = list(weights)
        expected = sum(len(layer.params) for layer in self.layers)
        if not self.built:
            raise RuntimeError("build the model (input_shape on the first layer, or build()) before set_weights")
        if len(weights) != expected:
            raise ValueError(f"set_weights expects {expected} arrays for this model, got {len(weights)}")
        chunks, k = [], 0
        for layer in self.layers:  # check every layer first, so a refusal changes nothing
            n = len(layer.params)
            chunks.append(layer.check_weights(weights[k:k + n]))
            k += n
        for layer, chunk in zip(self.layers, chunks):
            layer.set_weights(chunk)

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self.layers)

    def summary(self, print_fn=print) -> str:
        rows = [("Layer (type)", "Output Shape", "Param #")]
        shape = self.input_shape
        for layer in self.layers:
            shape = layer.output_shape(shape) if shape is not None else None
            out = "?" if shape is None else str((None,) + tuple(shape))
            rows.append((f"{layer.name} ({type(layer).__name__})", out, f"{layer.count_params():,}"))
        widths = [max(len(r[i]) for r in rows) + 2 for i in range(3)]
        line = "─" * sum(widths)
        text = [f'Model: "{self.name}"', line]
        text += ["".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows[:1]] + [line]
        text += ["".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows[1:]] + [line]
        text.append(f"Total params: {self.count_params():,}")
        out = "\n".join(text)
        if print_fn:
            print_fn(out)
        return out

    # --- files ----------------------------------------------------------------
    def get_config(self) -> dict:
        return {"name": self.name, "input_shape": list(self.input_shape) if self.input_shape else None,
                "layers": [{"class": type(l).__name__, "config": l.get_config()} for l in self.layers],
                "loss": self.loss_name, "metrics": self.metric_names,
                "optimizer": self.optimizer.get_config() if self.optimizer else None}

    def save(self, path: str | Path) -> Path:
        """Save architecture (JSON) and weights (arrays) to one ``.npz``; no pickle anywhere."""
        if not self.built:
            raise RuntimeError("the model has no weights yet; build or fit it before saving")
        arrays = {f"w{k:03d}": w for k, w in enumerate(self.get_weights())}
        return save_npz(path, arrays, {"format": MODEL_FORMAT, "config": self.get_config()})

    @classmethod
    def load(cls, path: str | Path) -> "Sequential":
        """Load a model written by :meth:`save`. Never unpickles; damage is a clear ``ValueError``."""
        data, header = load_npz(path, "model", MODEL_FORMAT)
        cfg = header.get("config")
        try:
            model = cls(name=cfg["name"])
            for spec in cfg["layers"]:
                kind = LAYERS[spec["class"]]
                model.add(kind(**spec["config"]))
            model.build(cfg["input_shape"])
            weights = [data[f"w{k:03d}"] for k in range(sum(len(l.params) for l in model.layers))]
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"{path}: model description is damaged or from another version ({e})") from None
        model.set_weights(weights)
        if cfg.get("loss"):
            opt = cfg.get("optimizer") or {"name": "adam"}
            params = {k: v for k, v in opt.items() if k != "name"}
            model.compile(cfg["loss"], optimizers.OPTIMIZERS[opt["name"]](**params), cfg.get("metrics"))
        return model


def load_model(path: str | Path) -> Sequential:
    return Sequential.load(path)
