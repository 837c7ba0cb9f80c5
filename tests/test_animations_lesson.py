"""The lesson: its script (numbers from the trace, pacing, Chinese complete, 8–11 minutes) and its assembly
(one MP4 with a chapter per scene, .srt/.vtt subtitles covering it), rendered on a shortened lesson."""
from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest

pytest.importorskip("manim")
import srt  # noqa: E402

from explainer.cli import main  # noqa: E402
from explainer.gates import OPEN  # noqa: E402

from animations import cli as render_cli  # noqa: E402
from animations.lesson import CUE_CHARS, ROW_SLACK, chapter_title, chapters, cue_width, duration, split_cue  # noqa: E402
from animations.mobjects import fmt  # noqa: E402
from animations.scenes import SCENES  # noqa: E402
from animations.chapters import LESSON  # noqa: E402
from animations.script import (GAP_SECONDS, SCRIPT, Facts, narration, reading_seconds,  # noqa: E402
                               scene_seconds)
from animations.source import make_source  # noqa: E402

pytestmark = pytest.mark.video
NUMBER = re.compile(r"[-\u2212]?\d+\.\d+")


@pytest.fixture(scope="module")
def trained_trace(trained_bitcoin_trace):
    """One sequence of the session's trained 4-feature trace, named as the bitcoin report names its file."""
    trace = trained_bitcoin_trace.sample(0)
    trace.meta["source"] = "trace_BTC"
    return trace


def trace_numbers(src) -> set[str]:
    """Every value the trace holds (arrays, products, weighted sums, weights), rounded as on screen."""
    tr = src.trace
    arrays = [getattr(tr, k) for k in ("x", "h_prev", "c_prev", "z", "i", "f", "g", "o", "c", "tanh_c", "h")]
    arrays += [tr.kept, tr.written] + list(tr.weights.values())
    found = {fmt(v) for a in arrays for v in np.asarray(a).ravel()}
    # o, tanh c and h read out together carry the digits at which they multiply back (up to 4)
    found |= {fmt(v, d) for a in (tr.o, tr.tanh_c, tr.h, tr.c) for v in np.asarray(a).ravel() for d in (3, 4)}
    if "Backprop" in SCENES:  # the two "why" scenes read the trained story LSTM, its gradients and the demo
        from animations.learned import backprop_data, story_data
        from explainer.demo import demo_trace
        bp = backprop_data(src.lang)
        story, _ = story_data(src.lang)
        from animations.learned import gradient_spread
        sp = gradient_spread()
        extra = [bp.belt, np.asarray(bp.dc) / bp.unit_size, [bp.filler_product, bp.filler_ratio], sp.lstm, sp.rnn]
        # the chain-rule rows carry the digits at which their products check (3 or 4), f one more
        found |= {fmt(v, d) for t in bp.chain_steps for v, d in ((bp.scaled(t), bp.row_digits(t)),
                  (bp.scaled(t - 1), bp.row_digits(t)), (bp.direct(t), bp.row_digits(t)),
                  (float(bp.belt[t]), bp.f_digits(t)))}
        found |= {fmt(v, 3) for v in np.asarray(sp.rnn).ravel()} | {fmt(bp.unit_size, 4)}
        extra += [getattr(t, k) for t in (story, demo_trace()) for k in ("f", "c", "c_prev")]
        from animations.learned import rnn_fails_data
        d = rnn_fails_data(src.lang)  # chapter 2: the shipped comparison table and the story SimpleRNN's h
        extra += [d.lstm, d.rnn, d.rnn_min, d.majority, d.h, d.change, d.per_word, d.c_per_word]
        found |= {fmt(v) for a in extra for v in np.asarray(a).ravel()}
    readout = src.trace.meta.get("probabilities")  # chapter 7: the readout's softmax, where the model has one
    if readout is not None:
        found |= {fmt(v) for v in readout}
    return found


def lesson_scenes():
    return [s for s in LESSON if s in SCENES]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("which", ["demo", "trained"])
