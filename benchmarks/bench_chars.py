"""Train the character model (one-hot → LSTM(128) → Dense(97, softmax) per step) on ours and on Keras.

Same initial weights, the same windows of the real corpus (batch 32 × 100 characters), Adam,
categorical cross-entropy, in the same run. Character models are many small steps, so the
per-step overhead of the time loop decides. Prints characters per second for each, the
ratio ours/Keras (target ≥ 1.0), and both losses of the first window (same weights: they agree).

    python benchmarks/bench_chars.py [--windows 30] [--units 128] [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--windows", type=int, default=30)
p.add_argument("--units", type=int, default=128)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--seq-len", type=int, default=100)
p.add_argument("--threads", type=int, default=1, help="BLAS/TensorFlow threads for both (default 1)")
args = p.parse_args()
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402

from explainer.chars import corpus  # noqa: E402
from explainer.chars.train import build_model, one_hot, streams  # noqa: E402
from explainer.keras_bridge import import_keras, to_keras  # noqa: E402

B, T = args.batch, args.seq_len
xs, ys = streams(corpus.encode(corpus.load()[:B * T * args.windows + 1]), B, T)
batches = [(one_hot(xs[:, k * T:(k + 1) * T]), one_hot(ys[:, k * T:(k + 1) * T])) for k in range(args.windows)]

ours = build_model(args.units, seed=0)
ours.compile("categorical_crossentropy", "adam")
ours.build((None, 97))
keras = import_keras()
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(args.threads)
tf.config.threading.set_inter_op_parallelism_threads(args.threads)
theirs = to_keras(ours)
theirs.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(0.001))

first_keras = float(theirs.evaluate(*batches[0], batch_size=B, verbose=0))  # same weights, same window
theirs.train_on_batch(*batches[0])        # trace and build the training graph (not timed)
theirs.set_weights(ours.get_weights())    # (its Adam has taken that one step; the timing does not care)

t0 = time.perf_counter()
loss_ours = [ours.train_on_batch(x, y)[0] for x, y in batches]
s_ours = time.perf_counter() - t0
t0 = time.perf_counter()
loss_keras = [float(theirs.train_on_batch(x, y)) for x, y in batches]
s_keras = time.perf_counter() - t0

chars = B * T * args.windows
print(f"character model LSTM({args.units}) + Dense(97), batch {B} x {T} characters, {args.windows} windows, "
      f"{args.threads} thread(s)")
print(f"ours : {chars / s_ours:9.0f} chars/s  ({s_ours:.2f} s)")
print(f"Keras: {chars / s_keras:9.0f} chars/s  ({s_keras:.2f} s)")
print(f"ratio ours/Keras speed: {s_keras / s_ours:.2f}  (target >= 1.0)")
print(f"loss of the first window from the same weights: ours {loss_ours[0]:.6f}  Keras {first_keras:.6f}")
