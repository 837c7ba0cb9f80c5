"""The character model on real code: corpus, properties, gradients, a planted cell found, the page read back."""
import json
import re

import numpy as np
import pytest

from explainer import LSTM, Dense, Sequential
from explainer.chars import corpus
from explainer.chars.find import correlations, find
from explainer.chars.ngram import NGram
from explainer.chars.page import colour, page, view_data
from explainer.chars.properties import code_properties, line_position
from explainer.chars.train import V, clip_global_norm, one_hot, read, sample

SNIPPET = '''def f(a, b="x\\"y"):  # hi (
    if a:
        return [a, (b,
                 f"{a}")]
    s = """tri
ple # no"""
    return s
'''


def at(text, needle, k=0):
    return text.index(needle) + k


# --- corpus -----------------------------------------------------------------
def test_corpus_ships_pinned_and_holds_out_whole_files():
    m = corpus.manifest()
    assert m["cpython"] == "3.11.7"
    train, held = corpus.load("train"), corpus.load("heldout")
    assert len(train) > 4_000_000 and len(held) > 200_000
    assert set(m["train_files"]).isdisjoint(m["heldout_files"])
    assert "def tokenize(" in held and "def tokenize(" not in train  # tokenize.py is held out, whole
    ids = corpus.encode("a\tb\n")
    assert ids.tolist() == [corpus.INDEX["a"], 0, corpus.INDEX["b"], corpus.INDEX["\n"]]
    assert corpus.decode(corpus.encode("x = 1\n")) == "x = 1\n"
    with pytest.raises(ValueError, match="split must be"):
        corpus.load("test")


def test_build_refuses_a_different_stdlib(tmp_path):
    (tmp_path / "abc.py").write_text("changed\n")
    with pytest.raises(ValueError, match="missing|differs"):
        corpus.build(tmp_path, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --- properties ---------------------------------------------------------------
def test_properties_of_strings_escapes_triple_quotes_comments_brackets_fstrings():
    p = code_properties(SNIPPET)
    s, cm, d, ind = p["string"], p["comment"], p["bracket_depth"], p["indent"]
    q = at(SNIPPET, '"x')
    assert s[q - 1] == 0 and s[q:q + 6].tolist() == [1] * 6 and s[q + 6] == 0  # "x\"y" with its escape, whole
    assert s[at(SNIPPET, ")")] == 0
    c = at(SNIPPET, "# hi")
    assert cm[c:c + 6].all() and cm[c - 1] == 0 and cm[at(SNIPPET, "\n")] == 0
    assert d[at(SNIPPET, "# hi (", 5)] == 0                      # a bracket in a comment does not count
    assert d[at(SNIPPET, "(a")] == 1 and d[at(SNIPPET, "):")] == 1 and d[at(SNIPPET, "):", 1)] == 0
    assert d[at(SNIPPET, "(b")] == 2 and d[at(SNIPPET, 'f"{a}')] == 2 and d[at(SNIPPET, ")]")] == 2
    assert d[at(SNIPPET, ")]", 1)] == 1 and d[at(SNIPPET, ")]", 2)] == 0
    fs = at(SNIPPET, 'f"{a}"')
    assert s[fs:fs + 6].all()                                     # the f-string, prefix and braces included
    t = at(SNIPPET, '"""tri')
    assert s[t:at(SNIPPET, 'no"""', 5)].all()                     # a triple-quoted string over two lines
    assert cm[at(SNIPPET, "# no")] == 0                           # a '#' inside a string is no comment
    assert ind[at(SNIPPET, "def")] == 0 and ind[at(SNIPPET, "if a")] == 1 and ind[at(SNIPPET, "return [")] == 2
    assert ind[at(SNIPPET, 'f"{a}')] == 2 and ind[at(SNIPPET, "ple")] == 1 and ind[at(SNIPPET, "return s")] == 1
    assert line_position("ab\ncd").tolist() == [0, 1, 2, 0, 1]
    with pytest.raises(ValueError, match="not Python"):
        code_properties("if a:\n    x = 1\n  y = 2\n")   # a dedent to no level


def test_correlations_are_pearsons():
    rng = np.random.default_rng(0)
    x, p = rng.normal(size=(50, 3)), rng.normal(size=50)
    assert np.allclose(correlations(x, p), [np.corrcoef(x[:, k], p)[0, 1] for k in range(3)])
    assert np.isnan(correlations(x, np.ones(50))).all()


# --- the model's gradients ----------------------------------------------------------
def test_char_model_gradients_match_finite_differences():
    model = Sequential([LSTM(3, return_sequences=True, input_shape=(None, V), dtype="float64"),
                        Dense(V, activation="softmax", dtype="float64")], seed=1)
    model.compile("categorical_crossentropy", "adam")
    ids = corpus.encode('x = "a" # b\n(')
    x, y = one_hot(ids[None, :-1]).astype(np.float64), one_hot(ids[None, 1:]).astype(np.float64)
    model.loss_and_grads(x, y)
    rng = np.random.default_rng(0)
    for layer in model.layers:
        for key, w in layer.params.items():
            for idx in [tuple(rng.integers(0, n) for n in w.shape) for _ in range(4)]:
                if key == "kernel" and layer is model.layers[0]:
                    idx = (int(ids[rng.integers(0, len(ids) - 1)]),) + idx[1:]  # a row a character uses
                old, eps = w[idx], 1e-6
                w[idx] = old + eps
                up = model._batch_loss(y, model.forward(x))[0]
                w[idx] = old - eps
                down = model._batch_loss(y, model.forward(x))[0]
                w[idx] = old
                model.loss_and_grads(x, y)
                assert layer.grads[key][idx] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-9)