def test_every_number_in_the_narration_is_a_trace_value(lang, which, trained_trace):
    src = make_source(None if which == "demo" else trained_trace, lang=lang, units=None if which == "demo" else 3)
    allowed = trace_numbers(src)
    facts = Facts(src)
    found = 0
    for scene in lesson_scenes():
        for line in narration(scene, facts):
            assert "{" not in line.text, line.text  # every placeholder filled
            for n in NUMBER.findall(line.text):
                assert n in allowed, f"{scene}: {n} in {line.text!r} is not a trace value"
                found += 1
    assert found >= 30


def test_demo_narration_reads_the_story_numbers():
    facts = Facts(make_source())
    said = " ".join(s.text for sc in lesson_scenes() for s in narration(sc, facts))
    tr = facts.src.trace
    t = tr.meta["labels"].index("polluted")
    assert f"f = {fmt(tr.f[0, t, 0])}" in said and "W = \u22128.00" in said and "“polluted”" in said
    zh = " ".join(s.text for sc in lesson_scenes() for s in narration(sc, Facts(make_source(lang="zh"))))
    assert "“污染了”" in zh and "蓝色记忆" in zh


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chinese_is_complete_and_lines_are_paced_for_reading(lang, trained_trace):
    for trace in (None, trained_trace):
        facts = Facts(make_source(trace, lang=lang, units=None if trace is None else 3))
        for scene in lesson_scenes():
            for line in narration(scene, facts):
                assert line.seconds >= max(2.0, reading_seconds(line.text, lang)) - 1e-9
                if lang == "zh":  # no English left in the Chinese narration, beyond symbols and names of functions
                    words = set(re.findall(r"[A-Za-z]{3,}", line.text)) - {"LSTM", "RNN", "sigmoid", "tanh", "softmax",
                                                                           "BTC", "ETH"}
                    assert not words, f"{scene}: untranslated {words} in {line.text!r}"


_CJK = r"[\u3400-\u9fff“”]"


def test_chinese_punctuation_is_full_width_and_nothing_is_overstated():
    """Next to Chinese text a comma, colon, semicolon, question mark or bracket is full-width (，：；？（）);
    formulas keep theirs (σ(W_i [h t−1, x t] + b_i)); 3,000 sentences are said as 3,000, not 成千上万."""
    half = re.compile(rf"(?<={_CJK})[,:;?()]|[,:;?()](?={_CJK})")
    facts = Facts(make_source(lang="zh"))
    for scene in lesson_scenes():
        for line in narration(scene, facts):
            assert not half.search(line.text), f"{scene}: half-width punctuation in {line.text!r}"
            assert "成千上万" not in line.text
    said = " ".join(s.text for s in narration("TrainedLSTM", facts)) if "TrainedLSTM" in SCENES else "3,000"
    assert "3,000" in said
    assert half.search("天空,蓝色") and not half.search("天空，蓝色")


def test_the_task_is_said_first_and_grey_is_an_answer():
    """The first chapter states the question and both answers before anything else; grey is never read."""
    first = [s.text for s in narration(LESSON[0], Facts(make_source()))]
    assert "what colour is the sky now?" in first[0]
    assert "answer is blue" in first[1] and "answer is grey" in first[2] and "never read" in first[3]
    assert LESSON[:4] == ("TitleWhy", "ReadingNetwork", "PlainRNNFails", "TheCell")
    # the story in time order: write at the colour, hold over the fillers, forget at the new fact, then the question
    middle = [LESSON.index(s) for s in ("InputGate", "HoldingQuietly", "ForgetGate", "TheQuestion", "FullStep")]
    assert middle == sorted(middle) and middle[-1] - middle[0] == 4, LESSON


