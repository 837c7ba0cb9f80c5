"""Every scene renders (last frame, low quality) from the demo trace and from a trained model's saved trace;
the numbers on screen are the trace's; last frames match committed snapshots; a video and slides come out.

Refresh the snapshots after an intended visual change with:
    LSTM_EXPLAINER_UPDATE_SNAPSHOTS=1 pytest tests/test_animations_render.py -k snapshot
"""
from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import tempfile
from itertools import groupby
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("manim")
from manim import Text, tempconfig  # noqa: E402
from PIL import Image  # noqa: E402

from explainer import LSTM  # noqa: E402
from explainer.cli import main  # noqa: E402

from animations.mobjects import all_numbers, fmt  # noqa: E402
from explainer.presentation import parse  # noqa: E402
from animations.scenes import SCENES, SLIDES  # noqa: E402
from animations.script import Facts, narration  # noqa: E402
from animations.source import make_source  # noqa: E402

pytestmark = pytest.mark.video
ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = Path(__file__).parent / "snapshots"
#: Share of pixels allowed to differ (by > 32/255, after 4x box downsampling) between a last frame and its
#: snapshot. A whole-frame 1-pixel shift (font hinting on another machine) scores ~0.01-0.017; swapping
#: the captions' language scores 0.03-0.04 and another scene far more (both checked below).
TOLERANCE = 0.02


def frame_change(a: np.ndarray, b: np.ndarray) -> float:
    """Share of (4x downsampled) pixels whose colour differs by more than 32/255 in some channel."""
    def small(x):
        return np.asarray(Image.fromarray(np.asarray(x, np.uint8)).resize((120, 68), Image.BOX)).astype(float)
    return float((np.abs(small(a) - small(b)).max(axis=2) > 32).mean())


def same_worker(name: str):
    """``name`` as a test parameter whose tests all run in one process (``--dist loadgroup``): a scene's
    last-frame renders are cached per process, so spread over two they would be rendered twice."""
    return pytest.param(name, marks=pytest.mark.xdist_group(f"scene-{name}"))


EACH_SCENE = [same_worker(n) for n in SCENES]


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")  # one text cache for the whole session


@pytest.fixture(scope="session")
def trained_trace_path(tmp_path_factory, trained_bitcoin_trace) -> Path:
    """The session's trained 4-feature trace (two sequences, dates as step labels), saved."""
    return trained_bitcoin_trace.save(tmp_path_factory.mktemp("trained") / "trace_trained.npz")


def render_last_frame(name: str, media: Path, lang: str = "en", trace=None, units=None, step=None):
    """Render ``name`` to its last frame at 480x270 (fast, animations skipped); return (scene, source, RGB array).

    The scene's ``keyframes`` hold every text's bounding box at the end of each slide (each narrated line).
    """
    src = make_source(trace, lang=lang, units=units, step=step)
    cls = type(name, (SCENES[name],), {"source": src})
    cfg = {"quality": "low_quality", "pixel_width": 480, "pixel_height": 270, "media_dir": str(media),
           "save_last_frame": True, "disable_caching": True, "progress_bar": "none", "verbosity": "ERROR",
           "output_file": f"{name}_{lang}_{'demo' if trace is None else Path(str(trace)).stem}"}
    with tempconfig(cfg):
        scene = cls()
        scene.render()
        image = np.asarray(Image.open(scene.renderer.file_writer.image_file_path).convert("RGB"))
    return scene, src, image


class Renders(dict):
    """Last-frame renders, each made the first time a test asks for it: with the suite spread over processes,
    each process renders only the scenes its own tests look at."""

    def __init__(self, render):
        super().__init__()
        self.render = render

    def __missing__(self, name):
        self[name] = made = self.render(name)
        return made


@pytest.fixture(scope="session")
def demo_renders(media):
    return Renders(lambda name: render_last_frame(name, media))


@pytest.fixture(scope="session")
def trained_renders(media, trained_trace_path):
    return Renders(lambda name: render_last_frame(name, media, trace=trained_trace_path, units=3))


