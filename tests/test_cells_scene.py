"""The opt-in chapter RealLSTMCells: found by the render command (alone and after the lesson), rendered at low
quality, the gate numbers on screen and in its narration read back against the character model's own record."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("manim")
from manim import tempconfig  # noqa: E402

from explainer.chars.cli import load_model  # noqa: E402
from explainer.chars.corpus import load  # noqa: E402
from explainer.chars.train import read  # noqa: E402
from explainer.presentation import fmt  # noqa: E402

from animations import cli  # noqa: E402
from animations.chapters import CELLS, LESSON  # noqa: E402
from animations.lesson import chapter_title  # noqa: E402
from animations.mobjects import all_numbers  # noqa: E402
from animations.scenes import SCENES, scene_class  # noqa: E402
from animations.source import make_source  # noqa: E402

pytestmark = pytest.mark.video


def test_cells_is_opt_in_and_found_by_name():
    assert CELLS not in LESSON and CELLS not in SCENES        # the default lesson is unchanged
    assert cli._scene_names("cells") == cli._scene_names("RealLSTMCells") == (CELLS,)
    assert CELLS not in cli._scene_names("lesson")
    assert scene_class(CELLS).__name__ == CELLS
    assert chapter_title(CELLS, "en") == "a real LSTM's cells" and chapter_title(CELLS, "zh") == "真实 LSTM 的单元"
    with pytest.raises(ValueError, match="cells"):
        cli._scene_names("cell")


def test_recording_script_has_the_chapters_lines_in_both_languages():
    from animations.recording import script_lines
    rows = script_lines([CELLS])
    assert [r[0] for r in rows] == [f"{k:03d}_{CELLS}_{key}" for k, key in
                                    enumerate(("intro", "unit", "colour", "gates", "honest"), 1)]
    assert all(en and zh and "{" not in en + zh for _, en, zh in rows)


def test_with_cells_appends_the_chapter_to_the_lesson(monkeypatch, tmp_path):
    seen = {}

    def fake_render_many(jobs, **kw):  # stop before rendering: what would be rendered, in order
        seen["scenes"] = [j["scene"] for j in jobs]
        raise SystemExit(0)

    monkeypatch.setattr(cli, "render_many", fake_render_many)
    from explainer.cli import main
    with pytest.raises(SystemExit):
        main(["render", "lesson", "--with-cells", "--voice", "none", "--no-slides", "--out", str(tmp_path)])
    assert seen["scenes"] == [*cli._scene_names("lesson"), CELLS]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_numbers_on_screen_and_said_are_the_models_record(tmp_path, lang):
    cls = type(CELLS, (scene_class(CELLS),), {"source": make_source(None, lang=lang)})
    cfg = {"quality": "low_quality", "pixel_width": 480, "pixel_height": 270, "media_dir": str(tmp_path),
           "save_last_frame": True, "disable_caching": True, "progress_bar": "none", "verbosity": "ERROR",
           "output_file": f"cells_{lang}"}
    with tempconfig(cfg):
        scene = cls()
        scene.render()
    view = scene.view
    # the model's record, read again here: the excerpt of held-out code with the text before it
    model = load_model(None)
    held = load("heldout")
    fields, _ = read(model, held[:view.start + len(view.shown)])
    assert held[view.start:view.start + len(view.shown)] == view.shown
    shown = all_numbers(scene.mobjects)
    assert sorted(n.trace_key for n in shown) == ["f", "i"]
    last = view.start + len(view.shown.rstrip("\n")) - 1         # the scene ends on the excerpt's last character
    for n in shown:
        assert n.trace_unit == view.unit and n.trace_step == last
        assert n.trace_value == pytest.approx(float(fields[n.trace_key][last, view.unit]), abs=1e-7)
        assert n.text == fmt(n.trace_value).replace(" ", "")
    # the narration's averages at the quote marks, recomputed from the record
    said = " ".join(s.text for s in scene.spoken.values())
    q = np.array([ch in "'\"" for ch in view.shown])
    assert q.sum() >= 4
    for key in ("f", "i"):
        v = fields[key][view.start:, view.unit]
        assert fmt(v[q].mean()) in said and fmt(v[~q].mean()) in said
    assert fmt(view.r) in said and f"{view.unit}" in said
    if lang == "zh":
        assert "：" in said and ":" not in said.replace("r = ", "")
