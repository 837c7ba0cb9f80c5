"""Join rendered scenes into one lesson: one MP4 with a chapter per scene, and its .srt/.vtt subtitles.

Each scene's video comes with the ``.srt`` manim writes from ``Scene.add_subcaption`` (the narration of
:mod:`animations.script`). The lesson is the scenes concatenated without re-encoding (ffmpeg's concat
demuxer: every scene has the same codec and frame rate), chapters written as ffmpeg metadata, and the
subtitles shifted by each scene's start and joined (parsed and written with the ``srt`` package).
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import srt

from explainer.glossary import term


@dataclass
class Lesson:
    video: Path
    srt: Path
    vtt: Path
    duration: float
    chapters: list[tuple[str, float, float]]  # (title, start s, end s)


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
    from animations.scenes import SCENES
    return term(SCENES[scene].title_key, lang) if scene in SCENES else scene


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


def assemble(videos: list[Path], scenes: list[str], lang: str, out: Path, stem: str = "") -> Lesson:
    """Concatenate ``videos`` (one per scene, in order) into ``out/lesson[_stem].mp4`` with chapters and subtitles."""
    out.mkdir(parents=True, exist_ok=True)
    name = f"lesson_{stem}" if stem else "lesson"
    video, srt_path, vtt_path = out / f"{name}.mp4", out / f"{name}.srt", out / f"{name}.vtt"
    subs: list[srt.Subtitle] = []
    marks: list[tuple[str, float, float]] = []
    start = 0.0
    for path, scene in zip(videos, scenes):
        length = duration(path)
        marks.append((chapter_title(scene, lang), start, start + length))
        sub_file = path.with_suffix(".srt")
        if sub_file.exists():
            shift = dt.timedelta(seconds=start)
            for s in srt.parse(sub_file.read_text(encoding="utf-8")):
                end = min(s.end, dt.timedelta(seconds=length))  # a line never runs into the next scene
                subs.append(srt.Subtitle(index=0, start=s.start + shift, end=end + shift, content=s.content))
        start += length
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "scenes.txt"
        listing.write_text("".join(f"file '{Path(p).resolve().as_posix()}'\n" for p in videos), encoding="utf-8")
        meta = Path(tmp) / "chapters.txt"
        lines = [";FFMETADATA1", f"title={_escape(term('lesson_title', lang))}", f"language={lang}"]
        for title, a, b in marks:
            lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={int(round(a * 1000))}", f"END={int(round(b * 1000))}",
                      f"title={_escape(title)}"]
        meta.write_text("\n".join(lines) + "\n", encoding="utf-8")
        cmd = [_ffmpeg(), "-y", "-v", "error", "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(meta),
               "-map", "0", "-map_metadata", "1", "-map_chapters", "1", "-c", "copy", "-movflags", "+faststart",
               str(video)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"ffmpeg could not join the scenes into {video}: {done.stderr.strip()[-800:]}")
    subs = list(srt.sort_and_reindex(subs))
    srt_path.write_text(srt.compose(subs), encoding="utf-8")
    vtt_path.write_text(to_vtt(subs), encoding="utf-8")
    return Lesson(video, srt_path, vtt_path, start, marks)