def expected_value(src, key: str, t: int, unit: int, n=None) -> float:
    """The recorded value behind a number, read straight from the trace's arrays."""
    tr = src.trace
    source = getattr(n, "trace_source", None)
    if source == "backprop":  # the story LSTM's recorded dL/dc_t and belt factor f_t, in the scene's unit
        from animations.learned import backprop_data
        bp = backprop_data(src.lang)
        recorded = np.asarray(bp.dc) / bp.unit_size
        return float({"dc": recorded[t], "belt": bp.belt[t], "direct": recorded[t] * bp.belt[t],
                      "fprod": bp.filler_product, "fratio": bp.filler_ratio}[key])
    if source == "spread":  # one held-out sentence's recorded gradient share (unit = the sentence)
        from animations.learned import gradient_spread
        sp = gradient_spread()
        return float({"lstm": sp.lstm, "rnn": sp.rnn}[key][unit, t])
    if source in ("compare", "rnn_h"):  # chapter 2: the shipped comparison table, the story SimpleRNN's h
        from animations.learned import rnn_fails_data
        d = rnn_fails_data(src.lang)
        return float(d.h[t, unit] if source == "rnn_h" else {"lstm": d.lstm, "rnn": d.rnn}[key][t])
    if source == "lstm_c":  # chapter 2: the story LSTM's largest change of c at one filler word of that sentence
        from animations.learned import rnn_fails_data
        return float(rnn_fails_data(src.lang).c_per_word[t])
    if source == "readout":  # the readout's softmax at the last word, as the trace's model recorded it
        return float(tr.meta["probabilities"][unit])
    if source in ("demo", "story"):
        from animations.learned import story_data
        from explainer.demo import demo_trace
        other = demo_trace() if source == "demo" else story_data(src.lang)[0]
        return float(getattr(other, key)[0, t, unit])
    if key == "weight":  # a weight of the layer: W (input → gate) or U (h → gate) of the forget block
        from explainer.gates import block
        m = tr.weights["kernel" if n.trace_matrix == "W" else "recurrent_kernel"]
        return float(block(m, "f", tr.units)[n.trace_row, unit])
    if key.startswith("z_"):
        return float(tr.z_block(key[2:])[0, t, unit])
    if key == "f*c_prev":
        return float(tr.f[0, t, unit] * tr.c_prev[0, t, unit])
    if key == "i*g":
        return float(tr.i[0, t, unit] * tr.g[0, t, unit])
    return float(getattr(tr, key)[0, t, unit])


def check_numbers_on_screen(scene, src) -> int:
    """Every number on screen is a trace value rounded to 2 decimals; returns how many were checked."""
    numbers = all_numbers(scene.mobjects)
    for n in numbers:
        want = expected_value(src, n.trace_key, n.trace_step, n.trace_unit, n)
        digits = getattr(n, "trace_digits", 2)
        assert n.text == fmt(want, digits), (n.trace_key, n.trace_step, n.trace_unit, n.text, want)
        assert abs(parse(n.text) - want) <= 0.5 * 10 ** -digits + 1e-9
    # and no untagged number sneaked onto the screen
    for m in scene.mobjects:
        for sub in m.get_family():
            if isinstance(sub, Text) and not hasattr(sub, "trace_key") and not getattr(sub, "axis_tick", False):
                try:
                    parse(sub.text)
                except ValueError:
                    continue
                raise AssertionError(f"number {sub.text!r} on screen does not come from the trace")
    return len(numbers)


#: Scenes that show no trace numbers (the story, the recap's equations).
WORDS_ONLY = {"TitleWhy", "ReadingNetwork", "Recap", "TheCell"}
FRAME_W, FRAME_H = 14.222, 8.0
#: Digits' ink at least 26 px at 1080p, in scene units (the frame is 8 units high): digits are as tall as
#: capitals, and the standard's smallest text (36 px) has a 26 px cap height.
MIN_DIGIT_HEIGHT = 26 / 1080 * FRAME_H


@pytest.mark.parametrize("name", EACH_SCENE)
def test_scene_renders_from_demo_trace(demo_renders, name):
    scene, src, image = demo_renders[name]
    assert image.shape == (270, 480, 3)
    assert (image < 128).any(axis=2).mean() > 0.005  # something dark (text) was drawn on the white page
    assert check_numbers_on_screen(scene, src) >= (0 if name in WORDS_ONLY else 3)


@pytest.mark.parametrize("name", EACH_SCENE)
def test_scene_renders_from_trained_trace(trained_renders, name):
    scene, src, image = trained_renders[name]
    assert src.total_units == 16 and src.units == 3
    assert check_numbers_on_screen(scene, src) >= (0 if name in WORDS_ONLY else 3)
    assert image.shape == (270, 480, 3)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", EACH_SCENE)
