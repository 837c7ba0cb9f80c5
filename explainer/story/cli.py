"""``lstm-explainer story``: train the story LSTM, check what it learned, compare it with a plain RNN.

    lstm-explainer story train                    # the shipped recipe: LSTM(3), 40 epochs, seed 0
    lstm-explainer story train --keras            # and the same training in Keras, curves compared
    lstm-explainer story train --timelapse t.npz  # and the lesson's sentence traced after every epoch
    lstm-explainer story show --lang zh           # the default sentence, word by word, memory unit's gates
    lstm-explainer story show --save story.npz    # and its trace, for render --trace story.npz
    lstm-explainer story compare --out reports/story   # accuracy against distance, LSTM vs GRU vs SimpleRNN
"""
from __future__ import annotations
from ..argtypes import COUNT, SEED, one_line_errors, real
from ..errors import InputError
from ..paths import replacing

import json
from pathlib import Path

from . import words as W
from .train import Recipe

DEFAULT_OUT = {"lstm": "story_lstm.npz", "rnn": "story_rnn.npz"}
DEFAULT_COMPARE_OUT = "reports/story"



def add_command(sub) -> None:
    r = Recipe()
    p = sub.add_parser("story", help="the sky's colour, learned: train and inspect the story LSTM",
                       description="Sentences like 'the sky was blue … polluted … the sky is ?': a small LSTM "
                                   "trained here keeps the colour in one unit's cell state and drops it at "
                                   "'polluted'.")
    ssub = p.add_subparsers(dest="story_command", metavar="ACTION")
    ssub.required = True

    t = ssub.add_parser("train", help="train the story LSTM with this package's LSTM (and --keras: with Keras)",
                        description="Train LSTM(units) + Dense(softmax) on generated story sentences with up to "
                                    f"{r.max_distractors} distractor words; then measure accuracy up to 60 "
                                    "distractors and the memory unit's gates on held-out sentences.")
    t.add_argument("--units", type=COUNT, default=r.units, help=f"units of the recurrent layer (default {r.units})")
    t.add_argument("--epochs", type=COUNT, default=r.epochs, help=f"(default {r.epochs})")
    t.add_argument("--seed", type=SEED, default=r.seed,
                   help=f"seed of the sentences, initial weights and batch order (default {r.seed}: "
                        "reproduces the shipped weights)")
    t.add_argument("--sentences", type=COUNT, default=r.sentences, help=f"training sentences (default {r.sentences})")
    t.add_argument("--cell", choices=("lstm", "rnn"), default="lstm",
                   help="lstm (default) or rnn: a SimpleRNN with the same recipe, for the comparison")
    t.add_argument("--out", help=f"where to save the trained model (.npz; default {DEFAULT_OUT['lstm']}, "
                                 f"{DEFAULT_OUT['rnn']} with --cell rnn); a .json report beside it")
    t.add_argument("--lang", choices=W.LANGS, default="en", help="language of the printed example (default en)")
    t.add_argument("--keras", action="store_true",
                   help="also train in Keras from the same initial weights on the same batches; compare the curves")
    t.add_argument("--timelapse", metavar="FILE",
                   help="also record the lesson's sentence before training and after every epoch (.npz): "
                        "the gates learning")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=_cmd_train)

    s = ssub.add_parser("show", help="one sentence word by word: the memory unit's gates and cell state",
                        description="Run the trained story LSTM over a sentence and print, per word, the memory "
                                    "unit's forget gate f, input gate i and cell state c, and the answer.")
    s.add_argument("words", nargs="*", help="tokens of the sentence (default: the lesson's sentence); "
                                            "'the sky' is one token: quote it")
    s.add_argument("--model", help="a trained story model (.npz) instead of the shipped one")
    s.add_argument("--lang", choices=W.LANGS, default="en")
    s.add_argument("--save", metavar="FILE", help="also save the sentence's trace (.npz), e.g. for render --trace FILE")
    s.set_defaults(func=_cmd_show)

    c = ssub.add_parser("compare", help="accuracy against distance: the LSTM, a GRU and a SimpleRNN on the same task",
                        description="Train the LSTM and a SimpleRNN with the same recipe and measure accuracy "
                                    "for 0 … 60 distractor words; write compare.json and compare.png.")
    c.add_argument("--out", default=DEFAULT_COMPARE_OUT, help=f"folder (default {DEFAULT_COMPARE_OUT})")
    c.add_argument("--units", type=COUNT, default=r.units, help=f"units of both recurrent layers (default {r.units})")
    c.add_argument("--epochs", type=COUNT, default=r.epochs, help=f"(default {r.epochs})")
    c.add_argument("--seed", type=SEED, default=r.seed, help=f"(default {r.seed})")
    c.add_argument("--sentences", type=COUNT, default=r.sentences, help=f"training sentences (default {r.sentences})")
    c.add_argument("--seeds", type=COUNT, default=5,
                   help="train each cell this many times, seeds --seed, --seed+1, … (default 5)")
    c.add_argument("--l2", type=real(0), default=r.l2_recurrent,
                   help=f"L2 penalty on both recurrent kernels (default {r.l2_recurrent}, the recipe's; 0: none)")
    c.add_argument("--per-distance", type=COUNT, default=200,
                   help="held-out sentences per distance (default 200)")
    c.add_argument("--lang", choices=W.LANGS, default="en", help="language of the plot's labels")
    c.add_argument("--quiet", action="store_true", help="no progress bars")
    c.set_defaults(func=_cmd_compare)
    for parser in (p, t, s, c):
        one_line_errors(parser)


