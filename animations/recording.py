"""The recording script: the lesson's narration as numbered lines a teacher reads into a microphone.

    lstm-explainer render lesson --script-out rec/     # rec/script.md, rec/en/, rec/zh/
    # record each line as rec/en/001_TitleWhy_task.wav (or .mp3/.m4a), rec/zh/001_TitleWhy_task.wav, …
    lstm-explainer render lesson --voice rec/          # the lesson in the teacher's voice

Each line's file name is ``NNN_<Scene>_<line key>`` (:func:`animations.voice.recording_name`, numbered in
lesson order), so a recording is matched to its line by scene and key; a line with no recording is spoken
by text to speech and listed after the render. The numbers in the text are the trace's (``--trace``).
"""
from __future__ import annotations

import os
from pathlib import Path

from explainer.glossary import LANGS

from animations.voice import RECORDING_TYPES, recording_name


def script_lines(scenes, trace=None, step: int | None = None, units: int | None = None,
                 sample: int = 0) -> list[tuple[str, str, str]]:
    """``(file name, English, Chinese)`` for every narrated line of ``scenes``, in lesson order."""
    from animations.script import Facts, narration
    from animations.source import make_source

    from animations.scenes import scene_class

    said = {}
    for lang in LANGS:
        facts = Facts(make_source(trace, step=step, units=units, lang=lang, sample=sample))
        # an opt-in chapter reads its numbers from its own model (e.g. RealLSTMCells.narration_facts)
        said[lang] = {scene: narration(scene, getattr(scene_class(scene), "narration_facts", lambda _: facts)(lang))
                      for scene in scenes}
    rows = []
    for scene in scenes:
        zh = {s.key: s.text for s in said["zh"][scene]}
        for line in said["en"][scene]:
            rows.append((f"{len(rows) + 1:03d}_{recording_name(scene, line.key)}", line.text, zh.get(line.key, "")))
    return rows


def write_script(folder: Path, scenes, trace=None, **kw) -> Path:
    """Write ``folder/script.md`` (a table: file, English, 中文) and the ``en``/``zh`` folders for the recordings."""
    rows = script_lines(scenes, trace, **kw)
    folder.mkdir(parents=True, exist_ok=True)
    for lang in LANGS:
        (folder / lang).mkdir(exist_ok=True)
    types = "/".join(t.lstrip(".") for t in RECORDING_TYPES)
    text = [f"# Recording script ({len(rows)} lines)", "",
            f"Record each line into `en/<file>.{types.split('/')[0]}` and `zh/<file>.{types.split('/')[0]}` "
            f"({types}); then render with `--voice {folder}`. A line not recorded is spoken by text to speech.",
            "", "| file | English | 中文 |", "|---|---|---|"]
    text += [f"| {name} | {en.replace('|', '/')} | {zh.replace('|', '/')} |" for name, en, zh in rows]
    out = folder / "script.md"
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text("\n".join(text) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    return out
