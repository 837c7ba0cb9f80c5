"""How every front end writes an LSTM's numbers, units, equations and fonts — defined once.

The lesson (``animations``), the widgets, the offline page and the command line all import this
module, so a number, a unit's name or an equation reads the same in a video, a notebook and a
terminal. The vocabulary itself (the en/zh terms) lives in :mod:`explainer.glossary`, the gates'
letters, colours and open/closed thresholds in :mod:`explainer.gates`.

>>> fmt(-0.0213), fmt(0.004), fmt(0.98, signed=True), fmt(-1.5, 3)
('−0.02', '0.00', '+0.98', '−1.500')
>>> factor(-1.0)
'(−1.00)'
>>> equation("c")
'cₜ = f ⊙ cₜ₋₁ + i ⊙ g'
>>> unit_name({"unit_names": ["colour memory", "unit 1"]}, 0, "zh")
'颜色记忆'
"""
from __future__ import annotations
from .errors import InputError

import math
import re
from typing import Mapping, Sequence

from .glossary import LANGS, TERMS, check_lang, term

LANGUAGES = LANGS

# --- numbers -------------------------------------------------------------------------------------

#: The minus sign of every number shown (U+2212, not the hyphen): it is as wide as "+".
MINUS = "\u2212"
#: Decimal places of a number in the lesson, the narration and the terminal (a gate, a state, a weight).
DIGITS = 2
#: Decimal places in the widgets and the page, where a student checks each product by hand.
DIGITS_DETAIL = 3


def fmt(v: float, digits: int = DIGITS, signed: bool = False) -> str:
    """A value as every front end prints it: ``digits`` decimals, a true minus sign, never "−0.00".

    ``signed`` writes an explicit "+" on positive values (a weighted sum beside negative ones).
    Infinities print as ∞ / −∞ and NaN as "nan": a broken value is shown, never hidden.
    """
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "∞" if v > 0 else f"{MINUS}∞"
    s = f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"
    if float(s) == 0.0:  # -0.004 → "0.00", not "−0.00"
        s = f"{0.0:.{digits}f}"
    return s.replace("-", MINUS)


def factor(v: float, digits: int = DIGITS) -> str:
    """A number as a factor in a product: ``0.98`` or ``(−1.00)``."""
    s = fmt(v, digits)
    return f"({s})" if s.startswith(MINUS) else s


def parse(s: str) -> float:
    """The value of a number printed by :func:`fmt` (tests read the screen back with it)."""
    s = s.strip().replace(MINUS, "-").replace("∞", "inf")
    return float(s)


def product_digits(factors: Sequence[float], product: float, digits: int = DIGITS, most: int = 4) -> int:
    """The fewest decimals (≥ ``digits``) at which the rounded factors multiply to the rounded product.

    Shown together, 0.97 × 1.00 must not read "= 0.96": where rounding breaks the product, more
    digits are shown (up to ``most``).

    >>> product_digits([0.9651, 0.9962], 0.9651 * 0.9962)
    3
    """
    for d in range(digits, most + 1):
        shown = math.prod(round(float(a), d) for a in factors)
        if fmt(shown, d) == fmt(product, d):
            return d
    return most


def common_digits(products: Sequence[tuple[Sequence[float], float]], digits: int = DIGITS, most: int = 4) -> int:
    """The fewest decimals (≥ ``digits``) at which every ``(factors, product)`` shown in one table multiplies
    back (one number of decimals for the whole table: a column never mixes 0.95 and 0.953).

    >>> common_digits([([0.97, 1.0], 0.97), ([0.9651, 0.9962], 0.9651 * 0.9962)])
    3
    """
    for d in range(digits, most + 1):
        if all(fmt(math.prod(round(float(a), d) for a in fs), d) == fmt(p, d) for fs, p in products):
            return d
    return most


def factor_digits(products: Sequence[tuple[Sequence[float], float]], digits: int = DIGITS, most: int = 4) -> int:
    """The fewest decimals (≥ ``digits``) for the factors at which every product, itself shown at ``digits``,
    multiplies back: o × tanh c = 0.9526 × 0.7234 = 0.6890 fails at two, three and four decimals alike, but
    0.953 × 0.723 = 0.69 holds (a product keeps the digits its reader compares; its factors get one more).

    >>> factor_digits([([0.9526, 0.7234], 0.6890)])
    3
    """
    for d in range(digits, most + 1):
        if all(fmt(math.prod(round(float(a), d) for a in fs), digits) == fmt(p, digits) for fs, p in products):
            return d
    return most


def nice_step(span: float, target: int = 4) -> float:
    """A round tick spacing (1, 2 or 5 × 10ᵏ) giving about ``target`` intervals over ``span``."""
    raw = max(float(span), 1e-12) / target
    k = 10.0 ** math.floor(math.log10(raw))
    # the round spacing nearest to the wanted one (by ratio): 2312 → 2000, not 5000 (two ticks)
    return float(min((m * k for m in (1, 2, 5, 10)), key=lambda step: abs(math.log(step / raw))))