def test_reading_speeds():
    assert reading_seconds("one two three four five six seven", "en") == pytest.approx(2.5)  # 168 a minute
    assert reading_seconds("遗忘门关上了。", "zh") == pytest.approx(1.0)  # 7 a second, punctuation too
    assert reading_seconds("遗忘门 f 关上了", "zh") == pytest.approx(6 / 7 + 1 / 2.8)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_lesson_lasts_eight_to_eleven_minutes(lang):
    facts = Facts(make_source(lang=lang))
    total = sum(scene_seconds(s, facts) for s in lesson_scenes())
    assert 480 <= total <= 660, total
    assert set(SCRIPT) >= set(lesson_scenes())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_voiced_lesson_lasts_eight_to_eleven_minutes(lang, tmp_path):
    """Spoken by the language's default voice (Piper in English, eSpeak NG in Chinese), each line as long as
    its clip: the lesson a `render lesson` makes, 8–11 minutes."""
    from animations.voice import best_engine, open_voice
    voice = open_voice(None, lang, tmp_path)
    assert voice.engine == best_engine(lang) == ("piper" if lang == "en" else "espeak-ng")
    facts = Facts(make_source(lang=lang))
    total = sum(scene_seconds(s, facts, voice) for s in lesson_scenes())
    assert 480 <= total <= 660, total


def test_render_lesson_joins_scenes_with_chapters_and_subtitles(tmp_path, monkeypatch, capsys):
    """`render lesson` on a shortened lesson (two scenes, both languages, parallel processes)."""
    short = ("TitleWhy", "HoldingQuietly")
    monkeypatch.setitem(render_cli.GROUPS, "lesson", short)
    assert main(["render", "lesson", "--lang", "both", "--out", str(tmp_path), "--jobs", "2", "--no-slides",
                 "--voice", "none"]) == 0
    out = capsys.readouterr().out
    for lang in ("en", "zh"):
        folder = tmp_path / lang / "low"
        video = folder / "lesson.mp4"
        assert f"-> {video}" in out
        facts = Facts(make_source(lang=lang))
        expected = [scene_seconds(s, facts) for s in short]
        # each scene lasts exactly its narration (the lines' reading times and the gaps)
        for s, want in zip(short, expected):
            assert duration(folder / f"{s}.mp4") == pytest.approx(want, abs=0.2)
        total = duration(video)
        assert total == pytest.approx(sum(expected), abs=0.4)
        marks = chapters(video)
        assert [c["title"] for c in marks] == [chapter_title(s, lang) for s in short]
        assert marks[1]["start"] == pytest.approx(expected[0], abs=0.2)
        subs = list(srt.parse((folder / "lesson.srt").read_text(encoding="utf-8")))
        lines = [s.text for sc in short for s in narration(sc, facts)]
        sep = " " if lang == "en" else ""  # long lines are shown as several cues, cut after a mark
        assert sep.join(s.content.replace("\n", sep) for s in subs) == sep.join(lines)
        assert len(subs) > len(lines) and max(cue_width(s.content, lang) for s in subs) <= CUE_CHARS[lang]
        covered = sum((s.end - s.start).total_seconds() for s in subs)
        # a question's silence (time to think) has no subtitle: it is a pause a class sees
        silent = sum(s.pause for sc in short for s in narration(sc, facts))
        assert silent >= 3.0 and covered / (total - silent) >= 0.9
        gaps = [(b.start - a.end).total_seconds() for a, b in zip(subs, subs[1:])]
        assert max(gaps) >= 3.0 - 0.1
        assert all(b.start >= a.end for a, b in zip(subs, subs[1:]))  # never two lines at once
        assert subs[-1].end <= dt.timedelta(seconds=total + 0.05)
        vtt = (folder / "lesson.vtt").read_text(encoding="utf-8")
        assert vtt.startswith("WEBVTT") and all(s.content in vtt for s in subs) and "-->" in vtt
    assert not list(tmp_path.glob("*/low/partial_movie_files"))
    assert (tmp_path / ".cache" / "partial").is_dir()


