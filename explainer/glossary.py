"""The one English/Chinese glossary used by every caption, label and widget.

Tutorials often call ⊙ "matrix multiplication"; it is the element-wise (Hadamard)
product, and the glossary says so in both languages.
"""
from __future__ import annotations
from .errors import InputError

#: Every language the package speaks; each front end's UI strings cover all of them.
LANGS = ("en", "zh")


def check_lang(lang: str) -> str:
    """``lang`` itself when it is one of :data:`LANGS`, else a ValueError naming the choices."""
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    return lang


#: What a ``--lang`` option accepts where a command can make every language at once.
LANG_CHOICES = (*LANGS, "both")


def languages(choice: str) -> tuple[str, ...]:
    """The languages a ``--lang`` choice means: ``"both"`` → all of :data:`LANGS`, else that one."""
    return LANGS if choice == "both" else (check_lang(choice),)

TERMS: dict[str, dict[str, str]] = {
    "forget_gate": {"en": "forget gate", "zh": "遗忘门"},
    "input_gate": {"en": "input gate", "zh": "输入门"},
    "output_gate": {"en": "output gate", "zh": "输出门"},
    "candidate": {"en": "candidate", "zh": "候选记忆"},
    "cell_state": {"en": "cell state", "zh": "细胞状态"},
    "update_gate": {"en": "update gate", "zh": "更新门"},
    "reset_gate": {"en": "reset gate", "zh": "重置门"},
    "candidate_hidden": {"en": "candidate hidden state", "zh": "候选隐藏状态"},
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
    "classroom": {"en": "LSTM classroom", "zh": "LSTM 课堂"},
    # --- lesson (animations: the narrated lesson and its demo story) ---
    "word_the": {"en": "the", "zh": "这"},
    "word_sky": {"en": "sky", "zh": "天空"},
    "word_was": {"en": "was", "zh": "曾是"},
    "word_blue": {"en": "blue", "zh": "蓝色"},
    "word_then": {"en": "then", "zh": "后来"},
    "word_polluted": {"en": "polluted", "zh": "污染了"},
    "word_grey": {"en": "grey", "zh": "灰色"},
    "lesson_title": {"en": "How an LSTM remembers and forgets", "zh": "LSTM 如何记住与遗忘"},
    "story": {"en": "the sky was blue … then it was polluted … the sky is grey",
              "zh": "天空曾是蓝色的……后来被污染了……天空变成了灰色"},
    "the_cell": {"en": "the LSTM cell", "zh": "LSTM 细胞"},
    "backprop": {"en": "why an LSTM: backprop through time", "zh": "为什么用 LSTM:随时间反向传播"},
    "trained_same": {"en": "a trained LSTM does the same", "zh": "训练出来的 LSTM 也这样做"},
    "recap": {"en": "recap", "zh": "总结"},
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
    "partly_open": {"en": "partly open", "zh": "半开"},
    "date": {"en": "date", "zh": "日期"},
    "features_word": {"en": "features", "zh": "特征"},
    "feature_close": {"en": "close", "zh": "收盘价"},
    "feature_volume": {"en": "volume", "zh": "成交量"},
    "feature_open": {"en": "open", "zh": "开盘价"},
    "feature_high": {"en": "high", "zh": "最高价"},
    "feature_low": {"en": "low", "zh": "最低价"},
    "per_step": {"en": "per step", "zh": "每一步"},
    "same_recipe": {"en": "same size, same training", "zh": "同样大小,同样训练"},
    # --- classroom: playback, reading aids, status and error lines, the exported page ---
    "hadamard_note": {"en": "⊙ is the element-wise product", "zh": "⊙ 表示逐元素相乘"},
    "demo_note": {"en": "demo LSTM · {n} words · features: {features}", "zh": "演示 LSTM · {n} 个词 · 特征:{features}"},
    "demo_unknown_words": {"en": "not in the demo's vocabulary, read as an all-zero input: {words}",
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
    "unit_colour_memory": {"en": "colour memory", "zh": "颜色记忆"},
    "unit_grey_memory": {"en": "grey memory", "zh": "灰色记忆"},
    "unit_pollution_flag": {"en": "pollution flag", "zh": "污染标记"},
    "demo_sentence": {"en": "the sky was blue then polluted grey", "zh": "这 天空 曾是 蓝色 后来 污染了 灰色"},
    "watch_line": {"en": "Watch {unit}. Its forget gate f stays at {range} on the other words and "
                         "closes to {f} at “{word}” (t = {t}), so its cell state c goes from {c0} to {c1}.",
                   "zh": "请看{unit}。它的遗忘门 f 在其他词上保持在 {range},"
                         "在“{word}”(t = {t})处关到 {f},于是细胞状态 c 从 {c0} 变为 {c1}。"},
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
    "legend_valve": {"en": "valve: shut (gate 0) … open (gate 1)", "zh": "阀门:关闭(门 = 0)… 打开(门 = 1)"},
    "legend_width": {"en": "thicker, darker line: larger |value|", "zh": "线越粗越深:|数值| 越大"},
    "legend_stripes": {"en": "striped with −: a negative value", "zh": "条纹加 −:负值"},
    "settings_bad_unit": {"en": "u={raw}: this cell has units 0..{last}", "zh": "u={raw}:这个细胞的单元编号是 0..{last}"},
    "settings_unknown": {"en": "{part!r} is not a setting; settings look like {example!r}",
                         "zh": "“{part}”不是一项设置;设置的写法如“{example}”"},
    "settings_range": {"en": "{key}={raw} must be a number in [{lo}, {hi}]", "zh": "{key}={raw} 必须是 [{lo}, {hi}] 之间的数"},
    "settings_none": {"en": "no settings found; they look like {example!r}", "zh": "没有找到设置;设置的写法如“{example}”"},
    "cell_not_restored": {"en": "the link's ?cell= was not restored ({error}); the cell-state flow shows its default",
                          "zh": "链接中的 ?cell= 未能恢复({error});细胞状态流动显示的是默认设置"},
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
    # the live page and the what-if view
    "tab_cell": {"en": "one cell", "zh": "一个细胞"},
    "tab_sentence": {"en": "a sentence", "zh": "一句话"},
    "tab_sequence": {"en": "the sequence", "zh": "序列"},
    "type_sentence": {"en": "type a sentence for the trained model", "zh": "给训练好的模型输入一句话"},
    "unknown_words": {"en": "unknown words (left out)", "zh": "不认识的词(已略去)"},
    "no_tokens": {"en": "no word the model knows: type e.g. “the sky was blue … the sky is”",
                  "zh": "没有模型认识的词:请输入如“天空 原来是 蓝色的 … 天空 现在是”"},
    "answer": {"en": "the model answers", "zh": "模型回答"},
    "original": {"en": "original", "zh": "原来"},
    "what_if": {"en": "what if", "zh": "假如"},
    "whatif_tab": {"en": "What if", "zh": "假如……"},
    "held_here": {"en": "held here by the what-if, not computed", "zh": "由假设固定,并非计算所得"},
    "clamp_field": {"en": "hold", "zh": "固定"},
    "clamp_value": {"en": "at", "zh": "为"},
    "clamp_add": {"en": "hold it here (this step, this unit)", "zh": "在此固定(本步、本单元)"},
    "clamp_clear": {"en": "clear what-ifs", "zh": "清除假设"},
    "clamp_none": {"en": "no what-if: the model as trained", "zh": "没有假设:模型如训练所得"},
    "copy_link": {"en": "copy link", "zh": "复制链接"},
    "copied": {"en": "link copied", "zh": "链接已复制"},
    "sliders_note": {"en": "move the inputs and each gate's weighted sum z: the cell is recomputed in the page",
                     "zh": "拖动输入和各门的加权和 z:页面里重新计算这个细胞"},
    "story_context": {"en": "“{sentence}” → the model answers {answer}.", "zh": "“{sentence}” → 模型回答{answer}。"},
    "page_live": {"en": "Computed in this page (no server): {what}.", "zh": "在本页面中计算(无需服务器):{what}。"},
    "timelapse": {"en": "Training timelapse", "zh": "训练过程回放"},
    "epoch": {"en": "epoch", "zh": "训练轮次"},
    "loss": {"en": "training loss L", "zh": "训练损失 L"},
    "recording_file": {"en": "training recording (.npz)", "zh": "训练记录 (.npz)"},
    "plain_rnn": {"en": "plain RNN", "zh": "普通 RNN"},
    "distractor_words": {"en": "distractor words", "zh": "干扰词数"},
    "grad_title": {"en": "gradient reaching each step, relative to the last step",
                   "zh": "到达每一步的梯度(相对于最后一步)"},
    "grad_steps_before": {"en": "steps before the question", "zh": "距离提问的步数"},
    "grad_ratio": {"en": "‖∂L/∂sₜ‖ / ‖∂L/∂s_T‖ (log scale)", "zh": "‖∂L/∂sₜ‖ / ‖∂L/∂s_T‖(对数刻度)"},
    "grad_setup": {"en": "{n} sentences with {d} distractor words; the colour word is {k} steps before the question. "
                         "Each line is one sentence, from the recorded backward pass of each trained model.",
                   "zh": "{n} 个句子,各含 {d} 个干扰词;颜色词在提问之前 {k} 步。"
                         "每条线是一个句子,来自两个已训练模型记录下的反向传播。"},
    "why_lstm_line": {"en": "on all {n} sentences the gradient along the cell state reaches the colour word at "
                            "{range} of its value at the question; {right} of {n} answers right.",
                      "zh": "在全部 {n} 个句子上,沿细胞状态传回颜色词的梯度是提问处的 {range} 倍;{n} 个回答中对了 {right} 个。"},
    "why_rnn_group": {"en": "on {k} sentences ({colours}) ‖∂L/∂h‖ at the colour word is {range} of its value at the "
                            "question, {right} right",
                      "zh": "{k} 个句子({colours})在颜色词处 ‖∂L/∂h‖ 是提问处的 {range} 倍,对了 {right} 个"},
    "why_rnn_split": {"en": "the sentences fall into groups more than a decade apart: {groups}.",
                      "zh": "句子分成相差一个数量级以上的几组:{groups}。"},
    "why_rnn_one": {"en": "{groups}.", "zh": "{groups}。"},
    "grad_per_sentence": {"en": "one line per sentence", "zh": "每个句子一条线"},
    "answer_right": {"en": "answered right", "zh": "回答正确"},
    "answer_wrong": {"en": "answered wrong", "zh": "回答错误"},
    "colour_word_marker": {"en": "dashed line: the colour word", "zh": "虚线:颜色词"},
    "accuracy_title": {"en": "Remembering the sky's colour over distractor words (held-out sentences)",
                       "zh": "隔着干扰词记住天空的颜色(未见过的句子)"},
    "accuracy": {"en": "accuracy", "zh": "准确率"},
    "mean_of_seeds": {"en": "mean of {n} seeds", "zh": "{n} 个随机种子的平均"},
    "worst_seed": {"en": "worst seed", "zh": "最差的种子"},
    "always_grey": {"en": "always answering grey: {a}", "zh": "总是回答灰色:{a}"},
    "colour_blue": {"en": "blue", "zh": "蓝色"},
    "colour_red": {"en": "red", "zh": "红色"},
    "colour_green": {"en": "green", "zh": "绿色"},
    "colour_grey": {"en": "grey", "zh": "灰色"},
    "grad_how": {"en": "One step back along the LSTM's cell state multiplies ∂L/∂c by fₜ (plus what reaches c through h); "
                       "one step back in a plain RNN multiplies ∂L/∂h by tanh′(z)·Uᵀ.",
                 "zh": "沿 LSTM 的细胞状态每退回一步,∂L/∂c 乘以 fₜ(再加上经由 h 传来的部分);"
                       "普通 RNN 每退回一步,∂L/∂h 乘以 tanh′(z)·Uᵀ。"},
    "timelapse_shipped": {"en": "the story LSTM learning (shipped recording)", "zh": "故事 LSTM 的学习过程(随包附带的记录)"},
    "timelapse_make": {"en": "record your own with", "zh": "自己录制一份:"},
    "timelapse_none": {"en": "no training recording yet: pass a TraceRecorder file",
                       "zh": "还没有训练记录:请提供 TraceRecorder 文件"},
    # --- views: masked (skipped) steps and the activations a trace names ---
    "masked_short": {"en": "skipped (masked)", "zh": "已跳过(被遮蔽)"},
    "masked_carried": {"en": "masked: h and c carried over unchanged", "zh": "被遮蔽:h 和 c 原样传给下一步"},
    "masked_status": {"en": "step {t} was skipped (masked): the layer carried h and c over unchanged; "
                            "the gates below were computed but not used",
                      "zh": "第 {t} 步被跳过(被遮蔽):该层把 h 和 c 原样传给下一步;下面的门已计算,但未使用"},
    "not_used": {"en": "computed, not used", "zh": "已计算,未使用"},
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
    "z": "update_gate",
    "r": "reset_gate",
    "h_tilde": "candidate_hidden",
}


def term(key: str, lang: str = "en") -> str:
    """A glossary term in ``lang`` (``"en"`` or ``"zh"``)."""
    check_lang(lang)
    try:
        return TERMS[key][lang]
    except KeyError:
        raise KeyError(f"no glossary term {key!r}; known terms: {sorted(TERMS)}") from None


def field_name(field: str, lang: str = "en") -> str:
    """The glossary name of a trace field, e.g. ``field_name("f", "zh") == "遗忘门"``."""
    return term(FIELD_TERMS[field], lang)
