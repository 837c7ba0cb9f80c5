"""Train the classic bitcoin architecture on our LSTM and on Keras in the same run.

3×LSTM(512) each followed by Dropout(0.25), Dense(1), tanh; windows of 7 days × 4
features, batch 128, Adam, mse, shuffle=False — on random data shaped like the bitcoin
windows (713 training windows by default). Both start from the same weights.

Prints seconds per epoch for each, the ratio ours/Keras (target ≤ 1.0), and our achieved
GFLOP/s next to a plain NumPy matmul of the layer's shape.

    python benchmarks/bench_training.py [--epochs 3] [--samples 713] [--units 512]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

import explainer as E


def seed_model(units: int, window: int, features: int, dropout: float) -> E.Sequential:
    model = E.Sequential([
        E.LSTM(units, return_sequences=True, input_shape=(window, features)), E.Dropout(dropout, seed=1),
        E.LSTM(units, return_sequences=True), E.Dropout(dropout, seed=2),
        E.LSTM(units), E.Dropout(dropout, seed=3),
        E.Dense(1), E.Activation("tanh"),
    ], seed=0)
    model.compile(loss="mse", optimizer="adam", metrics=["mae"])
    return model


def training_flops(n: int, t: int, d: int, u: int, layers: int = 3) -> float:
    """Matrix-product FLOPs of one epoch: forward 2 GEMM families, backward 4, per layer."""
    flops = 0.0
    for k in range(layers):
        din = d if k == 0 else u
        fwd = 2 * n * t * (din + u) * 4 * u          # x W and h U
        bwd = 2 * fwd                                  # dx, dW and dh, dU
        flops += fwd + bwd
    return flops


def matmul_gflops(m: int, k: int, n: int, repeat: int = 20) -> float:
    a = np.random.rand(m, k).astype(np.float32)
    b = np.random.rand(k, n).astype(np.float32)
    a @ b
    t0 = time.perf_counter()
    for _ in range(repeat):
        a @ b
    return 2 * m * k * n * repeat / (time.perf_counter() - t0) / 1e9


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--samples", type=int, default=713)
    p.add_argument("--units", type=int, default=512)
    p.add_argument("--window", type=int, default=7)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--no-keras", action="store_true")
    a = p.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.1, (a.samples, a.window, 4)).astype(np.float32)
    y = rng.normal(0, 0.1, a.samples).astype(np.float32)

    ours = seed_model(a.units, a.window, 4, 0.25)
    if not a.no_keras:
        from explainer.keras_bridge import to_keras
        keras_model = to_keras(ours)
        keras_model.compile(loss="mse", optimizer="adam", metrics=["mae"])
        keras_model.fit(x[:a.batch_size], y[:a.batch_size], epochs=1, batch_size=a.batch_size, verbose=0)  # trace/compile
        t0 = time.perf_counter()
        keras_model.fit(x, y, epochs=a.epochs, batch_size=a.batch_size, shuffle=False, verbose=0)
        keras_s = (time.perf_counter() - t0) / a.epochs
    ours.fit(x[:a.batch_size], y[:a.batch_size], epochs=1, batch_size=a.batch_size, verbose=0)  # warm-up, as Keras
    hist = ours.fit(x, y, epochs=a.epochs, batch_size=a.batch_size, shuffle=False, verbose=0)
    ours_s = float(np.median(hist.seconds_per_epoch))
    flops = training_flops(a.samples, a.window, 4, a.units)
    peak = matmul_gflops(a.batch_size * a.window, a.units, 4 * a.units)
    print(f"config: 3×LSTM({a.units}), window {a.window}, 4 features, {a.samples} windows, batch {a.batch_size}")
    print(f"ours : {ours_s:.3f} s/epoch  ({flops / ours_s / 1e9:.0f} GFLOP/s of matrix products)")
    if not a.no_keras:
        print(f"keras: {keras_s:.3f} s/epoch")
        print(f"ratio ours/keras: {ours_s / keras_s:.2f}  (target ≤ 1.0)")
    print(f"numpy float32 matmul ({a.batch_size * a.window}×{a.units} @ {a.units}×{4 * a.units}): {peak:.0f} GFLOP/s; "
          f"ours reaches {flops / ours_s / 1e9 / peak:.0%} of it")


if __name__ == "__main__":
    main()
