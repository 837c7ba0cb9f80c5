"""The ``lstm-explainer`` command.

The applications (``bitcoin``, ``story``) and the sub-commands of the optional packages
(``render`` from ``animations``, ``classroom`` from ``widgets``) register through the
``lstm_explainer.commands`` entry points, so this module imports none of them.
"""
from __future__ import annotations

import argparse
import sys
from importlib.metadata import entry_points

import numpy as np


def _parse_vector(text: str, name: str) -> np.ndarray:
    try:
        v = np.array([float(s) for s in text.split(",")], dtype=np.float32)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name} must be comma-separated numbers such as 0.5,-1; got {text!r}") from None
    if not np.all(np.isfinite(v)):
        raise argparse.ArgumentTypeError(f"{name} must be finite numbers; got {text!r}")
    return v


def trace_table(step, lang: str = "en") -> str:
    """A gate-by-gate table of one :class:`~explainer.trace.StepTrace` (first sample)."""
    from .glossary import field_name

    from .gates import GATES

    act = {"sigmoid": "σ", "tanh": "tanh"}
    rows = [("x", "x_t", step.x[0]), ("h_prev", "h_{t-1}", step.h_prev[0]), ("c_prev", "c_{t-1}", step.c_prev[0]),
            *[(g.field, f"{g.field} = {act[g.activation]}(z_{g.field})", getattr(step, g.field)[0]) for g in GATES],
            ("c", "c = f⊙c_{t-1} + i⊙g", step.c[0]), ("h", "h = o⊙tanh(c)", step.h[0])]
    width = max(len(r[1]) for r in rows) + 2
    lines = []
    for field, eq, v in rows:
        label = field_name(field, lang) if field not in ("g",) else field_name("g", lang)
        nums = "  ".join(f"{a:+.4f}" for a in v)
        lines.append(f"{eq:<{width}}{nums}   ({label})")
    return "\n".join(lines)


def _cmd_trace(args) -> int:
    from .demo import demo_trace, demo_weights
    from .layers import LSTM
    from .trace import SequenceTrace

    if args.file:
        trace = SequenceTrace.load(args.file)
        if args.units:
            trace = trace.narrow(trace.most_active(args.units))
    elif args.x is not None:
        layer = LSTM(args.units or 3, seed=args.seed)
        x = args.x.reshape(1, 1, -1)
        if args.units is None and x.shape[-1] == 3:  # the demo's weights fit three features
            layer.build((1, 3), np.random.default_rng(0))
            w = demo_weights()
            layer.set_weights([w["kernel"], w["recurrent_kernel"], w["bias"]])
        h0 = args.h.reshape(1, -1) if args.h is not None else None
        c0 = args.c.reshape(1, -1) if args.c is not None else None
        init = None
        if h0 is not None or c0 is not None:
            u = layer.units
            init = [h0 if h0 is not None else np.zeros((1, u), np.float32),
                    c0 if c0 is not None else np.zeros((1, u), np.float32)]
        trace = layer.trace(x, initial_state=init)
    else:
        trace = demo_trace()
    t = args.step if args.step is not None else trace.time - 1
    if not -trace.time <= t < trace.time:
        print(f"error: --step {t} is out of range; this trace has {trace.time} steps (0..{trace.time - 1})",
              file=sys.stderr)
        return 2
    labels = trace.meta.get("labels")
    where = f" ({labels[t]!r})" if labels and -len(labels) <= t < len(labels) else ""
    print(f"layer {trace.layer}, time step {t % trace.time}{where}, units {trace.unit_index.tolist()}")
    print(trace_table(trace.step(t), args.lang))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lstm-explainer",
                                description="See an LSTM work: traces, Keras comparisons, videos, widgets.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    t = sub.add_parser("trace", help="print one step's gate-by-gate arithmetic")
    t.add_argument("--file", help="a saved trace (.npz) to read instead of the demo LSTM")
    t.add_argument("--x", type=lambda s: _parse_vector(s, "--x"), help="input x_t, e.g. 1,0,0")
    t.add_argument("--h", type=lambda s: _parse_vector(s, "--h"), help="h_{t-1}, comma-separated")
    t.add_argument("--c", type=lambda s: _parse_vector(s, "--c"), help="c_{t-1}, comma-separated")
    t.add_argument("--units", type=int, help="units (random Keras-style weights), or units to keep from --file")
    t.add_argument("--seed", type=int, default=0, help="seed of the random weights")
    t.add_argument("--step", type=int, help="time step to show (default: the last)")
    t.add_argument("--lang", choices=("en", "zh"), default="en")
    t.set_defaults(func=_cmd_trace)

    for ep in entry_points(group="lstm_explainer.commands"):
        try:
            ep.load()(sub)
        except ImportError as e:  # the optional package's extra is not installed
            missing = sub.add_parser(ep.name, help=f"(unavailable: {e})")
            missing.set_defaults(func=lambda a, e=e, n=ep.name: _unavailable(n, e))
    return p


def _unavailable(name: str, e: Exception) -> int:
    print(f"error: '{name}' needs an optional dependency that is not installed ({e}). "
          "Install it with: pip install 'lstm-explainer[all]'", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
