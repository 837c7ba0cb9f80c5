"""The training recipe of the story model, with this package's LSTM (and, to compare, with Keras).

Model: ``LSTM(3)`` over one-hot words (``input_shape=(None, V)``: any length), then
``Dense(4, softmax)`` over the answers blue, red, green, grey.

Loss: categorical cross-entropy plus an L2 penalty on the recurrent kernel,
``L = CE + λ Σ U²`` (Keras's ``recurrent_regularizer=L2(λ)``). Why the penalty: without
it the units learn to hold the colour by feeding their own output back through ``U``
(a self-sustaining loop that also generalises, but its forget gates hover around 0.6 and
explain nothing). Making ``U`` costly leaves the gates to be decided by the current word,
and the network then keeps its memory the way the LSTM was designed to: forget gate ≈ 1
on filler words, ≈ 0 at "polluted", input gate open at colour words.

Variable length: sentences are grouped by length, and each batch holds sentences of one
length only. No padding and no mask are needed, every step the model sees is a real word,
and the trace of one sentence has exactly that sentence's steps. The batches are fixed
once; each epoch visits them in an order drawn from the seeded generator.

The defaults below are the recipe that made the shipped weights; ``lstm-explainer story
train`` with no options reproduces them (bit for bit on the same machine and BLAS).
"""
from __future__ import annotations
from ..errors import InputError

import time
from dataclasses import dataclass, field

import numpy as np

from ..layers import LSTM, Dense
from ..model import Sequential
from ..optimizers import Adam
from . import words as W

UNITS = 3
EPOCHS = 40
SENTENCES = 3000
MAX_DISTRACTORS = 20
BATCH_SIZE = 32
LEARNING_RATE = 0.01
L2_RECURRENT = 0.02
SEED = 0


