"""Join rendered scenes into one lesson: one MP4 with the voice, a subtitle track and a chapter per scene.

Each scene's video comes with the ``.srt`` manim writes from ``Scene.add_subcaption`` (the narration of
:mod:`animations.script`) and, when voiced, a ``.voice.json`` saying where each spoken line starts. The
lesson is the scenes' pictures concatenated without re-encoding (ffmpeg's concat demuxer: every scene has
the same codec and frame rate); its audio track is every line's clip placed at its scene's start plus the
line's start, padded to the video's length (so voice and picture never drift); the subtitles are the
scenes' shifted and joined (the ``srt`` package), muxed as a soft ``mov_text`` track tagged with the
language, or drawn into the frame's bottom band with ``burn_subtitles``. The MP4 is written under a
temporary name and renamed once complete.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import srt

from explainer.glossary import term
from explainer.paths import replacing


@dataclass
class Lesson:
    video: Path
    srt: Path
    vtt: Path
    duration: float
    chapters: list[tuple[str, float, float]]  # (title, start s, end s)
    voiced: bool = False
    spoken: list[tuple[float, str]] = None  # (start s in the lesson, line key) of every spoken line
    missing: list[str] = None               # recordings that were missing (spoken by text to speech)


#: ISO 639-2 codes the MP4's tracks carry (players show them as the track's language).
TRACK_LANGUAGE = {"en": "eng", "zh": "chi"}
#: The most characters one subtitle shows (:func:`cue_width`): two rows of 42 (English) or of 16 full-width
#: characters (Chinese), broadcast norms. A longer narration line is shown as several cues, one after another,
#: so a player never stacks three or four rows over the lesson.
CUE_CHARS = {"en": 84, "zh": 32}
#: Where a line may be cut, best first: after a sentence, then a clause, then a comma (the mark stays with the
#: words before it).
#: How much longer than half a cue either of its two rows may be, so that a row ends where a reader pauses.
ROW_SLACK = 1.3
_CUTS = {"en": ((". ", "? ", "! "), (": ", "; "), (", ",)), "zh": (("。", "？", "！"), ("：", "；"), ("，", "、"))}


def cue_width(text: str, lang: str) -> float:
    """How wide ``text`` is in a subtitle row, in the row's characters: in Chinese a Latin letter, digit or
    space is half a full-width character. A row break counts for nothing."""
    text = text.replace("\n", "")
    if lang != "zh":
        return float(len(text))
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def rows(text: str, lang: str) -> str:
    """``text`` as the two rows a player shows, broken where a reader pauses (a player left to wrap Chinese
    breaks it at its only spaces, inside a formula or between "LSTM" and "的"). Each row may run
    :data:`ROW_SLACK` times half the cue. English breaks at the space nearest the middle; Chinese, best first, after a
    full-width mark, at a quotation's edge, at a space beside a Latin word, or between two Chinese characters
    outside quotation marks: never inside a quoted word, a Latin word, a number or a formula.

    >>> rows("训练为什么能教会它？现在换成一个训练好的 LSTM。", "zh")
    '训练为什么能教会它？\\n现在换成一个训练好的 LSTM。'
    >>> rows("LSTM 的细胞状态 c、RNN 的隐藏状态 h，都除以最后一个词处的大小。", "zh")
    'LSTM 的细胞状态 c、RNN 的隐藏状态 h，\\n都除以最后一个词处的大小。'
    """
    row = CUE_CHARS.get(lang, CUE_CHARS["en"]) / 2
    if cue_width(text, lang) <= row:
        return text
    width = [cue_width(text[:k], lang) for k in range(len(text) + 1)]
    half = width[-1] / 2
    # (rank, k, drop): break before text[k], dropping that character (a space) or not
    if lang != "zh":
        cuts = [(0, k, 1) for k, ch in enumerate(text) if ch == " "]
    else:
        def wide(ch: str) -> bool:
            return unicodedata.east_asian_width(ch) in "WF"
        cuts, quoted = [], 0
        for k in range(1, len(text)):
            a, b = text[k - 1], text[k]
            quoted += (a == "“") - (a == "”")
            if a in "。？！：；，、）" and b != " ":
                cuts.append((0, k, 0))
            elif b == "“" or a == "”":
                cuts.append((1, k, 0))
            elif b == " " and not quoted and (wide(a) or wide(text[k + 1:k + 2] or "a")):
                # a space beside a Chinese word; it stays at the row's end, so the rows join back to the line
                cuts.append((2, k + 1, 0))
            elif wide(a) and wide(b) and not quoted:
                cuts.append((3, k, 0))
    fit = [c for c in cuts if width[c[1]] <= row * ROW_SLACK and width[-1] - width[c[1] + c[2]] <= row * ROW_SLACK]
    if not fit:
        return text
    rank, k, drop = min(fit, key=lambda c: (c[0], abs(width[c[1]] - half)))
    return text[:k] + "\n" + text[k + drop:]


def _pieces(text: str, limit: int, lang: str) -> list[str]:
    """``text`` cut at the best boundary nearest its middle, recursively, until every piece fits ``limit``
    (a piece with no boundary left stays whole). Chinese is cut only at its own full-width marks, never
    inside a formula's "hₜ₋₁, xₜ"."""
    if cue_width(text, lang) <= limit:
        return [text]
    for marks in _CUTS.get(lang, _CUTS["en"]):
        cuts = [k + len(m) for m in marks for k in range(len(text)) if text.startswith(m, k)]
        cuts = [c for c in cuts if 0 < c < len(text)]
        if cuts:
            c = min(cuts, key=lambda c: abs(c - len(text) / 2))
            return _pieces(text[:c].rstrip(), limit, lang) + _pieces(text[c:].lstrip(), limit, lang)
    return [text]


