"""The ``lstm-explainer`` command.

The applications (``bitcoin``, ``story``) and the sub-commands of the optional packages
(``render`` from ``animations``, ``classroom`` from ``widgets``) register through the
``lstm_explainer.commands`` entry points, so this module imports none of them.
"""
from __future__ import annotations

import sys

from . import _interrupted_early  # installed by the package, before this module was even compiled

import argparse  # noqa: E402
import signal  # noqa: E402
import errno  # noqa: E402

from .argtypes import INDEX, SEED, whole  # noqa: E402
from .errors import InputError  # noqa: E402


def _parse_vector(text: str, name: str):
    import numpy as np

    try:
        v = np.array([float(s) for s in text.split(",")], dtype=np.float32)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name} must be comma-separated numbers such as 0.5,-1; got {text!r}") from None
    if not np.all(np.isfinite(v)):
        raise argparse.ArgumentTypeError(f"{name} must be finite numbers; got {text!r}")
    return v


#: What the step table says at a masked step: a heading, and a note on the unused gates.
MASKED_TEXT = {"en": ("masked step: the layer skipped it and carried h and c over unchanged", " — computed, not used"),
               "zh": ("被遮蔽的时间步：该层跳过了它，h 和 c 原样传给下一步", "，已计算，未使用")}


def trace_table(step, lang: str = "en", masked: bool = False, activation: str = "tanh",
                recurrent_activation: str = "sigmoid") -> str:
    """A gate-by-gate table of one :class:`~explainer.trace.StepTrace` (first sample).

    ``masked``: the layer skipped this step (its mask was False) and carried h and c over;
    the gates it computed there were not used, and the table says so instead of an equation.
    """
    from .gates import GATES
    from .glossary import field_name
    from .presentation import equation, fmt, gate_from_z, symbol

    rows = [("x", symbol("x_t"), step.x[0]), ("h_prev", symbol("h_prev"), step.h_prev[0]),
            ("c_prev", symbol("c_prev"), step.c_prev[0]),
            *[(g.field, gate_from_z(g.field, activation, recurrent_activation), getattr(step, g.field)[0])
              for g in GATES],
            ("c", equation("c"), step.c[0]), ("h", equation("h", activation=activation), step.h[0])]
    if masked:
        rows[-2:] = [("c", f"{symbol('c_t')} = {symbol('c_prev')} (carried)", step.c[0]),
                     ("h", f"{symbol('h_t')} = {symbol('h_prev')} (carried)", step.h[0])]
    width = max(len(r[1]) for r in rows) + 2
    lines = []
    for field, eq, v in rows:
        label = field_name(field, lang)
        nums = "  ".join(fmt(a, 4, signed=True) for a in v)
        unused = MASKED_TEXT[lang][1] if masked and field in {g.field for g in GATES} else ""
        lines.append(f"{eq:<{width}}{nums}   ({label}{unused})")
    if masked:
        lines.insert(0, MASKED_TEXT[lang][0])
    return "\n".join(lines)


def _cmd_trace(args) -> int:
    if args.model or args.input or args.out:
        return _trace_model_file(args)
    import numpy as np

    from .demo import demo_trace, demo_weights
    from .layers import LSTM
    from .trace import SequenceTrace
    from .your_model import check_memory, parse_units

    units = parse_units(args.units) if args.units is not None else None
    if args.file:
        trace = SequenceTrace.load(args.file)  # checked: numbers, non-empty, its own equations
        if isinstance(units, int):
            if units > trace.units:
                raise InputError(f"--units {units}: this trace holds {trace.units} units; give at most {trace.units}")
            trace = trace.narrow(trace.most_active(units))
        elif units is not None:
            trace = trace.narrow(units)
    elif args.x is not None:
        if isinstance(units, list):
            raise InputError("with --x, --units is the number of units of a random LSTM, such as 3")
        n, d = units or 3, args.x.size
        check_memory(4 * 4 * n * (n + d + 1), f"an LSTM of {n:,} units", "give fewer --units")
        layer = LSTM(n, seed=args.seed)
        x = args.x.reshape(1, 1, -1)
        if units is None and x.shape[-1] == 3:  # the demo's weights fit three features
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
    where = f" ({labels[t]!r})" if isinstance(labels, list) and -len(labels) <= t < len(labels) else ""
    print(f"layer {trace.layer}, time step {t % trace.time}{where}, units {trace.unit_index.tolist()}")
    masked = trace.mask is not None and not trace.mask[0, t]
    print(trace_table(trace.step(t), args.lang, masked=masked, activation=trace.meta.get("activation", "tanh"),
                      recurrent_activation=trace.meta.get("recurrent_activation", "sigmoid")))
    return 0