def _recipe(args) -> Recipe:
    fields = {k: getattr(args, k) for k in ("units", "epochs", "seed", "sentences") if hasattr(args, k)}
    return Recipe(**fields).check()


def _print_gates(report: dict, lang: str) -> None:
    pol = W.pollution_word(lang)
    print(f"memory unit: {report['unit']} (its cell state moves most at colour words)")
    print(f"  forget gate on distractor words: min {report['min_f_distractors']:.3f}  "
          f"mean {report['mean_f_distractors']:.3f}   (keeps the colour)")
    print(f"  forget gate at {pol!r}: max {report['max_f_polluted']:.3f}  mean {report['mean_f_polluted']:.3f}"
          "   (drops it)")
    print(f"  input gate at colour words: min {report['min_i_colours']:.3f}  mean {report['mean_i_colours']:.3f}"
          "   (writes it)")


def _cmd_train(args) -> int:
    from . import _bilingual_meta, _default_words, _inputs, story_trace
    from .analysis import CRITERIA, accuracy, accuracy_by_distance, check_criteria, held_out
    from .train import train, train_keras

    recipe = _recipe(args)
    out = Path(args.out if args.out is not None else DEFAULT_OUT[args.cell])
    for option, name in (("--out", str(out)), ("--timelapse", args.timelapse)):
        if name is not None and not name.endswith(".npz"):
            raise InputError(f"{option} must be a .npz file name, got {name!r}")
    if args.timelapse and args.cell != "lstm":
        raise InputError("--timelapse records the LSTM's gates; leave out --cell rnn")
    callbacks = []
    if args.timelapse:
        from ..callbacks import TraceRecorder
        callbacks.append(TraceRecorder(_inputs(_default_words(args.lang), args.lang)))
    result = train(recipe, verbose=not args.quiet, callbacks=callbacks, cell=args.cell)
    h = result.history
    print(f"trained in {result.seconds:.1f} s: loss {h['loss'][-1]:.4f}, training accuracy {h['accuracy'][-1]:.3f}")
    by_distance = accuracy_by_distance(result.model)
    print("held-out accuracy by number of distractor words (trained on up to "
          f"{recipe.max_distractors}): " + "  ".join(f"{d}: {a:.0%}" for d, a in by_distance.items()))
    summary = {"cell": args.cell, "recipe": recipe.as_dict(), "seconds": result.seconds, "history": h,
               "accuracy_by_distance": by_distance}
    if args.cell == "lstm":
        report = check_criteria(result.model)
        print(f"held-out accuracy, 0-60 distractors: {report['accuracy']:.1%}")
        _print_gates(report, args.lang)
        failed = [k for k, ok in report["ok"].items() if not ok]
        print("criteria: " + ("all met" if not failed else "NOT met: " + ", ".join(
            f"{k} (needs {'<=' if k == 'max_f_polluted' else '>='} {CRITERIA[k]})" for k in failed)))
        trace = story_trace(lang=args.lang, model=result.model)
        print(f"example: {' '.join(trace.meta['words'])} → {trace.meta['prediction']}")
        summary["criteria"] = report
    else:
        summary["accuracy"] = accuracy(result.model, held_out())
        print(f"held-out accuracy, 0-60 distractors: {summary['accuracy']:.1%}")
    if args.keras:
        theirs = train_keras(result, verbose=not args.quiet)
        diffs = {k: max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(h[k], theirs[k])) for k in h}
        print("Keras from the same initial weights, same batches: max relative difference per epoch "
              + ", ".join(f"{k} {v:.2e}" for k, v in diffs.items()))
        summary["keras"] = {"history": theirs, "max_rel_diff": diffs}
    out.parent.mkdir(parents=True, exist_ok=True)
    result.model.save(out)  # each file appears whole, in one rename (Ctrl-C or SIGKILL: the old one stays)
    with replacing(out.with_suffix(".json")) as tmp:
        tmp.write_text(json.dumps(summary, indent=1, default=float), encoding="utf-8")
    print(f"model: {out}   report: {out.with_suffix('.json')}")
    if args.timelapse:
        recorded = callbacks[0].result
        meta = _bilingual_meta(_default_words(args.lang), args.lang, report["unit"], recipe.units)
        recorded.meta.update(meta)
        for traces in recorded.traces:
            traces[0].meta.update(meta)
        print(f"timelapse ({len(recorded)} snapshots, epochs 0-{recorded.epochs[-1]}): {recorded.save(args.timelapse)}")
    return 0


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cmd_show(args) -> int:
    from ..model import Sequential
    from . import story_trace

    model = Sequential.load(args.model) if args.model else None
    trace = story_trace(args.words or None, lang=args.lang, model=model)
    u = trace.meta["memory_unit"]
    print(f"memory unit {u}: per word, forget gate f, input gate i, candidate g, cell state c")
    width = max(_width(w) for w in trace.meta["words"]) + 2
    for t, w in enumerate(trace.meta["words"]):
        pad = " " * (width - _width(w))
        print(f"  {w}{pad}f {trace.f[0, t, u]:.3f}   i {trace.i[0, t, u]:.3f}   g {trace.g[0, t, u]:+.3f}   "
              f"c {trace.c[0, t, u]:+.3f}")
    print(f"answer: {trace.meta['prediction']}")
    if args.save:
        if not args.save.endswith(".npz"):
            raise InputError(f"--save must be a .npz file name, got {args.save!r}")
        print(f"trace: {trace.save(args.save)}")
    return 0


