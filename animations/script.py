"""The lesson's script: what is said in each scene, in English and Chinese side by side, defined once.

Each scene has a list of :class:`Line`. A line's text holds ``{placeholders}`` that :class:`Facts` fills
from the trace (``{f_forget}`` → "0.02"), so a number in the narration is always a recorded value,
rounded like the numbers on screen. The same lines drive

* the pacing: a line stays on screen for :func:`line_seconds` (≥ 2 s and ≥ its reading time in both
  languages: ~2.8 English words/s, ~7 Chinese characters/s), so both languages share one timeline;
* the subtitles (``Scene.add_subcaption`` → ``.srt``, converted to ``.vtt``);
* the slides' speaker notes (one slide per line).

:class:`Facts` picks *where* to look from the data (the step where a forget gate closes most, the unit
that keeps the largest memory, …) so the narration can never contradict the numbers it reads out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explainer.gates import openness
from explainer.glossary import LANGS, term
from explainer.presentation import common_digits, factor_digits, localise, product_digits, unit_phrase

from animations.mobjects import fmt
from animations.source import SceneSource

#: Reading speeds used for pacing: 168 English words a minute (broadcast subtitling asks 160–180) and 7 Chinese
#: characters a second (streaming services' adult Chinese subtitles allow 9).
WORDS_PER_SECOND = 2.8
CJK_PER_SECOND = 7.0
MIN_LINE_SECONDS = 2.0
#: A value this far from 0 is not "about zero" (chapter 8 picks the unit with the most such values).
AWAY_FROM_ZERO = 0.1
#: Silence after each line, so two subtitles never touch.
GAP_SECONDS = 0.4
#: A change of a plain RNN's h (each number in −1…1) by more than this at one word rewrites it (chapter 2).
REWRITE = 1.0
#: A pause-and-predict question ("predict" lines) stays up at least this long after it is spoken or read.
PREDICT_SILENCE = 3.0  # time to think: a class needs more than a breath before the answer
#: Silence after the lesson's last line: the takeaway stays on screen instead of the video cutting away.
END_SILENCE = 2.0


@dataclass(frozen=True)
class Line:
    """One narrated line: an id (used by the scene to place its animations), English and Chinese.

    ``when`` names a fact about the trace (:attr:`Facts.flags`, e.g. ``"forgets"``, or ``"not forgets"``);
    the line is said only when it holds, so a claim such as "the gate is closed" is never read over a
    trace where it is not.
    """

    key: str
    en: str
    zh: str
    when: str = ""
    pause: float = 0.0  # silence after the line (no subtitle): time to think, or to take the picture in

    def applies(self, flags: dict[str, bool]) -> bool:
        if not self.when:
            return True
        negate = self.when.startswith("not ")
        return flags[self.when[4:] if negate else self.when] != negate

    def text(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def reading_seconds(text: str, lang: str) -> float:
    """Time to read ``text``: English words at 2.8/s; Chinese characters at 7/s (+ Latin words at 2.8/s)."""
    if lang == "zh":
        cjk = len(_CJK.findall(text))
        latin = len(re.findall(r"[A-Za-z0-9.\-]+", _CJK.sub(" ", text)))
        return cjk / CJK_PER_SECOND + latin / WORDS_PER_SECOND
    return len(text.split()) / WORDS_PER_SECOND


def line_seconds(texts: dict[str, str]) -> float:
    """How long a line stays up: max(2 s, reading time) over every language, so en and zh share a timeline."""
    return max([MIN_LINE_SECONDS] + [reading_seconds(t, lang) for lang, t in texts.items()])


# --- facts: where to look, read from the trace ------------------------------------------------------

class Facts:
    """Steps, units and values the narration and the scenes talk about, chosen from the trace.

    ``Facts(src)[key]`` is a ready-to-read string in ``src.lang``; ``Facts(src).where[name]`` is the
    (step, unit) a scene should draw. Every number is ``fmt(recorded value)``.
    """

    def __init__(self, src: SceneSource) -> None:
        self.src = src
        tr = src.trace
        lang = src.lang
        T, U = tr.time, tr.units
        f, i, g, o = tr.f[0], tr.i[0], tr.g[0], tr.o[0]
        c, c_prev, h = tr.c[0], tr.c_prev[0], tr.h[0]
        kept, written = tr.kept[0], tr.written[0]
        self.lang = lang
        self.values: dict[str, str] = {}
        self.numbers: set[str] = set()  # every number string the narration may contain
        self.where: dict[str, tuple[int, int]] = {}
        v = self.values

        def pick(score: np.ndarray, avoid_t: int | None = None) -> tuple[int, int]:
            s = np.array(score, dtype=np.float64)
            if avoid_t is not None and T > 1:
                s[avoid_t] = -np.inf
            t, u = np.unravel_index(int(np.argmax(s)), s.shape)
            return int(t), int(u)

        def num(key: str, value: float, digits: int = 2) -> None:
            v[key] = fmt(value, digits)
            self.numbers.add(v[key])

        def at(name: str, t: int, u: int) -> None:
            self.where[name] = (t, u)
            v[f"word_{name}"] = self.word(t)
            v[f"unit_{name}"] = self.unit_phrase(u)

        # forget: the step where the forget gate closes most (the scenes' default step), its most-closed unit
        t_f = src.t
        u_f = int(np.argmin(f[t_f]))
        at("forget", t_f, u_f)
        num("f_forget", f[t_f, u_f])
        num("z_forget", tr.z_block("f")[0, t_f, u_f])
        num("c_prev_forget", c_prev[t_f, u_f])
        num("kept_forget", kept[t_f, u_f])
        # the one input or recurrent weight that pushes z_f down most at that step
        self.weight = self._strongest_weight("f", t_f, u_f, sign=-1)
        if self.weight is not None:
            num("w_forget", self.weight["w"])
            v["w_from"] = self.weight["from"]
        # keep: f near 1 with a memory far from 0 (another step than the forgetting one)
        t_k, u_k = pick(f * np.abs(c_prev), avoid_t=t_f)
        at("keep", t_k, u_k)
        num("f_keep", f[t_k, u_k])
        num("c_prev_keep", c_prev[t_k, u_k])
        num("kept_keep", kept[t_k, u_k])
        # write: the largest |i ⊙ g|, then the largest for another unit
        t_w, u_w = pick(np.abs(written))
        at("write", t_w, u_w)
        for k, a in (("i", i), ("g", g), ("ig", written), ("z_i", tr.z_block("i")[0]), ("z_g", tr.z_block("g")[0])):
            num(f"{k}_write", a[t_w, u_w])
        other = np.abs(written).copy()
        if U > 1:
            other[:, u_w] = -np.inf
        t_w2, u_w2 = pick(other, avoid_t=t_w)
        at("write2", t_w2, u_w2)
        num("i_write2", i[t_w2, u_w2])
        num("g_write2", g[t_w2, u_w2])
        num("ig_write2", written[t_w2, u_w2])
        # hold (chapter 5): the filler words after the write and before the forgetting step, for the written
        # unit: its memory kept (f open), nothing written (i closed), nothing said (o closed)
        window = [t for t in range(t_w + 1, t_f)] or [t_k]
        self.hold_steps = window[:3]
        t_h = self.hold_steps[0]
        at("hold", t_h, u_w)
        # the chapter's table shows o and tanh c above h in every column: the three carry one number of decimals,
        # the fewest at which o × tanh c multiplies to h (0.05 × 0.73 would read 0.04 against h = 0.03)
        tc = tr.tanh_c[0]
        self.hold_digits = common_digits([([o[t, u_w], tc[t, u_w]], h[t, u_w]) for t in [t_w, *self.hold_steps]])
        for k, a in (("f", f), ("i", i), ("c", c), ("c_prev", c_prev)):
            num(f"{k}_hold", a[t_h, u_w])
        num("o_hold", o[t_h, u_w], self.hold_digits)
        num("h_hold", h[t_h, u_w], self.hold_digits)
        num("c_hold_last", c[self.hold_steps[-1], u_w])
        v["word_hold_last"] = self.word(self.hold_steps[-1])
        quiet = [(openness(f[t, u_w]), openness(i[t, u_w]), openness(o[t, u_w])) for t in self.hold_steps]
        # the output gate open (reads a memory out): where o ⊙ tanh c is largest (the recap names its word)
        t_o, u_o = pick(o * np.abs(tr.tanh_c[0]))
        at("open", t_o, u_o)
        # the new fact written at the forgetting step: the unit with the largest i ⊙ g there
        u_n = int(np.argmax(np.abs(written[t_f])))
        at("new", t_f, u_n)
        d_n = product_digits([i[t_f, u_n], g[t_f, u_n]], written[t_f, u_n])
        for k, a in (("i", i), ("g", g), ("ig", written), ("c", c)):
            num(f"{k}_new", a[t_f, u_n], d_n)
        # the update at the forgetting step, every unit
        v["kept_list"] = self.listing(kept[t_f])
        v["written_list"] = self.listing(written[t_f])
        v["c_list"] = self.listing(c[t_f])
        # one full step at the last word (the question: nothing read before it is revisited), for the unit with
        # the most values away from 0 there (a step of near-zeros teaches nothing)
        t_s = T - 1
        busy = [sum(abs(float(a[t_s, k])) > AWAY_FROM_ZERO for a in (f, i, g, o, c, h)) for k in range(U)]
        u_s = max(range(U), key=lambda k: (busy[k], -k))
        at("step", t_s, u_s)
        # o and tanh c, shown beside h on the cell, carry the decimals at which they multiply to it
        self.step_digits = factor_digits([([o[t_s, u_s], tr.tanh_c[0, t_s, u_s]], h[t_s, u_s])])
        for k, a in (("f", f), ("i", i), ("g", g), ("c", c), ("h", h), ("c_prev", c_prev)):
            num(f"{k}_step", a[t_s, u_s])
        num("o_step", o[t_s, u_s], self.step_digits)
        # unrolled: the largest changes of a cell state, over every unit and step (two units may change at one
        # step: each counts), and the largest of all the others
        change = np.abs(c - c_prev)
        self.changes = []  # (step, unit, from, to), largest first
        for flat in np.argsort(-change.ravel(), kind="stable"):
            t, u = divmod(int(flat), U)
            self.changes.append((t, u, float(c_prev[t, u]), float(c[t, u])))
        for k, (t, u, a, b) in enumerate(self.changes[:3]):
            at(f"change{k}", t, u)
            num(f"from{k}", a)
            num(f"to{k}", b)
        # the second change is "next" only when it is smaller as shown (the demo's two are both 0.95)
        sizes = [fmt(abs(b - a)) for t, u, a, b in self.changes[:2]]
        tie = len(sizes) == 2 and sizes[0] == sizes[1]
        v["next1"] = ("同样大的" if tie else "其次") if lang == "zh" else ("Just as large" if tie else "Next")
        rest = [abs(b - a) for t, u, a, b in self.changes[3:]]
        num("rest_change", max(rest) if rest else 0.0)
        # sizes (integers) and the model in a sentence
        v["n_units"] = str(src.total_units)
        v["n_shown"] = str(U)
        v["n_inputs"] = str(tr.input_dim)
        v["n_concat"] = str(src.total_units + tr.input_dim)
        v["n_rows"] = str(4 * src.total_units)
        v["feature_list"] = ("、" if lang == "zh" else ", ").join(f"“{w}”" for w in self.features())
        v["c_write"] = fmt(c[t_w, u_w])
        self.numbers.add(v["c_write"])
        self.demo = src.name == "demo" or tr.meta.get("source") == "demo"
        self.barely_trained = bool(((tr.f > 0.3) & (tr.f < 0.7) & (tr.i > 0.3) & (tr.i < 0.7)
                                    & (tr.o > 0.3) & (tr.o < 0.7)).all())
        v["model"] = self._model_sentence()
        v["unit_names"] = ("、" if lang == "zh" else ", ").join(self.units())
        #: Claims the narration may make, each checked on the numbers it is about.
        self.flags = {
            "keeps": openness(f[t_k, u_k]) == "open",      # "f close to one: the memory passes"
            "forgets": openness(f[t_f, u_f]) == "closed",  # "the gate is closed: the memory is erased"
            "opens": openness(o[t_o, u_o]) == "open",      # "the gate is open: the memory is read out"
            # "f near one keeps it, i shut writes nothing, o shut says nothing", at every filler step shown
            "quiet": all(q == ("open", "closed", "closed") for q in quiet) and float(abs(c[t_h, u_w])) > 0.5,
            # "meanwhile the grey memory writes the new fact" (another unit than the erased one)
            "writes_new": u_n != u_f and float(abs(written[t_f, u_n])) >= 0.5,
            "holds": float(max(rest)) < 0.1 if rest else True,  # "at every other step c hardly moves"
            "writes": openness(i[t_w, u_w]) == "open",     # "the input gate is open"
            "several": len(self.hold_steps) > 1,           # "… and more words", "each step a little smaller"
            # the cell chapter writes one row of W out in full (and names every input word) when it is short
            "small": src.total_units + tr.input_dim <= 6 and self.weight is not None,
            "weight": self.weight is not None,
            "demo": self.demo,  # "back to the hand-built demo" (after the chapter on trained plain RNNs)
        }

    # --- names in the caption language -----------------------------------------------------------
    def word(self, t: int) -> str:
        """The step's label (word or date) in the lesson's language, or "t = 3"."""
        label = self.src.label(t)
        return localise(label, self.lang) if label else f"t = {t}"

    def unit(self, u: int) -> str:
        return self.src.unit_names(self.lang)[u]

    def unit_phrase(self, u: int) -> str:
        """The unit as a sentence names it: "the blue memory unit" / "unit 7"; 蓝色记忆单元 / 单元 7."""
        return unit_phrase(self.src.trace.meta, int(self.src.trace.unit_index[u]), self.lang)

    def units(self) -> list[str]:
        return [self.unit(u) for u in range(self.src.units)]

    def features(self) -> list[str]:
        names = self.src.feature_names()
        return [localise(n, self.lang) for n in names] if names else [f"x{k}" for k in range(self.src.trace.input_dim)]

    def listing(self, values) -> str:
        sep = "，" if self.lang == "zh" else ", "
        parts = []
        for u, val in enumerate(values):
            s = fmt(val)
            self.numbers.add(s)
            parts.append(f"{self.unit(u)} {s}")
        return sep.join(parts)

    def _strongest_weight(self, gate: str, t: int, u: int, sign: int) -> dict | None:
        """The term w·input of z_gate[u] at step t that pushes it most in direction ``sign``."""
        tr = self.src.trace
        if "kernel" not in tr.weights or "recurrent_kernel" not in tr.weights:
            return None
        from explainer.gates import block
        Wk = block(tr.weights["kernel"], gate, tr.units)           # (input_dim, units)
        Uk = block(tr.weights["recurrent_kernel"], gate, tr.units)  # (total_units, units)
        x, hp = tr.x[0, t], tr.h_prev[0, t]
        terms = [(float(x[j] * Wk[j, u]), float(Wk[j, u]), self.features()[j], "W", j) for j in range(len(x))]
        if Uk.shape[0] == tr.units:  # recurrent rows are only known when the trace was not narrowed
            terms += [(float(hp[k] * Uk[k, u]), float(Uk[k, u]), f"h {self.unit(k)}", "U", k) for k in range(len(hp))]
        best = max(terms, key=lambda r: sign * r[0])
        return {"contribution": best[0], "w": best[1], "from": best[2], "matrix": best[3], "row": best[4]}

    def _model_sentence(self) -> str:
        src, tr = self.src, self.src.trace
        if self.demo:
            names = "、".join(self.units()) if self.lang == "zh" else ", ".join(self.units())
            return (f"一个手工设定权重的小 LSTM，{src.units} 个单元：{names}" if self.lang == "zh"
                    else f"a tiny hand-built LSTM with {src.units} units: {names}")
        feats = ("、" if self.lang == "zh" else ", ").join(self.features())
        if self.lang == "zh":
            return f"一个训练过的 LSTM，显示其 {src.total_units} 个单元中的 {src.units} 个，输入特征：{feats}"
        return f"a trained LSTM, {src.units} of its {src.total_units} units shown, inputs: {feats}"

    def learned(self) -> None:
        """Add the facts of the two "why" scenes: the trained story LSTM's trace and recorded gradients.

        Their numbers are the story trace's values, the recorded belt factors f, and ratios of two
        recorded gradients (∂L/∂c_t over ∂L/∂c_T), all rounded like the numbers on screen.
        """
        if "f_poll_story" in self.values:
            return
        from explainer.demo import demo_trace

        from animations.learned import backprop_data, story_data
        v = self.values

        def num(key: str, value: float) -> None:
            v[key] = fmt(value)
            self.numbers.add(v[key])

        lang = self.lang
        bp = backprop_data(lang)
        T = len(bp.words)
        v["bp_answer"], v["bp_colour"], v["bp_poll"], v["bp_last"] = (bp.answer, bp.words[bp.colour_step],
                                                                      bp.words[bp.poll_step], bp.words[-1])
        v["bp_prepoll"] = bp.words[bp.poll_step - 1]
        v["bp_unit"] = fmt(bp.unit_size, 4)
        self.numbers.add(v["bp_unit"])
        from explainer.story.train import SENTENCES
        v["n_sentences"] = f"{SENTENCES:,}"
        # the chain rule worked at three steps: dL/dc_t × f_t = the belt's term, and the recorded dL/dc_{t-1}
        for k, t in enumerate(bp.chain_steps):
            d = bp.row_digits(t)
            v[f"bp_word{k}"] = bp.words[t]
            for key, val in (("dc", bp.scaled(t)), ("f", bp.belt[t]), ("direct", bp.direct(t)),
                             ("prev", bp.scaled(t - 1))):
                v[f"bp_{key}{k}"] = fmt(val, bp.f_digits(t) if key == "f" else d)
                self.numbers.add(v[f"bp_{key}{k}"])
        steps = bp.chain_steps
        v["bp_gap"] = str(steps[1] - 1 - steps[2])  # the words between the second and third rows, not worked
        num("bp_dc_colour", bp.scaled(bp.colour_step))
        num("bp_dc_last", bp.scaled(T - 1))
        num("bp_fprod", bp.filler_product)
        num("bp_fratio", bp.filler_ratio)
        after = np.abs(bp.dc[bp.poll_step:])
        self.flags["bp_passes"] = bool(min(bp.belt[t] for t in bp.chain_steps[:2]) >= 0.9)
        self.flags["bp_cut"] = bool(bp.belt[bp.poll_step] < 0.1 and bp.blame_ratio > 10)
        self.flags["bp_level"] = bool(after.max() / after.min() < 1.1)
        self.flags["bp_total_above"] = bool(bp.filler_ratio > bp.filler_product)
        # "the full gradient reaches the word" and "the gate cuts it" (both read off the recorded dL/dc)
        self.flags["bp_reaches"] = self.flags["bp_cut"] and self.flags["bp_level"]
        # "f is learned: near zero where the memory is replaced, near one while it is kept": f at every word
        # after the colour, the event's aside
        rest = np.delete(bp.belt[bp.colour_step + 1:], bp.poll_step - bp.colour_step - 1)
        self.flags["bp_learned"] = bool(bp.belt[bp.poll_step] < 0.1 and rest.min() >= 0.9)
        from animations.learned import VANISHED, gradient_spread
        sp = gradient_spread()
        v["sp_n"], v["sp_fillers"] = str(sp.n), str(sp.fillers)
        num("sp_lstm_lo", float(sp.lstm_at_colour.min()))
        num("sp_lstm_hi", float(sp.lstm_at_colour.max()))
        v["sp_rnn_lo"] = fmt(float(sp.rnn_at_colour.min()), 3)
        self.numbers.add(v["sp_rnn_lo"])
        num("sp_rnn_hi", float(sp.rnn_at_colour.max()))
        v["sp_rnn_small"] = str(int((sp.rnn_at_colour < VANISHED).sum()))
        v["sp_rnn_big"] = str(int((sp.rnn_at_colour > 1.0).sum()))
        # "vanishes on k sentences, grows on others": both seen in the recordings
        self.flags["rnn_vanishes"] = bool((sp.rnn_at_colour < VANISHED).any() and sp.rnn_at_colour.max() > 1.0)
        self.flags["lstm_steady"] = bool(sp.lstm_at_colour.min() > 0.5 and sp.lstm.max() < 1.1)
        trace, u = story_data(lang)
        words = [str(w) for w in trace.meta["labels"]]
        poll = words.index(trace.meta["pollution_word"])
        colour = next(t for t, w in enumerate(words) if w in trace.meta["colour_words"])
        f, c, c_prev = trace.f[0, :, u], trace.c[0, :, u], trace.c_prev[0, :, u]
        between = f[colour + 1:poll]
        v["st_unit"] = str(trace.meta["unit_names"][u])
        v["st_colour"] = words[colour]
        v["st_poll"] = words[poll]
        v["st_answer"] = str(trace.meta["prediction"])
        num("st_c_store", float(c[colour]))
        num("st_f_lo", float(between.min()))
        num("st_f_hi", float(between.max()))
        num("f_poll_story", float(f[poll]))
        num("st_c_before", float(c_prev[poll]))
        num("st_c_after", float(c[poll]))
        # the memory erased: c back near where it stood before the colour word was read
        self.flags["st_back"] = bool(abs(float(c[poll]) - float(c_prev[colour])) < 0.1)
        demo = demo_trace()
        t = demo.meta["labels"].index("polluted")
        num("demo_f_poll", float(demo.f[0, t, 0]))
        self.story = {"trace": trace, "unit": u, "colour": colour, "poll": poll, "backprop": bp, "demo": demo,
                      "demo_poll": t}

    def reading(self) -> None:
        """Add the facts of chapter 1: the sizes of the example the lesson goes on with (the hand-set demo's
        x has one entry per word it knows, h one number per unit), from :mod:`explainer.demo` itself."""
        if "rn_inputs" in self.values:
            return
        from explainer.demo import FEATURES, UNITS, WORD_TERMS, WORDS
        v, lang = self.values, self.lang
        v["rn_inputs"], v["rn_units"] = str(len(FEATURES)), str(UNITS)
        v["rn_concat"] = str(UNITS + len(FEATURES))
        quoted = [f"“{term(WORD_TERMS[w], lang)}”" for w in FEATURES]
        v["rn_features"] = "、".join(quoted) if lang == "zh" else ", ".join(quoted[:-1]) + " and " + quoted[-1]
        # the first word of the sentence that is none of them: its x is all zeros
        v["rn_zero"] = term(WORD_TERMS[next(w for w in WORDS if w not in FEATURES)], lang)

    def rnn_fails(self) -> None:
        """Add the facts of chapter 2: the shipped ``story compare`` table, the no-memory line (always the most
        common answer, counted on the table's own sentences) and the story SimpleRNN's h on one held-out
        sentence (:func:`animations.learned.rnn_fails_data`), every number rounded as on screen."""
        if "rf_rnn_far" in self.values:
            return
        from animations.learned import rnn_fails_data
        v, lang = self.values, self.lang
        d = rnn_fails_data(lang)

        def num(key: str, value: float) -> None:
            v[key] = fmt(value)
            self.numbers.add(v[key])

        far = len(d.distances) - 1
        i20 = d.distances.index(20)
        v["rf_sentences"] = f"{d.sentences:,}" if lang == "en" else str(d.sentences)  # 3,000 / 3000
        v["rf_seeds"], v["rf_far"], v["rf_per"] = str(d.seeds), str(d.distances[far]), str(d.per_distance)
        v["rf_units"] = str(d.units["rnn"])
        v["rf_units_lstm"], v["rf_units_rnn"] = str(d.units["lstm"]), str(d.units["rnn"])
        v["rf_params_lstm"], v["rf_params_rnn"] = str(d.params["lstm"]), str(d.params["rnn"])
        v["rf_n_colours"] = str(len(d.colours))
        num("rf_lstm_lo", float(d.lstm.min()))
        num("rf_rnn_0", float(d.rnn[0]))
        num("rf_rnn_20", float(d.rnn[i20]))
        num("rf_rnn_far", float(d.rnn[far]))
        num("rf_rnn_min_far", float(d.rnn_min[far]))
        num("rf_base_lo", float(d.majority.min()))
        num("rf_base_hi", float(d.majority.max()))
        v["rf_colour"] = d.words[d.colour_step]
        v["rf_later"] = d.words[d.later_step]
        v["rf_n_later"] = str(d.later_step - d.colour_step)
        v["rf_answer"], v["rf_right"] = d.answer, d.right
        sep = "，" if lang == "zh" else ", "
        for key, t in (("rf_h_colour", d.colour_step), ("rf_h_later", d.later_step)):
            parts = [fmt(x) for x in d.h[t]]
            self.numbers.update(parts)
            v[key] = "(" + sep.join(parts) + ")" if lang == "en" else "（" + sep.join(parts) + "）"
        # one word's change of h: the filler word that changes a number of h most, and by how much
        k = int(np.argmax(d.per_word))
        num("rf_word_max", float(d.per_word[k]))
        v["rf_word_max_at"] = d.words[d.colour_step + 1 + k]
        self.flags["same_units"] = d.units["lstm"] == d.units["rnn"]
        self.flags["rnn_worse"] = bool(d.rnn[far] < d.lstm[far] - 0.1 and d.rnn[far] < d.rnn[0])
        # "the RNN stays above the no-memory line, but forgets more the further back the colour is"
        self.flags["rnn_between"] = bool(self.flags["rnn_worse"] and d.rnn.min() > d.majority.max())
        self.flags["lstm_holds"] = bool(d.lstm.min() >= 0.99)
        # "a single filler word can rewrite h": one word moves a number of h (in −1…1) by more than half its range
        self.flags["rewritten"] = bool(d.per_word.max() > REWRITE)
        self.flags["rnn_right"] = d.answer == d.right
        # the LSTM on the same sentence: its cell state's largest change at one filler word
        num("rf_c_step", float(d.c_per_word.max()))
        self.flags["lstm_c_steady"] = bool(d.c_per_word.max() < 0.1)

    def question(self) -> None:
        """Add the facts of chapter 7 (the question): at the last word, the output gate and h of each unit,
        and the readout's probabilities and answer when the trace has one (the demo's and the story model's)."""
        if "q_word" in self.values:
            return
        tr, v, lang = self.src.trace, self.values, self.lang
        T = tr.time - 1
        v["q_word"] = self.word(T)

        def num(key: str, value: float, digits: int = 2) -> None:
            v[key] = fmt(value, digits)
            self.numbers.add(v[key])

        h, o, tc, c = tr.h[0, T], tr.o[0, T], tr.tanh_c[0, T], tr.c[0, T]
        u = int(np.argmax(np.abs(h)))
        self.where["question"] = (T, u)
        v["unit_question"] = self.unit_phrase(u)
        d = common_digits([([o[k], tc[k]], h[k]) for k in range(len(h))])  # the scene's table's digits
        for k, a in (("o", o), ("c", c), ("tanhc", tc), ("h", h)):
            num(f"{k}_question", a[u], d)
        p = tr.meta.get("probabilities")
        answers = self.answers()
        self.flags["readout"] = bool(p is not None and answers and len(answers) == len(p))
        self.flags["opens_at_question"] = openness(o[u]) == "open"
        # where every unit's output gate opens (the demo's both do), the line must not say only this unit's did
        every = all(openness(k) == "open" for k in o)
        unit = v["unit_question"]
        v["q_opens"] = ((f"输出门都打开了：{unit}的 " if every else f"{unit}的输出门打开了：") if self.lang == "zh" else
                        f"the output gates open: {unit} has " if every else f"the output gate of {unit} opens: ")
        if self.flags["readout"]:
            k = int(np.argmax(p))
            v["q_answer"] = answers[k]
            num("q_p_answer", float(p[k]))
            rest = [j for j in range(len(p)) if j != k]
            if rest:
                j = max(rest, key=lambda j: p[j])
                v["q_other"] = answers[j]
                num("q_p_other", float(p[j]))
            self.flags["confident"] = float(p[k]) >= 0.9

    def answers(self) -> list[str]:
        """The readout's answers in the lesson's language: the demo's (blue, grey) or the story's colours."""
        meta = self.src.trace.meta
        names = meta.get("answers") or meta.get("colour_words")
        return [localise(str(n), self.lang) for n in names] if names else []

    def other(self) -> "Facts":
        """The same facts in the other language (for pacing both languages on one timeline)."""
        if getattr(self, "_other", None) is None:
            from dataclasses import replace
            self._other = Facts(replace(self.src, lang="zh" if self.lang == "en" else "en"))
            self._other._other = self
        return self._other

    def __getitem__(self, key: str) -> str:
        return self.values[key]

    def format(self, text: str) -> str:
        return text.format(**self.values)


# --- the script -----------------------------------------------------------------------------------

L = Line
SCRIPT: dict[str, list[Line]] = {
    "TitleWhy": [
        L("task", "A network reads a sentence word by word, then must answer: what colour is the sky now?",
          "网络一次读一个词，读完后必须回答：现在天空是什么颜色？"),
        L("blue", "The sky was blue, birds sang, the sky is: the answer is blue.",
          "天空原来是蓝色的，鸟儿唱歌，天空现在是？答案是蓝色的。"),
        L("grey", "Add one word: the sky was blue, birds sang, polluted, the sky is: the answer is grey.",
          "只多一个词：天空原来是蓝色的，鸟儿唱歌，污染了，天空现在是？答案是灰色的。"),
        L("output", "Grey is never read: it is the answer, given from memory.",
          "“灰色的”从来没被读进去：它是网络凭记忆给出的答案。"),
        L("memory", "So the network must remember the colour for many words, and forget it on demand.",
          "所以网络必须在读过很多个词之后仍记得颜色，又要在需要时把它忘掉。"),
        L("lstm", "A plain recurrent network finds this hard; an LSTM, long short-term memory, is built for it.",
          "普通循环网络很难做到；LSTM（长短期记忆网络）正是为此设计的。"),
    ],
    "ReadingNetwork": [
        L("step", "A recurrent network reads one word per time step t, from t = 0, as a one-hot vector xₜ. Ours knows "
                  "{rn_inputs}: {rn_features}.",
          "循环网络每个时间步 t 读一个词（t 从 0 开始），词是独热向量 xₜ。我们的网络认识 {rn_inputs} 个：{rn_features}。"),
        L("zeros", "Its own entry is one, the rest zero; an unknown word like “{rn_zero}” is all zeros.",
          "读到的词那一位是 1，其余是 0；不认识的词，比如“{rn_zero}”，全是 0。"),
        L("hidden", "It hands a hidden state hₜ, a vector of numbers, to the next step; before the first word, h is "
                    "zeros.",
          "网络把隐藏状态 hₜ（一组数字）传给下一步；读第一个词之前，h 全是 0。"),
        L("eq", "One step: hₜ = tanh(W[hₜ₋₁, xₜ] + b).",
          "一步：hₜ = tanh(W[hₜ₋₁, xₜ] + b)。"),
        L("shapes", "With n numbers in h and V in x, W has n rows of n + V numbers. Here n = {rn_units}, "
                    "V = {rn_inputs}.",
          "h 有 n 个数、x 有 V 个数时，W 有 n 行，每行 n + V 个数。这里 n = {rn_units}，V = {rn_inputs}。"),
        L("same", "Every step uses the same W and b: drawn once per word, the network unrolled in time.",
          "每一步都用同一组 W 和 b：按词画出来，就是按时间展开的网络。"),
        L("answer", "After the last word, a softmax readout turns h into probabilities that sum to one: the answer.",
          "读完最后一个词，读出层把 h 变成每种颜色的概率：这就是答案。"),
        L("memory", "So h is a plain RNN's only memory, and every word computes it anew.",
          "所以 h 是普通 RNN 唯一的记忆，而每读一个词，它都要重新算一遍。"),
    ],
    "PlainRNNFails": [
        L("task", "Can a plain RNN do this? {rf_seeds} plain RNNs and {rf_seeds} LSTMs, {rf_units} units each, trained "
                  "alike on {rf_sentences} sentences.",
          "普通 RNN 能做到吗？{rf_seeds} 个普通 RNN 和 {rf_seeds} 个 LSTM，各 {rf_units} 个单元，"
          "用同样的 {rf_sentences} 个句子训练。", when="same_units"),
        L("task", "Can a plain RNN do our task? {rf_seeds} plain RNNs of {rf_units_rnn} units and {rf_seeds} LSTMs of "
                  "{rf_units_lstm}, trained alike on {rf_sentences} sentences.",
          "普通 RNN 能完成这个任务吗？{rf_seeds} 个 {rf_units_rnn} 单元的普通 RNN 和 {rf_seeds} 个 {rf_units_lstm} 单元的 LSTM，用同样的 "
          "{rf_sentences} 个句子训练。", when="not same_units"),
        L("chart", "Here the sky may also turn red or green: {rf_n_colours} answers. Accuracy on new sentences, by "
                   "filler words between colour and question.",
          "这里天空还可能变红或变绿：共 {rf_n_colours} 种答案。纵轴是新句子上的准确率，横轴是中间的填充词个数。"),
        L("lstm", "The LSTM stays at {rf_lstm_lo} up to {rf_far} filler words.",
          "LSTM 一直保持在 {rf_lstm_lo}，直到 {rf_far} 个填充词。", when="lstm_holds"),
        L("lstm", "The LSTM's lowest accuracy is {rf_lstm_lo}.", "LSTM 的最低准确率是 {rf_lstm_lo}。",
          when="not lstm_holds"),
        L("rnn", "The plain RNN falls from {rf_rnn_0} to {rf_rnn_20} at 20 words and {rf_rnn_far} at {rf_far}.",
          "普通 RNN 从 {rf_rnn_0} 降到 20 个词时的 {rf_rnn_20}，{rf_far} 个词时只有 {rf_rnn_far}。", when="rnn_worse"),
        L("rnn", "The plain RNN goes from {rf_rnn_0} with no filler words to {rf_rnn_far} at {rf_far}.",
          "普通 RNN 从没有填充词时的 {rf_rnn_0} 变为 {rf_far} 个时的 {rf_rnn_far}。", when="not rnn_worse"),
        L("base", "The dashed line needs no memory: always the commonest answer, {rf_base_lo} to {rf_base_hi}. The RNN "
                  "stays above it, but fades with distance.",
          "虚线不需要记忆：总是回答最常见的颜色，准确率 {rf_base_lo} 到 {rf_base_hi}。普通 RNN 在它之上，但距离越远记得越少。", when="rnn_between"),
        L("base", "The dashed line needs no memory: always the commonest answer, {rf_base_lo} to {rf_base_hi}.",
          "虚线不需要记忆：总是回答最常见的颜色，准确率 {rf_base_lo} 到 {rf_base_hi}。", when="not rnn_between"),
        L("inside", "Why? One trained RNN's h at every word of a new sentence.",
          "为什么？看一个训练好的普通 RNN 在新句子每个词处的 h。"),
        L("rewritten", "h is its only memory, and one filler word can rewrite it: “{rf_word_max_at}” moves a number by "
                       "{rf_word_max}.",
          "h 是它唯一的记忆，一个填充词就能改写它：“{rf_word_max_at}”让一个数变了 {rf_word_max}。", when="rewritten"),
        L("rewritten", "h is its only memory; here no filler word changes one of its numbers by more than "
                       "{rf_word_max}.",
          "h 是它唯一的记忆；这里没有哪个填充词让其中一个数变化超过 {rf_word_max}。", when="not rewritten"),
        L("lstm_c", "The trained LSTM on the same sentence: its cell state c moves by at most {rf_c_step} per filler "
                    "word.",
          "训练好的 LSTM 读同一个句子：它的细胞状态 c 每个填充词最多只变 {rf_c_step}。", when="lstm_c_steady"),
        L("lstm_c", "The trained LSTM on the same sentence: its cell state c moves by up to {rf_c_step} per filler "
                    "word.",
          "训练好的 LSTM 读同一个句子：它的细胞状态 c 每个填充词最多变 {rf_c_step}。", when="not lstm_c_steady"),
        L("fix", "An LSTM adds a second memory, the cell state, changed only when a gate lets it.",
          "LSTM 加了第二个记忆——细胞状态；只有门允许时它才会改变。"),
    ],
    "TheCell": [
        L("belt", "Our sentence again, read by a small LSTM with hand-set weights. Along the top of its cell runs the "
                  "cell state c, the memory: a conveyor belt.",
          "还是我们的句子，现在由一个手工设定权重的小 LSTM 来读。一个细胞，一个时间步：顶部是细胞状态 c，也就是记忆，像一条传送带。",
          when="demo"),
        L("belt", "One LSTM cell, one step. Along the top runs the cell state c, the memory: a conveyor belt.",
          "一个 LSTM 细胞，一个时间步。顶部是细胞状态 c，也就是记忆，像一条传送带。", when="not demo"),
        L("concat", "Below, hₜ₋₁ and the input xₜ are joined into one vector. Here h has {n_units} numbers, "
                    "one per unit, and x has {n_inputs}: {n_concat} in all.",
          "底部，上一步的 hₜ₋₁ 和输入 xₜ 拼接成一个向量。这里 h 有 {n_units} 个数（每个单元一个），x 有 {n_inputs} 个："
          "一共 {n_concat} 个。"),
        L("gates", "Four boxes read it: forget gate f, input gate i, candidate g, output gate o.",
          "四个方框读取它：遗忘门 f、输入门 i、候选记忆 g、输出门 o。"),
        L("sum", "Each computes z = W times that vector plus b, then squashes it: sigmoid for gates, tanh for g. W has "
                 "a row per gate and unit, {n_rows} rows of {n_concat}.",
          "每个先算 z = W 乘这个向量加 b，再压缩：门用 sigmoid，g 用 tanh。W 每个门、每个单元一行：{n_rows} 行，每行 {n_concat} 个数。"),
        L("nodes", "Circled dots multiply element by element; the plus adds written to kept.",
          "带圈的点逐元素相乘；加号把写入的加到保留的上。"),
        L("out", "Then tanh of the new cell state, times the output gate, is the new hidden state hₜ.",
          "最后，新细胞状态的 tanh 乘以输出门，就是新的隐藏状态 hₜ。"),
        L("model", "Its {n_units} units: {unit_names}.", "它的 {n_units} 个单元：{unit_names}。", when="demo"),
        L("model", "Our numbers come from {model}.", "我们的数字来自{model}。", when="not demo"),
    ],
    "InputGate": [
        L("predict", "The network reads “{word_write}”. What should the input gate of {unit_write} do?",
          "网络读到了“{word_write}”。想一想：{unit_write}的输入门应该怎么做？"),
        L("g", "Writing has two parts. The candidate g, tanh of its own sum, proposes a value from minus one to one.",
          "写入分两部分。候选记忆 g 是它自己加权和的 tanh，提出一个 −1 到 1 之间的值。"),
        L("i", "The input gate i, a sigmoid with its own weights, says how much of g gets in.",
          "输入门 i 是一个有自己权重的 sigmoid，决定 g 能进去多少。"),
        L("zg", "At “{word_write}”, the candidate's sum is z = {z_g_write}, so g = {g_write}.",
          "在“{word_write}”这一步，候选记忆的加权和 z = {z_g_write}，所以 g = {g_write}。"),
        L("zi", "The input gate's sum is z = {z_i_write}, so i = {i_write}: the gate is open.",
          "输入门的加权和 z = {z_i_write}，所以 i = {i_write}：门是开的。", when="writes"),
        L("zi", "The input gate's sum is z = {z_i_write}, so i = {i_write}.",
          "输入门的加权和 z = {z_i_write}，所以 i = {i_write}。", when="not writes"),
        L("ig", "Their element-wise product i ⊙ g = {ig_write} is written into the cell state: c becomes {c_write}.",
          "两者逐元素相乘，i ⊙ g = {ig_write} 被写入细胞状态：c 变成 {c_write}。"),
    ],
    "HoldingQuietly": [
        L("predict", "Next, “{word_hold}” and more words with no colour. What should the three gates do?",
          "接下来是“{word_hold}”等几个和颜色无关的词。这三个门应该怎么做？", when="several"),
        L("predict", "Next, “{word_hold}”, a word with no colour. What should the three gates do?",
          "接下来是“{word_hold}”，一个和颜色无关的词。这三个门应该怎么做？", when="not several"),
        L("keep", "For {unit_hold} the forget gate stays near one, f = {f_hold}: c passes, {c_prev_hold} → {c_hold}.",
          "{unit_hold}的遗忘门接近 1，f = {f_hold}：c 顺利通过，{c_prev_hold} → {c_hold}。", when="quiet"),
        L("keep", "The forget gate of {unit_hold} is f = {f_hold}, and c = {c_hold}.",
          "{unit_hold}的遗忘门 f = {f_hold}，c = {c_hold}。", when="not quiet"),
        L("write", "The input gate stays nearly shut, i = {i_hold}: little new gets in.",
          "输入门几乎一直关着，i = {i_hold}：几乎没有新内容写入。", when="quiet"),
        L("write", "The input gate is i = {i_hold}.", "输入门 i = {i_hold}。", when="not quiet"),
        L("quiet", "Output gate shut, o = {o_hold}: hₜ = o ⊙ tanh c = {h_hold}. Kept, not said.",
          "输出门关着，o = {o_hold}：hₜ = o ⊙ tanh c = {h_hold}。记住了，但没说出来。", when="quiet"),
        L("quiet", "The output gate is o = {o_hold}, so hₜ = o ⊙ tanh c = {h_hold}.",
          "输出门 o = {o_hold}，所以 hₜ = o ⊙ tanh c = {h_hold}。", when="not quiet"),
        L("belt", "At “{word_hold_last}” the belt still carries c = {c_hold_last}, each step a little smaller.",
          "到“{word_hold_last}”，传送带上仍有 c = {c_hold_last}，每一步略小一点。", when="several"),
    ],
    "ForgetGate": [
        L("predict", "Now “{word_forget}”. What should the forget gate of {unit_forget} do?",
          "现在读到“{word_forget}”。想一想：{unit_forget}的遗忘门应该怎么做？"),
        L("weight", "“{w_from}” enters this forget gate with one weight, W = {w_forget}.",
          "“{w_from}”以一个权重进入这个遗忘门：W = {w_forget}。", when="weight"),
        L("zf", "It pulls the weighted sum down to z = {z_forget}.", "它把加权和拉低到 z = {z_forget}。"),
        L("curve", "On the sigmoid curve that gives f = {f_forget}: the gate is closed.",
          "在 sigmoid 曲线上，这对应 f = {f_forget}：门几乎全关，旧记忆几乎一点也留不下。", when="forgets"),
        L("curve", "On the sigmoid curve that gives f = {f_forget}: the gate is only partly closed.",
          "在 sigmoid 曲线上，这对应 f = {f_forget}：门只关了一部分，旧记忆还留下一些。", when="not forgets"),
        L("erased", "So f ⊙ cₜ₋₁ falls from {c_prev_forget} to {kept_forget}: the old colour is erased.",
          "于是 f ⊙ cₜ₋₁ 从 {c_prev_forget} 降到 {kept_forget}：旧的颜色被擦除了。", when="forgets"),
        L("erased", "So f ⊙ cₜ₋₁ goes from {c_prev_forget} to {kept_forget}: the memory is only partly erased.",
          "于是 f ⊙ cₜ₋₁ 从 {c_prev_forget} 变为 {kept_forget}：记忆只被擦除了一部分。", when="not forgets"),
        L("new", "At the same word, {unit_new} writes the new fact: i ⊙ g = {i_new} × {g_new} = {ig_new}.",
          "同一个词上，{unit_new}写入新的事实：i ⊙ g = {i_new} × {g_new} = {ig_new}。", when="writes_new"),
        L("update", "Both follow one update, cₜ = f ⊙ cₜ₋₁ + i ⊙ g: kept plus written.",
          "两者遵循同一个更新：cₜ = f ⊙ cₜ₋₁ + i ⊙ g，保留的加上写入的。"),
        L("sum", "New cell states: {c_list}. On the belt just a multiply and an add.",
          "新的细胞状态：{c_list}。传送带上只有一次乘法和一次加法。"),
    ],
    "TheQuestion": [
        L("predict", "The question comes: “{q_word}”. What should the output gate do now?",
          "问题来了：“{q_word}”。想一想：现在输出门应该怎么做？"),
        L("role", "The output gate o decides how much memory is said: hₜ = o ⊙ tanh cₜ.",
          "输出门 o 决定说出多少记忆：hₜ = o ⊙ tanh cₜ。"),
        L("open", "At “{q_word}”, {q_opens}o = {o_question}.", "在“{q_word}”这一步，{q_opens}o = {o_question}。",
          when="opens_at_question"),
        L("open", "At “{q_word}”, the output gate of {unit_question} is o = {o_question}.",
          "在“{q_word}”这一步，{unit_question}的输出门是 o = {o_question}。", when="not opens_at_question"),
        L("h", "So h carries the memory out: tanh c = {tanhc_question}, h = {h_question}.",
          "于是 h 把记忆带了出来：tanh c = {tanhc_question}，h = {h_question}。"),
        L("readout", "A softmax readout turns h into a probability per answer.",
          "读出层用 softmax 把 h 变成每个答案的概率。", when="readout"),
        L("answer", "{q_answer}: {q_p_answer}, {q_other}: {q_p_other}. The network answers “{q_answer}”.",
          "{q_answer}：{q_p_answer}，{q_other}：{q_p_other}。网络的回答是“{q_answer}”。", when="readout"),
        L("answer", "This model was trained for another task: it has no readout for the sky's colour.",
          "这个模型是为别的任务训练的：它没有回答天空颜色的读出层。", when="not readout"),
        L("why", "The memory waited on the belt, unsaid, until the question opened the gate.",
          "记忆一直在传送带上等待，没有说出来，直到问题打开了门。", when="opens_at_question"),
    ],
    "FullStep": [
        L("f", "Step “{word_step}” as six equations, for {unit_step}. Forget gate: f = {f_step}.",
          "同一步“{word_step}”，写成六个方程，看{unit_step}。遗忘门：f = {f_step}。"),
        L("i", "Input gate, with its own weights: i = {i_step}.", "输入门，有自己的权重：i = {i_step}。"),
        L("g", "Candidate: g = {g_step}.", "候选记忆：g = {g_step}。"),
        L("o", "Output gate: o = {o_step}.", "输出门：o = {o_step}。"),
        L("c", "Cell state: cₜ = f ⊙ cₜ₋₁ + i ⊙ g = {c_step}.", "细胞状态：cₜ = f ⊙ cₜ₋₁ + i ⊙ g = {c_step}。"),
        L("h", "Hidden state: hₜ = o ⊙ tanh cₜ = {h_step}.", "隐藏状态：hₜ = o ⊙ tanh cₜ = {h_step}。"),
        L("next", "hₜ and cₜ go on to the next word; the same cell runs again.",
          "hₜ 和 cₜ 被传给下一个词，同一个细胞再运行一次。"),
    ],
    "UnrolledSequence": [
        L("belt", "Now the same cell over the whole sequence: the belt carries c from step to step.",
          "现在把同一个细胞沿整个序列展开：传送带把 c 从一步带到下一步。"),
        L("heat", "The heatmap: f, i, g, o of every unit and step. Darker gates are more open; darker g nearer one.",
          "热图：每一步、每个单元的 f、i、g、o。门越深开得越大；g 越深越接近 1。"),
        L("change0", "Biggest change: at “{word_change0}”, {unit_change0} goes from {from0} to {to0}.",
          "变化最大的：在“{word_change0}”，{unit_change0}从 {from0} 变为 {to0}。"),
        L("change1", "{next1}: at “{word_change1}”, {unit_change1} goes from {from1} to {to1}.",
          "{next1}：在“{word_change1}”这一步，{unit_change1}从 {from1} 变为 {to1}。"),
        L("change2", "And at “{word_change2}”, {unit_change2} goes from {from2} to {to2}.",
          "还有：在“{word_change2}”这一步，{unit_change2}从 {from2} 变为 {to2}。"),
        L("rest", "Every other cell state, at every step, moves by no more than {rest_change}: the gates hold it.",
          "其余的细胞状态在每一步的变化都不超过 {rest_change}：门把它们稳住了。", when="holds"),
        L("rest", "Every other change of a cell state, at any step, is at most {rest_change}.",
          "其余的细胞状态在任何一步的变化最多是 {rest_change}。", when="not holds"),
    ],
    "Backprop": [
        L("why", "Why can training teach this? A trained LSTM now reads a longer sentence.",
          "训练为什么能教会它？现在换成一个训练好的 LSTM，读一个更长的句子。"),
        L("loss", "The loss L is minus the log of the probability of “{bp_answer}”. dL/dcₜ says how L moves if cₜ is "
                  "nudged; the weights that wrote cₜ learn in proportion to it.",
          "损失 L 是“{bp_answer}”这个答案概率的负对数。dL/dcₜ 表示 cₜ 稍微一变，L 变多少；写入 cₜ 的权重按它的大小学习。"),
        L("chain", "We follow the one unit of c holding the colour, back by the chain rule: dL/dcₜ₋₁ = dL/dcₜ × fₜ, "
                   "plus a path through h.",
          "我们只跟踪细胞状态 c 里存颜色的那一个单元，用链式法则往回一步：dL/dcₜ₋₁ = dL/dcₜ × fₜ，再加上经过 h 的路径。"),
        L("step0", "At “{bp_word0}”: {bp_dc0} times {bp_f0} is {bp_direct0}; recorded one word earlier: {bp_prev0}, "
                   "the rest from h.",
          "在“{bp_word0}”：{bp_dc0} 乘 {bp_f0} 得 {bp_direct0}；前一个词记录的是 {bp_prev0}，其余来自 h。"),
        L("step1", "“{bp_word1}”: f near one again passes it almost whole.",
          "“{bp_word1}”：同样的计算，f 仍接近 1，梯度几乎完整通过。", when="bp_passes"),
        L("step1", "“{bp_word1}”: {bp_dc1} times {bp_f1} is {bp_direct1}; recorded {bp_prev1}.",
          "“{bp_word1}”：{bp_dc1} 乘 {bp_f1} 得 {bp_direct1}；记录值 {bp_prev1}。", when="not bp_passes"),
        L("step2", "{bp_gap} words further back, the full gradient reaches “{bp_word2}”, the word that made the sky "
                   "{bp_answer}. There {bp_dc2} times f = {bp_f2} is only {bp_direct2}; recorded before it: "
                   "{bp_prev2}. The gate cuts it.",
          "再往回 {bp_gap} 个词，完整的梯度到达“{bp_word2}”，正是它让天空变成{bp_answer}。这里 {bp_dc2} 乘 f = {bp_f2} "
          "只剩 {bp_direct2}；之前记录的是 {bp_prev2}。遗忘门把梯度切断了。", when="bp_reaches"),
        L("step2", "Skipping {bp_gap} words, at “{bp_word2}” f = {bp_f2}: {bp_dc2} times {bp_f2} is {bp_direct2}; "
                   "recorded before it: {bp_prev2}.",
          "跳过 {bp_gap} 个词，在“{bp_word2}”处 f = {bp_f2}：{bp_dc2} 乘 {bp_f2} 得 {bp_direct2}；之前记录的是 {bp_prev2}。",
          when="not bp_reaches"),
        L("sentence", "The recorded gradient at every word: level from “{bp_last}” back to “{bp_poll}”, then a step "
                      "down.",
          "每个词上记录的梯度：从“{bp_last}”到“{bp_poll}”大致不变，然后一下子降下去。", when="bp_level"),
        L("sentence", "The recorded gradient at every word of the sentence, from the end backwards.",
          "这是句子里每个词上记录下的梯度，从句尾往回看。", when="not bp_level"),
        L("blame", "At “{bp_colour}” it is {bp_dc_colour}, against {bp_dc_last} at the end: the old colour is hardly "
                   "blamed.",
          "在“{bp_colour}”处是 {bp_dc_colour}，句尾是 {bp_dc_last}：损失几乎不归咎于旧颜色。"),
        L("fillers", "Between “{bp_colour}” and “{bp_poll}” the f's multiply to {bp_fprod}, yet “{bp_colour}” gets "
                     "{bp_fratio} times the gradient at “{bp_prepoll}”: h tops it up.",
          "在“{bp_colour}”和“{bp_poll}”之间，f 连乘得 {bp_fprod}，“{bp_colour}”处的梯度却是“{bp_prepoll}”处的 "
          "{bp_fratio} 倍：经过 h 的路径每个词补上一点。", when="bp_total_above"),
        L("fillers", "Between “{bp_colour}” and “{bp_poll}” the f's multiply to {bp_fprod}; “{bp_colour}” gets "
                     "{bp_fratio} times the gradient at “{bp_prepoll}”.",
          "在“{bp_colour}”和“{bp_poll}”之间，f 连乘得 {bp_fprod}；“{bp_colour}”处的梯度是“{bp_prepoll}”处的 {bp_fratio} 倍。",
          when="not bp_total_above"),
        L("switch", "Now {sp_n} sentences where nothing replaces the colour, read by the trained LSTM and a plain "
                    "RNN trained alike.",
          "现在换成 {sp_n} 个句子：颜色词、{sp_fillers} 个填充词、提问，中间没有什么替换颜色，它必须一直传到提问；"
          "由训练好的 LSTM 和同样训练的普通 RNN 来读。"),
        L("measure", "Now the size of the whole gradient vector, one line per sentence: the LSTM's c, the RNN's h, "
                     "over its size at the last word.",
          "现在看整个梯度向量的大小，每个句子一条线：LSTM 的细胞状态 c、RNN 的隐藏状态 h，都除以最后一个词处的大小。"),
        L("lstm_lines", "The LSTM: at the colour word {sp_lstm_lo} to {sp_lstm_hi} of it arrives, on every sentence.",
          "LSTM：在颜色词处，每个句子都还剩句末梯度的 {sp_lstm_lo} 到 {sp_lstm_hi}。", when="lstm_steady"),
        L("lstm_lines", "The LSTM: at the colour word {sp_lstm_lo} to {sp_lstm_hi} of it arrives.",
          "LSTM：在颜色词处收到 {sp_lstm_lo} 到 {sp_lstm_hi}。", when="not lstm_steady"),
        L("rnn_lines", "The plain RNN: on {sp_rnn_small} of the {sp_n}, less than a hundredth arrives, down to "
                       "{sp_rnn_lo}: it vanishes. On {sp_rnn_big} others it grows, up to {sp_rnn_hi}.",
          "普通 RNN：{sp_n} 句里有 {sp_rnn_small} 句不到百分之一，最少 {sp_rnn_lo}：梯度消失。"
          "另有 {sp_rnn_big} 句变大，最多 {sp_rnn_hi}。", when="rnn_vanishes"),
        L("rnn_lines", "The plain RNN: at the colour word {sp_rnn_lo} to {sp_rnn_hi} of it arrives.",
          "普通 RNN：在颜色词处收到 {sp_rnn_lo} 到 {sp_rnn_hi}。", when="not rnn_vanishes"),
        L("rnn_why", "Each step back multiplies it by W and tanh′, the slope of tanh: training cannot count on it.",
          "每往回一步，它都要乘以 W 和 tanh′（tanh 的斜率）：训练没法指望它。", when="rnn_vanishes"),
        L("rnn_why", "Each step back multiplies it by W and tanh′, the slope of tanh.",
          "每往回一步，它都要乘以 W 和 tanh′（tanh 的斜率）。", when="not rnn_vanishes"),
        L("trick", "On the belt's path the gradient is multiplied only by f, a learned gate: near zero where the memory is "
                   "replaced, near one while it is kept.",
          "在传送带上，梯度每步只乘以 f，而 f 是学出来的：该换掉记忆的地方接近 0，保留记忆时接近 1。", when="bp_learned"),
        L("trick", "So the belt helps: on its own path the gradient is multiplied only by f.",
          "这就是传送带的作用：在传送带这条路上，梯度每步只乘以 f。", when="not bp_learned"),
    ],
    "TrainedLSTM": [
        L("intro", "Our demo's weights were set by hand. Does training find the same idea? The last chapter's LSTM, "
                   "trained on {n_sentences} sentences:",
          "演示模型的权重是手工设定的。训练能找到同样的办法吗？看上一章那个在 {n_sentences} 个句子上训练的 LSTM："),
        L("store", "One of its units became a colour memory: at “{st_colour}” it stores c = {st_c_store}.",
          "它的一个单元变成了颜色记忆：在“{st_colour}”处它存下 c = {st_c_store}。"),
        L("keep", "Over the filler words its forget gate stays between {st_f_lo} and {st_f_hi}: the memory is kept.",
          "在填充词上，它的遗忘门保持在 {st_f_lo} 到 {st_f_hi} 之间：记忆被保留。"),
        L("poll", "At “{st_poll}” f drops to {f_poll_story}, near the demo's {demo_f_poll}; c goes from {st_c_before} "
                  "to {st_c_after}, back where it was before “{st_colour}”.",
          "在“{st_poll}”处 f 降到 {f_poll_story}，与演示模型的 {demo_f_poll} 相近；c 从 {st_c_before} 回到 {st_c_after}，"
          "也就是“{st_colour}”之前的水平。", when="st_back"),
        L("poll", "At “{st_poll}” f drops to {f_poll_story}, near the demo's {demo_f_poll}; c goes from {st_c_before} "
                  "to {st_c_after}.",
          "在“{st_poll}”处 f 降到 {f_poll_story}，与演示模型的 {demo_f_poll} 相近；c 从 {st_c_before} 变为 {st_c_after}。",
          when="not st_back"),
        L("same", "Nobody wrote this rule: training found it. And the model answers “{st_answer}”.",
          "没有人写下这条规则：是训练找到了它。模型的回答是“{st_answer}”。"),
    ],
    "Recap": [
        L("eqs", "To recap: six equations. Four weighted sums through sigmoid or tanh, one update of c, one output h.",
          "总结一下：六个方程。四个加权和经过 sigmoid 或 tanh，一次 c 的更新，一次输出 h。"),
        L("gates", "In the story, f erased {unit_forget} at “{word_forget}”, i wrote at “{word_write}”, o spoke at "
                   "“{word_open}”.",
          "在故事里，f 在“{word_forget}”擦除了{unit_forget}，i 在“{word_write}”写入，o 在“{word_open}”读出。", when="forgets"),
        L("gates", "Here f closed most at “{word_forget}” ({f_forget}), i wrote most at “{word_write}”, "
                   "o read out most at “{word_open}”.",
          "在这里，f 在“{word_forget}”关得最多（{f_forget}），i 在“{word_write}”写入最多，o 在“{word_open}”读出最多。",
          when="not forgets"),
        L("mistake1", "Two mistakes other tutorials often make. First: ⊙ is element-wise, not a matrix product.",
          "其他教程里常见的两个错误。第一：⊙ 是逐元素相乘，不是矩阵乘法。"),
        L("mistake2", "Second: the input gate has its own weights, i = σ(Wᵢ[hₜ₋₁, xₜ] + bᵢ), not f's.",
          "第二：输入门有自己的权重，i = σ(Wᵢ[hₜ₋₁, xₜ] + bᵢ)，不是 f 的。"),
        L("end", "That is an LSTM: a belt that keeps memories, and gates that learn when to keep, write and say.",
          "这就是 LSTM：一条保存记忆的传送带，加上学会何时保留、写入和说出的门。", pause=END_SILENCE),
    ],
    # the opt-in chapter (render cells, render lesson --with-cells): filled by animations.cells_scene.CellFacts
    "RealLSTMCells": [
        L("intro", "A real LSTM of {units} units, trained by this package on Python's standard library, reads "
                   "code it never saw, one character at a time.",
          "一个有 {units} 个单元的真实 LSTM，由本软件包在 Python 标准库上训练，一个字符一个字符地读它从没见过的代码。"),
        L("unit", "Of its {units} units, unit {unit} follows best whether a character is inside a string: "
                  "r = {r} over {n_chars} held-out characters.",
          "在 {units} 个单元里，单元 {unit} 最能跟随“字符是否在字符串里”：在 {n_chars} 个没训练过的字符上，r = {r}。"),
        L("colour", "Each character takes the colour of unit {unit}'s {field} as it is read: from {v_lo} to {v_hi} "
                    "in these lines.",
          "每个字符被读到时，染上单元 {unit} 的 {field_zh} 的颜色：这几行里从 {v_lo} 到 {v_hi}。"),
        L("gates", "At the quote marks its forget gate f averages {f_quote} (elsewhere {f_other}), its input gate i "
                   "{i_quote} (elsewhere {i_other}).",
          "在引号处，它的遗忘门 f 平均为 {f_quote}（其他地方为 {f_other}），输入门 i 为 {i_quote}（其他地方为 {i_other}）。"),
        L("honest", "A correlation of {r} is a partial string tracker, not a perfect detector: this is what a "
                    "model of this size learned.",
          "相关系数 {r} 只是部分地跟踪字符串，不是完美的检测器：这就是这个规模的模型学到的。", when="partial"),
        L("honest", "A correlation of {r}: nobody wrote this rule, the unit learned to track strings from the text.",
          "相关系数 {r}：没有人写下这条规则，是这个单元从文本中学会了跟踪字符串。", when="not partial"),
    ],
}

@dataclass
class Spoken:
    """A narration line ready to say: its text in the scene's language and its duration (both languages)."""

    key: str
    text: str
    seconds: float
    audio: Path | None = None  # the spoken line (a WAV) when the lesson has a voice
    pause: float = 0.0  # the silence that ends ``seconds``: the subtitle is gone, the picture stays


def narration(scene: str, facts: Facts, voice=None) -> list[Spoken]:
    """The scene's lines, numbers filled in from ``facts``, in ``facts.lang``, each with its duration.

    Silent, the duration is computed from both languages so an English and a Chinese render share one
    timeline. With a ``voice`` (:class:`animations.voice.Voice`), a line lasts as long as it is spoken
    (:func:`animations.voice.voiced_seconds`), never less than its reading time.
    """
    out = []
    if scene in ("Backprop", "TrainedLSTM"):
        facts.learned()
        facts.other().learned()
    if scene == "PlainRNNFails":
        facts.rnn_fails()
        facts.other().rnn_fails()
    if scene == "ReadingNetwork":
        facts.reading()
        facts.other().reading()
    if scene == "TheQuestion":
        facts.question()
        facts.other().question()
    for line in SCRIPT[scene]:
        if not line.applies(facts.flags):
            continue
        texts = {lang: _fill(line.text(lang), facts, lang) for lang in LANGS}
        text = texts[facts.lang]
        pause = PREDICT_SILENCE if line.key == "predict" else line.pause
        if voice is None:
            out.append(Spoken(line.key, text, line_seconds(texts) + pause, pause=pause))
            continue
        from animations.voice import voiced_seconds
        clip = voice.say(scene, line.key, text)
        reading = max(MIN_LINE_SECONDS, reading_seconds(text, facts.lang))
        out.append(Spoken(line.key, text, max(voiced_seconds(clip.seconds, reading), clip.seconds + pause),
                          clip.path, pause=pause))
    return out


def _fill(text: str, facts: Facts, lang: str) -> str:
    if lang == facts.lang:
        return facts.format(text)
    return facts.other().format(text)


def scene_seconds(scene: str, facts: Facts, voice=None) -> float:
    """The narrated length of a scene (its lines and the gaps between them), silent or spoken by ``voice``."""
    return sum(s.seconds + GAP_SECONDS for s in narration(scene, facts, voice))