def test_clip_global_norm():
    g = [np.full(3, 3.0, np.float32), np.full(1, 4.0, np.float32)]
    norm = clip_global_norm(g, 1.0)
    assert norm == pytest.approx(np.sqrt(27 + 16))
    assert np.sqrt(sum((a ** 2).sum() for a in g)) == pytest.approx(1.0, rel=1e-6)


# --- a planted cell ------------------------------------------------------------------
def planted_model(units: int = 4) -> Sequential:
    """Unit 0 flips its cell state at every '"': +1 inside a string, −1 after it (hand-set weights)."""
    model = Sequential([LSTM(units, return_sequences=True, input_shape=(None, V)),
                        Dense(V, activation="softmax")], seed=3)
    model.build((None, V))
    lstm = model.layers[0]
    W, U, b = (lstm.params[k] for k in ("kernel", "recurrent_kernel", "bias"))
    W *= 0.3
    U *= 0.3
    q, u = corpus.INDEX['"'], units
    I, F, G, O = (slice(k * u, k * u + 1) for k in range(4))  # unit 0's column in each gate block
    W[:, I], U[:, I], b[I] = 0, 0, -10      # input gate shut …
    W[q, I] = 20                            # … except at a quote
    W[:, F], U[:, F], b[F] = 0, 0, 10       # forget gate open (keep) …
    W[q, F] = -20                           # … except at a quote (forget)
    W[:, G], U[:, G], b[G] = 0, 0, 0
    U[0, :] = 0                             # the other units do not read unit 0 (so only it tracks strings)
    W[q, G], U[0, G] = 5, -20               # at a quote: write +1 if h was ≤ 0, −1 if it was +0.76
    W[:, O], U[:, O], b[O] = 0, 0, 10       # output gate open
    return model


PLANTED_TEXT = ('x = "hello" + y\nif a == "two words":\n    print("quote", b)\nz = 1  # done\n'
                'w = ("a", "bc", (1, 2))\n' * 3)


def test_find_recovers_the_planted_string_cell(tmp_path):
    report = find(planted_model(), PLANTED_TEXT)
    best = report["properties"]["string"]
    # c is +1 from an opening quote to the character before the closing one (the closing quote flips it)
    assert best["unit"] == 0 and best["r"] > 0.85
    assert all(abs(t["r"]) < 0.5 for t in best["top"] if t["unit"] != 0)   # and no other unit comes close
    assert set(report["properties"]) == {"string", "comment", "bracket_depth", "indent", "line_position"}
    sat = report["saturation"]
    assert set(sat) == {"f", "i", "o"}
    f0 = read(planted_model(), PLANTED_TEXT)[0]["f"][:, 0]
    assert sat["f"]["per_unit"]["right"][0] == pytest.approx((f0 > 0.9).mean(), abs=1e-4)
    assert sat["f"]["per_unit"]["left"][0] == pytest.approx(PLANTED_TEXT.count('"') / len(PLANTED_TEXT), abs=1e-4)
    assert 0 < report["bits_per_char"] < 10