def test_every_scene_renders_from_the_trained_story_model(media, lang, name):
    """The learned story LSTM (``--trace story``): every scene lays out, every number is the story trace's."""
    pytest.importorskip("explainer.story")
    scene, src, image = render_last_frame(name, media, lang=lang, trace="story")
    assert src.name == "story" and src.trace.meta["source"] == "story"
    check_layout(scene)
    check_digits(scene)
    assert check_numbers_on_screen(scene, src) >= (0 if name in WORDS_ONLY else 3)
    if name == "Recap":  # the story's own pollution word, in the lesson's language
        assert scene.facts["word_forget"] == src.trace.meta["pollution_word"]


def _overlap(a, b, tol=0.01) -> bool:
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = a, b
    return min(ax1, bx1) - max(ax0, bx0) > tol and min(ay1, by1) - max(ay0, by0) > tol


def check_layout(scene) -> int:
    """No text leaves the frame and no two texts overlap, at the end of every slide and of the scene."""
    assert scene.keyframes, "the scene recorded no key frames"
    for k, boxes in enumerate(scene.keyframes):
        for text, (x0, y0, x1, y1) in boxes:
            assert -FRAME_W / 2 <= x0 and x1 <= FRAME_W / 2 and -FRAME_H / 2 <= y0 and y1 <= FRAME_H / 2, \
                f"key frame {k}: {text!r} leaves the frame ({x0:.2f}, {y0:.2f}, {x1:.2f}, {y1:.2f})"
        for a in range(len(boxes)):
            for b in range(a + 1, len(boxes)):
                assert not _overlap(boxes[a][1], boxes[b][1]), \
                    f"key frame {k}: {boxes[a][0]!r} overlaps {boxes[b][0]!r}"
    return len(scene.keyframes)


def check_digits(scene) -> None:
    """Every number: two decimals (more only where a product shown with it needs them), digits at least 26 px
    tall at 1080p (negatives the same size)."""
    import re
    for n in all_numbers(scene.mobjects):
        assert re.fullmatch(r"\u2212?\d+\.\d{%d}" % getattr(n, "trace_digits", 2), n.text), n.text
        digits = n[1:] if n.text.startswith("\u2212") else n  # the glyphs after the minus sign
        assert digits.height >= MIN_DIGIT_HEIGHT - 1e-6, f"{n.trace_key} {n.text}: {digits.height:.3f} < {MIN_DIGIT_HEIGHT:.3f}"


@pytest.mark.parametrize("name", EACH_SCENE)
def test_layout_demo_both_languages(demo_renders, zh_renders, name):
    scene, _, _ = demo_renders[name]
    assert check_layout(scene) >= 2
    check_digits(scene)
    zh = zh_renders[name][0]
    check_layout(zh)
    check_digits(zh)


@pytest.mark.parametrize("name", EACH_SCENE)
def test_layout_trained_trace_both_languages(trained_renders, media, trained_trace_path, name):
    scene, src, _ = trained_renders[name]
    check_layout(scene)
    check_digits(scene)
    zh, zsrc, _ = render_last_frame(name, media, lang="zh", trace=trained_trace_path, units=3)
    check_layout(zh)
    check_digits(zh)
    shown = " ".join(t for boxes in zh.keyframes for t, _ in boxes)
    if name == "ForgetGate":  # the trained trace's steps are dates and its features are named, in Chinese too
        assert "2019-12-" in shown
    if name == "TheCell":
        assert "收盘价" in shown and "成交量" in shown


@pytest.mark.xdist_group("scene-ForgetGate")
def test_forget_gate_shows_the_keep_and_the_forget_step(demo_renders):
    """Reads the forget gate's numbers back from the screen at "birds" (keep) and "polluted" (forget)."""
    scene, src, _ = demo_renders["ForgetGate"]
    tr = src.trace
    shown = {(n.trace_key, n.trace_step, n.trace_unit): n.text for n in all_numbers(scene.mobjects)}
    # the last frame is the forgetting step: "polluted", blue memory
    t = tr.meta["labels"].index("polluted")
    assert shown[("f", t, 0)] == fmt(tr.f[0, t, 0]) == "0.02"
    assert shown[("c_prev", t, 0)] == fmt(tr.c_prev[0, t, 0]) == "0.91"
    assert shown[("f*c_prev", t, 0)] == fmt(tr.kept[0, t, 0]) == "0.02"
    assert shown[("weight", t, 0)] == "\u22128.00"  # W[polluted → forget gate of the blue memory]
    # the keep step really keeps a memory: f ≈ 1 and c_{t-1} far from 0
    k, u = scene.facts.where["keep"]
    assert tr.f[0, k, u] > 0.95 and abs(tr.c_prev[0, k, u]) > 0.9


