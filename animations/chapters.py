"""The lesson's chapters in the order they are shown: the one list the command line, the narration,
the scenes and the slides read.

>>> LESSON[0], LESSON[-1]
('TitleWhy', 'Recap')
"""
from __future__ import annotations

#: Scene class names of the lesson, in order (each is a chapter and renders alone too): the task, how a network
#: reads, why a plain RNN fails (measured), the cell, then the sentence in the order it is read — the colour word
#: (input gate and candidate write it), the filler words (the forget gate keeps it, the output gate keeps it
#: silent), "polluted" (the forget gate erases it, the new fact is written: the update), the question (the
#: output gate opens and the readout answers) — one full step, the whole sentence, why it trains, a trained
#: model, the recap.
LESSON: tuple[str, ...] = ("TitleWhy", "ReadingNetwork", "PlainRNNFails", "TheCell", "InputGate", "HoldingQuietly",
                           "ForgetGate", "TheQuestion", "FullStep", "UnrolledSequence", "Backprop", "TrainedLSTM",
                           "Recap")

#: Opt-in chapters, scene name → module: rendered when named (``render cells``) or appended to the lesson
#: when asked (``render lesson --with-cells``), never part of :data:`LESSON` (they load a model of their own).
CELLS = "RealLSTMCells"
EXTRAS: dict[str, str] = {CELLS: "animations.cells_scene"}

#: Names ``render`` accepts for several scenes at once.
GROUPS: dict[str, tuple[str, ...]] = {
    "all": LESSON,
    "lesson": LESSON,
    "gates": ("InputGate", "HoldingQuietly", "ForgetGate", "TheQuestion"),
    "cells": (CELLS,),
}
