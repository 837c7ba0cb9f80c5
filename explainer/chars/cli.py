"""``lstm-explainer cells``: a character LSTM trained on real code, and the cells it grew.

    lstm-explainer cells train                       # the shipped recipe: one pass over 4.4 M characters of CPython's stdlib
    lstm-explainer cells train --quick --out q.npz   # a tiny model in seconds (tests, notebooks)
    lstm-explainer cells find --json cells.json      # best unit per property on the held-out text, saturation
    lstm-explainer cells show --property string --html string_cell.html
    lstm-explainer cells sample --temperature 0.5
"""
from __future__ import annotations
from ..argtypes import COUNT, INDEX, SEED, one_line_errors, real
from ..errors import InputError

import json
import os
import sys
import tempfile
from pathlib import Path

from . import corpus
from .train import QUICK, Recipe

HERE = Path(__file__).parent
SHIPPED = HERE / "chars_lstm.npz"
HELDOUT_SAMPLE = 20_000   # characters of the held-out text `find`/`show` read by default



def add_command(sub) -> None:
    r = Recipe()
    p = sub.add_parser("cells", help="a character LSTM trained on real code: find the cells it grew",
                       description="Karpathy, Johnson & Fei-Fei (2015) on your machine: a character-level LSTM "
                                   "trained here on CPython's standard library, the units that track strings, "
                                   "comments, brackets and indentation, and its gates' saturation.")
    s = p.add_subparsers(dest="cells_command", metavar="ACTION")
    s.required = True
    t = s.add_parser("train", help="train the character LSTM (seeded: reproduces the shipped weights)")
    t.add_argument("--units", type=COUNT, default=r.units, help=f"(default {r.units})")
    t.add_argument("--epochs", type=COUNT, default=r.epochs, help=f"(default {r.epochs})")
    t.add_argument("--max-chars", type=COUNT, default=r.max_chars, help="train on the first N characters "
                   f"(default {r.max_chars}: all)")
    t.add_argument("--seed", type=SEED, default=r.seed, help=f"(default {r.seed})")
    t.add_argument("--quick", action="store_true", help="a tiny model on 8000 characters, in seconds")
    t.add_argument("--out", default="chars_lstm.npz", help="where to save the model (.npz; a .json report beside it)")
    t.add_argument("--no-baseline", action="store_true", help="skip the 5-gram baseline (it takes a minute)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=_cmd_train)
    for name, helptext in (("find", "the best unit per property and the gates' saturation"),
                           ("show", "the text coloured by one unit's value (terminal or --html page)")):
        q = s.add_parser(name, help=helptext)
        q.add_argument("--text", help="a text file (default: the first 20000 characters of the held-out split)")
        q.add_argument("--model", help="a trained character model (.npz; default: the shipped one)")
        if name == "find":
            q.add_argument("--json", help="write the report here")
            q.add_argument("--prose", action="store_true", help="the text is not Python: line position only")
            q.set_defaults(func=_cmd_find)
        else:
            g = q.add_mutually_exclusive_group()
            g.add_argument("--unit", type=INDEX, help="the unit to colour by")
            g.add_argument("--property", help="the best unit for this property (string, comment, bracket_depth, "
                                              "indent, line_position)")
            q.add_argument("--field", default="c", choices=("c", "tanh_c", "h", "f", "i", "o", "g"),
                           help="what to colour by (default c, the cell state)")
            q.add_argument("--html", help="write the offline page here (.html) instead of printing")
            q.add_argument("--max-chars", type=COUNT, default=20_000, help="at most this many characters (default 20000)")
            q.set_defaults(func=_cmd_show)
    m = s.add_parser("sample", help="text written by the model, one character at a time")
    m.add_argument("--model", help="a trained character model (.npz; default: the shipped one)")
    m.add_argument("--temperature", type=real(0, low_open=True), default=0.7, help="below 1: safer, above 1: wilder (default 0.7)")
    m.add_argument("--length", type=COUNT, default=500, help="characters to write (default 500)")
    m.add_argument("--prime", default="def ", help="text to start from (default 'def ')")
    m.add_argument("--seed", type=SEED, default=0)
    m.set_defaults(func=_cmd_sample)
    for parser in (p, t, m, *s.choices.values()):
        one_line_errors(parser)


def load_model(path: str | None = None):
    from ..model import Sequential

    path = Path(path) if path else SHIPPED
    if not path.exists():
        raise InputError(f"no model at {path}; train one with: lstm-explainer cells train --out {path}")
    return Sequential.load(path)


def _text(path: str | None) -> str:
    if path is None:
        return corpus.load("heldout")[:HELDOUT_SAMPLE]
    p = Path(path)
    if not p.is_file():
        raise InputError(f"--text {path}: no such file")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"--text {path}: not UTF-8 text") from None
    if len(text) < 2:
        raise InputError(f"--text {path}: needs at least 2 characters")
    return text


