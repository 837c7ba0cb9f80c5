"""The animations' data side, no rendering: which trace, step and units a scene draws; fonts; CLI errors."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("manim")  # the `video` extra; these tests are about the animations package

from explainer.cli import main  # noqa: E402
from explainer.demo import demo_trace  # noqa: E402
from explainer.trace import SequenceTrace  # noqa: E402

from animations import source  # noqa: E402
from animations.mobjects import fmt  # noqa: E402
from animations.source import MissingFontError, font_for, make_source  # noqa: E402


def test_demo_source_defaults_to_the_polluted_step():
    src = make_source()
    assert src.units == 2 and src.total_units == 2 and src.trace.batch == 1
    assert src.t == 5 and src.label() == "polluted"
    # the forget gate of the "blue memory" closes there, and the scene's value is the trace's
    assert src.value("f")[0] < 0.05
    np.testing.assert_array_equal(src.value("z_f"), demo_trace().z_block("f")[0, 5])
    assert src.unit_names() == ["blue memory", "grey memory"]


def test_display_products_add_up_to_the_recorded_cell_state():
    src = make_source()
    for t in range(src.trace.time):
        np.testing.assert_allclose(src.value("f*c_prev", t) + src.value("i*g", t), src.value("c", t), atol=1e-6)


def test_wide_trace_is_narrowed_to_its_most_active_units(tmp_path):
    rng = np.random.default_rng(0)
    from explainer import LSTM
    trace = LSTM(12, seed=1).trace(rng.normal(size=(3, 6, 4)).astype(np.float32))
    path = trace.save(tmp_path / "t.npz")
    src = make_source(path, units=3, sample=2, step=-1)
    assert src.units == 3 and src.total_units == 12 and src.t == 5
    keep = trace.sample(2).most_active(3)
    np.testing.assert_array_equal(src.trace.unit_index, keep)
    np.testing.assert_array_equal(src.value("c"), trace.c[2, 5, keep])
    assert make_source(path).units == source.DEFAULT_UNITS


@pytest.mark.parametrize("kwargs, message", [
    ({"step": 8}, "out of range"),
    ({"units": 0}, "choose 1.."),
    ({"units": 99}, "choose 1.."),
    ({"lang": "fr"}, "unknown language"),
    ({"sample": 3}, "sample 3 is out of range"),
])
def test_bad_choices_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_source(**kwargs)


def test_environment_variables_choose_the_source(monkeypatch, tmp_path):
    path = demo_trace().save(tmp_path / "d.npz")
    monkeypatch.setenv("LSTM_EXPLAINER_TRACE", str(path))
    monkeypatch.setenv("LSTM_EXPLAINER_STEP", "3")
    monkeypatch.setenv("LSTM_EXPLAINER_LANG", "zh")
    src = source.source_from_env()
    assert (src.t, src.lang, src.label(), src.name) == (3, "zh", "birds", "d")
    monkeypatch.setenv("LSTM_EXPLAINER_STEP", "three")
    with pytest.raises(ValueError, match="LSTM_EXPLAINER_STEP must be an integer"):
        source.source_from_env()


def test_numbers_are_rounded_for_display_without_negative_zero():
    assert [fmt(v) for v in (0.98234, -0.004, -1.239, 3)] == ["0.98", "0.00", "\u22121.24", "3.00"]


def test_chinese_uses_an_installed_cjk_font():
    assert source.installed_cjk_families(), "fonts-noto-cjk should be installed (see README setup)"
    assert font_for("zh") in source.installed_cjk_families()


def test_missing_cjk_font_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.setattr(source, "installed_cjk_families", lambda: [])
    font_for.cache_clear()
    try:
        with pytest.raises(MissingFontError, match="fonts-noto-cjk"):
            font_for("zh")
        assert main(["render", "ForgetGate", "--lang", "zh", "--last-frame"]) == 2
        assert "apt-get install fonts-noto-cjk" in capsys.readouterr().err
    finally:
        font_for.cache_clear()


def test_render_command_rejects_bad_input(tmp_path, capsys):
    assert main(["render", "NoSuchScene"]) == 2
    assert "unknown scene 'NoSuchScene'" in capsys.readouterr().err
    assert main(["render", "ForgetGate", "--trace", str(tmp_path / "missing.npz")]) == 2
    assert "no trace file" in capsys.readouterr().err
    assert main(["render", "ForgetGate", "--step", "40"]) == 2
    assert "--step 40 is out of range" in capsys.readouterr().err


def test_trace_round_trip_keeps_what_scenes_need(tmp_path):
    t = demo_trace()
    back = SequenceTrace.load(t.save(tmp_path / "demo.npz"))
    assert back.meta["labels"] == t.meta["labels"] and "recurrent_kernel" in back.weights


def test_masked_steps_and_other_activations_are_refused_not_drawn_as_computed():
    from explainer import LSTM, Masking, Sequential

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 6, 3)).astype(np.float32)
    x[0, 4:] = 0.0  # sample 0 is padded at its end; sample 1 is whole
    model = Sequential([Masking(0.0, input_shape=(6, 3)), LSTM(2, seed=0)])
    trace = model.trace(x)[0]
    with pytest.raises(ValueError, match=r"sample 0 of this trace skips time steps 4, 5 \(masked\)"):
        make_source(trace, sample=0)
    assert make_source(trace, sample=1).trace.time == 6  # a sample with no skipped step draws as before

    relu = LSTM(2, activation="relu", seed=0).trace(x[1:])
    with pytest.raises(ValueError, match=r"activation='relu'.*export-html"):
        make_source(relu)