def split_cue(cue: srt.Subtitle, lang: str) -> list[srt.Subtitle]:
    """One narration line as cues of at most :data:`CUE_CHARS` characters, its time shared by length: the
    first starts when the line is spoken, the last ends with it.

    >>> cue = srt.Subtitle(0, dt.timedelta(0), dt.timedelta(seconds=10), "One two. " * 12)
    >>> [len(c.content) for c in split_cue(cue, "en")], split_cue(cue, "en")[-1].end.total_seconds()
    ([53, 53], 10.0)
    >>> split_cue(cue, "en")[0].content
    'One two. One two. One two.\\nOne two. One two. One two.'

    Each cue is shown as :func:`rows` breaks it.
    """
    pieces = _pieces(cue.content.strip(), CUE_CHARS.get(lang, CUE_CHARS["en"]), lang)
    span, total = cue.end - cue.start, sum(len(p) for p in pieces)
    out, done = [], 0
    for p in pieces:
        start = cue.start + span * (done / total)
        done += len(p)
        out.append(srt.Subtitle(index=0, start=start, end=cue.start + span * (done / total), content=rows(p, lang)))
    return out


def _ffmpeg() -> str:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise RuntimeError("ffmpeg is needed to join the lesson's scenes; install it (sudo apt-get install ffmpeg)")
    return exe


def duration(video: Path) -> float:
    """A video's duration in seconds (ffprobe)."""
    probe = shutil.which("ffprobe") or "ffprobe"
    out = subprocess.run([probe, "-v", "error", "-show_entries", "format=duration", "-of", "json", str(video)],
                         capture_output=True, text=True, check=True).stdout
    return float(json.loads(out)["format"]["duration"])


def chapters(video: Path) -> list[dict]:
    """The chapters stored in a video's metadata (ffprobe), each with ``title``, ``start``, ``end`` (s)."""
    probe = shutil.which("ffprobe") or "ffprobe"
    out = subprocess.run([probe, "-v", "error", "-show_chapters", "-of", "json", str(video)],
                         capture_output=True, text=True, check=True).stdout
    return [{"title": c.get("tags", {}).get("title", ""), "start": float(c["start_time"]),
             "end": float(c["end_time"])} for c in json.loads(out).get("chapters", [])]