def _cmd_compare(args) -> int:
    if args.per_distance < 1:
        raise InputError(f"--per-distance must be a positive integer, got {args.per_distance}")
    from .compare import compare

    recipe = _recipe(args)
    recipe.l2_recurrent = args.l2
    result = compare(recipe.check(), Path(args.out), seeds=args.seeds, per_distance=args.per_distance,
                     lang=args.lang, verbose=not args.quiet)
    print(f"accuracy on held-out sentences, mean over {len(result['seeds'])} seeds (worst seed in brackets)")
    print(f"{'distractors':>11}  {'LSTM':>12}  {'GRU':>12}  {'SimpleRNN':>12}")
    rows = [result[cell] for cell in ("lstm", "gru", "rnn")]
    for k, d in enumerate(result["distances"]):
        print(f"{d:>11}  " + "  ".join(f"{row['accuracy'][k]:>6.1%} ({row['min'][k]:>3.0%})" for row in rows))
    print("weights: " + ", ".join(f"{name} {result[cell]['params']}" for name, cell in
                                  (("LSTM", "lstm"), ("GRU", "gru"), ("SimpleRNN", "rnn"))))
    base = result["baseline"]
    print(f"always answering {base['colour']!r}: {base['accuracy']:.0%}")
    print(f"table: {result['files']['json']}   plot: {result['files']['png']}")
    return 0

