"""How fast do the widgets redraw? Target: a cell-state-flow slider tick ≤ 30 ms median.

A tick is what happens in the kernel when the browser moves a slider: the slider's value
changes, its observer copies the sliders into the cell, runs ``LSTMCell.step`` and renders
the SVG into the ``ipywidgets.HTML``. Setting ``slider.value`` from Python runs exactly
that observer synchronously, so timing the assignment times the redraw.

    python benchmarks/bench_widgets.py [--ticks 300]
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

TARGET_MS = 30.0


def time_ticks(slider, values) -> np.ndarray:
    times = []
    for v in values:
        t0 = time.perf_counter()
        slider.value = float(v)
        times.append(time.perf_counter() - t0)
    return np.array(times) * 1e3


def report(name: str, ms: np.ndarray) -> float:
    med = float(np.median(ms))
    print(f"{name:<40} median {med:7.2f} ms   p90 {np.percentile(ms, 90):7.2f} ms   max {ms.max():7.2f} ms"
          f"   ({len(ms)} ticks)")
    return med


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=300)
    n = ap.parse_args(argv).ticks

    from widgets.cell_flow import CellFlow
    from widgets.memory import MemoryWidget
    from widgets.sequence import SequenceExplorer

    flow = CellFlow()
    lap = np.r_[np.linspace(-2, 2, 41), np.linspace(2, -2, 41)[1:-1]]  # no repeated value: every tick redraws
    sweep = np.tile(lap, n // len(lap) + 1)[:n]
    flow_med = report("cell-state flow: x_t slider", time_ticks(flow.sliders["x"], sweep))
    report("cell-state flow: forget bias slider", time_ticks(flow.sliders["b_f"], sweep * 3))
    flow4 = CellFlow(units=4)
    report("cell-state flow (4 units): c_{t-1} slider", time_ticks(flow4.sliders["c"], sweep))

    ex = SequenceExplorer()
    steps = np.arange(n) % ex.trace.time
    report("sequence explorer: time slider (demo)", time_ticks(ex.time, steps))
    mem = MemoryWidget()
    report("why an LSTM: distance slider (recorded gradients)", time_ticks(mem.distractors, np.arange(min(n, 26)) % 13 * 5))

    ok = flow_med <= TARGET_MS
    print(f"cell-state flow median {flow_med:.2f} ms vs target {TARGET_MS:.0f} ms: {'OK' if ok else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
