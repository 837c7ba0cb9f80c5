"""The one table of the gates: an LSTM's four and a GRU's three, with letter, Keras block,
glossary term, colour and activation.

Keras stores the four gate blocks of ``z``, ``W``, ``U`` and ``b`` in the order i, f, c, o; the
candidate's block is called ``c`` there and ``g`` everywhere in this project (``g = tanh(z_g)``),
so it is never confused with the cell state c.

>>> [g.field for g in GATES]
['i', 'f', 'g', 'o']
>>> gate("f").term, gate("f").color
('forget_gate', '#D42C5D')
>>> openness(0.02), openness(0.5), openness(0.98)
('closed', 'between', 'open')

A GRU (Cho et al. 2014; Keras's ``GRU``) has blocks [z | r | h] in Keras's kernel: the
update gate z, the reset gate r and the candidate h̃ (Keras: ``hh``; trace field ``h_tilde``):

>>> [g.field for g in GRU_GATES]
['z', 'r', 'h_tilde']
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

#: A gate below CLOSED is called shut and one above OPEN wide open, in every front end and in the
#: statistics (Karpathy, Johnson & Fei-Fei 2015 call these "left" and "right saturated").
CLOSED = 0.1
OPEN = 0.9


def openness(v: float) -> str:
    """``"closed"`` (v < CLOSED), ``"open"`` (v > OPEN) or ``"between"`` for a gate's value."""
    v = float(v)
    return "closed" if v < CLOSED else "open" if v > OPEN else "between"


#: The glossary term that names each :func:`openness`.
GATE_STATE_TERMS = {"closed": "closed", "open": "open", "between": "partly_open"}

#: A GRU's three blocks of z = x_t W + (h_{t-1} U) + b, in Keras's order [z | r | h] (PyTorch's is r, z, n).
GRU_GATES: tuple[Gate, ...] = (
    Gate("z", "z", 0, "update_gate", palette.UPDATE, "sigmoid", 0.0, 1.0),
    Gate("r", "r", 1, "reset_gate", palette.RESET, "sigmoid", 0.0, 1.0),
    Gate("h_tilde", "h", 2, "candidate_hidden", palette.CANDIDATE, "tanh", -1.0, 1.0),
)
#: The GRU trace fields of its three activations, in block order.
GRU_FIELDS: tuple[str, ...] = tuple(g.field for g in GRU_GATES)

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


def gru_gate(name: str) -> Gate:
    """A GRU gate named by its trace field (``"h_tilde"``) or its Keras block letter (``"h"``)."""
    for g in GRU_GATES:
        if name in (g.field, g.block):
            return g
    raise InputError(f"unknown GRU gate {name!r}; choose one of z, r, h_tilde (Keras: h)")


def block(z, name: str, units: int):
    """The slice of ``z`` (…, 4·units) that belongs to gate ``name``: z_i, z_f, z_g or z_o."""
    k = gate(name).index
    return z[..., k * units:(k + 1) * units]
