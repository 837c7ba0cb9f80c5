"""The one table of an LSTM's four gates: letter, Keras block, glossary term, colour, activation.

Keras stores the four gate blocks of ``z``, ``W``, ``U`` and ``b`` in the order i, f, c, o; the
candidate's block is called ``c`` there and ``g`` everywhere in this project (``g = tanh(z_g)``),
so it is never confused with the cell state c.

>>> [g.field for g in GATES]
['i', 'f', 'g', 'o']
>>> gate("f").term, gate("f").color
('forget_gate', '#E0483E')
"""
from __future__ import annotations
from .errors import InputError

from dataclasses import dataclass

from . import palette


@dataclass(frozen=True)
class Gate:
    """One of the four blocks of z = x_t W + h_{t-1} U + b."""

    field: str        # the trace field of its activation: i, f, g, o
    block: str        # Keras's letter for its block of the weights: i, f, c, o
    index: int        # position of the block in z (Keras order)
    term: str         # glossary key of its name
    color: str        # palette colour
    activation: str   # "sigmoid" for the three gates, "tanh" for the candidate
    low: float        # the range its values live in
    high: float


GATES: tuple[Gate, ...] = (
    Gate("i", "i", 0, "input_gate", palette.INPUT, "sigmoid", 0.0, 1.0),
    Gate("f", "f", 1, "forget_gate", palette.FORGET, "sigmoid", 0.0, 1.0),
    Gate("g", "c", 2, "candidate", palette.CANDIDATE, "tanh", -1.0, 1.0),
    Gate("o", "o", 3, "output_gate", palette.OUTPUT, "sigmoid", 0.0, 1.0),
)

#: Keras's block order of z, W, U and b.
BLOCKS: tuple[str, ...] = tuple(g.block for g in GATES)
#: The trace fields of the four activations, in block order.
FIELDS: tuple[str, ...] = tuple(g.field for g in GATES)


def gate(name: str) -> Gate:
    """The gate named by its trace field (``"g"``) or its Keras block letter (``"c"``)."""
    for g in GATES:
        if name in (g.field, g.block):
            return g
    raise InputError(f"unknown gate {name!r}; choose one of i, f, g (Keras: c), o")


def block(z, name: str, units: int):
    """The slice of ``z`` (…, 4·units) that belongs to gate ``name``: z_i, z_f, z_g or z_o."""
    k = gate(name).index
    return z[..., k * units:(k + 1) * units]