def test_read_in_chunks_equals_one_trace():
    model = planted_model()
    fields, bits = read(model, PLANTED_TEXT, chunk=17)
    trace = model.layers[0].trace(one_hot(corpus.encode(PLANTED_TEXT))[None])
    for k in ("c", "h", "f", "i"):
        np.testing.assert_allclose(fields[k], getattr(trace, k)[0], rtol=0, atol=1e-6)
    p = model.predict(one_hot(corpus.encode(PLANTED_TEXT))[None])[0]
    nxt = corpus.encode(PLANTED_TEXT)[1:]
    np.testing.assert_allclose(bits, -np.log2(p[np.arange(len(nxt)), nxt]), rtol=1e-5)


def test_sample_and_bad_temperature():
    text = sample(planted_model(), 30, temperature=0.5, prime="x = ", seed=1)
    assert text.startswith("x = ") and len(text) == 34 and "\x00" not in text
    assert text == sample(planted_model(), 30, temperature=0.5, prime="x = ", seed=1)
    with pytest.raises(ValueError, match="temperature"):
        sample(planted_model(), 5, temperature=0)


def test_ngram_is_a_distribution_and_beats_uniform():
    text = corpus.load("heldout")[:20000]
    m = NGram(text[:15000], order=4)
    for h in ("def ", "zzzz", ""):
        assert sum(m.prob(h, c) for c in corpus.ALPHABET) == pytest.approx(1.0, abs=1e-9)
    assert m.bits_per_char(text[15000:17000]) < np.log2(V) - 2


# --- the CLI ------------------------------------------------------------------------
def test_cells_commands_quick(tmp_path, capsys):
    import argparse

    from explainer.chars.cli import add_command

    def run(*argv):
        p = argparse.ArgumentParser(prog="lstm-explainer")
        add_command(p.add_subparsers())
        a = p.parse_args(list(argv))
        return a.func(a)

    out = tmp_path / "q.npz"
    assert run("cells", "train", "--quick", "--out", str(out), "--no-baseline", "--quiet") == 0
    rep = json.loads(out.with_suffix(".json").read_text())
    assert rep["recipe"]["units"] == 16 and rep["heldout_bits_per_char"] < np.log2(V)
    src = tmp_path / "t.py"
    src.write_text(PLANTED_TEXT)
    js = tmp_path / "cells.json"
    assert run("cells", "find", "--text", str(src), "--model", str(out), "--json", str(js)) == 0
    r = json.loads(js.read_text())
    for name in ("string", "comment", "bracket_depth", "indent", "line_position"):
        assert {"unit", "field", "r"} <= set(r["properties"][name])
    assert {"left", "right"} <= set(r["saturation"]["f"]) and r["bits_per_char"] > 0
    assert run("cells", "sample", "--model", str(out), "--length", "20") == 0
    with pytest.raises(ValueError, match="no such file"):
        run("cells", "find", "--text", str(tmp_path / "missing.py"), "--model", str(out))
    with pytest.raises(ValueError, match="no model"):
        run("cells", "find", "--text", str(src), "--model", str(tmp_path / "none.npz"))
    with pytest.raises(ValueError, match=".html"):
        run("cells", "show", "--text", str(src), "--model", str(out), "--html", str(tmp_path / "x.htm"))
    assert not (tmp_path / "x.htm").exists()


# --- the coloured text ------------------------------------------------------------------
HOSTILE = PLANTED_TEXT + 's = "</script><b>bold</b> & \u2028 "\n'


def test_colour_scale_ends_and_middle():
    from explainer import palette

    assert colour(0.0, 1.0) == "#ffffff"
    assert colour(1.0, 1.0) == palette.CELL.lower() and colour(5.0, 1.0) == palette.CELL.lower()
    assert colour(-1.0, 1.0) == palette.NEGATIVE.lower() and colour(-0.5, 2.0) == colour(-0.25, 1.0)
    mid = colour(0.5, 1.0)   # half-way between white and the cell colour, channel by channel
    assert all(abs(int(mid[k:k + 2], 16) - (255 + int(palette.CELL[k:k + 2], 16)) / 2) <= 0.5 for k in (1, 3, 5))