def nice_ticks(lo: float, hi: float, target: int = 4) -> list[float]:
    """Round tick values inside ``[lo, hi]`` (0 among them when the range spans it): never ±1.01.

    >>> nice_ticks(-1.01, 1.01)
    [-1.0, -0.5, 0.0, 0.5, 1.0]
    """
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise InputError(f"an axis needs a finite range, got {lo} … {hi}")
    step = nice_step(hi - lo, target)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    return [min(max(round(k * step, 12), lo), hi) + 0.0 for k in range(first, last + 1)]


def nice_limit(v: float, target: int = 4) -> float:
    """``v`` rounded up to the next round tick: an axis that ends on a number worth printing."""
    step = nice_step(v, target)
    return float(math.ceil(v / step - 1e-9) * step)


def tick_text(v: float, ticks: Sequence[float]) -> str:
    """A tick label with just the decimals its spacing needs (0.5 → 1 decimal, 2 → none)."""
    step = min((abs(b - a) for a, b in zip(ticks, ticks[1:])), default=1.0) or 1.0
    return fmt(v, int(max(0, -math.floor(math.log10(step) + 1e-9))))


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def decade(k: float) -> str:
    """A log axis's label for 10^k: ``0.01``, ``0.1``, ``1``, ``10`` near 1, else ``10⁻⁵`` (never "1e-1")."""
    k = int(round(k))
    if -2 <= k <= 2:
        return fmt(10.0 ** k, max(0, -k))
    return "10" + str(k).translate(_SUPERSCRIPT)


def sci(v: float, digits: int = 2) -> str:
    """A number that may be tiny or huge, readably: ``0.305``, ``12.4``, or ``3.0 × 10⁻⁴`` (never "3.05e-01")."""
    v = float(v)
    if v == 0 or not math.isfinite(v):
        return fmt(v, digits)
    k = math.floor(math.log10(abs(v)))
    if -2 <= k <= 3:
        return fmt(v, max(0, digits - k))
    m = v / 10.0 ** k
    if round(abs(m), digits - 1) >= 10:
        m, k = m / 10, k + 1
    return f"{fmt(m, digits - 1)} × 10" + str(k).translate(_SUPERSCRIPT)


# --- units ---------------------------------------------------------------------------------------

_UNIT_DEFAULT = {"en": "unit {k}", "zh": "单元 {k}"}


def localise(name: str, lang: str) -> str:
    """A word, unit or feature name in ``lang`` via the glossary (``polluted`` → 污染了,
    ``blue memory`` → 蓝色记忆, ``BTC_close`` → BTC 收盘价); anything else as it is."""
    check_lang(lang)
    key = re.sub(r"\W+", "_", str(name).strip().lower())
    for k in (f"word_{key}", f"unit_{key}"):
        if k in TERMS:
            return term(k, lang)
    m = re.fullmatch(r"(.+?)_(close|volume|open|high|low)", str(name))
    if m:
        return f"{m.group(1)} {term('feature_' + m.group(2), lang)}"
    m = re.fullmatch(r"(?:unit|单元) ?#?(\d+)", str(name).strip())
    if m:  # a name that only says "unit k", in either language
        return default_unit_name(int(m.group(1)), lang)
    return str(name)


def default_unit_name(k: int, lang: str) -> str:
    """The name of a unit nobody named: "unit 7" / "单元 7"."""
    return _UNIT_DEFAULT[check_lang(lang)].format(k=k)


def unit_name(meta: Mapping, k: int, lang: str) -> str:
    """Unit ``k``'s name in ``lang``: from ``meta["unit_names_<lang>"]`` or ``meta["unit_names"]``
    (glossary-translated), else "unit k"."""
    names = meta.get(f"unit_names_{check_lang(lang)}") or meta.get("unit_names")
    if names is not None and 0 <= k < len(names):
        return localise(str(names[k]), lang)
    return default_unit_name(k, lang)


def is_named(meta: Mapping, k: int, lang: str) -> bool:
    """Whether unit ``k`` has a name of its own (not just "unit k")."""
    return unit_name(meta, k, lang) != default_unit_name(k, lang)


def unit_label(meta: Mapping, k: int, lang: str) -> str:
    """A unit as a menu or axis names it: ``"2: colour memory"`` for a named unit, else ``"unit 7"``."""
    name = unit_name(meta, k, lang)
    return f"{k}: {name}" if is_named(meta, k, lang) else name


def unit_phrase(meta: Mapping, k: int, lang: str) -> str:
    """A unit as a sentence names it: "the colour memory unit" / "unit 7"; 颜色记忆单元 / 单元 7."""
    name = unit_name(meta, k, lang)
    if not is_named(meta, k, lang):
        return name
    return f"{name}单元" if lang == "zh" else f"the {name} unit"


# --- equations -----------------------------------------------------------------------------------