@pytest.mark.xdist_group("scene-HoldingQuietly")
def test_holding_quietly_reads_back_the_gates_over_the_filler_words(demo_renders):
    """Over every filler word shown, the written unit's f, i, o, c and h are on screen as recorded, and they
    say what the narration says: f near one, i and o shut, c kept, h near zero."""
    scene, src, _ = demo_renders["HoldingQuietly"]
    tr = src.trace
    shown = {(n.trace_key, n.trace_step, n.trace_unit): n.text for n in all_numbers(scene.mobjects)}
    t_w, u = scene.facts.where["write"]
    steps = list(scene.facts.hold_steps)
    assert steps and steps[0] == t_w + 1 and tr.meta["labels"][steps[0]] == "birds"
    for t in steps:
        for key in "fic":
            assert shown[(key, t, u)] == fmt(getattr(tr, key)[0, t, u]), (key, t)
        # o, tanh c and h at the decimals at which o × tanh c multiplies to h (the test below)
        for key in ("o", "tanh_c", "h"):
            assert shown[(key, t, u)] == fmt(getattr(tr, key)[0, t, u], scene.facts.hold_digits), (key, t)
        assert tr.f[0, t, u] > 0.9 and tr.i[0, t, u] < 0.1 and tr.o[0, t, u] < 0.1
        assert abs(tr.c[0, t, u]) > 0.5 and abs(tr.h[0, t, u]) < 0.1
    # the colour word before them: where c was written
    assert shown[("c", t_w, u)] == fmt(tr.c[0, t_w, u]) and abs(tr.c[0, t_w, u]) > 0.9


@pytest.mark.xdist_group("scene-TheQuestion")
def test_the_question_opens_the_output_gate(demo_renders):
    """At the question word the output gate is open, and o × tanh c shown multiply to the h shown."""
    scene, src, _ = demo_renders["TheQuestion"]
    tr = src.trace
    t, u = scene.facts.where["question"]
    assert t == tr.x.shape[1] - 1 and tr.o[0, t, u] > 0.8 and abs(tr.h[0, t, u]) > 0.5
    assert max(scene.facts.hold_steps) < t  # in reading order: held silent first, read out at the question
    shown = {(n.trace_key, n.trace_step, n.trace_unit): n for n in all_numbers(scene.mobjects)}
    o, tc, h = shown[("o", t, u)], shown[("tanh_c", t, u)], shown[("h", t, u)]
    assert o.text == fmt(tr.o[0, t, u], o.trace_digits) and h.text == fmt(tr.h[0, t, u], h.trace_digits)
    assert fmt(parse(o.text) * parse(tc.text), h.trace_digits) == h.text == "0.689"
    assert len(scene.products) == src.units == 2  # o ⊙ tanh c = h, once per unit


@pytest.mark.xdist_group("scene-FullStep")
def test_full_step_ends_on_all_six_equations(demo_renders):
    scene, src, _ = demo_renders["FullStep"]
    assert len(scene.rows) == 6
    # the cell's three products multiply back; o and tanh c carry a third decimal (0.95 × 0.72 would read 0.68)
    assert check_products(scene) == 3
    (o, tc), h = scene.overview_products[-1]
    assert (o.text, tc.text, h.text) == ("0.953", "0.723", "0.69")
    t, u = scene.facts.where["step"]
    assert t == src.trace.x.shape[1] - 1  # the last word, the question, after every chapter before it
    assert sum(abs(float(getattr(src.trace, k)[0, t, u])) > 0.1 for k in "figoch") >= 4
    values = [r[-1] for r in scene.rows]
    assert [v.trace_key for v in values] == ["f", "i", "g", "o", "c", "h"]
    assert [v.trace_digits for v in values] == [2, 2, 2, 3, 2, 2]
    assert all(v.text == fmt(getattr(src.trace, v.trace_key)[0, t, u], v.trace_digits) for v in values)


