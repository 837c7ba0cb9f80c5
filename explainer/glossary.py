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
    # animations (issue 4)
    "units_shown": {"en": "units shown", "zh": "显示的单元"},
    "passed_on": {"en": "h and c are passed on to the next step", "zh": "h 和 c 传给下一步"},
    "changes_slowly": {"en": "changes slowly", "zh": "变化缓慢"},
    "changes_fast": {"en": "changes fast", "zh": "变化很快"},
    # --- widgets (Jupyter dashboard) ---
    "language": {"en": "language", "zh": "语言"},
    "presets": {"en": "situation", "zh": "情景"},
    "preset_choose": {"en": "— choose a situation —", "zh": "— 选择一个情景 —"},
    "preset_remember": {"en": "remember everything", "zh": "全部记住"},
    "preset_forget": {"en": "forget everything", "zh": "全部遗忘"},
    "preset_write": {"en": "write new memory", "zh": "写入新记忆"},
    "preset_read": {"en": "read out", "zh": "读出记忆"},
    "weight_input": {"en": "input weight W", "zh": "输入权重 W"},
    "weight_recurrent": {"en": "recurrent weight U", "zh": "循环权重 U"},
    "bias": {"en": "bias b", "zh": "偏置 b"},
    "inputs": {"en": "inputs of this step", "zh": "这一步的输入"},
    "play": {"en": "play", "zh": "播放"},
    "sample": {"en": "sample", "zh": "样本"},
    "words": {"en": "words", "zh": "词语"},
    "run_demo": {"en": "run the demo LSTM", "zh": "运行演示 LSTM"},
    "trace_file": {"en": "trace file (.npz)", "zh": "轨迹文件 (.npz)"},
    "load_trace": {"en": "load", "zh": "加载"},
    "gates_heatmap": {"en": "gates, units × time", "zh": "门的取值(单元 × 时间)"},
    "showing_units": {"en": "showing the {k} most active of {n} units", "zh": "显示 {n} 个单元中最活跃的 {k} 个"},
    "forget_bias": {"en": "forget bias b_f", "zh": "遗忘门偏置 b_f"},
    "recurrent_weight": {"en": "RNN weight w", "zh": "RNN 循环权重 w"},
    "sequence_length": {"en": "length T", "zh": "序列长度 T"},
    "lstm_survival": {"en": "LSTM: share of c_0 left, ∏ f_t", "zh": "LSTM:c_0 剩下的比例 ∏ f_t"},
    "rnn_gradient": {"en": "plain RNN: gradient ∏ w·tanh′", "zh": "普通 RNN:梯度 ∏ w·tanh′"},
    "after_steps": {"en": "after {T} steps", "zh": "{T} 步之后"},
    "why_lstm": {"en": "Why an LSTM", "zh": "为什么需要 LSTM"},
    "cell_flow": {"en": "Cell-state flow", "zh": "细胞状态的流动"},
    "sequence_explorer": {"en": "Sequence explorer", "zh": "序列浏览"},
    "narrate_forget_closed": {"en": "forget gate ≈ 0: the old memory is gone", "zh": "遗忘门 ≈ 0:旧记忆被清除"},
    "narrate_forget_open": {"en": "forget gate ≈ 1: the old memory is kept", "zh": "遗忘门 ≈ 1:旧记忆被保留"},
    "narrate_input_open": {"en": "input gate open: new memory is written", "zh": "输入门打开:写入新记忆"},
    "narrate_input_closed": {"en": "input gate closed: nothing new is written", "zh": "输入门关闭:没有写入新内容"},
    "narrate_output_open": {"en": "output gate open: the memory is read out into h_t", "zh": "输出门打开:记忆被读出到 h_t"},
    "narrate_output_closed": {"en": "output gate closed: h_t stays near 0", "zh": "输出门关闭:h_t 接近 0"},
    "why_lstm_note": {"en": "Along the cell state, each step multiplies by f_t only: no weight matrix, no tanh′. "
                            "A plain RNN multiplies by w·tanh′ at every step, so its gradient vanishes (or explodes).",
                      "zh": "沿着细胞状态,每一步只乘以 f_t:没有权重矩阵,也没有 tanh′。"
                            "普通 RNN 每一步都要乘以 w·tanh′,所以梯度会消失(或爆炸)。"},
    "classroom": {"en": "LSTM classroom", "zh": "LSTM 课堂"},
    # --- lesson (animations: the narrated lesson and its demo story) ---
    "word_the": {"en": "the", "zh": "这"},
    "word_sky": {"en": "sky", "zh": "天空"},
    "word_was": {"en": "was", "zh": "曾是"},
    "word_blue": {"en": "blue", "zh": "蓝色"},
    "word_then": {"en": "then", "zh": "后来"},
    "word_polluted": {"en": "polluted", "zh": "污染了"},
    "word_grey": {"en": "grey", "zh": "灰色"},
    "unit_blue_memory": {"en": "blue memory", "zh": "蓝色记忆"},
    "unit_grey_memory": {"en": "grey memory", "zh": "灰色记忆"},
    "unit_pollution_flag": {"en": "pollution flag", "zh": "污染标记"},
    "lesson_title": {"en": "How an LSTM remembers and forgets", "zh": "LSTM 如何记住与遗忘"},
    "story": {"en": "the sky was blue … then it was polluted … the sky is grey",
              "zh": "天空曾是蓝色的……后来被污染了……天空变成了灰色"},
    "the_cell": {"en": "the LSTM cell", "zh": "LSTM 细胞"},
    "backprop": {"en": "why an LSTM: backprop through time", "zh": "为什么用 LSTM:随时间反向传播"},
    "trained_same": {"en": "a trained LSTM does the same", "zh": "训练出来的 LSTM 也这样做"},
    "recap": {"en": "recap", "zh": "总结"},
    "plain_rnn": {"en": "plain RNN", "zh": "普通 RNN"},
    "hand_built": {"en": "hand-built demo", "zh": "手工设定的演示"},
    "learned": {"en": "learned by training", "zh": "训练学到的"},
    "unit_word": {"en": "unit", "zh": "单元"},
    "step_word": {"en": "step", "zh": "步"},
    "weight_word": {"en": "weight", "zh": "权重"},
    "shape_word": {"en": "shape", "zh": "形状"},
    "barely_trained": {"en": "gates stay between 0.3 and 0.7: this model is barely trained",
                       "zh": "门的取值一直在 0.3 到 0.7 之间:这个模型几乎没有训练"},
    "remember": {"en": "must remember", "zh": "要记住"},
    "must_forget": {"en": "must forget", "zh": "要忘掉"},
    "mistake": {"en": "common mistake", "zh": "常见错误"},
    "correct": {"en": "correct", "zh": "正确"},
    "mistake_matmul": {"en": "⊙ is not a matrix product", "zh": "⊙ 不是矩阵乘法"},
    "mistake_matmul_fix": {"en": "⊙ multiplies element by element", "zh": "⊙ 是逐元素相乘"},
    "mistake_input": {"en": "the input gate is not f again", "zh": "输入门不是再写一次 f"},
    "mistake_input_fix": {"en": "i has its own W_i and b_i", "zh": "i 有自己的 W_i 和 b_i"},
    "heatmap": {"en": "gates × words", "zh": "门 × 词"},
    "gradient": {"en": "gradient", "zh": "梯度"},
    "open": {"en": "open", "zh": "打开"},
    "closed": {"en": "closed", "zh": "关闭"},
    "date": {"en": "date", "zh": "日期"},
    "features_word": {"en": "features", "zh": "特征"},
    "feature_close": {"en": "close", "zh": "收盘价"},
    "feature_volume": {"en": "volume", "zh": "成交量"},
    "feature_open": {"en": "open", "zh": "开盘价"},
    "feature_high": {"en": "high", "zh": "最高价"},
    "feature_low": {"en": "low", "zh": "最低价"},
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