@pytest.mark.browser
def test_page_offline_in_chromium_reads_back_the_trace(tmp_path, chromium, screens):
    model = planted_model()
    fields, _ = read(model, HOSTILE)
    report = find(model, HOSTILE)
    data = view_data(HOSTILE, fields, 0, "c", report)
    path = page(data, tmp_path / "cells.html")
    ctx = chromium.new_context(viewport={"width": 1000, "height": 900}, offline=True)
    asked = []
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://")
              else (asked.append(r.request.url), r.abort()))
    p = ctx.new_page()
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    try:
        p.goto(path.as_uri())
        assert p.locator(".cells pre").text_content() == HOSTILE       # the text exactly, nothing became markup
        assert p.locator(".cells pre b").count() == 0
        for needle, off in (('"hello', 0), ('"hello', 3), ("done", 0), ("</script", 2)):
            k = HOSTILE.index(needle) + off
            span = p.locator(f".cells pre span[data-k='{k}']")
            span.hover()
            info = p.locator(".cells .info").text_content()
            nums = dict(re.findall(r"(\S+) = ([ -]\d\.\d{3})", info))
            for g, name in (("f", "f"), ("i", "i"), ("o", "o"), ("g", "g"), ("c", "c"), ("h", "h")):
                assert float(nums[name]) == pytest.approx(float(fields[g][k, 0]), abs=5.5e-4), (needle, g)  # stored to 4 decimals, shown to 3
            want = colour(fields["c"][k, 0], data["bound"])
            got = span.evaluate("e => getComputedStyle(e).backgroundColor")
            assert got == "rgb(%d, %d, %d)" % tuple(int(want[j:j + 2], 16) for j in (1, 3, 5))
        assert "forget gate f" in p.locator(".cells .info").text_content()
        p.locator(".cells button").click()
        assert "遗忘门 f" in p.locator(".cells .info").text_content()
        assert "单元 0" in p.locator(".cells .what").text_content()
        p.screenshot(path=str(screens / "cells_page.png"))
        assert not errors and not asked
    finally:
        ctx.close()


def test_widget_colours_and_tooltips_read_back_the_trace():
    import html as H

    from widgets.cells import CellsWidget

    model = planted_model()
    w = CellsWidget(model, HOSTILE)
    assert w.unit == 0                                   # the first option: the string cell
    fields, _ = read(model, HOSTILE)
    k = HOSTILE.index('"hello') + 2
    m = re.search(rf"<span data-k='{k}' title='([^']*)' style='background:(#[0-9a-f]{{6}})[^']*'>", w.view.value)
    tip = H.unescape(m.group(1))
    assert f"forget gate f = {fields['f'][k, 0]:+.3f}" in tip and f"cell state c = {fields['c'][k, 0]:+.3f}" in tip
    assert m.group(2) == colour(fields["c"][k, 0], float(np.abs(fields["c"][:, 0]).max()))
    assert "<b>" not in w.view.value and "<script" not in w.view.value   # the text's markup stayed text
    text = re.sub(r"<[^>]+>", "", w.view.value.split("<pre", 1)[1].split(">", 1)[1])
    assert H.unescape(text.rsplit("</pre", 1)[0]) == HOSTILE
    w.picker.value = 2
    assert "unit 2" in w.view.value
    zh = CellsWidget(model, HOSTILE, lang="zh")
    assert "遗忘门 f" in zh.view.value


def test_notebook_08_runs(tmp_path, monkeypatch):
    import json as J
    import sys
    from pathlib import Path

    import nbformat
    from nbclient import NotebookClient

    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(J.dumps({"argv": [sys.executable, "-m", "ipykernel_launcher", "-f",
                                                        "{connection_file}"], "display_name": "py", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    path = Path(__file__).resolve().parents[1] / "examples" / "08_real_lstm_cells.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name="python3", timeout=180, resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    assert [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "string" in text and "gate f" in text and "def " in text


def test_properties_of_a_text_cut_in_the_middle():
    p = code_properties('x = 1\ns = """open\nstill')
    assert p["string"][at('x = 1\ns = """open\nstill', '"""'):].all() and p["string"][0] == 0
    q = code_properties("y = (1,\n  [2")
    assert q["bracket_depth"][-1] == 2