@dataclass
class Recipe:
    """Everything that decides the trained weights."""

    units: int = UNITS
    epochs: int = EPOCHS
    sentences: int = SENTENCES
    max_distractors: int = MAX_DISTRACTORS
    batch_size: int = BATCH_SIZE
    learning_rate: float = LEARNING_RATE
    l2_recurrent: float = L2_RECURRENT
    seed: int = SEED

    def check(self) -> "Recipe":
        for name in ("units", "epochs", "sentences", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise InputError(f"{name} must be a positive integer, got {v!r}")
        if isinstance(self.max_distractors, bool) or not isinstance(self.max_distractors, (int, np.integer)) \
                or self.max_distractors < 0:
            raise InputError(f"max_distractors must be a non-negative integer, got {self.max_distractors!r}")
        if not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise InputError(f"learning_rate must be a positive number, got {self.learning_rate!r}")
        if not (np.isfinite(self.l2_recurrent) and self.l2_recurrent >= 0):
            raise InputError(f"l2_recurrent must be a number >= 0, got {self.l2_recurrent!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise InputError(f"seed must be a non-negative integer, got {self.seed!r}")
        return self

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class TrainResult:
    model: Sequential
    history: dict[str, list[float]]
    seconds: float
    initial_weights: list[np.ndarray]
    recipe: Recipe
    batch_order: list[np.ndarray] = field(default_factory=list)


def build_model(units: int = UNITS, seed: int = SEED, cell: str = "lstm") -> Sequential:
    """The story model, freshly initialised (Keras's initialisers) from ``seed``.

    ``cell="rnn"`` puts a :class:`~explainer.rnn.SimpleRNN` where the LSTM is, ``cell="gru"`` a
    :class:`~explainer.gru.GRU`, for the comparison.
    """
    v, k = len(W.VOCABULARY), len(W.COLOURS)
    if cell == "lstm":
        recurrent = LSTM(units, input_shape=(None, v), name="story_lstm")
    elif cell == "rnn":
        from ..rnn import SimpleRNN
        recurrent = SimpleRNN(units, input_shape=(None, v), name="story_rnn")
    elif cell == "gru":
        from ..gru import GRU
        recurrent = GRU(units, input_shape=(None, v), name="story_gru")
    else:
        raise InputError(f"cell must be 'lstm', 'gru' or 'rnn', got {cell!r}")
    return Sequential([recurrent, Dense(k, activation="softmax", name="story_colour")], seed=seed,
                      name=f"story_{cell}")


def batches_by_length(sents: list[W.Sentence], batch_size: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(x, y)`` batches, each of sentences of one length: x (b, T, V) one-hot words, y (b, 4) one-hot answers.

    Lengths ascending; within a length, the sentences' own order.
    """
    by_len: dict[int, list[W.Sentence]] = {}
    for s in sents:
        by_len.setdefault(len(s.tokens), []).append(s)
    v, eye = len(W.VOCABULARY), np.eye(len(W.COLOURS), dtype=np.float32)
    out = []
    for length in sorted(by_len):
        group = by_len[length]
        for k in range(0, len(group), batch_size):
            part = group[k:k + batch_size]
            out.append((np.stack([W.one_hot(s.tokens, v) for s in part]), eye[[s.colour for s in part]]))
    return out


def penalty(model: Sequential, l2: float) -> float:
    """λ Σ U² over the recurrent kernel (Keras's L2 regulariser, added to the loss once per batch)."""
    u = model.layers[0].params["recurrent_kernel"]
    return float(l2 * np.sum(np.square(u, dtype=np.float32), dtype=np.float32)) if l2 else 0.0


def train(recipe: Recipe | None = None, *, verbose: bool = True, callbacks=None, cell: str = "lstm",
          **overrides) -> TrainResult:
    """Train the story model with this package's layers (``cell="rnn"``: a SimpleRNN in place of the LSTM).

    Returns the model, its history and the time taken.

    ``history`` has Keras's keys: ``loss`` (cross-entropy + λ Σ U², averaged over the epoch's
    batches weighted by their size, each measured before its update) and ``accuracy``.
    ``callbacks`` are :class:`~explainer.callbacks.Callback` objects called as ``fit`` calls them
    (e.g. a :class:`~explainer.callbacks.TraceRecorder` records the gates learning, epoch by epoch).
    """
    from tqdm.auto import tqdm

    from ..callbacks import CallbackList

    recipe = (recipe or Recipe())
    if overrides:
        recipe = Recipe(**{**recipe.as_dict(), **overrides})
    recipe.check()
    model = build_model(recipe.units, recipe.seed, cell)
    model.compile("categorical_crossentropy", Adam(recipe.learning_rate), ["accuracy"])
    initial = model.get_weights()
    batches = batches_by_length(
        W.make_sentences(recipe.sentences, max_distractors=recipe.max_distractors, seed=recipe.seed),
        recipe.batch_size)
    order_rng = np.random.default_rng([recipe.seed, 1])
    recurrent = model.layers[0]
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    orders = []
    cbs = CallbackList(callbacks, model, {"epochs": recipe.epochs, "steps": len(batches), "verbose": int(verbose)})
    model.stop_training = False
    bar = tqdm(total=recipe.epochs * len(batches), desc=f"story {cell}", unit="batch",
               disable=None if verbose else True, leave=bool(verbose))
    t0 = time.perf_counter()
    cbs.on_train_begin(None)
    for epoch in range(recipe.epochs):
        cbs.on_epoch_begin(epoch, None)
        order = order_rng.permutation(len(batches))
        orders.append(order)
        loss_sum = correct = seen = 0.0
        for step, k in enumerate(order):
            cbs.on_train_batch_begin(step, None)
            x, y = batches[k]
            loss, y_pred = model.loss_and_grads(x, y, training=True)
            loss += penalty(model, recipe.l2_recurrent)
            if recipe.l2_recurrent:  # d(λ Σ U²)/dU = 2 λ U
                u = recurrent.params["recurrent_kernel"]
                recurrent.grads["recurrent_kernel"] += u.dtype.type(2 * recipe.l2_recurrent) * u
            model.optimizer.apply([(layer.params[key], layer.grads[key])
                                   for layer in model.layers for key in layer.params])
            loss_sum += loss * len(x)
            correct += float((y_pred.argmax(-1) == y.argmax(-1)).sum())
            seen += len(x)
            cbs.on_train_batch_end(step, {"loss": loss})
            bar.update(1)
        logs = {"loss": loss_sum / seen, "accuracy": correct / seen}
        for key, value in logs.items():
            history[key].append(value)
        bar.set_postfix(epoch=epoch + 1, loss=f"{logs['loss']:.4f}", acc=f"{logs['accuracy']:.3f}")
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cbs.on_train_end(logs)
    bar.close()
    return TrainResult(model, history, time.perf_counter() - t0, initial, recipe, orders)


def train_keras(result: TrainResult, epochs: int | None = None, verbose: bool = True) -> dict[str, list[float]]:
    """Train the same model in Keras from ``result``'s initial weights, on the same batches in the same order.

    Returns Keras's history (same keys and bookkeeping as :func:`train`), for comparing curves.
    """
    from tqdm.auto import tqdm

    from ..keras_bridge import import_keras

    keras = import_keras()
    recipe = result.recipe
    epochs = len(result.batch_order) if epochs is None else min(epochs, len(result.batch_order))
    ours = result.model
    rec, dense = ours.layers[0], ours.layers[1]
    v = len(W.VOCABULARY)
    reg = keras.regularizers.L2(recipe.l2_recurrent) if recipe.l2_recurrent else None
    from ..gru import GRU

    if isinstance(rec, LSTM):
        layer = keras.layers.LSTM(rec.units, recurrent_regularizer=reg, name=rec.name)
    elif isinstance(rec, GRU):
        layer = keras.layers.GRU(rec.units, recurrent_regularizer=reg, name=rec.name)
    else:
        layer = keras.layers.SimpleRNN(rec.units, recurrent_regularizer=reg, name=rec.name)
    km = keras.Sequential([keras.Input((None, v)), layer,
                           keras.layers.Dense(dense.units, activation="softmax", name=dense.name)])
    km.set_weights([np.asarray(w, np.float32) for w in result.initial_weights])
    km.compile(loss="categorical_crossentropy",
               optimizer=keras.optimizers.Adam(recipe.learning_rate), metrics=["accuracy"])
    batches = batches_by_length(
        W.make_sentences(recipe.sentences, max_distractors=recipe.max_distractors, seed=recipe.seed),
        recipe.batch_size)
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    bar = tqdm(total=epochs * len(batches), desc="story keras", unit="batch",
               disable=None if verbose else True, leave=bool(verbose))
    for epoch in range(epochs):
        loss_sum = acc_sum = seen = 0.0
        for k in result.batch_order[epoch]:
            x, y = batches[k]
            logs = km.train_on_batch(x, y, return_dict=True)
            loss_sum += float(logs["loss"]) * len(x)
            acc_sum += float(logs["accuracy"]) * len(x)
            seen += len(x)
            bar.update(1)
        history["loss"].append(loss_sum / seen)
        history["accuracy"].append(acc_sum / seen)
    bar.close()
    return history