@pytest.mark.xdist_group("scene-HoldingQuietly")
def test_holding_quietly_shows_the_factors_of_h(demo_renders):
    """Every column's o × tanh c multiplies to its h: o = 0.05 beside c = 0.93 and h = 0.03 read as a
    wrong product (0.05 × tanh 0.93 = 0.037); now tanh c has its row, and o, tanh c and h one precision."""
    scene, src, _ = demo_renders["HoldingQuietly"]
    assert check_products(scene) == len(scene.facts.hold_steps) + 1 == 3
    # at three decimals "birds" fails (0.047 × 0.731 = 0.0344 → 0.034 against h = 0.0347 → 0.035); at four
    # every column holds
    assert scene.facts.hold_digits == 4
    (o, tc), h = scene.overview_products[1]
    assert (o.text, tc.text, h.text) == ("0.0474", "0.7311", "0.0347")
    assert scene.spoken["quiet"].text.startswith("Output gate shut, o = 0.0474: hₜ = o ⊙ tanh c = 0.0347.")


@pytest.mark.xdist_group("scene-UnrolledSequence")
def test_unrolled_sequence_shows_every_step_of_the_story(demo_renders):
    scene, src, _ = demo_renders["UnrolledSequence"]
    steps = {n.trace_step for n in all_numbers(scene.mobjects) if n.trace_key == "c"}
    assert steps == set(range(8))


