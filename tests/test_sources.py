"""trace_source: one way to name a trace for every view."""
import numpy as np
import pytest

from explainer.demo import demo_trace
from explainer.sources import SOURCES, trace_source


def test_demo():
    tr = trace_source("demo")
    assert tr == demo_trace() and tr.meta["source"] == "demo" and tr.meta["labels"][5] == "polluted"


@pytest.mark.parametrize("lang, polluted", [("en", "polluted"), ("zh", "污染了")])
def test_story_is_the_learned_model_on_a_polluted_sky(lang, polluted):
    tr = trace_source("story", lang=lang)
    m = tr.meta
    assert m["source"] == "story" and m["lang"] == lang and polluted in m["labels"]
    assert len(m["labels"]) == tr.time and len(m["features"]) == tr.input_dim
    t, u = m["labels"].index(polluted), m["memory_unit"]
    assert tr.f[0, t, u] < 0.3 < tr.f[0, t - 1, u]  # the memory unit's forget gate closes at "polluted"


def test_a_saved_trace(tmp_path):
    path = trace_source("story").save(tmp_path / "s.npz")
    for given in (path, str(path)):
        tr = trace_source(given)
        assert tr == trace_source("story") and tr.meta["memory_unit"] == trace_source("story").meta["memory_unit"]


@pytest.mark.parametrize("given, err, words", [
    ("stroy", ValueError, "unknown trace source 'stroy'; choose one of: demo"),
    ("runs/none.npz", FileNotFoundError, "no trace file at runs/none.npz"),
    ("", ValueError, "a trace source is a name"),
    (3, ValueError, "a trace source is a name"),
])
def test_clear_errors(given, err, words):
    with pytest.raises(err, match=words.replace(".", r"\.")):
        trace_source(given)


def test_folder_and_language_errors(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        trace_source(tmp_path)
    with pytest.raises(ValueError, match="unknown language .fr.; choose one of en, zh"):
        trace_source("demo", lang="fr")


def test_a_damaged_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError):
        trace_source(bad)


def test_every_named_source_builds_a_trace_with_labels():
    for name in SOURCES:
        tr = trace_source(name)
        assert len(tr.meta["labels"]) == tr.time and np.isfinite(tr.c).all()
