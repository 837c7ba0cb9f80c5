"""lstm-explainer render lesson|SCENE|gates|all: render the narrated lesson, or single scenes, to video.

    lstm-explainer render lesson --lang both                  # the whole lesson, en and zh, 480p15
    lstm-explainer render lesson --quality high --trace trace_BTC.npz
    lstm-explainer render ForgetGate                          # one scene, demo trace, English
    lstm-explainer render gates --lang both                   # the four gate scenes in en and zh
    lstm-explainer render lesson --voice none                 # silent (subtitles only)
    lstm-explainer render lesson --script-out rec/            # a recording script; then --voice rec/

Files (OUT defaults to ./media):

    OUT/<lang>/<quality>/<Scene>[_<trace>].mp4 (+ .srt)   each scene on its own
    OUT/<lang>/<quality>/lesson[_<trace>].mp4             the whole lesson: voice, soft subtitles, chapters
    OUT/<lang>/<quality>/lesson[_<trace>].srt / .vtt      its subtitles (the narration)
    OUT/<lang>/slides/                                    manim-slides slides, speaker notes = narration
    OUT/.cache/                                           manim's partial movie files and text cache

Scenes render in parallel, one process per core (--jobs). Present the slides live with
``manim-slides present --folder OUT/en/slides TitleWhy TheCell …`` (the command is printed), or hand the
lecture to someone as one offline HTML file with ``manim-slides convert --folder OUT/en/slides
--to html --one-file --offline TitleWhy … lesson.html``.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path

from explainer.argtypes import COUNT, INDEX, whole
from explainer.errors import InputError
from explainer.paths import only_one_run, output_folder

from explainer.glossary import LANG_CHOICES, languages

from animations.chapters import CELLS, EXTRAS, GROUPS, LESSON

QUALITIES = {"low": "low_quality", "medium": "medium_quality", "high": "high_quality", "4k": "fourk_quality"}


def _available() -> tuple[str, ...]:
    from animations.scenes import SCENES
    return tuple(n for n in LESSON if n in SCENES)


def _scene_names(name: str) -> tuple[str, ...]:
    lookup = {n.lower(): n for n in (*_available(), *EXTRAS)}
    key = name.lower().replace("-", "").replace("_", "")
    if key in GROUPS:
        return tuple(n for n in GROUPS[key] if n in lookup.values())
    if key in lookup:
        return (lookup[key],)
    raise InputError(f"unknown scene {name!r}; choose one of {', '.join(_available())}, 'lesson', 'gates', 'cells' or 'all'")


def trace_stem(trace) -> str:
    """"" for the demo, else the trace file's stem: results of a trained trace never overwrite the demo's."""
    if trace is None or str(trace) == "demo":
        return ""
    if isinstance(trace, (str, Path)):
        return Path(trace).stem
    return str(trace.meta.get("source", trace.layer)).replace(" ", "-").replace("/", "-")


def out_dir(out: str | Path, lang: str, quality: str) -> Path:
    return Path(out) / lang / quality


def render(scene: str, lang: str = "en", quality: str = "low", trace=None, step: int | None = None,
           units: int | None = None, sample: int = 0, out: str | Path = "media", last_frame: bool = False,
           quiet: bool = True, voice: str | None = "none") -> Path:
    """Render one scene; return the video (or, with ``last_frame``, the PNG) path.

    ``trace`` is ``None`` (the demo), a path to a saved ``.npz`` or a :class:`~explainer.trace.SequenceTrace`.
    The video goes to ``OUT/<lang>/<quality>/<Scene>[_<trace stem>].mp4`` with its ``.srt``; manim's
    partial movie files and caches to ``OUT/.cache``; slides to ``OUT/<lang>/slides`` (relative paths).
    ``voice`` is ``--voice``: "none" (silent), None (the best offline voice), an engine or a folder of
    recordings; the spoken lines' start times go to ``<Scene>.voice.json`` beside the video, for the lesson's
    audio track. The video appears under its name only once complete (manim writes a ``.partial`` file).
    """
    from animations.voice import open_voice
    from manim import tempconfig

    from animations.scenes import scene_class
    from animations.source import font_for, make_source

    if quality not in QUALITIES:
        raise InputError(f"unknown quality {quality!r}; choose one of {', '.join(QUALITIES)}")
    src = make_source(trace, step=step, units=units, lang=lang, sample=sample)
    if isinstance(trace, (str, Path)):
        _validate(src.trace)
    font_for(lang)  # fail before rendering anything if Chinese has no font
    name = _scene_names(scene)[0]
    stem = trace_stem(trace)
    full = f"{name}_{stem}" if stem else name
    out = Path(out)
    cache = out / ".cache"
    speaker = None if last_frame else open_voice(voice, lang, cache / "voice")
    cls = type(full, (scene_class(name),), {"source": src, "voice": speaker})
    videos = out_dir(out, lang, quality)
    cfg = {"quality": QUALITIES[quality], "media_dir": str(cache), "video_dir": str(videos),
           "images_dir": str(videos), "partial_movie_dir": str(cache / "partial" / lang / quality / full),
           "text_dir": str(cache / "texts"), "tex_dir": str(cache / "tex"),
           "output_file": full if last_frame else f"{full}.partial",
           "save_last_frame": last_frame, "disable_caching": True}
    if quiet:
        cfg.update(progress_bar="none", verbosity="WARNING")
    slides = out / lang / "slides"
    with tempconfig(cfg), _no_partial_left(videos, full):
        _quiet_slides_logger()
        scene = cls(output_folder=slides)
        scene.render()
        fw = scene.renderer.file_writer
        path = Path(fw.image_file_path if last_frame else fw.movie_file_path)
    if last_frame:
        return path
    relocate_slides(slides / f"{full}.json")
    final = videos / f"{full}.mp4"
    sidecar = final.with_suffix(".voice.json")
    if speaker is not None:
        events = {"lang": lang, "voice": speaker.label, "missing": speaker.missing, "lines": scene.voice_events}
        sidecar.write_text(json.dumps(events, ensure_ascii=False, indent=1), encoding="utf-8")
    elif sidecar.exists():
        sidecar.unlink()  # a silent render never carries an older render's voice
    for leftover in (path.with_suffix(".wav"), path.with_suffix(".aac")):  # manim's sound mix, now in the video
        leftover.unlink(missing_ok=True)
    partial_srt = path.with_suffix(".srt")
    if partial_srt.exists():
        os.replace(partial_srt, final.with_suffix(".srt"))
    os.replace(path, final)  # last: a complete-looking video means a complete render
    return final


@contextlib.contextmanager
def _no_partial_left(videos: Path, full: str):
    """A render stopped by Ctrl-C or an error removes manim's ``<Scene>.partial.*`` files (the video, its
    sound and subtitles being written); only SIGKILL can leave them, and never under the final name."""
    try:
        yield
    except BaseException:
        for leftover in videos.glob(f"{full}.partial.*"):
            leftover.unlink(missing_ok=True)
        raise


def _validate(trace) -> None:
    """A loaded trace must be self-consistent before anything is drawn from it (when the check exists)."""
    check = getattr(trace, "validate", None)
    if callable(check):
        check()


def _not_sound_options(record) -> bool:
    return "Some options were not used" not in record.getMessage()


def _quiet_slides_logger() -> None:
    """manim-slides logs through its own handler *and* the root logger: print each line once. manim warns
    "Some options were not used" (through PyAV) each time it muxes a scene's sound: not shown."""
    import logging
    logging.getLogger("av.container.output").addFilter(_not_sound_options)  # PyAV's; added once (same object)
    slides = logging.getLogger("manim-slides")
    slides.propagate = False
    slides.setLevel(logging.getLogger("manim").level)  # follows --verbose like manim's own lines


