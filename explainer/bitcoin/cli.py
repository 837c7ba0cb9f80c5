"""``lstm-explainer bitcoin`` (filled in by the bitcoin pipeline)."""
from __future__ import annotations


def add_command(sub) -> None:
    p = sub.add_parser("bitcoin", help="train the seed's bitcoin model on our LSTM and on Keras")
    p.set_defaults(func=lambda args: print("bitcoin: not built yet") or 1)