def _write_atomic(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(content)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)   # mkstemp's 0600 would make the report private
    os.replace(tmp, path)
    return path


def _cmd_train(args) -> int:
    from .ngram import NGram
    from .train import bits_per_char, train

    recipe = QUICK if args.quick else Recipe(units=args.units, epochs=args.epochs, max_chars=args.max_chars,
                                             seed=args.seed)
    out = Path(args.out)
    if out.suffix != ".npz":
        raise InputError(f"--out must be a .npz file name, got {args.out!r}")
    text, held = corpus.load("train"), corpus.load("heldout")
    if args.quick:
        held = held[:2000]
    result = train(text, recipe, verbose=not args.quiet)
    bpc = bits_per_char(result.model, held)
    print(f"trained in {result.seconds:.0f} s on {result.chars_seen} characters "
          f"({result.chars_seen / result.seconds:.0f} chars/s)")
    print(f"held-out bits per character: LSTM {bpc:.3f}")
    summary = {"recipe": recipe.as_dict(), "seconds": result.seconds, "chars_seen": result.chars_seen,
               "heldout_chars": len(held), "heldout_bits_per_char": bpc,
               "loss_every_100_windows": result.history["loss"][::100]}
    if not args.no_baseline:
        ngram = NGram(text[:recipe.max_chars], order=5)
        summary["ngram_5_bits_per_char"] = nb = ngram.bits_per_char(held)
        print(f"held-out bits per character: 5-gram baseline {nb:.3f}")
    result.model.save(out)
    _write_atomic(out.with_suffix(".json"), json.dumps(summary, indent=1))
    print(f"model: {out}   report: {out.with_suffix('.json')}")
    return 0


def _cmd_find(args) -> int:
    from .find import find

    text = _text(args.text)
    report = find(load_model(args.model), text, code=False if args.prose else None)
    print(f"{report['characters']} characters, {report['units']} units, "
          f"{report['bits_per_char']:.3f} bits per character")
    for name, b in report["properties"].items():
        if b["unit"] is None:
            print(f"  {name:<14} {b['note']}")
        else:
            print(f"  {name:<14} unit {b['unit']:>3} ({b['field']:<6}) r = {b['r']:+.3f}")
    for name in report["not_measured"]:
        print(f"  {name:<14} not measured (the text is not Python that tokenize reads)")
    for g, s in report["saturation"].items():
        print(f"  gate {g}: left-saturated (< 0.1) {s['left']:.1%}, right-saturated (> 0.9) {s['right']:.1%}")
    if args.json:
        print(f"report: {_write_atomic(Path(args.json), json.dumps(report, indent=1))}")
    return 0


def _cmd_show(args) -> int:
    from .find import find
    from .page import colour, page, view_data
    from .train import read

    if args.max_chars < 2:
        raise InputError(f"--max-chars must be at least 2, got {args.max_chars}")
    text = _text(args.text)[:args.max_chars]
    model = load_model(args.model)
    report = find(model, text)
    unit = args.unit
    if unit is None:
        prop = args.property or "string"
        best = report["properties"].get(prop)
        if best is None or best["unit"] is None:
            raise InputError(f"--property {prop!r}: not measured on this text; "
                             f"choose from {sorted(k for k, v in report['properties'].items() if v['unit'] is not None)}")
        unit = best["unit"]
        print(f"the {prop} unit: {unit} ({best['field']}, r = {best['r']:+.3f})")
    fields, _ = read(model, text)
    data = view_data(text, fields, unit, args.field, report)
    if args.html:
        if not args.html.endswith(".html"):
            raise InputError(f"--html must be a .html file name, got {args.html!r}")
        print(f"page: {page(data, args.html)}")
        return 0
    values = fields[args.field][:, unit]
    bound = data["bound"]
    for ch, v in zip(text, values):  # 24-bit colour backgrounds on a terminal
        if ch == "\n":
            sys.stdout.write("\n")
            continue
        c = colour(v, bound)
        r, g, b = (int(c[k:k + 2], 16) for k in (1, 3, 5))
        sys.stdout.write(f"\x1b[48;2;{r};{g};{b}m\x1b[38;2;34;34;34m{ch}\x1b[0m")
    sys.stdout.write("\n")
    return 0


def _cmd_sample(args) -> int:
    from .train import sample

    print(sample(load_model(args.model), args.length, args.temperature, args.prime, args.seed))
    return 0
