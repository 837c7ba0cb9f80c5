"""The classic bitcoin forecasting pipeline, on current pandas — and on both implementations.

Step by step, with the names these steps usually go by:

* ``merge_data``: BTC and ETH merged on date, from 2016-01-01 (:func:`explainer.bitcoin.data.load_market`,
  which also cleans the data visibly);
* ``create_model_data``: keep close and volume of each coin, sorted by date (:func:`model_columns`);
* ``split_data``: the first 80 % of days train, the rest test, in time order (:func:`split_data`);
* ``create_inputs``: every 7-day window, each column divided by the window's first row,
  minus 1 (:func:`make_windows`);
* ``create_outputs``: target = close 7 days after the window's first day / close on that
  day − 1, per coin (:func:`make_targets`). Window ``i`` holds days ``i … i+6``, so that
  close is the *next day's*: the example predicts one day ahead, written as a return since the
  window's first day. The honest naive forecast is therefore "tomorrow closes where today
  did" (the window's last close), not "return 0";
* ``build_model``: 3 × LSTM(512, tanh), each followed by Dropout(0.25), then Dense(1) and
  Activation('tanh'); MSE, Adam, metric MAE (:func:`build_model`);
* ``fit``: 53 epochs, batch 128, ``shuffle=False``, test set as validation (:func:`fit_ours`,
  :func:`fit_keras`). One model per coin.

Both implementations start from the same weights: ours is built (seeded), then
:func:`explainer.keras_bridge.to_keras` copies its weights into Keras; both then see the
same batches in the same order. TensorFlow is imported only when Keras is used.
"""
from __future__ import annotations
from ..errors import InputError

import os
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from .data import MAX_GAP_DAYS, DataReport, load_market, parse_day

