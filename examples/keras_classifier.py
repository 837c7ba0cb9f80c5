#!/usr/bin/env python3
"""The Keras guide's stacked-LSTM classifier on both implementations.

Three stacked LSTM(32) on sequences of 8 steps × 16 features, Dense(10, softmax),
categorical cross-entropy, RMSprop, metric accuracy, random data (1000 training and 100
validation samples), batch 64, 5 epochs. Our model is built first; Keras gets a copy of its
initial weights (``explainer.keras_bridge.to_keras``), and both see the same batches
(``shuffle=False`` so that they do). The two histories are printed side by side.

    python examples/keras_classifier.py              # both implementations
    python examples/keras_classifier.py --no-keras   # ours alone (no TensorFlow needed)

The data is random, as in the guide, so the accuracy stays near chance (10 %): the point is
the architecture and that the two implementations compute the same thing.

One honest wrinkle: the guide's labels are random numbers, not one-hot rows, so a row does not
sum to 1. Keras's loss *value* is -Σ y log p all the same, but TensorFlow trains it with the
fused gradient softmax − y, which is the true gradient only when each row sums to 1; ours
follows the true gradient (and warns). With the guide's labels the histories therefore drift
apart by a few per cent; ``--labels one-hot`` (or ``normalised``) makes them agree to ~1e-7.

    python examples/keras_classifier.py --labels one-hot
"""
import argparse
import sys
import warnings

import numpy as np

from explainer import LSTM, Dense, Sequential

DATA_DIM, TIMESTEPS, NUM_CLASSES = 16, 8, 10


def build(seed: int) -> Sequential:
    model = Sequential([
        LSTM(32, return_sequences=True, input_shape=(TIMESTEPS, DATA_DIM)),  # a sequence of 32-vectors
        LSTM(32, return_sequences=True),                                     # a sequence of 32-vectors
        LSTM(32),                                                            # one 32-vector
        Dense(NUM_CLASSES, activation="softmax"),
    ], seed=seed)
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-keras", action="store_true", help="run ours only")
    p.add_argument("--labels", choices=("random", "normalised", "one-hot"), default="random",
                   help="random: the guide's (rows do not sum to 1); normalised: each row divided by its sum; "
                        "one-hot: the largest entry of each random row")
    args = p.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    x_train = rng.random((1000, TIMESTEPS, DATA_DIM)).astype(np.float32)
    y_train = rng.random((1000, NUM_CLASSES)).astype(np.float32)
    x_val = rng.random((100, TIMESTEPS, DATA_DIM)).astype(np.float32)
    y_val = rng.random((100, NUM_CLASSES)).astype(np.float32)
    if args.labels == "normalised":
        y_train, y_val = (y / y.sum(axis=1, keepdims=True) for y in (y_train, y_val))
    elif args.labels == "one-hot":
        y_train, y_val = (np.eye(NUM_CLASSES, dtype=np.float32)[y.argmax(axis=1)] for y in (y_train, y_val))

    ours = build(args.seed)
    ours.summary()
    histories = {}
    if not args.no_keras:
        from explainer.keras_bridge import import_keras, to_keras

        keras = import_keras()
        theirs = to_keras(ours)  # before training: a copy of our initial weights
        theirs.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.RMSprop(), metrics=["accuracy"])
        same = max(float(np.abs(a - b).max()) for a, b in zip(ours.get_weights(), theirs.get_weights()))
        print(f"initial weights copied into Keras: max difference {same}")
    fit = dict(epochs=args.epochs, batch_size=args.batch_size, validation_data=(x_val, y_val), shuffle=False)
    print("\ntraining ours")
    with warnings.catch_warnings():
        if args.labels == "random":  # explained at the end
            warnings.filterwarnings("ignore", message="categorical_crossentropy expects")
        histories["ours"] = ours.fit(x_train, y_train, verbose=1, **fit).history
    if not args.no_keras:
        print("\ntraining Keras")
        hist = theirs.fit(x_train, y_train, verbose=2, **fit).history
        histories["keras"] = {k: [float(v) for v in vs] for k, vs in hist.items()}

    keys = ["loss", "accuracy", "val_loss", "val_accuracy"]
    impls = list(histories)
    print("\nepoch  " + "  ".join(f"{impl + ' ' + k:>20}" for k in keys for impl in impls))
    for e in range(args.epochs):
        print(f"{e + 1:>5}  " + "  ".join(f"{histories[impl][k][e]:>20.6f}" for k in keys for impl in impls))
    if "keras" in histories:
        worst = max(abs(a - b) / max(abs(b), 1e-12) for k in ("loss", "val_loss")
                    for a, b in zip(histories["ours"][k], histories["keras"][k]))
        print(f"\nlargest relative loss difference, ours vs Keras: {worst:.2e}")
        if args.labels == "random":
            print("(the guide's random labels do not sum to 1 per row, so Keras trains on softmax − y, not on the "
                  "gradient of its own loss; run with --labels one-hot to see the two agree)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
