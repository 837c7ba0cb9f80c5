"""Narration text → the words a voice says: numbers, symbols and formulas spoken in English or Chinese.

    speakable("f ⊙ c t−1 = 0.93", "en")  →  "f times c t minus one equals zero point nine three"
    speakable("f = 0.02", "zh")          →  "f 等于 零点零二"

A text-to-speech engine reads "0.02" as "zero dot zero two" or "two hundredths", "t−1" as "t dash one",
and skips "⊙" or "σ"; the subtitles keep the symbols, the voice gets words. Numbers are read the way a
teacher reads them off the screen: the integer part as a number, the decimals digit by digit
("zero point nine five", 零点九五), a minus sign as "minus" (负). Rules are applied left to right on the
text, numbers first, so a minus in "t−1" (subtract) and in "−4.00" (a negative number) are told apart by
what stands before them.
"""
from __future__ import annotations
from explainer.errors import InputError

import re

_EN_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
            "sixteen seventeen eighteen nineteen").split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_EN_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred"))
_ZH_DIGITS = "零一二三四五六七八九"


def en_integer(n: int) -> str:
    """A whole number in English words: 3000 → "three thousand", 16 → "sixteen", 105 → "one hundred five"."""
    if n < 0:
        return "minus " + en_integer(-n)
    if n < 20:
        return _EN_ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _EN_TENS[tens] + ("-" + _EN_ONES[ones] if ones else "")
    for size, name in _EN_SCALES:
        if n >= size:
            head, rest = divmod(n, size)
            return f"{en_integer(head)} {name}" + (f" {en_integer(rest)}" if rest else "")
    raise AssertionError(n)


def zh_integer(n: int) -> str:
    """A whole number in Chinese: 3000 → 三千, 16 → 十六, 105 → 一百零五, 20000 → 二万."""
    if n < 0:
        return "负" + zh_integer(-n)
    if n == 0:
        return "零"

    def below_10k(k: int) -> str:
        out, zero = "", False
        for size, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
            d, k = divmod(k, size)
            if d:
                out += ("零" if zero and out else "") + _ZH_DIGITS[d] + name
                zero = False
            else:
                zero = True
        return out

    parts, big = [], ("", "万", "亿")
    k = 0
    while n:
        n, chunk = divmod(n, 10_000)
        if chunk:
            parts.append(below_10k(chunk) + big[k])
        elif parts and not parts[-1].startswith("零"):
            parts.append("零")
        k += 1
    text = "".join(reversed(parts)).rstrip("零")
    text = re.sub("零+", "零", text)
    return text[1:] if text.startswith("一十") else text  # 十六, not 一十六


def number(text: str, lang: str) -> str:
    """One number as written on screen ("-0.41", "3,000", "0.02", "84") in words."""
    s = text.replace(",", "").replace("−", "-")
    negative = s.startswith("-")
    s = s.lstrip("-+")
    whole, _, decimals = s.partition(".")
    n = int(whole or "0")
    if lang == "zh":
        words = zh_integer(n) + ("点" + "".join(_ZH_DIGITS[int(d)] for d in decimals) if decimals else "")
        return ("负" if negative else "") + words
    words = en_integer(n) + (" point " + " ".join(_EN_ONES[int(d)] for d in decimals) if decimals else "")
    return ("minus " if negative else "") + words


