"""Time the lesson: each scene, then the whole lesson (scenes in parallel, one process per core), per quality.

    python benchmarks/bench_scenes.py                          # low (480p15) and high (1080p60), English
    python benchmarks/bench_scenes.py --quality low            # quicker
    python benchmarks/bench_scenes.py --lang zh --trace trace_BTC.npz
    python benchmarks/bench_scenes.py --scenes ForgetGate FullStep --quality high --no-lesson
    python benchmarks/bench_scenes.py --quality high --lesson-only

Target: the whole voiced lesson in one language at 1080p60 in at most 12 minutes on a 2-core machine.
The lesson is voiced as ``render lesson`` voices it (``--voice``, default: the best offline voice; the
spoken clips are cached, so the voice is synthesised once per run in a fresh folder and counted in it).
Each scene is timed in its own process, as ``lstm-explainer render SCENE`` runs it (imports included);
the lesson is timed as ``lstm-explainer render lesson`` runs it (parallel scenes, joining, subtitles).
The ratio printed is the lesson's wall time over the video's length (below 1: faster than real time).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_LESSON_HIGH = 12 * 60.0  # seconds, one language at 1080p60


def run(cmd: list[str]) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return seconds, done.stdout


def main() -> int:
    from animations.cli import _available
    from animations.lesson import duration

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenes", nargs="+", default=None, choices=_available(), help="scenes to time one by one")
    p.add_argument("--quality", nargs="+", default=["low", "high"], choices=("low", "medium", "high", "4k"))
    p.add_argument("--lang", default="en", choices=("en", "zh"))
    p.add_argument("--trace", help="a saved trace instead of the demo")
    p.add_argument("--no-lesson", action="store_true", help="time the scenes only")
    p.add_argument("--lesson-only", action="store_true", help="time the whole lesson only (no scene-by-scene runs)")
    p.add_argument("--voice", help="the lesson's voice (default: the best offline voice; 'none' for silent)")
    args = p.parse_args()
    scenes = args.scenes or list(_available())
    extra = ["--trace", args.trace] if args.trace else []
    extra += ["--voice", args.voice] if args.voice else []
    cli = [sys.executable, "-m", "explainer.cli", "render"]
    print(f"machine: {os.cpu_count()} cores (timings on a shared machine vary with its load)")
    with tempfile.TemporaryDirectory() as tmp:
        for quality in args.quality:
            print(f"\n{'scene':<18} {'quality':<7} {'render s':>9} {'video s':>8} {'ratio':>6}")
            total = 0.0
            for scene in ([] if args.lesson_only else scenes):
                sec, out = run(cli + [scene, "--quality", quality, "--lang", args.lang, "--out", tmp, "--jobs", "1",
                                      "--no-slides", *extra])
                done = next(ln for ln in out.splitlines() if ln.startswith("[1/1]"))
                video = Path(done.rsplit("-> ", 1)[-1].split("  (")[0])
                length = duration(video)
                total += sec
                print(f"{scene:<18} {quality:<7} {sec:9.1f} {length:8.1f} {sec / length:6.2f}", flush=True)
            if not args.lesson_only:
                print(f"{'sum of scenes':<18} {quality:<7} {total:9.1f}   (one process, one after another)")
            if args.no_lesson:
                continue
            sec, out = run(cli + ["lesson", "--quality", quality, "--lang", args.lang, "--out", tmp, *extra])
            line = next(ln for ln in out.splitlines() if ln.startswith("lesson ["))
            video = Path(line.split("-> ", 1)[1].split("  (+")[0])
            length = duration(video)
            verdict = ""
            if quality == "high":
                verdict = "ok" if sec <= TARGET_LESSON_HIGH else "SLOW"
                verdict += f" (target ≤ {TARGET_LESSON_HIGH / 60:.0f} min)"
            voice = next((ln.split(": ", 1)[1] for ln in out.splitlines() if ln.startswith(f"voice [{args.lang}]")), "?")
            print(f"{'LESSON':<18} {quality:<7} {sec:9.1f} {length:8.1f} {sec / length:6.2f}  "
                  f"{os.cpu_count()} processes, slides included, voice: {voice} {verdict}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
