"""The one English/Chinese glossary used by every caption, label and widget.

Tutorials often call ⊙ "matrix multiplication"; it is the element-wise (Hadamard)
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
    # animations
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
    "why_lstm_note": {"en": "Along the cell state, each step multiplies the gradient by f_t only: no weight matrix, "
                            "no tanh′. A plain RNN multiplies it by w·tanh′ at every step; in this chart that factor "
                            "stays below 1 for every w, so the product shrinks with distance.",
                      "zh": "沿着细胞状态,每一步只把梯度乘以 f_t:没有权重矩阵,也没有 tanh′。"
                            "普通 RNN 每一步都要乘以 w·tanh′;在这张图里这个因子对任何 w 都小于 1,所以乘积随距离缩小。"},
    "classroom": {"en": "LSTM classroom", "zh": "LSTM 课堂"},
    # --- classroom: playback, reading aids, status and error lines, the exported page ---
    "hadamard_note": {"en": "⊙ is the element-wise product", "zh": "⊙ 表示逐元素相乘"},
    "after_one_step": {"en": "after 1 step", "zh": "1 步之后"},
    "demo_note": {"en": "demo LSTM · {n} words · features: {features}", "zh": "演示 LSTM · {n} 个词 · 特征:{features}"},
    "unknown_words": {"en": "not in the demo's vocabulary, read as an all-zero input: {words}",
                      "zh": "不在演示词表中,按全零输入处理:{words}"},
    "file_note": {"en": "{name} · layer {layer}", "zh": "{name} · 层 {layer}"},
    "story_note": {"en": "the story LSTM, trained on the sentence task", "zh": "故事 LSTM(在句子任务上训练)"},
    "err_no_words": {"en": "type at least one word; the demo LSTM reacts to: {features}",
                     "zh": "请至少输入一个词;演示 LSTM 会对这些词作出反应:{features}"},
    "err_no_path": {"en": "type the path of a trace file (.npz), e.g. reports/bitcoin/trace_btc.npz",
                    "zh": "请输入轨迹文件 (.npz) 的路径,例如 reports/bitcoin/trace_btc.npz"},
    "err_no_file": {"en": "no trace file at {path} (relative paths are read from {base})",
                    "zh": "找不到轨迹文件 {path}(相对路径从 {base} 开始查找)"},
    "err_bad_file": {"en": "{name} is not a readable trace file: {reason}", "zh": "{name} 不是可读取的轨迹文件:{reason}"},
    "err_bad_trace": {"en": "{name} is damaged: {reason}. Nothing was drawn from it.",
                      "zh": "{name} 已损坏:{reason}。没有用它绘图。"},
    "err_at_step": {"en": "step {t}, field {field}", "zh": "第 {t} 步,字段 {field}"},
    "field": {"en": "field", "zh": "字段"},
    "err_unreadable": {"en": "its contents cannot be read", "zh": "内容无法识别(文件损坏、被截断或不是轨迹)"},
    "err_drawing": {"en": "step {t} cannot be drawn: {reason}", "zh": "第 {t} 步无法绘制:{reason}"},
    "unit_blue_memory": {"en": "blue memory", "zh": "蓝色记忆"},
    "unit_grey_memory": {"en": "grey memory", "zh": "灰色记忆"},
    "unit_pollution_flag": {"en": "pollution flag", "zh": "污染标记"},
    "demo_sentence": {"en": "the sky was blue then polluted grey", "zh": "那时 天空 是 蓝色 后来 污染 灰色"},
    "feature_blue": {"en": "blue", "zh": "蓝色"},
    "feature_grey": {"en": "grey", "zh": "灰色"},
    "feature_polluted": {"en": "polluted", "zh": "污染"},
    "pause": {"en": "pause", "zh": "暂停"},
    "step_back": {"en": "step back", "zh": "后退一步"},
    "step_forward": {"en": "step forward", "zh": "前进一步"},
    "speed": {"en": "speed", "zh": "速度"},
    "keys_hint": {"en": "keys: space plays/pauses, ← → step", "zh": "按键:空格 播放/暂停,← → 单步"},
    "presenter": {"en": "presenter mode", "zh": "演示模式"},
    "edit_gate": {"en": "weights of", "zh": "调节"},
    "settings": {"en": "settings", "zh": "设置"},
    "copy_settings": {"en": "copy settings", "zh": "复制设置"},
    "apply_settings": {"en": "restore", "zh": "恢复"},
    "settings_hint": {"en": "copy this string (or add it to the classroom's URL as ?cell=…) to restore the sliders",
                      "zh": "复制这串设置(或把它作为 ?cell=… 加到课堂网址后面)即可恢复滑块"},
    "err_settings": {"en": "cannot read these settings: {reason}", "zh": "无法读取这些设置:{reason}"},
    "source": {"en": "trace", "zh": "轨迹"},
    "source_demo": {"en": "demo", "zh": "演示"},
    "source_story": {"en": "story (trained)", "zh": "故事(训练后)"},
    "source_file": {"en": "file", "zh": "文件"},
    "cell_drawing": {"en": "the cell at step t", "zh": "第 t 步的细胞"},
    "page_title": {"en": "LSTM, step by step", "zh": "LSTM 逐步演示"},
    "page_cannot": {"en": "This page replays a recorded trace. Moving weights needs Python: run `lstm-explainer classroom`.",
                    "zh": "本页面回放已记录的轨迹。调节权重需要 Python:请运行 `lstm-explainer classroom`。"},
    "lesson_video": {"en": "lesson video", "zh": "课程视频"},
    "timelapse": {"en": "Training timelapse", "zh": "训练过程回放"},
    "epoch": {"en": "epoch", "zh": "训练轮次"},
    "loss": {"en": "training loss L", "zh": "训练损失 L"},
    "timelapse_none": {"en": "no training recording yet: pass a TraceRecorder file",
                       "zh": "还没有训练记录:请提供 TraceRecorder 文件"},
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