# The standard values; each is a CLI option of ``lstm-explainer bitcoin``.
@dataclass(frozen=True)
class Config:
    coins: tuple[str, ...] = ("BTC", "ETH")
    units: int = 512
    epochs: int = 53
    batch_size: int = 128
    window: int = 7
    dropout: float = 0.25
    split: float = 0.8
    from_date: str = "2016-01-01"
    loss: str = "mse"
    optimizer: str = "adam"
    seed: int = 202                 # np.random.seed(202), as the example has always used
    max_gap_days: int = MAX_GAP_DAYS  # longest run of missing days filled from the day before

    def __post_init__(self) -> None:
        if self.loss not in ("mse", "mae") or self.optimizer not in ("adam", "rmsprop"):
            raise InputError(f"loss must be mse or mae and optimizer adam or rmsprop; got {self.loss!r}, {self.optimizer!r}")
        for name, low in (("units", 1), ("epochs", 1), ("batch_size", 1), ("window", 2), ("max_gap_days", 0)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
                raise InputError(f"{name.replace('_', ' ')} must be a whole number >= {low}; got {v!r}")
        for name, ok, span in (("dropout", 0 <= self.dropout < 1, "[0, 1)"), ("split", 0 < self.split < 1, "(0, 1)")):
            if not ok:
                raise InputError(f"{name} must be in {span}; got {getattr(self, name)!r}")
        if len(self.coins) < 1:
            raise InputError("give at least one coin")
        if self.from_date is not None:
            parse_day(self.from_date, "from_date")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["coins"] = list(self.coins)
        return d


STANDARD_CONFIG = Config()
#: ``--quick``: the same pipeline with a small model and few epochs, for demos and tests.
QUICK = {"units": 16, "epochs": 3}


# --- data → arrays ---------------------------------------------------------------
def model_columns(coins) -> list[str]:
    """The model data: close and volume of each coin (``BTC_close, BTC_volume, ETH_close, ETH_volume``)."""
    return [f"{c}_{m}" for c in coins for m in ("close", "volume")]


def split_data(data: pd.DataFrame, training_size: float = 0.8) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first ``training_size`` of the rows train, the rest test (time order kept)."""
    k = int(training_size * len(data))
    return data.iloc[:k].reset_index(drop=True), data.iloc[k:].reset_index(drop=True)


def assert_finite(name: str, a: np.ndarray) -> np.ndarray:
    """Raise ``AssertionError`` (not stripped by ``python -O``) if ``a`` holds NaN or infinity."""
    if not np.isfinite(a).all():
        bad = np.argwhere(~np.isfinite(a))[0].tolist()
        raise AssertionError(f"{name} holds NaN or infinity (first at {bad}); the data cleaning should prevent this")
    return a


def make_windows(data: pd.DataFrame, columns, window: int = 7) -> np.ndarray:
    """``(len - window, window, len(columns))``: window ``i`` is rows ``i … i+window-1``, each column
    divided by its value in the window's first row, minus 1 (so the first row is all zeros)."""
    v = data[list(columns)].to_numpy(dtype=np.float64)
    n = len(v) - window
    if n < 1:
        raise InputError(f"{len(v)} days cannot make a {window}-day window with a target after it")
    w = np.lib.stride_tricks.sliding_window_view(v, window, axis=0)[:n].transpose(0, 2, 1)  # (n, window, F)
    first = w[:, :1, :]
    if (first == 0).any():
        raise InputError("a window starts with a zero value; it cannot be normalised by its first row")
    return assert_finite("windows", (w / first - 1).astype(np.float32))


def make_targets(data: pd.DataFrame, coin: str, window: int = 7) -> np.ndarray:
    """``close[t + window] / close[t] - 1`` for each window start ``t`` (``create_outputs``)."""
    close = data[f"{coin}_close"].to_numpy(dtype=np.float64)
    return assert_finite(f"{coin} targets", (close[window:] / close[:-window] - 1).astype(np.float32))


@dataclass
class Dataset:
    """Everything a model sees, and the dates and prices to read its predictions back."""

    config: Config
    features: list[str]
    train: pd.DataFrame
    test: pd.DataFrame
    x_train: np.ndarray
    x_test: np.ndarray
    y_train: dict[str, np.ndarray]
    y_test: dict[str, np.ndarray]
    report: DataReport
    merged: pd.DataFrame = field(repr=False, default=None)

    def frame(self, part: str) -> pd.DataFrame:
        if part not in ("train", "test"):
            raise InputError(f"part must be 'train' or 'test', got {part!r}")
        return self.train if part == "train" else self.test

    def target_dates(self, part: str) -> pd.DatetimeIndex:
        """The day each target's price belongs to (window start + window)."""
        return pd.DatetimeIndex(self.frame(part)["date"].iloc[self.config.window:])

    def window_dates(self, part: str, i: int) -> list[str]:
        """The days of window ``i``, as ``YYYY-MM-DD``."""
        d = self.frame(part)["date"].iloc[i:i + self.config.window]
        return [f"{x:%Y-%m-%d}" for x in d]

    def base_close(self, coin: str, part: str) -> np.ndarray:
        """Close on each window's first day: a predicted return r means price (1 + r) · this."""
        return self.frame(part)[f"{coin}_close"].to_numpy(np.float64)[:-self.config.window]

    def actual_close(self, coin: str, part: str) -> np.ndarray:
        """The close each target is about: the day after the window."""
        return self.frame(part)[f"{coin}_close"].to_numpy(np.float64)[self.config.window:]

    def last_close(self, coin: str, part: str) -> np.ndarray:
        """Close on each window's last day: the latest price the model sees."""
        return self.frame(part)[f"{coin}_close"].to_numpy(np.float64)[self.config.window - 1:-1]


def prepare(config: Config = STANDARD_CONFIG, csv=None, coin_files=None) -> Dataset:
    """Load (bundled data unless files are given), clean, merge, split, window and target."""
    merged, report = load_market(config.coins, csv=csv, coin_files=coin_files, from_date=config.from_date,
                                 max_gap_days=config.max_gap_days)
    cols = model_columns(config.coins)
    train, test = split_data(merged[["date"] + cols], config.split)
    need = config.window + 1
    if len(train) < need or len(test) < need:
        raise InputError(f"{len(merged)} days ({report.start} → {report.end}) split {config.split:g} gives "
                         f"{len(train)} training and {len(test)} test days; each needs at least {need} "
                         f"for a {config.window}-day window and its target")
    return Dataset(config=config, features=cols, train=train, test=test,
                   x_train=make_windows(train, cols, config.window), x_test=make_windows(test, cols, config.window),
                   y_train={c: make_targets(train, c, config.window) for c in config.coins},
                   y_test={c: make_targets(test, c, config.window) for c in config.coins},
                   report=report, merged=merged)


# --- models ----------------------------------------------------------------------
def build_model(input_shape, config: Config = STANDARD_CONFIG, name: str = "bitcoin"):
    """``build_model`` on our LSTM: 3 × LSTM(units, tanh) + Dropout, Dense(1), Activation('tanh')."""
    from ..layers import LSTM, Activation, Dense, Dropout
    from ..model import Sequential

    s = config.seed
    model = Sequential([
        LSTM(config.units, return_sequences=True, input_shape=tuple(input_shape), name="lstm_1"),
        Dropout(config.dropout, seed=s + 1, name="dropout_1"),
        LSTM(config.units, return_sequences=True, name="lstm_2"),
        Dropout(config.dropout, seed=s + 2, name="dropout_2"),
        LSTM(config.units, name="lstm_3"),
        Dropout(config.dropout, seed=s + 3, name="dropout_3"),
        Dense(1, name="dense"),
        Activation("tanh", name="output"),
    ], seed=s, name=name)
    model.compile(loss=config.loss, optimizer=config.optimizer, metrics=["mae"])
    return model


@dataclass
class Fit:
    """One implementation's training run on one coin."""

    impl: str                       # "ours" | "keras"
    history: dict[str, list[float]]
    seconds_per_epoch: list[float]
    pred_train: np.ndarray
    pred_test: np.ndarray
    model: object = field(repr=False, default=None)


def fit_ours(model, ds: Dataset, coin: str, verbose: int = 1) -> Fit:
    c = ds.config
    hist = model.fit(ds.x_train, ds.y_train[coin], epochs=c.epochs, batch_size=c.batch_size,
                     validation_data=(ds.x_test, ds.y_test[coin]), shuffle=False, verbose=verbose)
    return Fit("ours", {k: [float(v) for v in vs] for k, vs in hist.history.items()},
               [float(s) for s in hist.seconds_per_epoch],
               model.predict(ds.x_train, batch_size=c.batch_size).reshape(-1),
               model.predict(ds.x_test, batch_size=c.batch_size).reshape(-1), model)


def to_keras_compiled(model, config: Config):
    """A compiled Keras copy of our (untrained) model: same layers, same weights, same loss/optimiser."""
    from ..keras_bridge import import_keras, to_keras

    keras = import_keras()
    keras.utils.set_random_seed(config.seed)  # Keras's dropout masks: reproducible, though not ours
    km = to_keras(model)
    opt = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop}[config.optimizer]()
    km.compile(loss=config.loss, optimizer=opt, metrics=["mae"])
    return km