def is_wide(ch: str) -> bool:
    import unicodedata
    return unicodedata.east_asian_width(ch) in "WF"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_narration_line_fits_in_two_subtitle_rows(lang):
    """Each line of the lesson becomes cues of at most two rows (84 / 32 characters), cut after a sentence or
    clause mark, that share the line's time in order and by length: no player stacks a paragraph."""
    facts = Facts(make_source(lang=lang))
    sep = " " if lang == "en" else ""
    for scene in lesson_scenes():
        for line in narration(scene, facts):
            a, b = dt.timedelta(seconds=3), dt.timedelta(seconds=3 + line.seconds)
            cues = split_cue(srt.Subtitle(0, a, b, line.text), lang)
            # each cue shown as two rows at most, broken by the lesson (a row break stands for a space in
            # English, for nothing in Chinese), neither row much longer than half the cue
            assert all(c.content.count("\n") <= 1 for c in cues)
            assert all(cue_width(r, lang) <= CUE_CHARS[lang] / 2 * ROW_SLACK for c in cues for r in c.content.split("\n")
                       if "\n" in c.content), [c.content for c in cues]
            assert all("\n" in c.content for c in cues if cue_width(c.content, lang) > CUE_CHARS[lang] / 2)
            firsts = [c.content.split("\n")[0] for c in cues if "\n" in c.content]
            assert all(r.count("“") == r.count("”") for r in firsts), firsts  # never inside a quoted word
            if lang == "zh":  # nor inside a Latin word, a number or a formula: never between two such characters
                pairs = [c.content.split("\n") for c in cues if "\n" in c.content]
                assert not [p for p in pairs if not (is_wide(p[0].rstrip()[-1]) or is_wide(p[1][0]))], pairs
            for c in cues:
                c.content = c.content.replace("\n", sep)
            assert sep.join(c.content for c in cues) == line.text
            assert all(cue_width(c.content, lang) <= CUE_CHARS[lang] for c in cues), [c.content for c in cues]
            assert cues[0].start == a and cues[-1].end == b
            assert all(x.end == y.start for x, y in zip(cues, cues[1:]))
            if len(cues) > 1:  # cut after a mark, never inside a word
                assert all(re.search(r"[.?!:;,。？！：；，、]$", c.content) for c in cues[:-1]), cues
                share = [(c.end - c.start) / (b - a) for c in cues]
                assert share == pytest.approx([len(c.content) / sum(len(d.content) for d in cues) for c in cues],
                                              abs=1e-6)


def test_a_trained_trace_never_overwrites_the_demo_files(tmp_path, trained_trace):
    path = trained_trace.save(tmp_path / "trace_BTC.npz")
    a = render_cli.render("Recap", out=tmp_path, last_frame=True)
    b = render_cli.render("Recap", out=tmp_path, trace=path, units=3, last_frame=True)
    assert a != b and a.exists() and b.exists() and b.name.startswith("Recap_trace_BTC")
    assert a.parent == b.parent == tmp_path / "en" / "low"


def test_scene_lengths_add_up_to_the_lines_and_gaps():
    facts = Facts(make_source())
    for scene in lesson_scenes():
        lines = narration(scene, facts)
        assert scene_seconds(scene, facts) == pytest.approx(sum(s.seconds for s in lines) + GAP_SECONDS * len(lines))


@pytest.mark.parametrize("which", ["demo", "story", "trained"])
def test_claims_in_the_narration_hold_for_the_trace(which, trained_trace):
    """A line such as "the gate is closed" is only said when the numbers it reads out say so."""
    if which == "story":
        pytest.importorskip("explainer.story")
    trace = {"demo": None, "story": "story", "trained": trained_trace}[which]
    facts = Facts(make_source(trace, lang="en", units=None if trace is None else 3))
    said = {s.key: s.text for sc in ("HoldingQuietly", "ForgetGate", "TheQuestion") for s in narration(sc, facts)}
    tr = facts.src.trace
    t, u = facts.where["forget"]
    assert ("the gate is closed" in said["curve"]) == (tr.f[0, t, u] < 0.1)
    assert ("is erased" in said["erased"]) == (tr.f[0, t, u] < 0.1)
    # the hold: every filler word shown keeps f > 0.9, i < 0.1 and o < 0.1 for the written unit, memory |c| > 0.5
    t, u = facts.where["hold"]
    steps = facts.hold_steps
    quiet = all(tr.f[0, s, u] > 0.9 and tr.i[0, s, u] < 0.1 and tr.o[0, s, u] < 0.1 for s in steps) \
        and abs(tr.c[0, t, u]) > 0.5
    assert ("stays near one" in said["keep"]) == quiet
    assert ("stays nearly shut" in said["write"]) == quiet
    assert ("kept, not said" in said["quiet"].lower()) == quiet
    assert f"f = {fmt(tr.f[0, t, u])}" in said["keep"]
    assert f"o = {fmt(tr.o[0, t, u], facts.hold_digits)}" in said["quiet"]
    t, u = facts.where["question"]
    assert ("opens" in said["open"] or "gates open" in said["open"]) == (tr.o[0, t, u] > 0.9)
    # "the output gates open" only where every unit's does (the demo's both are 0.953)
    assert ("gates open" in said["open"]) == bool((tr.o[0, t] > OPEN).all())
    # the unrolled chapter's second change is "next" only when it is smaller as shown (the demo's are both 0.95)
    unrolled = {s.key: s.text for s in narration("UnrolledSequence", facts)}
    sizes = [fmt(abs(b - a)) for t, u, a, b in facts.changes[:2]]
    assert unrolled["change1"].startswith("Just as large" if sizes[0] == sizes[1] else "Next")
    if which == "demo":  # the hand-built demo shows every case
        assert unrolled["change1"].startswith("Just as large")
        assert all(facts.flags.values()), facts.flags


