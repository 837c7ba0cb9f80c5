"""The character model and its training recipe (char-rnn's, on this package's LSTM).

Model: one-hot characters (``len(ALPHABET)`` = 97) → ``LSTM(units, return_sequences=True,
stateful=True)`` → ``Dense(97, softmax)`` at every step: p(next char | chars so far).

Training: truncated backprop through time on *stateful* batches, as char-rnn trains. The
training text is cut into ``batch_size`` equal streams; batch k holds characters
``[k·T, (k+1)·T)`` of every stream, so row r of batch k+1 continues row r of batch k. The
LSTM carries its h and c from one batch into the next (the model reads the streams as
continuous text), while the gradient stops at each window's first step (truncation at T).
Loss: mean cross-entropy over the window's B·T next characters; Adam; the gradients'
global norm is clipped at ``clip`` (char-rnn clips too: a few long windows otherwise blow up).
The state is reset at the start of every epoch; an epoch visits the windows in order.

``bits_per_char`` is the held-out cross-entropy in bits, the model reading the whole
held-out text as one stream from zero state.
"""
from __future__ import annotations
from ..errors import InputError

import time
from dataclasses import dataclass, field

import numpy as np

from ..layers import LSTM, Dense
from ..model import Sequential
from ..optimizers import Adam
from .corpus import ALPHABET, encode

V = len(ALPHABET)


