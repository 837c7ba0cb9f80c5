"""Time each manim scene at low (480p15) and high (1080p60) quality, rendering the demo trace to video.

    python benchmarks/bench_scenes.py                         # every scene, low quality
    python benchmarks/bench_scenes.py --quality low high --scenes ForgetGate FullStep
    python benchmarks/bench_scenes.py --trace trace_BTC.npz --units 3 --lang zh

Targets (on a 2-core machine): each gate scene ≤ 20 s at low quality, ≤ 3 min at 1080p60.
Each render runs in its own process, as a user's `lstm-explainer render` would, and the time printed
is the whole command (imports included). Caching is off, so every run renders every frame.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENES = ("ForgetGate", "InputGate", "CellStateUpdate", "OutputGate", "FullStep", "UnrolledSequence")
TARGETS = {"low": 20.0, "high": 180.0}  # seconds, gate scenes


def time_render(scene: str, quality: str, lang: str, out: Path, extra: list[str]) -> tuple[float, Path | None]:
    cmd = [sys.executable, "-m", "explainer.cli", "render", scene, "--quality", quality, "--lang", lang,
           "--out", str(out), "--no-slides", *extra]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return seconds, None
    return seconds, Path(done.stdout.strip().rsplit("-> ", 1)[-1])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scenes", nargs="+", default=list(SCENES), choices=SCENES)
    p.add_argument("--quality", nargs="+", default=["low"], choices=("low", "medium", "high", "4k"))
    p.add_argument("--lang", default="en", choices=("en", "zh"))
    p.add_argument("--trace", help="a saved trace instead of the demo")
    p.add_argument("--units", type=int)
    args = p.parse_args()
    extra = (["--trace", args.trace] if args.trace else []) + (["--units", str(args.units)] if args.units else [])
    print(f"{'scene':<18} {'quality':<8} {'seconds':>8}  target  video")
    worst = 0
    with tempfile.TemporaryDirectory() as tmp:
        for quality in args.quality:
            for scene in args.scenes:
                seconds, video = time_render(scene, quality, args.lang, Path(tmp), extra)
                target = TARGETS.get(quality)
                gate = scene in SCENES[:4]
                verdict = "" if target is None or not gate else ("ok" if seconds <= target else "SLOW")
                size = f"{video.stat().st_size / 1e6:.1f} MB" if video else "FAILED"
                print(f"{scene:<18} {quality:<8} {seconds:8.1f}  {verdict:<6}  {size}", flush=True)
                worst = max(worst, 0 if video else 1)
    return worst


if __name__ == "__main__":
    sys.exit(main())