_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# a sign belongs to the number when nothing that could be subtracted from stands before it
_SIGNED = re.compile(rf"(?<![\w)\]′])([-−]?)({_NUMBER})(%?)")
_SCI = re.compile(rf"({_NUMBER})e([-−+]?\d+)")
# "3.0 × 10⁻⁴" and "10⁻⁵" (explainer.presentation.sci / decade) → "3.0e-4", "1e-5"; "cₜ₋₁" → "c t−1"
_POWER = re.compile(rf"(?:({_NUMBER}) × )?10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
_FROM_SUPERSCRIPT = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
_SUBSCRIPT = str.maketrans({"₋": "−", "₀": "0", "₁": "1", "₂": "2", "₃": "3"})

#: How a matrix times the vector in brackets after it ("W[hₜ₋₁, xₜ]") is said.
_TIMES = {"en": "times", "zh": "乘"}
#: Symbols and how each language says them (longest first, applied after the numbers).
_SYMBOLS: dict[str, list[tuple[str, str]]] = {
    "en": [("⊙ is", "the circled dot is"), ("tanh′", "tanh prime"), ("′", " prime"), ("⊙", " times "),
           ("×", " times "), ("·", " times "), ("=", " equals "), ("≈", " about "), ("+", " plus "),
           ("−", " minus "), ("→", " to "), ("–", " to "), ("σ(", "sigma of "), ("σ", "sigma"), ("tanh(", "tanh of "),
           ("/", " over "), ("#", "number "), ("_", " "), ("[", " "),
           ("]", ", "), ("(", ", "), (")", ", "), ("…", ", "), ("“", ""), ("”", ""), ("‘", ""), ("’", "'")],
    "zh": [("⊙ 是", "圆点乘是"), ("tanh′", "tanh 的导数"), ("′", " 撇"), ("⊙", " 逐元素乘 "), ("×", " 乘 "),
           ("·", " 乘 "), ("=", " 等于 "), ("≈", " 约等于 "), ("+", " 加 "), ("−", " 减 "), ("→", " 到 "), ("–", " 到 "),
           ("σ(", "sigma "), ("σ", "sigma"), ("tanh(", "tanh "), ("/", " 除以 "), ("#", "第"),
           ("_", " "), ("[", " "), ("]", "，"), ("(", "，"), (")", "，"), ("…", "，"), ("“", ""),
           ("”", ""), ("‘", ""), ("’", "")],
}


def speakable(text: str, lang: str) -> str:
    """``text`` as a voice should say it in ``lang`` ("en" or "zh"): numbers and symbols as words."""
    if lang not in _SYMBOLS:
        raise InputError(f"no spoken form for language {lang!r}; choose en or zh")

    def sci(m: re.Match) -> str:
        exp = m.group(2).replace("−", "-")
        if lang == "zh":
            return f"{number(m.group(1), lang)}乘以十的{number(exp, lang)}次方"
        return f"{number(m.group(1), lang)} times ten to the {number(exp, lang)}"

    def signed(m: re.Match) -> str:
        sign, digits, percent = m.groups()
        words = number(sign + digits, lang)
        if percent:
            return f"百分之{words}" if lang == "zh" else f"{words} percent"
        return words

    out = text.translate(_SUBSCRIPT).replace("ₜ", " t").replace("ᵢ", " i")  # cₜ₋₁ → c t−1, Wᵢ → W i
    out = _POWER.sub(lambda m: f"{m.group(1) or '1'}e{m.group(2).translate(_FROM_SUPERSCRIPT)}", out)
    out = _SCI.sub(sci, out)
    out = _SIGNED.sub(lambda m: f" {signed(m)} ", out)
    out = re.sub(r"(\w)[-−](?=\s|\d|$)", r"\1 − ", out)  # "t−1" read as a subtraction once numbers are words
    out = re.sub(r"(?<=[A-Za-z])\[", f" {_TIMES[lang]} [", out)  # "W[h, x]", "W_i[h, x]": a matrix times a vector
    for sym, said in _SYMBOLS[lang]:
        out = out.replace(sym, said)
    out = re.sub(r"[,，]\s*(?=[,，;:.?!；：。？！]|$)", "", out)  # a bracket's comma next to other punctuation
    out = re.sub(r"\s+([,.:;?!，。：；？！])", r"\1", out)
    out = re.sub(r"\s+", " ", out).strip()
    out = re.sub(r"^[,，]\s*", "", out)
    return out