def chapter_title(scene: str, lang: str) -> str:
    from animations.scenes import scene_class
    try:
        return term(scene_class(scene).title_key, lang)
    except KeyError:
        return scene


def _escape(s: str) -> str:
    for ch in ("\\", "=", ";", "#", "\n"):
        s = s.replace(ch, "\\" + ch)
    return s


def to_vtt(subs: list[srt.Subtitle]) -> str:
    """WebVTT text of ``subs`` (same cues; ``.`` before the milliseconds)."""
    def ts(td: dt.timedelta) -> str:
        ms = int(round(td.total_seconds() * 1000))
        h, ms = divmod(ms, 3_600_000)
        m, ms = divmod(ms, 60_000)
        s, ms = divmod(ms, 1000)
        return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"
    cues = [f"{k}\n{ts(s.start)} --> {ts(s.end)}\n{s.content}\n" for k, s in enumerate(subs, 1)]
    return "WEBVTT\n\n" + "\n".join(cues)


def _atomic_text(path: Path, text: str) -> None:
    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def lesson_audio(videos: list[Path], starts: list[float], total: float, wav: Path) -> list[tuple[float, str]]:
    """Mix every scene's spoken lines (its ``.voice.json``) into one mono WAV of ``total`` seconds at
    :data:`animations.voice.RATE`; return (start s, key) of each line placed."""
    import numpy as np

    from animations.voice import RATE, read_wav, write_wav
    track = np.zeros(int(round(total * RATE)) + 1, dtype=np.int32)
    placed = []
    for path, start in zip(videos, starts):
        for line in json.loads(Path(path).with_suffix(".voice.json").read_text(encoding="utf-8"))["lines"]:
            clip = read_wav(Path(line["audio"])).astype(np.int32)
            at = int(round((start + line["start"]) * RATE))
            clip = clip[: max(0, len(track) - at)]
            track[at:at + len(clip)] += clip
            placed.append((start + line["start"], line["key"]))
    write_wav(wav, np.clip(track, -32768, 32767).astype(np.int16))
    return placed


def _subtitle_style(lang: str) -> str:
    """libass style for burnt-in subtitles, kept inside the frame's bottom 12 % band (the lesson leaves it
    empty): libass measures in a 288-line script frame, where the band is 34 lines: one 15-line row of text
    with a 4-line margin, two rows when a line wraps. Chinese uses the lesson's CJK font."""
    from animations.source import font_for
    return (f"FontName={font_for(lang)},FontSize=13,Alignment=2,MarginV=3,BorderStyle=3,Outline=1,Shadow=0,"
            "PrimaryColour=&H00FFFFFF,BackColour=&H99000000")