def _snapshot(name: str, lang: str, image: np.ndarray) -> np.ndarray:
    path = SNAPSHOTS / f"{name}_{lang}.png"
    if os.environ.get("LSTM_EXPLAINER_UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        Image.fromarray(image).save(path)
    assert path.exists(), f"missing snapshot {path}; create it with LSTM_EXPLAINER_UPDATE_SNAPSHOTS=1"
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.mark.parametrize("name", [same_worker(n) for n in ("ForgetGate", "FullStep")])
def test_last_frame_snapshot(demo_renders, zh_renders, name):
    _, _, en = demo_renders[name]
    _, _, zh = zh_renders[name]
    for lang, image in (("en", en), ("zh", zh)):
        ref = _snapshot(name, lang, image)
        assert ref.shape == image.shape
        change = frame_change(ref, image)
        assert change < TOLERANCE, f"{name} [{lang}] last frame differs from its snapshot ({change:.4f} of pixels)"
    # the tolerance notices a change of captions (en vs zh) and of picture (another scene)
    assert frame_change(en, zh) > TOLERANCE
    other = "FullStep" if name == "ForgetGate" else "ForgetGate"
    assert frame_change(en, demo_renders[other][2]) > 3 * TOLERANCE


def test_render_command_writes_a_video_and_slides(tmp_path, capsys):
    """A --no-slides render first, in this same process: it writes no slides and does not switch them off
    for the render after it (the choice is read at each render, and the environment is restored)."""
    plain = tmp_path / "plain"
    before = os.environ.get("LSTM_EXPLAINER_SLIDES")
    assert main(["render", "HoldingQuietly", "--out", str(plain), "--voice", "none", "--no-slides"]) == 0
    assert not (plain / "en" / "slides").exists() and "manim-slides" not in capsys.readouterr().out
    assert os.environ.get("LSTM_EXPLAINER_SLIDES") == before
    assert main(["render", "HoldingQuietly", "--out", str(tmp_path), "--quality", "low", "--voice", "none"]) == 0
    out = capsys.readouterr().out
    video = tmp_path / "en" / "low" / "HoldingQuietly.mp4"
    assert f"-> {video}" in out and video.stat().st_size > 10_000
    if SLIDES:  # manim-slides installed: the pauses marked with next_slide() become slides
        slides = json.loads((tmp_path / "en" / "slides" / "HoldingQuietly.json").read_text())
        assert len(slides["slides"]) >= 4
        # speaker notes are the narration; paths are relative so the folder can move
        assert slides["slides"][0]["notes"].startswith("Next, “birds”")
        assert all(not Path(sl["file"]).is_absolute() for sl in slides["slides"])
        assert (tmp_path / "en" / sl["file"]).exists() if (sl := slides["slides"][0]) else False
        assert "manim-slides present --folder" in out
    else:  # plain manim: same video, no slide files, no presenter hint
        assert not (tmp_path / "en" / "slides").exists() and "manim-slides" not in out
    assert video.with_suffix(".srt").exists()  # the narration as subtitles
    assert not list(tmp_path.glob("en/low/partial*"))  # manim's partial files stay in the cache folder
    assert (tmp_path / ".cache").is_dir()


def test_plain_manim_on_the_scene_file_with_env_trace(tmp_path, trained_trace_path):
    """`manim -ql -s animations/scenes.py TheQuestion` with the LSTM_EXPLAINER_* variables, manim-slides off."""
    env = dict(os.environ, LSTM_EXPLAINER_TRACE=str(trained_trace_path), LSTM_EXPLAINER_UNITS="2",
               LSTM_EXPLAINER_STEP="-1", LSTM_EXPLAINER_LANG="zh", LSTM_EXPLAINER_SLIDES="0")
    cmd = [sys.executable, "-m", "manim", "render", "-ql", "-s", "--media_dir", str(tmp_path), "--progress_bar",
           "none", "-r", "480,270", str(ROOT / "animations" / "scenes.py"), "TheQuestion"]
    done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    pngs = list(tmp_path.rglob("TheQuestion*.png"))
    assert len(pngs) == 1 and Image.open(pngs[0]).size == (480, 270)
    assert not (tmp_path / "slides").exists()  # the fallback base class wrote no slides


def _segment_hits_box(p, q, box, shrink=0.02) -> bool:
    """Does the segment p→q pass through the rectangle (x0, y0, x1, y1), shrunk by ``shrink``?"""
    x0, y0, x1, y1 = box[0] + shrink, box[1] + shrink, box[2] - shrink, box[3] - shrink
    if x0 >= x1 or y0 >= y1:
        return False
    for s in np.linspace(0.0, 1.0, 200):
        x, y = p[0] + (q[0] - p[0]) * s, p[1] + (q[1] - p[1]) * s
        if x0 < x < x1 and y0 < y < y1:
            return True
    return False


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_wire_of_the_cell_diagram_runs_through_a_label_or_a_number(lang):
    """Every label of the wired cell and a value at every slot (the widest numbers) stay off every wire."""
    from animations.diagram import CellDiagram
    from animations.source import font_for

    d = CellDiagram(font=font_for(lang)).scale(0.8).shift(LEFT_SHIFT)
    values = [d.value(key, -0.88, 0, 0) for key in d.slots if key != "z"]
    # the node and box symbols (⊙, +, σ, tanh) sit on opaque nodes where wires end; everything else is a label
    texts = list(d.end_labels) + [d.concat_label] + [b.letter for b in d.boxes.values()] + values
    for name, wire in d.wires.items():
        pts = wire.get_anchors()
        for t in texts:
            lo, hi = t.get_corner(np.array([-1, -1, 0])), t.get_corner(np.array([1, 1, 0]))
            box = (lo[0], lo[1], hi[0], hi[1])
            for p, q in zip(pts[:-1], pts[1:]):
                assert not _segment_hits_box(p, q, box), f"wire {name} runs through {t.text!r}"


LEFT_SHIFT = np.array([-2.5, -0.45, 0.0])


def test_a_barely_trained_trace_says_so(media, tmp_path):
    """Gates that never leave 0.3–0.7 (an LSTM with tiny weights) get a visible note."""
    layer = LSTM(4, seed=0)
    x = np.random.default_rng(1).normal(size=(1, 6, 3)).astype(np.float32)
    layer.build((None, 3), np.random.default_rng(0))
    layer.set_weights([w * 0.01 for w in layer.get_weights()])  # unit forget bias 1 → 0.01: f ≈ 0.5
    path = layer.trace(x).save(tmp_path / "tiny.npz")
    scene, src, _ = render_last_frame("TheCell", media, trace=path)
    assert ((src.trace.f > 0.3) & (src.trace.f < 0.7)).all()
    shown = [t for boxes in scene.keyframes for t, _ in boxes]
    assert any("barelytrained" in t.replace(" ", "") for t in shown)
    # at the size a class reads, out of the subtitles' band (it was 20 in the bottom corner)
    check_projector_layout(scene)
    demo, _, _ = render_last_frame("TheCell", media)
    assert not any("barely" in t for boxes in demo.keyframes for t, _ in boxes)


def _text(s: str, font_size: float) -> Text:
    """A Text built in this process's own media folder: pytest-xdist's workers writing the same ./media/texts
    SVG at once made one read a half-written file (ParseError)."""
    with tempconfig({"media_dir": str(_own_media())}):
        return Text(s, font_size=font_size)


@functools.lru_cache(maxsize=1)
def _own_media() -> Path:
    return Path(tempfile.mkdtemp(prefix="media-"))


@functools.lru_cache(maxsize=1)
def _cap_px_per_size() -> float:
    """Cap height at 1080p, in px, of one unit of manim font size (measured on an "H", not assumed)."""
    return _text("H", font_size=48).height / FRAME_H * 1080 / 48


#: LESSON.md's type standard: "at 1080p every text is at least 36 px tall (cap height of a line of body text
#: ≈ 26 px), the numbers and equation in focus at least 48 px". "Tall" is the type's size, defined by its cap
#: height (26 px at 36 px), so a text is measured by its font size after every scaling, not by the ink of its
#: glyphs: a lone "σ" or "o" has no cap or ascender and its ink is half the type's size, yet it reads at that
#: size. (Measuring ink held such letters to twice the standard.) Digits are cap-height glyphs, so their ink
#: is checked directly as well (check_digits, ≥ 26 px).
TYPE_PX_PER_CAP_PX = 36 / 26
MIN_TYPE_PX, FOCUS_TYPE_PX = 36, 48
#: Text whose glyphs are this tall (48 px at 1080p) needs 3 : 1 contrast, smaller text 4.5 : 1 (WCAG AA). Ink
#: height is at most the type's size, so this asks 4.5 : 1 of every text the standard asks it of, and more.
LARGE_TEXT_HEIGHT = 48 / 1080 * FRAME_H


def type_px(font_size: float) -> float:
    """How tall a text of manim ``font_size`` is at 1080p, in the standard's px (its cap height × 36/26)."""
    return font_size * _cap_px_per_size() * TYPE_PX_PER_CAP_PX


def check_projector_layout(scene) -> None:
    """Every text ≥ 36 px tall at 1080p (type size), the numbers in focus — those of a shown product, the step
    the chapter works — ≥ 48 px; nothing within 4 % of the frame's edges, nothing in the bottom 12 % (a
    player's subtitles go there), at every key frame."""
    x_lim, top, bottom = FRAME_W / 2 - 0.04 * FRAME_W, FRAME_H / 2 - 0.04 * FRAME_H, -FRAME_H / 2 + 0.12 * FRAME_H
    for k, (boxes, sizes) in enumerate(zip(scene.keyframes, scene.keyframe_sizes)):
        for (text, (x0, y0, x1, y1)), size in zip(boxes, sizes):
            where = f"key frame {k}: {text!r} ({x0:.2f}, {y0:.2f}, {x1:.2f}, {y1:.2f})"
            # an operator alone ("=", "⊙", "+") is legible at its size though its glyph is short: no letters to read
            if re.search(r"\w", re.sub(r"<[^>]+>", "", text)):
                px = type_px(size)
                assert px >= MIN_TYPE_PX - 1e-6, f"{where} is {px:.0f} px tall (< {MIN_TYPE_PX})"
            assert -x_lim <= x0 and x1 <= x_lim and y1 <= top, f"{where} is within 4 % of the frame's edge"
            assert y0 >= bottom, f"{where} enters the bottom 12 % kept for subtitles"
    for factors, product in scene.products:
        for n in (*factors, product):
            px = type_px(n.font_size)
            assert px >= FOCUS_TYPE_PX - 1e-6, f"{n.text} (a product in focus) is {px:.0f} px tall (< {FOCUS_TYPE_PX})"


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours "#rrggbb"."""
    def lum(c: str) -> float:
        rgb = [int(c.lstrip("#")[k:k + 2], 16) / 255 for k in (0, 2, 4)]
        lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def check_contrast(scene) -> int:
    """Every text against the colour behind it (the background with the shapes under it laid over):
    ≥ 4.5 : 1, or ≥ 3 : 1 for text ≥ 48 px tall. Returns how many texts were checked."""
    n = 0
    for k, (boxes, colours) in enumerate(zip(scene.keyframes, scene.keyframe_colours)):
        for (text, (x0, y0, x1, y1)), (fg, bg) in zip(boxes, colours):
            need = 3.0 if y1 - y0 >= LARGE_TEXT_HEIGHT else 4.5
            ratio = contrast(fg, bg)
            assert ratio >= need, f"key frame {k}: {text!r} {fg} on {bg} is {ratio:.2f} : 1 (< {need})"
            n += 1
    return n


def check_products(scene) -> int:
    """Numbers shown as a product (f ⊙ c_{t−1}, i ⊙ g, o ⊙ tanh c): the shown factors multiply to the shown
    product at its digits (presentation.product_digits)."""
    import math
    for factors, product in (*scene.products, *getattr(scene, "overview_products", [])):
        digits = getattr(product, "trace_digits", 2)
        shown = math.prod(parse(f.text) for f in factors)
        assert fmt(shown, digits) == product.text, \
            f"{' × '.join(f.text for f in factors)} = {fmt(shown, digits)}, shown as {product.text}"
    return len(scene.products) + len(getattr(scene, "overview_products", []))


def test_the_standards_checks_catch_what_they_are_for():
    class Fake:
        keyframes, keyframe_sizes, products = [[("tiny", (0.0, 0.0, 1.0, 0.3))]], [[15.0]], []
    with pytest.raises(AssertionError, match="px tall"):
        check_projector_layout(Fake)
    # the standard's own calibration: 36 px type has a 26 px cap height
    assert type_px(26 / _cap_px_per_size()) == pytest.approx(36)
    sigma = _text("σ", font_size=20)  # ink 20 px, type 38 px: meets the 36 px standard
    assert sigma.height / FRAME_H * 1080 < 26 and type_px(sigma.font_size) > 36
    Fake.keyframes, Fake.keyframe_sizes = [[("σ", (0.0, 0.0, sigma.width, sigma.height))]], [[sigma.font_size]]
    check_projector_layout(Fake)
    Fake.products = [([_text("0.95", font_size=24)], _text("0.95", font_size=40))]  # a factor in focus at 45 px
    with pytest.raises(AssertionError, match="in focus"):
        check_projector_layout(Fake)
    Fake.products = []
    Fake.keyframes = [[("low", (0.0, -3.5, 1.0, -3.0))]]
    with pytest.raises(AssertionError, match="bottom 12"):
        check_projector_layout(Fake)
    Fake.keyframes = [[("edge", (6.7, 0.0, 7.0, 0.5))]]
    with pytest.raises(AssertionError, match="edge"):
        check_projector_layout(Fake)
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0) and contrast("#777777", "#FFFFFF") < 4.5
    Fake.keyframes, Fake.keyframe_colours = [[("pale", (0.0, 0.0, 1.0, 0.3))]], [[("#999999", "#FFFFFF")]]
    with pytest.raises(AssertionError, match="2.85 : 1"):
        check_contrast(Fake)

    class Num:
        def __init__(self, s):
            self.text, self.trace_digits = s, len(s.split(".")[1])
    Fake.products = [([Num("0.97"), Num("1.00")], Num("0.96"))]  # the rounding the standard forbids
    with pytest.raises(AssertionError, match="shown as 0.96"):
        check_products(Fake)
    Fake.products = [([Num("0.953"), Num("0.723")], Num("0.689"))]
    assert check_products(Fake) == 1
    Fake.products, Fake.overview_products = [], [([Num("0.95"), Num("0.72")], Num("0.69"))]  # an overview too
    with pytest.raises(AssertionError, match="shown as 0.69"):
        check_products(Fake)


@pytest.fixture(scope="session")
def zh_renders(media):
    return Renders(lambda name: render_last_frame(name, media, lang="zh"))


MAX_STILL_SECONDS = 6.0


@pytest.mark.parametrize("name", EACH_SCENE)
def test_no_picture_stays_still_longer_than_six_seconds(demo_renders, name):
    """Between two animations the screen is still; no such stretch (waits of one or more narration lines and
    their gaps) lasts more than 6 s, so the picture keeps pace with the voice."""
    scene, src, _ = demo_renders[name]
    # the scene says every line of its narration, no more, so the lesson's timed length is what plays
    assert [key for key, _ in groupby(k for _, k, _ in scene.timeline)] == \
        [s.key for s in narration(name, Facts(src))], name
    kinds = {kind for kind, _, _ in scene.timeline}
    assert kinds == {"play", "wait"} and sum(sec for _, _, sec in scene.timeline) > 5
    still, key = scene.longest_still()
    assert still <= MAX_STILL_SECONDS, f"{name}: {still:.1f} s still from line {key!r}"


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", EACH_SCENE)
def test_every_chapter_meets_the_standards(demo_renders, zh_renders, name, lang):
    """Per chapter, every key frame: text heights, edges and the subtitle band (projector), WCAG contrast of
    every text against what is behind it, and shown products that multiply back (rounding)."""
    scene = (demo_renders if lang == "en" else zh_renders)[name][0]
    check_layout(scene)
    check_products(scene)
    failures = []
    for check in (check_contrast, check_projector_layout):
        try:
            check(scene)
        except AssertionError as e:
            failures.append(str(e).split("\n")[0])
    assert not failures, failures
