"""A Keras-like ``Sequential`` model: compile, fit, predict, evaluate, save, load, trace.

``fit`` follows Keras 3's bookkeeping exactly: the epoch ``loss`` (and each metric) is
Σ n_b·L_b / Σ n_b over the epoch's batches, each L_b measured in training mode before
that batch's update; ``val_*`` are measured after the epoch's last update with
``training=False``. ``shuffle=False`` keeps the order and the last partial batch.
"""
from __future__ import annotations
from .errors import InputError, InputTypeError

from pathlib import Path

import numpy as np

from . import losses, optimizers
from .callbacks import CallbackList, History
from .gradients import GradientTrace, trace_gradients
from .layers import LAYERS, LSTM, Layer, layer_from_config, sample_shape
from .npzfile import load_npz, names_matching, save_npz
from .rnn import RNNTrace  # importing rnn also registers SimpleRNN for load()
from . import bidirectional, embedding, masking, time_distributed  # noqa: F401  (they register their layers for load())
from .trace import SequenceTrace
from .validation import check_array, check_count

MODEL_FORMAT = "lstm-explainer-model/1"


class TrainingDiverged(InputError):
    """``fit`` stopped because the loss or a weight stopped being finite; ``epoch``/``batch`` count from 0."""

    def __init__(self, message: str, epoch: int, batch: int) -> None:
        super().__init__(message)
        self.epoch, self.batch = epoch, batch


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
        #: A model whose recurrent layer takes ``initial_state`` from the model's own inputs (as a Keras
        #: graph ``LSTM(…)(x, initial_state=[h0, c0])`` does): ``{"layer": name, "x": name, "states":
        #: [names, in initial_state's order], "inputs": [all names, in the order a list gives them]}``;
        #: its x is then ``[x, h0, c0]`` (that order) or a dict by name. None: x is one array.
        #: ``"unmasked": True``: that layer is given no mask (Keras passes none to a layer called with
        #: initial_state tensors unless the call names one), nor are the layers after it.
        self.state_inputs: dict | None = None
        for layer in layers or []:
            self.add(layer)

    # --- building -------------------------------------------------------------
    def add(self, layer: Layer) -> None:
        if not isinstance(layer, Layer):
            raise InputTypeError(f"Sequential.add() takes a layer (LSTM, SimpleRNN, Dense, Dropout, Activation), got {type(layer).__name__}")
        if isinstance(layer, LSTM) and layer.return_state:
            raise InputError(f"LSTM {layer.name!r}: return_state=True cannot be used inside Sequential "
                             "(a layer there must return one tensor); call the layer directly instead")
        names = {lyr.name for lyr in self.layers}
        if layer.name in names:
            raise InputError(f"duplicate layer name {layer.name!r}")
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
        """Create every layer's weights for per-sample ``input_shape`` such as ``(7, 4)``.

        ``(None, 4)`` builds a model for sequences of any length, as in Keras.
        """
        if not self.layers:
            raise InputError("the model has no layers; add some first")
        shape = sample_shape(input_shape, ids=self.layers[0].reads_ids)
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
        """Choose the loss, optimiser and metrics by name (any case) or object; ``metrics`` may be one name."""
        loss = losses.canonical(loss, "loss", losses.LOSSES)
        optimizer = optimizers.get(optimizer)
        if isinstance(metrics, str):  # compile(metrics="mae"), as Keras accepts
            metrics = [metrics]
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise InputTypeError(f"metrics must be a name or a list of names such as ['mae'], got {type(metrics).__name__}")
        metrics = [losses.canonical(m, "metric", losses.METRICS) for m in (metrics or [])]
        self.loss_name, self.optimizer, self.metric_names = loss, optimizer, metrics

    # --- checks ---------------------------------------------------------------
    def _check_x(self, x, name: str = "x") -> np.ndarray:
        x = check_array(x, name, dtype=self.dtype)
        if not self.built:
            self.build(x.shape[1:])
        expected = self.input_shape
        if x.ndim != len(expected) + 1:
            raise InputError(f"{name} must have shape (batch, {', '.join(map(str, expected))}), got {x.shape} "
                             f"({x.ndim}-D instead of {len(expected) + 1}-D)")
        if expected[-1] is not None and x.shape[-1] != expected[-1]:
            if self.layers[0].reads_ids:
                raise InputError(f"{name} has {x.shape[-1]} token ids per sequence but the model expects "
                                 f"{expected[-1]}; pad or cut the sequences")
            raise InputError(f"{name} has {x.shape[-1]} features per step but the model expects {expected[-1]}")
        return x

    def _inputs(self, x, name: str = "x") -> tuple[np.ndarray, list[np.ndarray] | None]:
        """``(sequence, initial states or None)`` from what the caller gives: one array, or for a model
        with :attr:`state_inputs` a list in its ``inputs`` order or a dict by input name."""
        spec = self.state_inputs
        if spec is None:
            return self._check_x(x, name), None
        names = list(spec["inputs"])
        if isinstance(x, dict):
            missing, extra = [n for n in names if n not in x], [n for n in x if n not in names]
            if missing or extra:
                raise InputError(f"{name}: {'missing ' + ', '.join(map(repr, missing)) if missing else ''}"
                                 f"{'; ' if missing and extra else ''}"
                                 f"{'unknown ' + ', '.join(map(repr, extra)) if extra else ''}; this model reads "
                                 f"{', '.join(names)}")
            given = dict(x)
        elif isinstance(x, (list, tuple)) and len(x) == len(names):
            given = dict(zip(names, x))
        else:
            raise InputError(f"{name}: this model reads {len(names)} inputs, its sequence and the starting states "
                             f"of layer {spec['layer']!r}: give [{', '.join(names)}] or a dict by those names")
        seq = self._check_x(given[spec["x"]], f"{name} ({spec['x']})")
        units = self._layer(spec["layer"]).units
        states = []
        for n in spec["states"]:
            a = check_array(given[n], n, dtype=self.dtype)
            if a.shape != (len(seq), units):
                raise InputError(f"{name} ({n}): the starting state of layer {spec['layer']!r} must have shape "
                                 f"{(len(seq), units)} (batch, units), got {a.shape}")
            states.append(a)
        return seq, states

    def _layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise InputError(f"the model has no layer named {name!r}")

    def _state_kwargs(self, layer: Layer, initial_state) -> dict:
        """``{"initial_state": …}`` for the layer that takes the model's state inputs, else ``{}``."""
        if initial_state is None or self.state_inputs is None or layer.name != self.state_inputs["layer"]:
            return {}
        return {"initial_state": initial_state}

    def _check_y(self, y, x: np.ndarray, name: str = "y") -> np.ndarray:
        y = check_array(y, name, dtype=self.dtype)
        if len(y) != len(x):
            raise InputError(f"{name} has {len(y)} samples but x has {len(x)}")
        out = (len(x),) + tuple(self.output_shape)
        if y.shape != out:
            if y.size != int(np.prod(out)):
                raise InputError(f"{name} has shape {y.shape} but the model outputs {out}")
            y = y.reshape(out)  # e.g. (n,) targets for a (n, 1) output, as Keras does
        return y

    def _require_compiled(self) -> None:
        if self.optimizer is None:
            raise RuntimeError("call compile(loss=..., optimizer=...) before fit/evaluate")

    # --- passes ---------------------------------------------------------------
    def _intervened_layer(self, intervene) -> Layer | None:
        """The layer ``intervene`` clamps: the first LSTM (see :mod:`explainer.intervention`)."""
        if not intervene:
            return None
        for layer in self.layers:
            if type(layer) is LSTM:
                return layer
        raise InputError("interventions clamp an LSTM layer's values, and this model has no LSTM layer")

    def forward(self, x: np.ndarray, training: bool = False, mask: np.ndarray | None = None,
                intervene=(), initial_state=None) -> np.ndarray:
        """Each layer in turn; a time-step mask (from Embedding(mask_zero=True) or Masking) travels
        with the data as in Keras: each layer's ``compute_mask`` says what the next one gets.
        ``intervene``: clamps on the first LSTM layer (:mod:`explainer.intervention`).
        ``initial_state``: the starting states of the :attr:`state_inputs` layer."""
        target = self._intervened_layer(intervene)
        for layer in self.layers:
            state = self._state_kwargs(layer, initial_state)
            mask = None if state and self.state_inputs.get("unmasked") else mask
            if layer is target:
                x_in = x
                x = layer.forward(x, training=training, mask=mask, intervene=intervene, **state)
                mask = layer.compute_mask(x_in, mask)
                continue
            if mask is not None and not layer.takes_mask and hasattr(layer, "trace"):
                raise InputError(f"layer {layer.name!r} ({type(layer).__name__}) gets a mask from an Embedding"
                                 "(mask_zero=True) or Masking layer but cannot skip masked steps; use an LSTM there, "
                                 "or drop the masking")
            x_in = x
            x = layer.forward(x, training=training, mask=mask, **state) if layer.takes_mask and mask is not None \
                else layer.forward(x, training=training, **state)
            mask = layer.compute_mask(x_in, mask)
        self.output_mask = mask
        return x

    def _loss_mask_check(self) -> None:
        """Metrics on a masked sequence output would need Keras's per-step weighting too: refuse them."""
        if getattr(self, "output_mask", None) is not None and self.metric_names:
            raise InputError("this model's output is a sequence with a mask (from Embedding(mask_zero=True) or "
                             "Masking through return_sequences=True): its loss leaves the masked steps out, as "
                             "Keras does, but metrics on it are not supported; compile without metrics")

    def _batch_loss(self, y: np.ndarray, y_pred: np.ndarray) -> tuple[float, np.ndarray]:
        """One batch's loss and dL/dŷ. With a masked sequence output, as Keras 3: masked steps weigh 0 and
        the others total/valid, so the loss is the mean over the valid steps (0 if there are none)."""
        fn = losses.get(self.loss_name)
        m = getattr(self, "output_mask", None)
        if m is None or y_pred.ndim != 3 or m.shape != y_pred.shape[:2]:
            per, dy = fn(y, y_pred)
            return float(per.mean(dtype=np.float64)), dy
        b, t = m.shape
        per, dy = fn(y.reshape(b * t, -1), y_pred.reshape(b * t, -1))  # one loss per step
        valid = int(m.sum())
        w = m.reshape(-1) * (m.size / valid) if valid else np.zeros(m.size)
        return float((per * w).mean(dtype=np.float64)), (dy * w[:, None].astype(dy.dtype)).reshape(y_pred.shape)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    def __call__(self, x, training: bool = False) -> np.ndarray:
        x, states = self._inputs(x)
        return self.forward(x, training, initial_state=states)

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray, training: bool = True, initial_state=None):
        """Forward, loss, backward on one batch. Returns ``(loss, y_pred)``; gradients land in each layer's ``grads``."""
        y_pred = self.forward(x, training=training, initial_state=initial_state)
        self._loss_mask_check()
        loss, dy = self._batch_loss(y, y_pred)
        self.backward(dy.astype(self.dtype, copy=False))
        return loss, y_pred

    def train_on_batch(self, x: np.ndarray, y: np.ndarray, initial_state=None) -> tuple[float, np.ndarray]:
        loss, y_pred = self.loss_and_grads(x, y, training=True, initial_state=initial_state)
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
        x, states = self._inputs(x)
        y = self._check_y(y, x)
        epochs, batch_size = check_count(epochs, "epochs"), check_count(batch_size, "batch_size")
        if validation_data is not None:
            if len(validation_data) != 2:
                raise InputError("validation_data must be a pair (x_val, y_val)")
            x_val, s_val = self._inputs(validation_data[0], "x_val")
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
            logs = self._train_epoch(x, y, epoch, epochs, batch_size, shuffle, verbose, callbacks, states)
            if validation_data is not None:
                logs.update({f"val_{k}": v for k, v in self._evaluate(x_val, y_val, batch_size, s_val).items()})
            callbacks.on_epoch_end(epoch, logs)
            if verbose:
                from tqdm.auto import tqdm
                tqdm.write(f"Epoch {epoch + 1}/{epochs} - " + " - ".join(f"{k}: {v:.4g}" for k, v in logs.items()))
            if self.stop_training:
                break
        callbacks.on_train_end(logs)
        return callbacks.history

    def _train_epoch(self, x, y, epoch: int, epochs: int, batch_size: int, shuffle: bool, verbose: int,
                     callbacks: CallbackList, states=None) -> dict[str, float]:
        """One pass over the data; returns the epoch's logs (loss and metrics averaged over the samples seen)."""
        from tqdm.auto import tqdm

        n = len(x)
        batches = -(-n // batch_size)
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
                loss, y_pred = self.train_on_batch(xb, yb, None if states is None else [s[idx] for s in states])
                seen += len(idx)
                sums["loss"] += loss * len(idx)
                for m, fn in metric_fns:
                    sums[m] += float(fn(yb, y_pred).sum(dtype=np.float64))
                logs = {k: v / seen for k, v in sums.items()}  # running means, as Keras's batch logs
                bar.set_postfix(loss=f"{logs['loss']:.4g}")
                callbacks.on_train_batch_end(batch, logs)
                if self.stop_training:  # e.g. TerminateOnNaN: a requested, graceful stop
                    break
                self._check_diverged(loss, epoch, batch, batches)
            else:
                self._check_diverged(loss, epoch, batch, batches, weights=True)
        finally:
            bar.close()
        return {k: v / seen for k, v in sums.items()}

    def _check_diverged(self, loss: float, epoch: int, batch: int, batches: int, weights: bool = False) -> None:
        """Stop as soon as the loss (every batch) or a weight (``weights=True``: after an epoch's last
        update; a broken weight makes the next batch's loss NaN anyway) stops being finite."""
        bad = None
        if weights:
            bad = next((f"{layer.name}/{k}" for layer in self.layers for k, w in layer.params.items()
                        if not np.isfinite(w).all()), None)
        if np.isfinite(loss) and bad is None:
            return
        what = f"the loss became {loss}" if not np.isfinite(loss) else f"weight {bad} became NaN or infinite"
        opt = self.optimizer
        raise TrainingDiverged(
            f"training diverged at epoch {epoch + 1}, batch {batch + 1} of {batches}: {what} "
            f"({type(opt).__name__}, learning_rate {opt.learning_rate:g}). Lower the learning rate "
            f"(e.g. {opt.learning_rate / 10:g}) or scale inputs and targets to a few units."
            + (" The weights are not finite any more, so the model cannot be saved." if bad else ""), epoch, batch)

    def _warn_unnormalised_targets(self, y: np.ndarray) -> None:
        if self.loss_name == "categorical_crossentropy":
            sums = y.sum(axis=-1)  # a row is one step's distribution: (batch, classes) or (batch, time, classes)
            if not np.allclose(sums, 1, atol=1e-3):
                import warnings
                warnings.warn("categorical_crossentropy expects each target row to sum to 1 (one-hot or "
                              f"probabilities); these rows sum to {sums.min():.3g}…{sums.max():.3g}. "
                              "This model follows the loss's true gradient; Keras/TensorFlow trains on "
                              "softmax - y, which differs when rows do not sum to 1.", stacklevel=3)

    def _evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int, states=None) -> dict[str, float]:
        metric_fns = [(m, losses.metric(m)) for m in self.metric_names]
        sums = {"loss": 0.0, **{m: 0.0 for m, _ in metric_fns}}
        for start in range(0, len(x), batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            sb = None if states is None else [s[start:start + batch_size] for s in states]
            y_pred = self.forward(xb, training=False, initial_state=sb)
            self._loss_mask_check()
            sums["loss"] += self._batch_loss(yb, y_pred)[0] * len(xb)
            for m, fn in metric_fns:
                sums[m] += float(fn(yb, y_pred).sum(dtype=np.float64))
        return {k: v / len(x) for k, v in sums.items()}

    def evaluate(self, x, y, batch_size: int = 32, verbose: int = 0):
        """Loss (and metrics) with ``training=False``: a float, or ``[loss, *metrics]`` as Keras."""
        self._require_compiled()
        batch_size = check_count(batch_size, "batch_size")
        x, states = self._inputs(x)
        logs = self._evaluate(x, self._check_y(y, x), batch_size, states)
        return logs["loss"] if not self.metric_names else list(logs.values())

    def predict(self, x, batch_size: int = 32, verbose: int = 0, intervene=()) -> np.ndarray:
        """The model's output for ``x`` (batch, time, features), ``batch_size`` samples at a time, dropout off.

        ``intervene``: what-if clamps on the first LSTM layer (:mod:`explainer.intervention`)."""
        batch_size = check_count(batch_size, "batch_size")
        x, states = self._inputs(x)
        return np.concatenate([self.forward(x[s:s + batch_size], intervene=intervene, initial_state=None if
                                            states is None else [a[s:s + batch_size] for a in states])
                               for s in range(0, len(x), batch_size)])

    def trace(self, x, intervene=()) -> list[SequenceTrace | RNNTrace]:
        """Run ``x`` (dropout off) and return one trace per recurrent layer: a :class:`SequenceTrace`
        per LSTM (two for a Bidirectional one: forward, then backward), an
        :class:`~explainer.rnn.RNNTrace` per SimpleRNN.

        ``intervene``: clamps (:class:`~explainer.intervention.Intervention`) on the first LSTM layer;
        its trace records them and every layer after it sees the changed sequence."""
        x, states = self._inputs(x)
        traces, mask = [], None
        target = self._intervened_layer(intervene)
        for layer in self.layers:
            clamps = {"intervene": intervene} if layer is target else {}
            clamps.update(self._state_kwargs(layer, states))
            mask = None if "initial_state" in clamps and self.state_inputs.get("unmasked") else mask
            if hasattr(layer, "trace"):  # LSTM: one trace; Bidirectional: one per direction
                kwargs = {} if mask is None else {"mask": mask}
                made = layer.trace(x, **kwargs, **clamps)
                traces.extend(made if isinstance(made, list) else [made])
            x_in = x
            x = layer.forward(x, training=False, mask=mask, **clamps) if layer.takes_mask and mask is not None \
                else layer.forward(x, training=False, **clamps)
            mask = layer.compute_mask(x_in, mask)
        return traces

    def trace_gradients(self, x, y) -> list[GradientTrace]:
        """Backprop ``x`` against target ``y`` (dropout off) and return one
        :class:`~explainer.gradients.GradientTrace` per recurrent layer: dL/dh_t, dL/dc_t,
        dL/dz_t and the belt factor at every step, recorded by the training backward pass."""
        if self.state_inputs is not None:
            raise InputError(f"trace_gradients: layer {self.state_inputs['layer']!r} starts from the model's state "
                             "inputs, which gradient traces do not take yet; trace the forward pass (trace) instead")
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
            raise InputError(f"set_weights expects {expected} arrays for this model, got {len(weights)}")
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
                "optimizer": self.optimizer.get_config() if self.optimizer else None,
                **({"state_inputs": self.state_inputs} if self.state_inputs else {})}

    def save(self, path: str | Path) -> Path:
        """Save architecture (JSON) and weights (arrays) to one ``.npz``; no pickle anywhere."""
        if not self.built:
            raise RuntimeError("the model has no weights yet; build or fit it before saving")
        bad = [f"{layer.name}/{k}" for layer in self.layers for k, w in layer.params.items() if not np.isfinite(w).all()]
        if bad:
            raise InputError(f"the model's weights {', '.join(bad)} hold NaN or infinite values (did training "
                             "diverge?); a non-finite model is not saved")
        arrays = {f"w{k:03d}": w for k, w in enumerate(self.get_weights())}
        return save_npz(path, arrays, {"format": MODEL_FORMAT, "config": self.get_config()})

    @classmethod
    def load(cls, path: str | Path) -> "Sequential":
        """Load a model written by :meth:`save`. Never unpickles; damage is a clear ``ValueError``.

        The header is checked before anything is built: known layer classes and options, and a
        parameter count that matches the weights the file holds (so a header that claims
        10⁷ units is refused instead of allocating terabytes).
        """
        data, header = load_npz(path, "model", MODEL_FORMAT, allowed=_MODEL_MEMBERS)
        cfg = header.get("config")
        try:
            if not isinstance(cfg, dict) or not isinstance(cfg.get("layers"), list) or not cfg["layers"]:
                raise InputError("no list of layers")
            in_file = sum(a.size for a in data.values())
            declared = _least_params(cfg)
            if declared > in_file:
                raise InputError(f"the header describes at least {declared:,} weights but the file holds {in_file:,}")
            model = cls(name=str(cfg.get("name", "sequential")))
            for spec in cfg["layers"]:
                model.add(layer_from_config(spec))
            model.build(cfg["input_shape"])
            count = sum(len(l.params) for l in model.layers)
            missing = [f"w{k:03d}" for k in range(count) if f"w{k:03d}" not in data]
            if missing:
                raise InputError(f"the layers need {count} weight arrays; missing {', '.join(missing[:4])}")
            model.set_weights([data[f"w{k:03d}"] for k in range(count)])
            if cfg.get("state_inputs") is not None:
                model.state_inputs = _state_inputs_config(cfg["state_inputs"], model)
            if cfg.get("loss"):
                opt = cfg.get("optimizer") or {"name": "adam"}
                if not isinstance(opt, dict) or not isinstance(opt.get("name"), str):
                    raise InputError(f"optimizer {opt!r:.60} is not {{'name': ..., ...}}")
                params = {k: v for k, v in opt.items() if k != "name"}
                model.compile(cfg["loss"], optimizers.from_config(opt["name"], params), cfg.get("metrics"))
        except InputError as e:  # what the file says is wrong; anything else raised here is a bug of ours
            raise InputError(f"{path}: model description is damaged or from another version ({e})") from e
        return model


