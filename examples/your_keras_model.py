"""Explain your own model: train a small Keras LSTM, save it, trace it with one command, plot the trace.

The task needs a memory: each sequence is 20 random values with a marker on one of the first ten
steps; the target is the value that was marked. A trained LSTM must open its input gate at the
marker, write the value into its cell state, and keep it there (forget gate near 1) until the end.

    python examples/your_keras_model.py [--out DIR]     # about a minute on a laptop CPU

writes DIR/remember.keras, DIR/sequence.csv, DIR/trace.npz and DIR/trace.png.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

STEPS = 20


def make_task(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x: (n, 20, 2) = [value, marker]; y: the value at the marked step."""
    value = rng.uniform(-1, 1, (n, STEPS))
    where = rng.integers(0, STEPS // 2, n)
    marker = np.zeros((n, STEPS))
    marker[np.arange(n), where] = 1.0
    x = np.stack([value, marker], axis=-1).astype(np.float32)
    return x, value[np.arange(n), where].astype(np.float32)


def train(out: Path) -> Path:
    """The Keras user's part: an ordinary model, trained and saved."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    keras.utils.set_random_seed(0)
    x, y = make_task(3000, np.random.default_rng(0))
    model = keras.Sequential([keras.Input((STEPS, 2)), keras.layers.LSTM(8, name="memory"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    model.fit(x, y, epochs=40, batch_size=64, verbose=0)
    x_test, y_test = make_task(500, np.random.default_rng(1))
    print(f"test mse {model.evaluate(x_test, y_test, verbose=0):.4f} (predicting 0 scores {np.mean(y_test ** 2):.4f})")
    model.save(out / "remember.keras")
    return out / "remember.keras"


def write_sequence(out: Path) -> Path:
    """One sequence as a CSV: a row per step, the header names the features, the first column labels steps."""
    x, y = make_task(1, np.random.default_rng(7))
    rows = [f"t{t},{x[0, t, 0]:.6f},{x[0, t, 1]:.0f}" for t in range(STEPS)]
    path = out / "sequence.csv"
    path.write_text("step,value,marker\n" + "\n".join(rows) + "\n")
    return path


def memory_units(model_path: Path, k: int = 2) -> tuple[list[int], list[float]]:
    """The ``k`` units whose final cell state follows the marked value best (|correlation| over 500 test
    sequences): where this network keeps its memory. Found from the traces, not assumed."""
    from explainer.your_model import load_model_file

    x, y = make_task(500, np.random.default_rng(1))
    c_last = load_model_file(model_path).trace(x)[0].c[:, -1]
    r = np.array([np.corrcoef(c_last[:, u], y)[0, 1] for u in range(c_last.shape[1])])
    best = sorted(np.argsort(-np.abs(r))[:k].tolist())
    return best, [float(r[u]) for u in best]


def plot(trace_path: Path, png: Path, note: str = "") -> None:
    """The trace, drawn: the inputs, then i, f and c of the traced units over time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from explainer import palette
    from explainer.trace import SequenceTrace

    tr = SequenceTrace.load(trace_path)
    t = np.arange(tr.time)
    value, marker = tr.x[0, :, 0], tr.x[0, :, 1]
    marked = int(np.argmax(marker))
    fig, axes = plt.subplots(4, 1, figsize=(8, 7.2), sharex=True, constrained_layout=True)
    ax = axes[0]
    ax.bar(t, value, color=palette.INPUT_X, width=0.6)
    ax.bar([marked], [value[marked]], color=palette.INK, width=0.6)
    ax.annotate(f"marked value {value[marked]:+.2f}", (marked - 0.4, value[marked]), ha="right",
                xytext=(-4, 10 if value[marked] > 0 else -22), textcoords="offset points", fontsize=9)
    ax.set_ylabel("input value")
    ax.set_ylim(-1.35, 1.35)
    styles = ["-", "--", ":", "-."]
    rows = (("i", "input gate i", (0, 1)), ("f", "forget gate f", (0, 1)), ("c", "cell state c", None))
    for ax, (field, label, lim) in zip(axes[1:], rows):
        for k, unit in enumerate(tr.unit_index):
            ax.plot(t, getattr(tr, field)[0, :, k], styles[k % 4], color=palette.color(field), lw=2,
                    marker="o", ms=3, label=f"unit {unit}")
        ax.set_ylabel(label)
        if lim:
            ax.set_ylim(-0.05, 1.05)
        ax.axvline(marked, color=palette.FRAME, lw=1, zorder=0)
        ax.grid(True, color=palette.GRID, lw=0.5)
    axes[1].legend(loc="upper right", fontsize=8, ncol=len(tr.unit_index))
    axes[-1].axhline(0, color=palette.FRAME, lw=0.8)
    axes[-1].set_xlabel("time step")
    axes[-1].set_xticks(t)
    fig.suptitle(f"Trace of layer '{tr.layer}' of a Keras LSTM trained to remember the marked value"
                 + (f"\n{note}" if note else ""), fontsize=10)
    fig.savefig(png, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="your_model", help="folder for the model, input, trace and picture")
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = train(out)
    csv = write_sequence(out)
    units, r = memory_units(model)
    trace = out / "trace.npz"
    # the one command, as a user types it
    subprocess.run([sys.executable, "-m", "explainer.cli", "trace", "--model", str(model), "--input", str(csv),
                    "--units", ",".join(map(str, units)), "--out", str(trace), "--force"], check=True)
    note = ("units " + " and ".join(f"{u} (r = {v:+.2f})" for u, v in zip(units, r))
            + ": their final cell state follows the marked value over 500 test sequences")
    plot(trace, out / "trace.png", note)
    print(f"picture: {out / 'trace.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
