"""The lesson's chapters in the order they are shown: the one list the command line, the narration,
the scenes and the slides read.

>>> LESSON[0], LESSON[-1]
('TitleWhy', 'Recap')
"""
from __future__ import annotations

#: Scene class names of the lesson, in order (each is a chapter and renders alone too).
LESSON: tuple[str, ...] = ("TitleWhy", "TheCell", "ForgetGate", "InputGate", "CellStateUpdate", "OutputGate",
                           "FullStep", "UnrolledSequence", "Backprop", "TrainedLSTM", "Recap")

#: Names ``render`` accepts for several scenes at once.
GROUPS: dict[str, tuple[str, ...]] = {
    "all": LESSON,
    "lesson": LESSON,
    "gates": ("ForgetGate", "InputGate", "CellStateUpdate", "OutputGate"),
}