def relocate_slides(json_path: Path) -> None:
    """Rewrite a manim-slides presentation file with paths relative to its folder's parent, so the
    folder can be moved or zipped (manim-slides resolves them against that parent when loading)."""
    import json
    if not json_path.exists():
        return
    data = json.loads(json_path.read_text(encoding="utf-8"))
    base = json_path.resolve().parent.parent
    for slide in data.get("slides", []):
        for key in ("file", "rev_file"):
            if slide.get(key):
                p = Path(slide[key])
                if p.is_absolute() or p.exists():
                    try:
                        slide[key] = Path(p.resolve().relative_to(base)).as_posix()
                    except ValueError:
                        pass
    json_path.write_text(json.dumps(data, indent=2), encoding="utf-8")


@contextlib.contextmanager
def _slides_off(off: bool):
    """``LSTM_EXPLAINER_SLIDES=0`` for the duration only: a ``--no-slides`` run inside a longer-lived process
    (a notebook, a test session) must not switch slides off for every later render there."""
    saved = os.environ.get("LSTM_EXPLAINER_SLIDES")
    if off:
        os.environ["LSTM_EXPLAINER_SLIDES"] = "0"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("LSTM_EXPLAINER_SLIDES", None)
        else:
            os.environ["LSTM_EXPLAINER_SLIDES"] = saved