_MODEL_MEMBERS = names_matching(r"w[0-9]{3,5}")


def _state_inputs_config(spec, model: Sequential) -> dict:
    """A saved :attr:`Sequential.state_inputs`, checked: its layer exists and takes that many states."""
    if not isinstance(spec, dict) or not all(isinstance(spec.get(k), str) for k in ("layer", "x")) or \
            not all(isinstance(spec.get(k), list) and all(isinstance(n, str) for n in spec[k])
                    for k in ("states", "inputs")):
        raise InputError(f"state_inputs {spec!r:.80} is not {{'layer', 'x', 'states', 'inputs'}}")
    layer = model._layer(spec["layer"])
    if len(spec["states"]) != len(getattr(layer, "state_names", ())) or \
            sorted(spec["inputs"]) != sorted([spec["x"], *spec["states"]]):
        raise InputError(f"state_inputs names {spec['states']} for layer {spec['layer']!r}, which takes "
                         f"{list(getattr(layer, 'state_names', ()))}")
    return {k: spec[k] for k in ("layer", "x", "states", "inputs")} | {"unmasked": bool(spec.get("unmasked"))}


def _least_params(cfg: dict) -> int:
    """A lower bound of the weights the header's layers hold, counted before any is allocated.

    LSTM: 4u(d + u) (+ bias, peepholes), GRU: 3u(d + u) (+ bias), Dense: d·u (+ bias); layers it does not know count 0
    and leave the next layer's input width unknown (then taken as 1).
    """
    shape = cfg.get("input_shape")
    if not isinstance(shape, list) or not shape or not all(  # None: a size left open, e.g. [None, 4]
            s is None or (isinstance(s, int) and not isinstance(s, bool) and s >= 1) for s in shape):
        raise InputError(f"input_shape {shape!r} is not a list of positive integers (or null for any length)")
    total, d = 0, shape[-1] or 1
    for spec in cfg["layers"]:
        if not isinstance(spec, dict) or not isinstance(spec.get("config"), dict):
            raise InputError(f"layer entry {spec!r:.60} is not {{'class': ..., 'config': {{...}}}}")
        c, kind = spec["config"], spec.get("class")
        units = c.get("units")
        if units is not None and (not isinstance(units, int) or isinstance(units, bool) or units < 1):
            raise InputError(f"layer {c.get('name')!r}: units {units!r} is not a positive integer")
        if kind in ("LSTM", "Dense") and units is None:
            raise InputError(f"{kind} layer {c.get('name')!r} needs the option 'units'")
        if kind == "LSTM":
            total += 4 * units * (d + units)
        elif kind == "GRU":
            total += 3 * units * (d + units)
        elif kind == "Dense":
            total += d * units
        elif kind not in ("Dropout", "Activation"):
            d = 1
            continue
        d = units if units is not None else d
    return total


def load_model(path: str | Path) -> Sequential:
    return Sequential.load(path)
