"""Every scene renders (last frame, low quality) from the demo trace and from a trained model's saved trace;
the numbers on screen are the trace's; last frames match committed snapshots; a video and slides come out.

Refresh the snapshots after an intended visual change with:
    LSTM_EXPLAINER_UPDATE_SNAPSHOTS=1 pytest tests/test_animations_render.py -k snapshot
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("manim")
from manim import Text, tempconfig  # noqa: E402
from PIL import Image  # noqa: E402

from explainer import LSTM, Dense, Sequential  # noqa: E402
from explainer.cli import main  # noqa: E402

from animations.mobjects import all_numbers, fmt  # noqa: E402
from animations.scenes import SCENES, SLIDES  # noqa: E402
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


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("media")  # one text cache for the whole session


@pytest.fixture(scope="session")
def trained_trace_path(tmp_path_factory) -> Path:
    """A saved trace of an LSTM(16) trained 2 epochs on small random data, with dates as step labels."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 10, 4)).astype(np.float32)
    y = np.tanh(x[:, -3:, :2].sum(axis=(1, 2)))[:, None].astype(np.float32)
    model = Sequential([LSTM(16), Dense(1)], seed=0)
    model.compile(loss="mse", optimizer="adam")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    trace = model.trace(x[:2])[0]
    trace.meta["labels"] = [f"2019-12-{d:02d}" for d in range(1, 11)]
    return trace.save(tmp_path_factory.mktemp("trained") / "trace_trained.npz")


def render_last_frame(name: str, media: Path, lang: str = "en", trace=None, units=None, step=None):
    """Render ``name`` to its last frame at 480x270 (fast); return (scene, source, RGB array)."""
    src = make_source(trace, lang=lang, units=units, step=step)
    cls = type(name, (SCENES[name],), {"source": src})
    cfg = {"quality": "low_quality", "pixel_width": 480, "pixel_height": 270, "media_dir": str(media),
           "save_last_frame": True, "disable_caching": True, "progress_bar": "none", "verbosity": "ERROR",
           "output_file": f"{name}_{lang}_{'demo' if trace is None else 'trained'}"}
    with tempconfig(cfg):
        scene = cls()
        scene.render()
        image = np.asarray(Image.open(scene.renderer.file_writer.image_file_path).convert("RGB"))
    return scene, src, image


@pytest.fixture(scope="session")
def demo_renders(media):
    return {name: render_last_frame(name, media) for name in SCENES}


@pytest.fixture(scope="session")
def trained_renders(media, trained_trace_path):
    return {name: render_last_frame(name, media, trace=trained_trace_path, units=3) for name in SCENES}


def expected_value(src, key: str, t: int, unit: int) -> float:
    """The recorded value behind a number, read straight from the trace's arrays."""
    tr = src.trace
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
        want = expected_value(src, n.trace_key, n.trace_step, n.trace_unit)
        assert n.text == fmt(want), (n.trace_key, n.trace_step, n.trace_unit, n.text, want)
        assert abs(float(n.text) - want) <= 0.005 + 1e-9
    # and no untagged number sneaked onto the screen
    for m in scene.mobjects:
        for sub in m.get_family():
            if isinstance(sub, Text) and not hasattr(sub, "trace_key"):
                try:
                    float(sub.text)
                except ValueError:
                    continue
                raise AssertionError(f"number {sub.text!r} on screen does not come from the trace")
    return len(numbers)


@pytest.mark.parametrize("name", list(SCENES))
def test_scene_renders_from_demo_trace(demo_renders, name):
    scene, src, image = demo_renders[name]
    assert image.shape == (270, 480, 3)
    assert (image < 128).any(axis=2).mean() > 0.005  # something dark (text) was drawn on the white page
    assert check_numbers_on_screen(scene, src) >= 9


@pytest.mark.parametrize("name", list(SCENES))
def test_scene_renders_from_trained_trace(trained_renders, name):
    scene, src, image = trained_renders[name]
    assert src.total_units == 16 and src.units == 3
    assert check_numbers_on_screen(scene, src) >= 9
    assert image.shape == (270, 480, 3)


def test_forget_gate_shows_the_polluted_step_values(demo_renders):
    """Reads the forget gate's numbers back from the screen: 0.02, 0.96, 0.73 at "polluted"."""
    scene, src, _ = demo_renders["ForgetGate"]
    by_key = {}
    for n in all_numbers(scene.mobjects):
        by_key.setdefault(n.trace_key, {})[n.trace_unit] = n.text
    assert [by_key["f"][k] for k in range(3)] == [fmt(v) for v in src.trace.f[0, 5]] == ["0.02", "0.96", "0.73"]
    assert [by_key["c_prev"][k] for k in range(3)] == ["0.93", "0.00", "0.00"]
    # the blue memory is forgotten: f ⊙ c_{t-1} shows ≈ 0 although c_{t-1} was 0.93
    assert by_key["f*c_prev"][0] == fmt(src.trace.f[0, 5, 0] * src.trace.c_prev[0, 5, 0]) == "0.02"


def test_unrolled_sequence_shows_every_step_of_the_story(demo_renders):
    scene, src, _ = demo_renders["UnrolledSequence"]
    steps = {n.trace_step for n in all_numbers(scene.mobjects) if n.trace_key == "c"}
    assert steps == set(range(7))


def _snapshot(name: str, lang: str, image: np.ndarray) -> np.ndarray:
    path = SNAPSHOTS / f"{name}_{lang}.png"
    if os.environ.get("LSTM_EXPLAINER_UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        Image.fromarray(image).save(path)
    assert path.exists(), f"missing snapshot {path}; create it with LSTM_EXPLAINER_UPDATE_SNAPSHOTS=1"
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.mark.parametrize("name", ["ForgetGate", "FullStep"])
def test_last_frame_snapshot(demo_renders, media, name):
    _, _, en = demo_renders[name]
    _, _, zh = render_last_frame(name, media, lang="zh")
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
    assert main(["render", "CellStateUpdate", "--out", str(tmp_path), "--quality", "low"]) == 0
    out = capsys.readouterr().out
    video = tmp_path / "videos" / "480p15" / "CellStateUpdate_en.mp4"
    assert f"-> {video}" in out and video.stat().st_size > 10_000
    if SLIDES:  # manim-slides installed: the pauses marked with next_slide() become slides
        slides = json.loads((tmp_path / "slides" / "en" / "CellStateUpdate.json").read_text())
        assert len(slides["slides"]) >= 4
        assert "manim-slides present --folder" in out
    else:  # plain manim: same video, no slide files, no presenter hint
        assert not (tmp_path / "slides").exists() and "manim-slides" not in out


def test_plain_manim_on_the_scene_file_with_env_trace(tmp_path, trained_trace_path):
    """`manim -ql -s animations/scenes.py OutputGate` with the LSTM_EXPLAINER_* variables, manim-slides off."""
    env = dict(os.environ, LSTM_EXPLAINER_TRACE=str(trained_trace_path), LSTM_EXPLAINER_UNITS="2",
               LSTM_EXPLAINER_STEP="-1", LSTM_EXPLAINER_LANG="zh", LSTM_EXPLAINER_SLIDES="0")
    cmd = [sys.executable, "-m", "manim", "render", "-ql", "-s", "--media_dir", str(tmp_path), "--progress_bar",
           "none", "-r", "480,270", str(ROOT / "animations" / "scenes.py"), "OutputGate"]
    done = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    pngs = list(tmp_path.rglob("OutputGate*.png"))
    assert len(pngs) == 1 and Image.open(pngs[0]).size == (480, 270)
    assert not (tmp_path / "slides").exists()  # the fallback base class wrote no slides