#: the scene a render process is drawing now: (its videos folder, its file name), for a stop mid-scene
_NOW: list[tuple[Path, str]] = []


def _render_job(kw: dict) -> tuple[str, str, float, str]:
    """One scene in a worker process (the lesson renders one scene per core)."""
    with _slides_off(kw.pop("no_slides", False)):
        t0 = time.perf_counter()
        _NOW[:] = [(out_dir(kw["out"], kw["lang"], kw["quality"]), kw["scene"])]
        path = render(**kw)
        _NOW.clear()
    return kw["scene"], kw["lang"], time.perf_counter() - t0, str(path)


def _stopped(signum, frame) -> None:
    """A render process told to stop (SIGTERM, from the parent): its partial video goes, then it ends now."""
    for videos, scene in _NOW:
        for leftover in videos.glob(f"{scene}*.partial.*"):
            leftover.unlink(missing_ok=True)
    os._exit(128 + signum)


def _worker_start() -> None:
    """In each render process, before its first scene: Ctrl-C is the parent's to handle (it stops every
    worker and cleans up, instead of each worker printing its own traceback and picking up the next
    scene); the parent's stop (SIGTERM) removes the scene's partial video and ends the worker at once;
    and the worker dies with the parent however the parent dies (SIGKILL too: Linux's parent-death
    signal), so no orphan keeps rendering into --out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stopped)
    import threading

    from tqdm import tqdm  # manim's progress bars: a thread lock, not a named semaphore a stopped worker would leak

    tqdm.set_lock(threading.RLock())
    try:
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: a killed parent's workers finish their scene and exit
        pass


def _remove_partials(jobs: list[dict]) -> None:
    """The ``.partial`` videos of workers stopped mid-scene (the parent holds --out: no other render's)."""
    for folder in {out_dir(kw["out"], kw["lang"], kw["quality"]) for kw in jobs}:
        for leftover in folder.glob("*.partial.*"):
            leftover.unlink(missing_ok=True)


def render_many(jobs: list[dict], workers: int | None = None, no_slides: bool = False, log=print) -> dict:
    """Render ``jobs`` (keyword arguments of :func:`render`) in parallel processes; {(scene, lang): path}.

    Each finished scene is logged as ``[k/N] Scene [lang, quality] seconds -> path`` the moment it is done,
    so a long render shows where it is. Ctrl-C or a failed scene stops every worker at once (a lesson
    with a missing scene is not finished) and removes the videos they were writing.
    """
    import multiprocessing as mp

    workers = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    results = {}
    t0 = time.perf_counter()

    def done(k: int, scene: str, lang: str, sec: float, path: str) -> None:
        log(f"[{k}/{len(jobs)}] {scene} [{lang}, {jobs[0]['quality']}] {sec:.1f}s -> {path}  "
            f"({time.perf_counter() - t0:.0f}s since start)")
        results[(scene, lang)] = Path(path)

    if workers == 1:
        for k, kw in enumerate(jobs, 1):
            done(k, *_render_job(dict(kw, no_slides=no_slides)))
        return results
    from concurrent.futures import ProcessPoolExecutor, as_completed

    others = set(mp.active_children())
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"), initializer=_worker_start)
    try:
        # the workers start with Ctrl-C blocked (inherited): one pressed while they import is the parent's alone
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            futures = [pool.submit(_render_job, dict(kw, no_slides=no_slides)) for kw in jobs]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        for k, fut in enumerate(as_completed(futures), 1):
            done(k, *fut.result())
    except BaseException:  # the scenes still rendering are stopped now, not finished
        pool.shutdown(wait=False, cancel_futures=True)
        _stop([p for p in mp.active_children() if p not in others])
        _remove_partials(jobs)
        raise
    pool.shutdown()
    return results


def _stop(workers: list) -> None:
    """Stop render processes: asked first (each removes its partial video), killed if one does not end."""
    for p in workers:
        p.terminate()
    for p in workers:
        p.join(5)
        if p.is_alive():
            p.kill()
            p.join()


def _cmd_render(args) -> int:
    with _slides_off(args.no_slides):
        return _render_command(args)


def _render_command(args) -> int:
    langs = languages(args.lang)
    names = _scene_names(args.scene)
    if args.with_cells and CELLS not in names:
        names += (CELLS,)  # the real character model's cells, as the last chapter
    # checked before anything starts: a file, a FIFO, a folder that cannot be written, a path under a file
    out = output_folder(args.out, "--out", "the videos and images")
    if args.script_out:
        output_folder(args.script_out, "--script-out", "the recording script")
    # two renders into one folder would write the same files at once: the second refuses
    with contextlib.nullcontext() if args.script_out else only_one_run(out, "--out", "render"):
        return _render_into(args, names, langs, out)


def _render_into(args, names: tuple[str, ...], langs: tuple[str, ...], out: Path) -> int:
    from animations.source import MissingFontError, font_for

    try:
        for lang in langs:
            font_for(lang)
    except MissingFontError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    from animations.scenes import slides_wanted
    from animations.source import make_source

    for lang in langs:  # bad --trace/--step/--units fail here, before any process starts
        make_source(args.trace, step=args.step, units=args.units, lang=lang, sample=args.sample)
    if args.script_out:
        from animations.recording import write_script
        made = write_script(Path(args.script_out), names, args.trace, step=args.step, units=args.units,
                            sample=args.sample)
        print(f"recording script: {made} ({', '.join(langs)} lines side by side); record into "
              f"{Path(args.script_out) / 'en'} and {Path(args.script_out) / 'zh'}, then --voice {args.script_out}")
        return 0
    from animations.voice import VoiceError, open_voice
    if args.last_frame:
        args.voice = "none"  # a still picture has nothing to say
    try:
        for lang in langs:  # a voice that cannot speak here fails before any process starts
            speaker = open_voice(args.voice, lang, out / ".cache" / "voice")
            print(f"voice [{lang}]: {speaker.label if speaker else 'none (silent)'}", flush=True)
    except VoiceError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    jobs = [dict(scene=name, lang=lang, quality=args.quality, trace=args.trace, step=args.step, units=args.units,
                 sample=args.sample, out=args.out, last_frame=args.last_frame, quiet=not args.verbose,
                 voice=args.voice) for lang in langs for name in names]
    t0 = time.perf_counter()
    workers = min(len(jobs), args.jobs or os.cpu_count() or 1)
    print(f"rendering {len(names)} scene(s) × {len(langs)} language(s) at {args.quality} quality with {workers} "
          f"parallel process(es)", flush=True)
    results = render_many(jobs, workers=args.jobs, no_slides=args.no_slides,
                          log=lambda s: print(s, flush=True))
    lesson = args.scene.lower() == "lesson" and not args.last_frame
    if lesson:
        from animations.lesson import assemble
        for lang in langs:
            files = [results[(n, lang)] for n in names]
            made = assemble(files, names, lang, out_dir(args.out, lang, args.quality), stem=trace_stem(args.trace),
                            burn_subtitles=args.burn_subtitles)
            tracks = ("voice + " if made.voiced else "") + ("burnt-in" if args.burn_subtitles else "soft") + " subtitles"
            print(f"lesson [{lang}, {args.quality}] {made.duration:.0f}s, {len(names)} chapters, {tracks} -> "
                  f"{made.video}  (+ {made.srt.name}, {made.vtt.name})", flush=True)
            if made.missing:
                print(f"  {len(made.missing)} line(s) had no recording and were spoken by text to speech: "
                      f"{', '.join(made.missing)}", flush=True)
        print(f"rendered in {time.perf_counter() - t0:.0f}s with {min(len(jobs), args.jobs or os.cpu_count() or 1)}"
              f" parallel processes", flush=True)
    if slides_wanted() and not args.last_frame:
        stem = trace_stem(args.trace)
        shown = " ".join(f"{n}_{stem}" if stem else n for n in names)
        for lang in langs:
            print(f"slides [{lang}]: manim-slides present --folder {Path(args.out) / lang / 'slides'} {shown}")
    return 0


def add_command(subparsers) -> None:
    """Register ``render`` on the ``lstm-explainer`` command line.

    Without manim this raises ImportError, and ``explainer.cli`` registers a ``render`` that says to
    install the ``video`` extra (checked with find_spec: importing manim would slow every command).
    """
    from importlib.util import find_spec

    if find_spec("manim") is None:
        raise ImportError("manim is not installed")
    p = subparsers.add_parser("render", help="render gate-by-gate manim animations of a trace",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scene", help=f"'lesson' (every scene, joined into one video with chapters and subtitles), "
                                 f"one of {', '.join(LESSON)}, 'gates' or 'all'")
    p.add_argument("--with-cells", action="store_true",
                   help="append the real character LSTM's cells (RealLSTMCells; also alone: render cells)")
    p.add_argument("--quality", choices=tuple(QUALITIES), default="low",
                   help="low 480p15, medium 720p30, high 1080p60, 4k 2160p60 (default: low)")
    p.add_argument("--lang", choices=LANG_CHOICES, default="en", help="caption language (default: en)")
    p.add_argument("--trace", help="'story' (the trained story LSTM) or a saved trace (.npz) instead of the demo LSTM")
    p.add_argument("--step", type=whole(), help="time step (default: where the forget gate closes most)")
    p.add_argument("--units", type=COUNT, help="show the K most active units (default: up to 4)")
    p.add_argument("--sample", type=INDEX, default=0, help="which sequence of the trace's batch (default: 0)")
    p.add_argument("--out", default="media", help="output folder (default: ./media)")
    p.add_argument("--jobs", type=COUNT, help="parallel render processes (default: one per CPU core)")
    p.add_argument("--last-frame", action="store_true", help="write only the last frame as a PNG (fast preview)")
    p.add_argument("--no-slides", action="store_true", help="plain manim scenes, no manim-slides files")
    p.add_argument("--voice", default=None,
                   help="who speaks the narration: 'piper' (English, neural), 'espeak-ng' (English and Chinese), "
                        "a folder of recordings (see --script-out), or 'none' for a silent video "
                        "(default: the best offline voice for the language)")
    p.add_argument("--script-out", metavar="DIR",
                   help="write the narration as a recording script (one numbered file name per line, both "
                        "languages) into DIR and stop")
    p.add_argument("--burn-subtitles", action="store_true",
                   help="draw the subtitles into the video's bottom band instead of a soft subtitle track")
    p.add_argument("--verbose", action="store_true", help="show manim's progress bars and logs")
    p.set_defaults(func=_cmd_render)
