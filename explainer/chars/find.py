"""Find the cells: correlate every unit's c, tanh c and h with what the text is at each character.

For each property p (see :mod:`explainer.chars.properties`) and each unit u and field
X ∈ {c, tanh_c, h}: Pearson's r between X[:, u] and p over all characters of the text. The
best unit of a property is the (unit, field) with the largest |r|; its sign says which way
the unit moves (a "string cell" with r = −0.8 is low inside strings).

Gate saturation, as Karpathy, Johnson & Fei-Fei (2015) measure it: a gate value is *left
saturated* below 0.1 (shut) and *right saturated* above 0.9 (open); for each gate f, i, o
the fractions of all (character, unit) values, and per unit.
"""
from __future__ import annotations

import numpy as np

from .properties import PROPERTIES, properties
from .train import read

STATE_FIELDS = ("c", "tanh_c", "h")
GATES = ("f", "i", "o")
LEFT, RIGHT = 0.1, 0.9


def correlations(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Pearson's r of every column of x (n, u) with p (n,); NaN where either is constant."""
    x = x.astype(np.float64) - x.mean(axis=0)
    p = p.astype(np.float64) - p.mean()
    den = np.sqrt((x * x).sum(axis=0) * (p * p).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (x * p[:, None]).sum(axis=0) / np.where(den > 0, den, 1), np.nan)


def saturation(gate: np.ndarray) -> dict:
    """Left (< 0.1) and right (> 0.9) saturation fractions of one gate's values (n, u), overall and per unit."""
    return {"left": float((gate < LEFT).mean()), "right": float((gate > RIGHT).mean()),
            "per_unit": {"left": (gate < LEFT).mean(axis=0).round(4).tolist(),
                         "right": (gate > RIGHT).mean(axis=0).round(4).tolist()}}


def find(model, text: str, code: bool | None = None) -> dict:
    """Run ``model`` over ``text`` and report the best unit per property, gate saturation and bits per char.

    ``code=None``: the code properties when ``text`` is tokenizable Python, else line position only.
    """
    if code is None:
        try:
            props = properties(text, code=True)
        except ValueError:
            props = properties(text, code=False)
    else:
        props = properties(text, code=code)
    fields, bits = read(model, text)
    report = {"characters": len(text), "units": int(fields["c"].shape[1]), "properties": {},
              "bits_per_char": float(bits.mean(dtype=np.float64)),
              "not_measured": [p for p in PROPERTIES if p not in props]}
    for name, p in props.items():
        rs = {f: correlations(fields[f], p) for f in STATE_FIELDS}
        best = None
        for f, r in rs.items():
            if np.all(np.isnan(r)):
                continue
            u = int(np.nanargmax(np.abs(r)))
            if best is None or abs(r[u]) > abs(best["r"]):
                best = {"unit": u, "field": f, "r": float(r[u])}
        if best is None:
            report["properties"][name] = {"unit": None, "field": None, "r": None,
                                          "note": "constant on this text: nothing to correlate"}
            continue
        best["mean"] = float(p.mean())
        best["top"] = [{"unit": int(u), "r": float(rs[best["field"]][u])}
                       for u in np.argsort(-np.nan_to_num(np.abs(rs[best["field"]])))[:5]]
        report["properties"][name] = best
    report["saturation"] = {g: saturation(fields[g]) for g in GATES}
    report["layers"] = [{"layer": model.layers[0].name, "saturation": report["saturation"]}]
    return report