#: The cell's six equations in one notation. ``{x}``-style fields are symbols: {c_t}, {c_prev},
#: {h_t}, {h_prev}, {x_t} and the gate letters {f} {i} {g} {o}; ``_f`` after W or b is a subscript;
#: ``{act}``/``{rec}`` are the layer's activation (tanh) and recurrent activation (σ).
EQUATIONS: dict[str, str] = {
    "f": "{f} = {rec}(W_f [{h_prev}, {x_t}] + b_f)",
    "i": "{i} = {rec}(W_i [{h_prev}, {x_t}] + b_i)",
    "g": "{g} = {act}(W_g [{h_prev}, {x_t}] + b_g)",
    "o": "{o} = {rec}(W_o [{h_prev}, {x_t}] + b_o)",
    "c": "{c_t} = {f} ⊙ {c_prev} + {i} ⊙ {g}",
    "h": "{h_t} = {o} ⊙ {act}({c_t})",
}
#: The weighted sums of all four blocks at once, as the code computes them (Keras's row-vector form).
Z_EQUATION = "z = {x_t}·W + {h_prev}·U + b"
#: A gate from its own block of z, as the step tables write it.
GATE_FROM_Z = "{gate} = {fn}(z_{gate})"
#: The order the equations are taught and listed in.
EQUATION_ORDER: tuple[str, ...] = ("f", "i", "g", "o", "c", "h")

#: Each symbol: (letter, palette field, subscript).
SYMBOLS: dict[str, tuple[str, str, str]] = {
    "f": ("f", "f", ""), "i": ("i", "i", ""), "g": ("g", "g", ""), "o": ("o", "o", ""),
    "c_t": ("c", "c", "t"), "c_prev": ("c", "c_prev", "t−1"), "h_t": ("h", "h", "t"),
    "h_prev": ("h", "h_prev", "t−1"), "x_t": ("x", "x", "t"),
}
_UNICODE_SUB = str.maketrans("t−1", "ₜ₋₁")


def activation_symbol(name: str) -> str:
    """How an activation is written in equations: σ for the logistic sigmoid, else its Keras name."""
    from .activations import lookup
    canonical = lookup(name).name
    return {"sigmoid": "σ"}.get(canonical, canonical)


def symbol(key: str, style: str = "text") -> str:
    """One symbol of :data:`SYMBOLS`: ``"cₜ₋₁"`` as text, or coloured Pango markup (``style="markup"``)."""
    letter, field, sub = SYMBOLS[key]
    if style == "text":
        return letter + sub.translate(_UNICODE_SUB)
    if style == "markup":
        from . import palette
        s = f'<span foreground="{palette.color(field)}">{letter}</span>'
        return s + (f"<sub>{sub}</sub>" if sub else "")
    raise InputError(f"unknown equation style {style!r}; choose 'text' or 'markup'")


def equation(key: str, style: str = "text", activation: str = "tanh", recurrent_activation: str = "sigmoid") -> str:
    """Equation ``key`` (f, i, g, o, c, h) written out: plain Unicode text (``style="text"``, for
    widgets, the page and the terminal) or coloured Pango markup (``style="markup"``, for manim).

    >>> equation("f")
    'f = σ(W_f [hₜ₋₁, xₜ] + b_f)'
    """
    template = EQUATIONS[key]
    fields = {k: symbol(k, style) for k in SYMBOLS}
    fields.update(act=activation_symbol(activation), rec=activation_symbol(recurrent_activation))
    if style == "markup":
        template = re.sub(r"\b([Wb])_([figo])\b", r"\1<sub>\2</sub>", template)
    return template.format(**fields)


def z_equation(style: str = "text") -> str:
    """:data:`Z_EQUATION` written out: ``"z = xₜ·W + hₜ₋₁·U + b"``."""
    return Z_EQUATION.format(**{k: symbol(k, style) for k in SYMBOLS})


def gate_from_z(field: str, activation: str = "tanh", recurrent_activation: str = "sigmoid") -> str:
    """A gate's equation from its block of z, e.g. ``"f = σ(z_f)"`` or ``"g = tanh(z_g)"``."""
    from .gates import gate
    fn = activation if gate(field).activation == "tanh" else recurrent_activation
    return GATE_FROM_Z.format(gate=gate(field).field, fn=activation_symbol(fn))


# --- fonts ---------------------------------------------------------------------------------------

#: Latin fonts, tried in order (Debian: fonts-noto-core / fonts-dejavu / fonts-liberation).
LATIN_FONTS: tuple[str, ...] = ("Noto Sans", "DejaVu Sans", "Liberation Sans")
#: CJK fonts tried in order for Chinese (fonts-noto-cjk first, then common alternatives).
CJK_FONTS: tuple[str, ...] = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Noto Serif CJK SC",
                              "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "AR PL UMing CN")
#: The CSS font stack of the widgets and the page: Latin first, then CJK, then the browser's own.
CSS_FONTS = ", ".join([*LATIN_FONTS[:2], *CJK_FONTS[:2], "sans-serif"])