def fit_keras(kmodel, ds: Dataset, coin: str, verbose: int = 1) -> Fit:
    from ..keras_bridge import import_keras

    keras = import_keras()
    c = ds.config

    class _Timer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self._t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._t0)

    timer = _Timer()
    hist = kmodel.fit(ds.x_train, ds.y_train[coin], epochs=c.epochs, batch_size=c.batch_size,
                      validation_data=(ds.x_test, ds.y_test[coin]), shuffle=False,
                      verbose=1 if verbose else 0, callbacks=[timer])
    pred = lambda x: np.asarray(kmodel.predict(x, batch_size=c.batch_size, verbose=0), np.float32).reshape(-1)
    return Fit("keras", {k: [float(v) for v in vs] for k, vs in hist.history.items()},
               timer.seconds, pred(ds.x_train), pred(ds.x_test), kmodel)


@dataclass
class CoinResult:
    """Both implementations trained on one coin, and how they forecast its test days."""

    coin: str
    fits: dict[str, Fit]
    metrics: dict[str, dict]
    agreement: dict[str, float] = field(default_factory=dict)
    initial_weights_max_abs_diff: float | None = None


def train_coin(ds: Dataset, coin: str, keras: bool = True, verbose: int = 1) -> CoinResult:
    """Build ours, copy its initial weights into Keras, train both on the same batches, measure both."""
    cfg = ds.config
    model = build_model(ds.x_train.shape[1:], cfg, name=f"bitcoin_{coin.lower()}")
    km, init_diff = None, None
    if keras:
        km = to_keras_compiled(model, cfg)  # before training: the copy starts from our initial weights
        init_diff = max(float(np.max(np.abs(a - b))) for a, b in zip(model.get_weights(), km.get_weights()))
        if init_diff != 0:
            raise AssertionError(f"Keras copy of the {coin} model differs from ours by {init_diff} before training")
    fits = {}
    _log(f"[{coin}] training our LSTM: {cfg.epochs} epochs, {len(ds.x_train)} windows, batch {cfg.batch_size}", verbose)
    fits["ours"] = fit_ours(model, ds, coin, verbose)
    if keras:
        _log(f"[{coin}] training Keras from the same initial weights, same batches", verbose)
        fits["keras"] = fit_keras(km, ds, coin, verbose)
        for name in ("loss", "val_loss"):
            if not np.all(np.isfinite(fits["keras"].history[name])):
                raise InputError(f"{coin}: Keras's training diverged ({name} not finite: "
                                 f"{fits['keras'].history[name]}); lower the learning rate or check the data")
    true, base, last = ds.y_test[coin], ds.base_close(coin, "test"), ds.last_close(coin, "test")
    metrics = {}
    for impl, fit in fits.items():
        m = forecast_metrics(fit.pred_test, true, base, last)
        m.update(seconds_per_epoch=float(np.mean(fit.seconds_per_epoch)),
                 seconds_per_epoch_median=float(np.median(fit.seconds_per_epoch)),  # Keras's first epoch also builds its graph
                 seconds=float(np.sum(fit.seconds_per_epoch)),
                 final_loss=fit.history["loss"][-1], final_val_loss=fit.history["val_loss"][-1])
        metrics[impl] = m
    metrics["naive"] = forecast_metrics(None, true, base, last)
    agreement = compare(fits["ours"], fits["keras"]) if keras else {}
    return CoinResult(coin, fits, metrics, agreement, init_diff)