@pytest.mark.skipif("Backprop" not in SCENES, reason="the story package is not installed")
def test_the_backprop_spread_is_what_the_recordings_show():
    """Per sentence, not a median: the narration's ranges and counts are the recorded shares at the colour word
    (min, max, how many below a hundredth and above one), the same held-out sentences for both models, each
    sentence's share 1 at its last word."""
    from animations.learned import VANISHED, gradient_spread
    sp = gradient_spread()
    assert sp.lstm.shape == sp.rnn.shape and sp.n == 40 and sp.lstm.shape[1] > sp.fillers
    np.testing.assert_allclose(sp.lstm[:, -1], 1.0)
    np.testing.assert_allclose(sp.rnn[:, -1], 1.0)
    facts = Facts(make_source())
    said = {s.key: s.text for s in narration("Backprop", facts)}
    lstm, rnn = sp.lstm_at_colour, sp.rnn_at_colour
    assert fmt(lstm.min()) in said["lstm_lines"] and fmt(lstm.max()) in said["lstm_lines"]
    assert facts.flags["rnn_vanishes"] == bool((rnn < VANISHED).any() and rnn.max() > 1)
    assert facts.flags["rnn_vanishes"], "the shipped plain RNN's gradient vanishes on some sentences"
    line = said["rnn_lines"]
    assert f"on {int((rnn < VANISHED).sum())} of the {sp.n}" in line and fmt(rnn.min(), 3) in line
    assert f"On {int((rnn > 1).sum())} others" in line and fmt(rnn.max()) in line


@pytest.mark.skipif("Backprop" not in SCENES, reason="the story package is not installed")
def test_the_backprop_conclusions_are_read_off_the_recorded_gradients():
    """"The full gradient reaches “polluted”" only where |dL/dc| is level from the end back to it and f there
    cuts it; "f is learned: near zero where the memory is replaced, near one while it is kept" only where f at
    the event is under 0.1 and every other f after the colour word at least 0.9. Both hold for the shipped model."""
    from animations.learned import backprop_data
    bp = backprop_data("en")
    facts = Facts(make_source())
    said = {s.key: s.text for s in narration("Backprop", facts)}
    size = np.abs(bp.dc[bp.poll_step:])
    reaches = size.max() / size.min() < 1.1 and bp.belt[bp.poll_step] < 0.1
    assert reaches and ("the full gradient reaches “polluted”" in said["step2"]) == reaches
    kept = [bp.belt[t] for t in range(bp.colour_step + 1, len(bp.words)) if t != bp.poll_step]
    learned = bp.belt[bp.poll_step] < 0.1 and min(kept) >= 0.9
    assert learned and ("near zero where the memory is replaced" in said["trick"]) == learned
    # the sum the chain line speaks of is the recorded one: dL/dc_{t-1} = dL/dc_t · f_t + (the path through h)
    t = bp.poll_step
    assert abs(bp.direct(t)) < 0.05 * abs(bp.scaled(t)) and abs(bp.scaled(t - 1)) < 0.05 * abs(bp.scaled(t))
