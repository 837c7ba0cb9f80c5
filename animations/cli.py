"""lstm-explainer render SCENE|gates|all: render the gate-by-gate scenes (animations/scenes.py) to video.

    lstm-explainer render ForgetGate                          # demo trace, English, low quality
    lstm-explainer render all --quality high --lang zh        # every scene at 1080p60, Chinese captions
    lstm-explainer render gates --lang both                   # the four gate scenes in en and zh
    lstm-explainer render FullStep --trace trace_BTC.npz --units 3 --step -1

Each video's path is printed. With manim-slides installed the pauses are also written as slides
(OUT/slides/LANG); present them live with: manim-slides present --folder OUT/slides/en ForgetGate
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

QUALITIES = {"low": "low_quality", "medium": "medium_quality", "high": "high_quality", "4k": "fourk_quality"}
SCENE_NAMES = ("ForgetGate", "InputGate", "CellStateUpdate", "OutputGate", "FullStep", "UnrolledSequence")
GROUPS = {"all": SCENE_NAMES, "gates": SCENE_NAMES[:4]}


def _scene_names(name: str) -> tuple[str, ...]:
    lookup = {n.lower(): n for n in SCENE_NAMES}
    key = name.lower().replace("-", "").replace("_", "")
    if key in GROUPS:
        return GROUPS[key]
    if key in lookup:
        return (lookup[key],)
    raise ValueError(f"unknown scene {name!r}; choose one of {', '.join(SCENE_NAMES)}, 'gates' or 'all'")


def render(scene: str, lang: str = "en", quality: str = "low", trace=None, step: int | None = None,
           units: int | None = None, sample: int = 0, out: str | Path = "media", last_frame: bool = False,
           quiet: bool = True) -> Path:
    """Render one scene and return the video (or, with ``last_frame``, the PNG) path.

    ``trace`` is ``None`` (the demo), a path to a saved ``.npz`` or a :class:`~explainer.trace.SequenceTrace`.
    """
    from manim import tempconfig

    from animations.scenes import SCENES
    from animations.source import font_for, make_source

    if quality not in QUALITIES:
        raise ValueError(f"unknown quality {quality!r}; choose one of {', '.join(QUALITIES)}")
    src = make_source(trace, step=step, units=units, lang=lang, sample=sample)
    font_for(lang)  # fail before rendering anything if Chinese has no font
    name = _scene_names(scene)[0]
    cls = type(name, (SCENES[name],), {"source": src})
    out = Path(out)
    cfg = {"quality": QUALITIES[quality], "media_dir": str(out), "output_file": f"{name}_{lang}",
           "save_last_frame": last_frame, "disable_caching": True}
    if quiet:
        cfg.update(progress_bar="none", verbosity="WARNING")
    with tempconfig(cfg):
        scene = cls(output_folder=out / "slides" / lang)
        scene.render()
        fw = scene.renderer.file_writer
        return Path(fw.image_file_path if last_frame else fw.movie_file_path)


def _cmd_render(args) -> int:
    if args.no_slides:
        os.environ["LSTM_EXPLAINER_SLIDES"] = "0"  # read when animations.scenes is first imported
    from animations.source import MissingFontError, font_for

    langs = ("en", "zh") if args.lang == "both" else (args.lang,)
    names = _scene_names(args.scene)
    out = Path(args.out)
    if out.exists() and not out.is_dir():  # checked before manim starts writing under it
        print(f"error: --out {out} is a file; give a folder (videos and images are written under it)",
              file=sys.stderr)
        return 2
    try:
        for lang in langs:
            font_for(lang)
    except MissingFontError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    from animations.scenes import SLIDES

    for lang in langs:
        for name in names:
            t0 = time.perf_counter()
            path = render(name, lang=lang, quality=args.quality, trace=args.trace, step=args.step,
                          units=args.units, sample=args.sample, out=args.out, last_frame=args.last_frame,
                          quiet=not args.verbose)
            print(f"{name} [{lang}, {args.quality}] {time.perf_counter() - t0:.1f}s -> {path}", flush=True)
    if SLIDES and not args.last_frame:
        for lang in langs:
            print(f"slides [{lang}]: manim-slides present --folder {Path(args.out) / 'slides' / lang} {' '.join(names)}")
    return 0


def add_command(subparsers) -> None:
    """Register ``render`` on the ``lstm-explainer`` command line.

    Without manim this raises ImportError, and ``explainer.cli`` registers a ``render`` that says to
    install the ``video`` extra (checked with find_spec: importing manim would slow every command).
    """
    from importlib.util import find_spec

    if find_spec("manim") is None:
        raise ImportError("manim is not installed")
    p = subparsers.add_parser("render", help="render gate-by-gate manim animations of a trace",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scene", help=f"one of {', '.join(SCENE_NAMES)}; 'gates' (the four gate scenes) or 'all'")
    p.add_argument("--quality", choices=tuple(QUALITIES), default="low",
                   help="low 480p15, medium 720p30, high 1080p60, 4k 2160p60 (default: low)")
    p.add_argument("--lang", choices=("en", "zh", "both"), default="en", help="caption language (default: en)")
    p.add_argument("--trace", help="a saved trace (.npz) to draw instead of the demo LSTM")
    p.add_argument("--step", type=int, help="time step (default: where the forget gate closes most)")
    p.add_argument("--units", type=int, help="show the K most active units (default: up to 4)")
    p.add_argument("--sample", type=int, default=0, help="which sequence of the trace's batch (default: 0)")
    p.add_argument("--out", default="media", help="output folder (manim media_dir; default: ./media)")
    p.add_argument("--last-frame", action="store_true", help="write only the last frame as a PNG (fast preview)")
    p.add_argument("--no-slides", action="store_true", help="plain manim scenes, no manim-slides files")
    p.add_argument("--verbose", action="store_true", help="show manim's progress bars and logs")
    p.set_defaults(func=_cmd_render)