def assemble(videos: list[Path], scenes: list[str], lang: str, out: Path, stem: str = "",
             burn_subtitles: bool = False) -> Lesson:
    """Join ``videos`` (one per scene, in order) into ``out/lesson[_stem].mp4``: chapters, subtitles (soft
    track, or drawn in with ``burn_subtitles``) and, when the scenes were voiced, the voice as audio."""
    out.mkdir(parents=True, exist_ok=True)
    name = f"lesson_{stem}" if stem else "lesson"
    video, srt_path, vtt_path = out / f"{name}.mp4", out / f"{name}.srt", out / f"{name}.vtt"
    subs: list[srt.Subtitle] = []
    marks: list[tuple[str, float, float]] = []
    starts: list[float] = []
    start = 0.0
    for path, scene in zip(videos, scenes):
        length = duration(path)
        starts.append(start)
        marks.append((chapter_title(scene, lang), start, start + length))
        sub_file = path.with_suffix(".srt")
        if sub_file.exists():
            shift = dt.timedelta(seconds=start)
            for s in srt.parse(sub_file.read_text(encoding="utf-8")):
                end = min(s.end, dt.timedelta(seconds=length))  # a line never runs into the next scene
                line = srt.Subtitle(index=0, start=s.start + shift, end=end + shift, content=s.content)
                subs.extend(split_cue(line, lang))
        start += length
    subs = list(srt.sort_and_reindex(subs))
    sidecars = [Path(p).with_suffix(".voice.json") for p in videos]
    voiced = all(p.exists() for p in sidecars)
    missing = [m for p in sidecars if p.exists()
               for m in json.loads(p.read_text(encoding="utf-8")).get("missing", [])]
    spoken = []
    tag = TRACK_LANGUAGE.get(lang, "und")
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "scenes.txt"
        listing.write_text("".join(f"file '{Path(p).resolve().as_posix()}'\n" for p in videos), encoding="utf-8")
        meta = Path(tmp) / "chapters.txt"
        lines = [";FFMETADATA1", f"title={_escape(term('lesson_title', lang))}", f"language={tag}"]
        for title, a, b in marks:
            lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={int(round(a * 1000))}", f"END={int(round(b * 1000))}",
                      f"title={_escape(title)}"]
        meta.write_text("\n".join(lines) + "\n", encoding="utf-8")
        subs_file = Path(tmp) / "lesson.srt"
        subs_file.write_text(srt.compose(subs) if subs else "", encoding="utf-8")
        inputs = ["-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(meta)]
        maps = ["-map", "0:v", "-map_metadata", "1", "-map_chapters", "1"]
        codecs = ["-c:v", "copy"]
        k = 2
        if voiced:
            wav = Path(tmp) / "voice.wav"
            spoken = lesson_audio(videos, starts, start, wav)
            inputs += ["-i", str(wav)]
            maps += ["-map", f"{k}:a"]
            codecs += ["-c:a", "aac", "-b:a", "128k", f"-metadata:s:a:0", f"language={tag}"]
            k += 1
        if burn_subtitles and subs:
            style = _subtitle_style(lang)
            codecs[:2] = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "20", "-preset", "veryfast",
                          "-vf", f"subtitles={subs_file.as_posix()}:force_style='{style}'"]
        elif subs:
            inputs += ["-i", str(subs_file)]
            maps += ["-map", f"{k}:s"]
            codecs += ["-c:s", "mov_text", "-metadata:s:s:0", f"language={tag}",
                       "-metadata:s:s:0", f"title={term('lesson_title', lang)}"]
        part = video.with_name(f".{video.stem}.partial.mp4")  # renamed when complete: no half-written lesson
        cmd = [_ffmpeg(), "-y", "-v", "error", *inputs, *maps, *codecs, "-movflags", "+faststart", str(part)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"ffmpeg could not join the scenes into {video}: {done.stderr.strip()[-800:]}")
            os.replace(part, video)
        finally:
            part.unlink(missing_ok=True)
    _atomic_text(srt_path, srt.compose(subs))
    _atomic_text(vtt_path, to_vtt(subs))
    return Lesson(video, srt_path, vtt_path, start, marks, voiced, spoken, missing)


def streams(video: Path) -> list[dict]:
    """Each stream of a video (ffprobe): ``type`` (video/audio/subtitle), ``codec``, ``language``, ``duration`` s."""
    probe = shutil.which("ffprobe") or "ffprobe"
    out = subprocess.run([probe, "-v", "error", "-show_entries",
                          "stream=codec_type,codec_name,duration:stream_tags=language", "-of", "json", str(video)],
                         capture_output=True, text=True, check=True).stdout
    return [{"type": s.get("codec_type"), "codec": s.get("codec_name"),
             "language": s.get("tags", {}).get("language", ""), "duration": float(s.get("duration", "nan"))}
            for s in json.loads(out).get("streams", [])]