def _log(msg: str, verbose: int) -> None:
    if verbose:
        print(msg, flush=True)


def estimate_memory(config: Config, n_windows: int, features: int, keras: bool) -> int:
    """Bytes training needs, roughly, before anything is allocated: weights with their gradient and
    optimiser slots, and the recorded steps of three LSTM layers for one batch (twice with Keras)."""
    u, d = config.units, features
    params = 4 * u * (d + u + 1) + 2 * 4 * u * (2 * u + 1) + u + 1
    slots = 3 if config.optimizer == "adam" else 2     # gradient + m, v (Adam) or v (RMSprop)
    batch = min(config.batch_size, max(n_windows, 1))
    steps = 3 * batch * config.window * 16 * u          # z, dz, i, f, g, o, c, tanh c, h … per step
    need = 4 * (params * (1 + slots) + steps)
    return need * (2 if keras else 1)


def available_memory() -> int | None:
    """Bytes this machine can still give (``MemAvailable``), or ``None`` where that is unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(config: Config, n_windows: int, features: int, keras: bool) -> None:
    """Refuse, with the figures, a model that would not fit in this machine's memory."""
    need, have = estimate_memory(config, n_windows, features, keras), available_memory()
    if have is not None and need > have:
        raise InputError(f"3 × LSTM({config.units:,}) needs about {need / 2**30:,.1f} GiB to train "
                         f"{'here and in Keras ' if keras else ''}but this machine has {have / 2**30:,.1f} GiB "
                         f"available; use fewer --units (the standard model has 512)")


# --- metrics ---------------------------------------------------------------------
def forecast_metrics(pred: np.ndarray | None, true: np.ndarray, base_close: np.ndarray,
                     last_close: np.ndarray) -> dict[str, float | None]:
    """Test metrics of a forecast of the target return; ``pred=None`` is the naive "no change"
    forecast: the next close equals the window's last close (return ``last / base - 1``).

    ``mae_return``/``rmse_return`` on the target (the return since the window's first close),
    ``rmse_price`` on the price it implies ((1 + r) · ``base_close``), ``direction_accuracy``
    the share of days on which the predicted move from the last close (up/down) is right
    (days the close did not move, such as filled gaps, are left out). "No change" predicts no
    move, so for it that is ``None`` and ``up_share`` (what always guessing "up" scores) is given.
    """
    true, base, last = (np.asarray(a, np.float64).reshape(-1) for a in (true, base_close, last_close))
    p = last / base - 1 if pred is None else np.asarray(pred, np.float64).reshape(-1)
    err = p - true
    actual_price, pred_price = (1 + true) * base, (1 + p) * base
    out = {"mae_return": float(np.abs(err).mean()), "rmse_return": float(np.sqrt((err ** 2).mean())),
           "rmse_price": float(np.sqrt(((pred_price - actual_price) ** 2).mean()))}
    move = np.sign(actual_price - last)
    moved = move != 0
    if not moved.any():  # a share of no days is undefined, not NaN: say why instead
        out["direction_accuracy"] = None
        out["up_share"] = None
        out["undefined"] = "direction: the close never moved on the test days, so no move can be right or wrong"
    elif pred is None:
        out["direction_accuracy"] = None
        out["up_share"] = float((move[moved] > 0).mean())
    else:
        out["direction_accuracy"] = float((np.sign(pred_price - last)[moved] == move[moved]).mean())
    return out


def max_relative_difference(a, b) -> float:
    """max over epochs of |a - b| / |b| (b: Keras, the reference)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-12)))


def compare(ours: Fit, keras: Fit) -> dict[str, float]:
    """How far two runs are apart: per-epoch loss curves and test predictions."""
    return {"max_rel_diff_loss": max_relative_difference(ours.history["loss"], keras.history["loss"]),
            "max_rel_diff_val_loss": max_relative_difference(ours.history["val_loss"], keras.history["val_loss"]),
            "max_abs_diff_test_prediction": float(np.max(np.abs(ours.pred_test - keras.pred_test)))}


#: ``--parity``: the largest per-epoch relative loss difference allowed (the foundation's tolerance).
PARITY_TOLERANCE = 1e-3


def parity_config(config: Config) -> Config:
    """Exact parity needs identical dropout masks, which two RNGs cannot give: run with dropout 0."""
    return replace(config, dropout=0.0)


__all__ = ["Config", "STANDARD_CONFIG", "QUICK", "Dataset", "Fit", "CoinResult", "train_coin", "check_memory",
           "estimate_memory", "prepare", "model_columns", "split_data",
           "make_windows", "make_targets", "assert_finite", "build_model", "fit_ours", "fit_keras",
           "to_keras_compiled", "forecast_metrics", "compare", "max_relative_difference", "parity_config",
           "PARITY_TOLERANCE"]