def _trace_model_file(args) -> int:
    """``trace --model FILE --input FILE --out trace.npz``: a trace of your own model's recurrent layer."""
    import os
    from pathlib import Path

    from .trace import SequenceTrace
    from .your_model import load_model_file, parse_units, read_inputs, recurrent_layers, trace_model

    missing = [flag for flag, v in (("--model", args.model), ("--input", args.input), ("--out", args.out)) if not v]
    if missing:
        raise InputError(f"tracing your own model needs {', '.join(missing)}: "
                         "lstm-explainer trace --model MODEL --input INPUT --out trace.npz")
    if args.file or args.x is not None:
        raise InputError("--model cannot be combined with --file or --x")
    out = Path(args.out)
    if out.suffix.lower() != ".npz":
        raise InputError(f"--out {args.out!r} must be a file name ending in .npz, such as trace.npz")
    if out.is_dir():
        raise InputError(f"--out {args.out!r} is a folder; give a file name such as {out / 'trace.npz'}")
    if not out.parent.is_dir():
        raise InputError(f"--out {args.out!r}: the folder {str(out.parent)!r} does not exist; create it first")
    if not os.access(out.parent, os.W_OK):
        raise InputError(f"--out {args.out!r}: the folder {str(out.parent)!r} is not writable")
    if out.exists() and not args.force:
        raise InputError(f"--out {args.out!r} exists; choose another name or add --force to replace it")
    units = parse_units(args.units) if args.units is not None else None
    layer = args.layer if args.layer is not None else "0"
    layer = int(layer) if layer.lstrip("-").isdigit() else layer  # an index or a layer's name
    import warnings

    keras_file = Path(args.model).suffix.lower() in (".keras", ".h5")
    parity = None
    with warnings.catch_warnings(record=True) as caught:  # said once, in one line each
        warnings.simplefilter("always", UserWarning)
        if keras_file:  # any Keras graph: Keras computes what the traced layer receives
            from .keras_bridge import find_recurrent_layer
            from .your_model import load_keras_file, read_keras_inputs, trace_keras_layer

            model = load_keras_file(args.model)
            inputs, features, labels = read_keras_inputs(args.input, model, time_major=args.time_major)
            trace, parity = trace_keras_layer(model, inputs, layer=layer, sample=args.sample, units=units)
            traced, _, chain = find_recurrent_layer(model, layer)  # its input is a column of the file?
            reads_file = len(model.inputs) == 1 and not chain and \
                traced._inbound_nodes[0].arguments.keras_tensors[0] is model.inputs[0]
        else:
            model = load_model_file(args.model)
            x, features, labels = read_inputs(args.input, model, time_major=args.time_major)
    for w in caught:  # ours (what was not copied), not Keras's own chatter
        if issubclass(w.category, UserWarning) and f"{os.sep}explainer{os.sep}" in str(w.filename):
            print(f"warning: {w.message}", file=sys.stderr)
    if not keras_file:
        trace = trace_model(model, x, layer=layer, sample=args.sample, units=units)
        reads_file = recurrent_layers(model).index(trace.layer) == 0
    trace.meta.update({"source": f"lstm-explainer trace {Path(args.model).name}", "model": Path(args.model).name,
                       "input": Path(args.input).name, "layer_index": layer})
    if features and trace.x.shape[-1] == len(features) and reads_file:
        trace.meta["features"] = features  # only a layer reading the file's columns directly is given their names
    if labels and len(labels) == trace.time:
        trace.meta["labels"] = labels
    tmp = out.with_name(f".{out.name}.partial.npz")
    try:
        trace.save(tmp)
        os.replace(tmp, out)
    except OSError as e:
        raise InputError(f"could not write --out {args.out!r} ({e.strerror or e}); choose a writable folder") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    print(f"wrote the trace of layer {trace.layer!r} ({trace.batch} sequence(s), {trace.time} steps, "
          f"{trace.units} units) to {out}")
    if parity is not None:
        print(f"checked against Keras: the same layer's output in Keras differs by max |Δh| = {parity:.2g} "
              "over the unmasked steps")
    if isinstance(trace, SequenceTrace):
        print(f"see it: lstm-explainer render FullStep --trace {out}   or   lstm-explainer trace --file {out}")
    elif type(trace).__name__ == "GRUTrace":
        print("a GRU's trace (update gate z, reset gate r, candidate h̃; h = z⊙h_{t-1} + (1−z)⊙h̃): "
              f"see it: lstm-explainer export-html --trace {out} --out gru.html   or read it with "
              "explainer.gru.GRUTrace.load")
    else:
        print("a plain RNN's trace (h_t = tanh(x_t W + h_{t-1} U + b)): read it with explainer.rnn.RNNTrace.load; "
              "the LSTM scenes draw LSTM layers (--layer)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .glossary import LANGS

    p = argparse.ArgumentParser(prog="lstm-explainer",
                                description="See an LSTM work: traces, Keras comparisons, videos, widgets.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    t = sub.add_parser("trace", help="trace your own model (--model --input --out), or print one step's arithmetic",
                       description="With --model, --input and --out: write a trace of a recurrent layer of your "
                                   "own model, ready for `render --trace`. Otherwise: print one step's gate-by-gate "
                                   "arithmetic of the demo LSTM, of --x, or of a saved trace (--file).")
    t.add_argument("--model", help="your model: .keras or .h5 (Keras), .safetensors (PyTorch state dict), "
                                   ".npz (saved by lstm-explainer)")
    t.add_argument("--input", help="its input: .npy (time, features) or (batch, time, features), .csv "
                                   "(a row per time step; header = feature names), or for a Keras model with "
                                   "several inputs .npz (one array per input, named as the model's inputs)")
    t.add_argument("--time-major", action="store_true",
                   help="the .npy input is (time, batch, features), as for PyTorch's nn.LSTM(batch_first=False)")
    t.add_argument("--layer", help="which recurrent layer to trace: index (default 0) or name; in a Keras "
                                   "model, whatever surrounds it (Keras computes its input, mask, initial state); "
                                   "a layer inside a nested model (a Model or Sequential used as a layer) is "
                                   "OUTER/INNER, e.g. encoder/lstm")
    t.add_argument("--sample", type=INDEX, help="keep one sequence of the input batch (default: all)")
    t.add_argument("--out", help="where to write the trace (.npz)")
    t.add_argument("--force", action="store_true", help="replace an existing --out file")
    t.add_argument("--file", help="a saved trace (.npz) to read instead of the demo LSTM")
    t.add_argument("--x", type=lambda s: _parse_vector(s, "--x"), help="input x_t, e.g. 1,0,0")
    t.add_argument("--h", type=lambda s: _parse_vector(s, "--h"), help="h_{t-1}, comma-separated")
    t.add_argument("--c", type=lambda s: _parse_vector(s, "--c"), help="c_{t-1}, comma-separated")
    t.add_argument("--units", help="keep the K most active units (K) or the listed ones (0,5,7); with --x: "
                                   "the number of units of a random LSTM")
    t.add_argument("--seed", type=SEED, default=0, help="seed of the random weights")
    t.add_argument("--step", type=whole(), help="time step to show (default: the last)")
    t.add_argument("--lang", choices=LANGS, default="en")
    t.set_defaults(func=_cmd_trace)

    from importlib.metadata import entry_points

    for ep in entry_points(group="lstm_explainer.commands"):
        try:
            ep.load()(sub)
        except ImportError as e:  # the optional package's extra is not installed
            missing = sub.add_parser(ep.name, help=f"(unavailable: {e})")
            missing.set_defaults(func=lambda a, e=e, n=ep.name: _unavailable(n, e))
    return p


#: The extra of pyproject.toml each optional sub-command needs.
COMMAND_EXTRAS = {"bitcoin": "bitcoin", "story": "story", "render": "video", "classroom": "widgets"}


def _unavailable(name: str, e: Exception) -> int:
    text = str(e)
    if "pip install" not in text:  # a bare ModuleNotFoundError: say which extra brings it
        text += f"; install it with: pip install 'lstm-explainer[{COMMAND_EXTRAS.get(name, 'all')}]'"
    print(f"error: '{name}' needs an optional dependency that is not installed ({text})", file=sys.stderr)
    return 2


#: the OSErrors a file or folder given on the command line causes: said in one line, with the path
_FILE_ERRNOS = {errno.ENOENT, errno.EISDIR, errno.ENOTDIR, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC,
                errno.EDQUOT, errno.EEXIST, errno.ENAMETOOLONG, errno.ELOOP, errno.ENXIO, errno.EFBIG, errno.EBUSY}


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command. Bad input (:class:`~explainer.errors.InputError`) and a file that cannot be
    read or written end in one ``error:`` line (exit status 2), Ctrl-C in ``interrupted`` (130); any
    other exception is a bug and keeps its traceback."""
    try:
        if signal.getsignal(signal.SIGINT) is _interrupted_early:
            signal.signal(signal.SIGINT, signal.default_int_handler)  # from here on, KeyboardInterrupt
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as e:  # an optional dependency (a package extra) that is not installed
        if e.name is None or e.name.split(".")[0] in ("explainer", "animations", "widgets"):
            raise
        print(f"error: {e}; install the optional dependencies with: pip install 'lstm-explainer[all]'",
              file=sys.stderr)
        return 2
    except BrokenPipeError:  # `lstm-explainer trace | head`: the reader has gone; say nothing more
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as e:  # a missing file, a folder given as a file, a full disk, a read-only folder
        if e.errno not in _FILE_ERRNOS and not isinstance(e, FileNotFoundError):
            raise
        where = f": {e.filename}" if e.filename and str(e.filename) not in str(e.strerror or e) else ""
        print(f"error: {e.strerror or e}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
