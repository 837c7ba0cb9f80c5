"""Gate-by-gate manim animations of recorded LSTM traces, in English and Chinese.

Scenes live in :mod:`animations.scenes` and read a trace through :mod:`animations.source`; the
reusable pictures (vector cells, gate valves, the cell-state belt) are in :mod:`animations.mobjects`.
Nothing here computes LSTM maths: every number drawn is a recorded trace value.
"""