@dataclass
class Recipe:
    """Everything that decides the trained weights; the defaults made the shipped ones."""

    units: int = 128
    seq_len: int = 100
    batch_size: int = 32
    epochs: int = 1
    max_chars: int = 5_000_000   # the first max_chars characters of the training text (all 4.37 M of it)
    learning_rate: float = 0.003
    clip: float = 5.0
    seed: int = 0

    def check(self) -> "Recipe":
        for name in ("units", "seq_len", "batch_size", "epochs", "max_chars"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise InputError(f"{name} must be a positive integer, got {v!r}")
        for name in ("learning_rate", "clip"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise InputError(f"{name} must be a positive number, got {v!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise InputError(f"seed must be a non-negative integer, got {self.seed!r}")
        if self.max_chars < self.batch_size * (self.seq_len + 1):
            raise InputError(f"max_chars={self.max_chars} is too short for {self.batch_size} streams of "
                             f"{self.seq_len + 1} characters; raise max_chars or lower batch_size/seq_len")
        return self

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


QUICK = Recipe(units=16, seq_len=20, batch_size=8, epochs=1, max_chars=8_000, learning_rate=0.01)


def build_model(units: int, seed: int = 0, stateful: bool = False, batch_size: int | None = None) -> Sequential:
    """The character model, freshly initialised from ``seed`` (Keras's initialisers)."""
    return Sequential([LSTM(units, return_sequences=True, stateful=stateful, input_shape=(None, V), name="char_lstm"),
                       Dense(V, activation="softmax", name="next_char")], seed=seed, name="chars")


def one_hot(ids: np.ndarray) -> np.ndarray:
    """(…,) alphabet indices → (…, V) float32 one-hot vectors."""
    return np.eye(V, dtype=np.float32)[ids]


def streams(ids: np.ndarray, batch_size: int, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """The text cut into ``batch_size`` streams: inputs and next-character targets, (B, n·T) each."""
    per = (len(ids) - 1) // batch_size // seq_len * seq_len
    x = ids[:batch_size * per].reshape(batch_size, per)
    y = ids[1:batch_size * per + 1].reshape(batch_size, per)
    return x, y


def clip_global_norm(grads: list[np.ndarray], clip: float) -> float:
    """Scale all gradients together so their global L2 norm is at most ``clip``; returns the norm before."""
    norm = float(np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads)))
    if norm > clip:
        for g in grads:
            g *= g.dtype.type(clip / norm)
    return norm


@dataclass
class TrainResult:
    model: Sequential
    history: dict[str, list[float]]
    seconds: float
    recipe: Recipe
    chars_seen: int = 0
    extra: dict = field(default_factory=dict)


def train(text: str, recipe: Recipe | None = None, *, verbose: bool = True) -> TrainResult:
    """Train the character model on ``text`` with this package's LSTM; see the module docstring.

    ``history["loss"]``: the mean cross-entropy (nats per char) of every window, before its update.
    """
    from tqdm.auto import tqdm

    recipe = (recipe or Recipe()).check()
    ids = encode(text[:recipe.max_chars])
    xs, ys = streams(ids, recipe.batch_size, recipe.seq_len)
    windows = xs.shape[1] // recipe.seq_len
    model = build_model(recipe.units, recipe.seed, stateful=True)
    model.compile("categorical_crossentropy", Adam(recipe.learning_rate))
    lstm = model.layers[0]
    history: dict[str, list[float]] = {"loss": [], "grad_norm": []}
    bar = tqdm(total=recipe.epochs * windows, desc="chars", unit="window", disable=None if verbose else True,
               leave=bool(verbose))
    t0 = time.perf_counter()
    for epoch in range(recipe.epochs):
        lstm.reset_state()
        for k in range(windows):
            sl = slice(k * recipe.seq_len, (k + 1) * recipe.seq_len)
            loss, _ = model.loss_and_grads(one_hot(xs[:, sl]), one_hot(ys[:, sl]), training=True)
            pairs = [(layer.params[key], layer.grads[key]) for layer in model.layers for key in layer.params]
            history["grad_norm"].append(clip_global_norm([g for _, g in pairs], recipe.clip))
            model.optimizer.apply(pairs)
            if not np.isfinite(loss):
                raise InputError(f"training diverged at epoch {epoch + 1}, window {k + 1} (loss {loss}); "
                                 "lower --learning-rate")
            history["loss"].append(loss)
            bar.update(1)
            if k % 20 == 0:
                bar.set_postfix(epoch=epoch + 1, bpc=f"{np.mean(history['loss'][-20:]) / np.log(2):.3f}")
    bar.close()
    lstm.reset_state()
    return TrainResult(model, history, time.perf_counter() - t0, recipe,
                       chars_seen=recipe.epochs * windows * recipe.seq_len * recipe.batch_size)


def inference_model(model: Sequential) -> Sequential:
    """The same weights in a stateless model (any batch, any length) for tracing and scoring."""
    lstm = model.layers[0]
    m = build_model(lstm.units)
    m.build((None, V))
    m.set_weights(model.get_weights())
    return m


FIELDS = ("i", "f", "g", "o", "c", "tanh_c", "h")


def read(model: Sequential, text: str, chunk: int = 2000) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Run the model over ``text`` as one stream from zero state, in chunks with h and c carried across.

    Returns ``(fields, bits)``: ``fields[name]`` (len(text), units) for the gates i, f, g, o and
    c, tanh c, h at every character (the step that *read* it), and ``bits[k]`` = −log₂ p(text[k+1]
    | text[:k+1]) for k < len(text) − 1. Exact: the same numbers as one trace of the whole text.
    """
    m = inference_model(model)
    lstm, dense = m.layers
    ids = encode(text)
    if len(ids) < 2:
        raise InputError("the text needs at least 2 characters")
    h = c = np.zeros((1, lstm.units), np.float32)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in FIELDS}
    bits = []
    for start in range(0, len(ids), chunk):
        x = ids[start:start + chunk]
        steps = lstm.run(one_hot(x)[None], initial_state=[h, c])
        for k in FIELDS:
            parts[k].append(np.concatenate([getattr(s, k) for s in steps], axis=0))
        h, c = steps[-1].h, steps[-1].c
        p = dense.forward(parts["h"][-1])
        nxt = ids[start + 1:start + chunk + 1]
        bits.append(-np.log2(np.maximum(p[np.arange(len(nxt)), nxt], 1e-12)))
    return {k: np.concatenate(v) for k, v in parts.items()}, np.concatenate(bits)


def bits_per_char(model: Sequential, text: str, chunk: int = 2000) -> float:
    """Cross-entropy of ``text``'s next characters in bits, the model reading it as one stream from zero state."""
    return float(read(model, text, chunk)[1].mean(dtype=np.float64))


def _run(lstm: LSTM, x: np.ndarray, h: np.ndarray, c: np.ndarray):
    steps = lstm.run(x, initial_state=[h, c])
    return np.stack([s.h for s in steps], axis=1), steps[-1].h, steps[-1].c


def sample(model: Sequential, n: int = 400, temperature: float = 1.0, prime: str = "def ", seed: int = 0) -> str:
    """``n`` characters drawn from the model after ``prime``: p ∝ p_model^(1/temperature)."""
    if not (np.isfinite(temperature) and temperature > 0):
        raise InputError(f"temperature must be a positive number, got {temperature!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"n must be a positive integer, got {n!r}")
    if not prime:
        prime = "\n"
    m = inference_model(model)
    lstm, dense = m.layers
    rng = np.random.default_rng(seed)
    h = c = np.zeros((1, lstm.units), np.float32)
    seq, h, c = _run(lstm, one_hot(encode(prime))[None], h, c)
    p = dense.forward(seq[:, -1])[0].astype(np.float64)
    out = []
    for _ in range(n):
        logp = np.log(np.maximum(p, 1e-30)) / temperature
        q = np.exp(logp - logp.max())
        q[0] = 0.0  # never emit the "unknown" placeholder
        k = int(rng.choice(V, p=q / q.sum()))
        out.append(ALPHABET[k])
        s = lstm.cell.step(one_hot(np.array([k])), h, c)
        h, c = s.h, s.c
        p = dense.forward(h)[0].astype(np.float64)
    return prime + "".join(out)
