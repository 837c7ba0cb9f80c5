"""The one English/Chinese glossary used by every caption, label and widget.

The seed tutorial calls ⊙ "matrix multiplication"; it is the element-wise (Hadamard)
product, and the glossary says so in both languages.
"""
from __future__ import annotations

LANGS = ("en", "zh")

TERMS: dict[str, dict[str, str]] = {
    "forget_gate": {"en": "forget gate", "zh": "遗忘门"},
    "input_gate": {"en": "input gate", "zh": "输入门"},
    "output_gate": {"en": "output gate", "zh": "输出门"},
    "candidate": {"en": "candidate", "zh": "候选记忆"},
    "cell_state": {"en": "cell state", "zh": "细胞状态"},
    "hidden_state": {"en": "hidden state", "zh": "隐藏状态"},
    "input": {"en": "input", "zh": "输入"},
    "sigmoid": {"en": "sigmoid", "zh": "sigmoid"},
    "tanh": {"en": "tanh", "zh": "tanh"},
    "hadamard": {"en": "element-wise product ⊙", "zh": "逐元素相乘 ⊙"},
    "time_step": {"en": "time step", "zh": "时间步"},
    "unit": {"en": "unit", "zh": "单元"},
    "weighted_sum": {"en": "weighted sum", "zh": "加权和"},
    "concatenate": {"en": "concatenate", "zh": "拼接"},
    "keep": {"en": "keep", "zh": "保留"},
    "forget": {"en": "forget", "zh": "遗忘"},
    "write": {"en": "write", "zh": "写入"},
    "read_out": {"en": "read out", "zh": "读出"},
    "cell_update": {"en": "cell-state update", "zh": "细胞状态更新"},
    "full_step": {"en": "one full LSTM step", "zh": "完整的一步 LSTM"},
    "unrolled": {"en": "unrolled over time", "zh": "按时间展开"},
}

#: Which glossary term names each trace field.
FIELD_TERMS: dict[str, str] = {
    "f": "forget_gate",
    "i": "input_gate",
    "g": "candidate",
    "o": "output_gate",
    "c": "cell_state",
    "c_prev": "cell_state",
    "h": "hidden_state",
    "h_prev": "hidden_state",
    "x": "input",
}


def term(key: str, lang: str = "en") -> str:
    """A glossary term in ``lang`` (``"en"`` or ``"zh"``)."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose one of {LANGS}")
    try:
        return TERMS[key][lang]
    except KeyError:
        raise KeyError(f"no glossary term {key!r}; known terms: {sorted(TERMS)}") from None


def field_name(field: str, lang: str = "en") -> str:
    """The glossary name of a trace field, e.g. ``field_name("f", "zh") == "遗忘门"``."""
    return term(FIELD_TERMS[field], lang)
