"""`trace --model M.keras --layer NAME` on Keras models as people build them: whatever surrounds the layer,
Keras computes what it receives, our copy traces it, and h is checked here against Keras's own output."""
import numpy as np
import pytest

from explainer import cli
from explainer.rnn import RNNTrace
from explainer.trace import SequenceTrace

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")


@keras.saving.register_keras_serializable(package="tests")
class Scale(keras.layers.Layer):
    """A custom layer (not one this package knows): x ↦ 2x + 1."""

    def call(self, x):
        return 2.0 * x + 1.0


def _functional(rng):
    """Input(None,) int32 → Embedding(mask_zero) → LSTM(return_sequences) → LSTM → Dense."""
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    e = keras.layers.Embedding(12, 4, mask_zero=True, name="embed")(tokens)
    a = keras.layers.LSTM(5, return_sequences=True, name="reader")(e)
    b = keras.layers.LSTM(3, name="summary")(a)
    model = keras.Model(tokens, keras.layers.Dense(1, name="score")(b))
    ids = np.array([[3, 5, 7, 2, 0, 0], [1, 4, 4, 9, 11, 0]], np.int32)  # padded with 0
    return model, {"tokens": ids}


def _initial_state(rng):
    x = keras.Input((4, 3), name="x")
    h0, c0 = keras.Input((2,), name="h0"), keras.Input((2,), name="c0")
    y = keras.layers.LSTM(2, return_sequences=True, name="decoder")(x, initial_state=[h0, c0])
    model = keras.Model([x, h0, c0], keras.layers.Dense(1)(y))
    f = lambda *s: rng.normal(size=s).astype(np.float32)  # noqa: E731
    return model, {"x": f(2, 4, 3), "h0": f(2, 2), "c0": f(2, 2)}


def _conv(rng):
    x = keras.Input((7, 2), name="series")
    c = keras.layers.Conv1D(4, 3, activation="relu", name="conv")(x)
    y = keras.layers.LSTM(3, name="after_conv")(c)
    return keras.Model(x, keras.layers.Dense(1)(y)), {"series": rng.normal(size=(2, 7, 2)).astype(np.float32)}


def _attention(rng):
    x = keras.Input((5, 3), name="x")
    seq = keras.layers.LSTM(4, return_sequences=True, name="encoder")(x)
    att = keras.layers.Attention(name="attend")([seq, seq])
    y = keras.layers.Dense(1)(keras.layers.GlobalAveragePooling1D()(att))
    return keras.Model(x, y), {"x": rng.normal(size=(2, 5, 3)).astype(np.float32)}


def _custom(rng):
    x = keras.Input((5, 3), name="x")
    y = keras.layers.LSTM(3, go_backwards=True, return_sequences=True, name="after_custom")(Scale(name="scale")(x))
    return keras.Model(x, y), {"x": rng.normal(size=(2, 5, 3)).astype(np.float32)}


def _bidirectional(rng):
    x = keras.Input((6,), dtype="int32", name="ids")
    e = keras.layers.Embedding(9, 3, mask_zero=True)(x)
    y = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True), name="both_ways")(e)
    ids = np.array([[4, 2, 8, 1, 0, 0], [5, 5, 3, 0, 0, 0]], np.int32)
    return keras.Model(x, keras.layers.Dense(1)(y)), {"ids": ids}


def _stacked(rng):
    model = keras.Sequential([keras.Input((5, 3)), keras.layers.Masking(0.0),
                              keras.layers.LSTM(4, return_sequences=True, name="first"),
                              keras.layers.LSTM(3, return_sequences=True, name="second"),
                              keras.layers.SimpleRNN(2, name="plain")])
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    return model, {_name(model): x}


def _stateful(rng):
    model = keras.Sequential([keras.Input((4, 2), batch_size=2), keras.layers.LSTM(3, stateful=True, name="carry")])
    x = rng.normal(size=(2, 4, 2)).astype(np.float32)
    return model, {_name(model): x}


def _name(model):
    return model.inputs[0]._keras_history.operation.name  # the Input layer's name (a Sequential's too)


def _gru(rng):
    """Embedding(mask_zero) → GRU(return_sequences) → GRU(reset_after=False) → Dense."""
    tokens = keras.Input((None,), dtype="int32", name="tokens")
    e = keras.layers.Embedding(12, 4, mask_zero=True)(tokens)
    a = keras.layers.GRU(5, return_sequences=True, name="gru_reader")(e)
    b = keras.layers.GRU(3, reset_after=False, name="gru_summary")(a)
    ids = np.array([[3, 5, 7, 2, 0, 0], [1, 4, 4, 9, 11, 0]], np.int32)
    return keras.Model(tokens, keras.layers.Dense(1)(b)), {"tokens": ids}


def _seq2seq(rng):
    """An encoder LSTM(return_state=True) whose h and c start the decoder (initial_state from a layer)."""
    src, tgt = keras.Input((5, 3), name="source"), keras.Input((4, 2), name="target")
    _, h, c = keras.layers.LSTM(3, return_state=True, name="enc")(src)
    y = keras.layers.LSTM(3, return_sequences=True, name="dec")(tgt, initial_state=[h, c])
    f = lambda *s: rng.normal(size=s).astype(np.float32)  # noqa: E731
    return keras.Model([src, tgt], keras.layers.Dense(1)(y)), {"source": f(2, 5, 3), "target": f(2, 4, 2)}


BUILDERS = {"functional": _functional, "initial_state": _initial_state, "conv": _conv, "attention": _attention,
            "custom": _custom, "bidirectional": _bidirectional, "stacked": _stacked, "stateful": _stateful,
            "gru": _gru, "seq2seq": _seq2seq}


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Each model built once, saved as .keras with its input file (.npz, one array per model input)."""
    d = tmp_path_factory.mktemp("graphs")
    rng = np.random.default_rng(0)
    made = {}
    for name, build in BUILDERS.items():
        model, inputs = build(rng)
        model.save(d / f"{name}.keras")
        np.savez(d / f"{name}_x.npz", **inputs)
        made[name] = (d / f"{name}.keras", d / f"{name}_x.npz", model, inputs)
    return d, made


def _keras_output(model, layer_name, inputs):
    """What Keras's own layer outputs (a sub-model of the very model that was saved)."""
    sub = keras.Model(model.inputs, model.get_layer(layer_name).output)
    feed = [inputs[t._keras_history.operation.name] for t in model.inputs]
    return np.asarray(sub(feed))


def trace(models, name, layer, capsys, *extra, loader=SequenceTrace):
    d, made = models
    path, x, _, _ = made[name]
    out = d / f"{name}_{layer.replace('/', '_')}.npz"
    assert cli.main(["trace", "--model", str(path), "--input", str(x), "--layer", layer, "--out", str(out),
                     "--force", *extra]) == 0
    printed = capsys.readouterr().out
    assert "checked against Keras" in printed and "max |Δh|" in printed
    delta = float(printed.split("max |Δh| = ")[1].split()[0])
    assert 0 <= delta <= 1e-4
    return loader.load(out)


def test_embedding_mask_zero_functional_model(models, capsys):
    _, made = models
    _, _, model, inputs = made["functional"]
    mask = inputs["tokens"] != 0
    t = trace(models, "functional", "reader", capsys)
    np.testing.assert_array_equal(t.mask, mask)
    expected = _keras_output(model, "reader", inputs)
    assert np.abs(t.h - expected)[mask].max() <= 1e-5
    t = trace(models, "functional", "summary", capsys)  # reads the first LSTM's sequence, masked the same
    last = mask.sum(axis=1) - 1
    np.testing.assert_allclose(t.h[[0, 1], last], _keras_output(model, "summary", inputs), atol=1e-5)
    assert "features" not in t.meta


def test_initial_state_from_the_models_inputs(models, capsys):
    _, made = models
    _, _, model, inputs = made["initial_state"]
    t = trace(models, "initial_state", "decoder", capsys)
    np.testing.assert_allclose(t.h_prev[:, 0], inputs["h0"], atol=1e-7)
    np.testing.assert_allclose(t.c_prev[:, 0], inputs["c0"], atol=1e-7)
    assert np.abs(t.h - _keras_output(model, "decoder", inputs)).max() <= 1e-5


@pytest.mark.parametrize("name, layer", [("conv", "after_conv"), ("attention", "encoder"),
                                         ("custom", "after_custom")])
def test_whatever_comes_before_or_after(models, capsys, name, layer):
    _, made = models
    _, _, model, inputs = made[name]
    t = trace(models, name, layer, capsys)
    expected = _keras_output(model, layer, inputs)
    if expected.ndim == 2:  # the last step's h
        assert np.abs(t.h[:, -1] - expected).max() <= 1e-5
    else:  # go_backwards: Keras returns the steps in processing order, as the trace records them
        assert np.abs(t.h - expected).max() <= 1e-5
    if name == "custom":  # the LSTM read Scale's output, not the file
        np.testing.assert_allclose(t.x[:, ::-1], 2 * inputs["x"] + 1, atol=1e-6)


def test_bidirectional_both_directions(models, capsys):
    _, made = models
    _, _, model, inputs = made["bidirectional"]
    mask = inputs["ids"] != 0
    expected = _keras_output(model, "both_ways", inputs)  # (batch, time, 2 * 3): forward, then backward
    fwd = trace(models, "bidirectional", "both_ways", capsys)  # the wrapper's name: its forward half
    assert fwd.layer.startswith("forward_")
    assert np.abs(fwd.h - expected[..., :3])[mask].max() <= 1e-5
    bwd = trace(models, "bidirectional", fwd.layer.replace("forward_", "backward_"), capsys)
    # the backward half runs from the end: its step k is the sequence's step T-1-k
    assert np.abs(bwd.h[:, ::-1] - expected[..., 3:])[mask].max() <= 1e-5


def test_stacked_sequential_with_masking_and_a_simple_rnn(models, capsys):
    _, made = models
    _, _, model, inputs = made["stacked"]
    x = next(iter(inputs.values()))
    t = trace(models, "stacked", "second", capsys)
    assert np.abs(t.h - _keras_output(model, "second", inputs)).max() <= 1e-5
    r = trace(models, "stacked", "2", capsys, loader=RNNTrace)  # by index: 0=first, 1=second, 2=plain
    assert r.layer == "plain"
    assert np.abs(r.h[:, -1] - _keras_output(model, "plain", inputs)).max() <= 1e-5
    assert x.shape[0] == r.h.shape[0]


def test_stateful_layer_starts_from_the_states_keras_loads(models, capsys):
    _, made = models
    path, _, model, inputs = made["stateful"]
    saved = [np.asarray(s) for s in keras.models.load_model(path).get_layer("carry").states]  # Keras saves zeros
    t = trace(models, "stateful", "carry", capsys)
    np.testing.assert_allclose(t.h_prev[:, 0], saved[0], atol=1e-7)
    fresh = keras.models.load_model(path)
    assert np.abs(t.h[:, -1] - np.asarray(fresh(next(iter(inputs.values()))))).max() <= 1e-5


def test_keras_gru_layers(models, capsys):
    from explainer.gru import GRUTrace

    _, made = models
    _, _, model, inputs = made["gru"]
    mask = inputs["tokens"] != 0
    t = trace(models, "gru", "gru_reader", capsys, loader=GRUTrace)
    np.testing.assert_array_equal(t.mask, mask)
    assert np.abs(t.h - _keras_output(model, "gru_reader", inputs))[mask].max() <= 1e-5
    mix = t.z * t.h_prev + (1 - t.z) * t.h_tilde  # h is the update gate's mix (a masked step carries h_{t-1})
    np.testing.assert_allclose(t.h[mask], mix[mask], atol=1e-6)
    np.testing.assert_array_equal(t.h[~mask], t.h_prev[~mask])
    t = trace(models, "gru", "gru_summary", capsys, loader=GRUTrace)
    last = mask.sum(axis=1) - 1
    np.testing.assert_allclose(t.h[[0, 1], last], _keras_output(model, "gru_summary", inputs), atol=1e-5)
    assert t.meta["reset_after"] is False


def test_return_state_encoder_starts_the_decoder(models, capsys):
    _, made = models
    _, _, model, inputs = made["seq2seq"]
    enc = trace(models, "seq2seq", "enc", capsys)
    out, h, c = (np.asarray(v) for v in keras.Model(model.inputs, model.get_layer("enc").output)(
        [inputs["source"], inputs["target"]]))
    assert np.abs(enc.h[:, -1] - h).max() <= 1e-5 and np.abs(enc.c[:, -1] - c).max() <= 1e-5
    dec = trace(models, "seq2seq", "dec", capsys)
    np.testing.assert_allclose(dec.h_prev[:, 0], enc.h[:, -1], atol=1e-6)  # the encoder's state, via Keras
    np.testing.assert_allclose(dec.c_prev[:, 0], enc.c[:, -1], atol=1e-6)
    assert np.abs(dec.h - _keras_output(model, "dec", inputs)).max() <= 1e-5


def test_from_keras_converts_a_functional_chain_with_keras_mask_ops(models):
    from explainer.keras_bridge import from_keras

    _, made = models
    _, _, model, inputs = made["functional"]  # Embedding(mask_zero) puts not_equal in the graph
    ours = from_keras(model)
    ids = inputs["tokens"]
    assert np.abs(ours.predict(ids) - np.asarray(model(ids))).max() <= 1e-5
    assert [l.name for l in ours.layers] == ["embed", "reader", "summary", "score"]
    states = made["initial_state"]  # LSTM(x, initial_state=[h0, c0]) from the model's own Inputs: converted
    converted = from_keras(states[2])
    assert converted.state_inputs == {"layer": "decoder", "x": "x", "states": ["h0", "c0"], "inputs": ["x", "h0", "c0"],
                                      "unmasked": True}
    feed = [states[3][k] for k in ("x", "h0", "c0")]
    assert np.abs(converted.predict(feed) - np.asarray(states[2](feed))).max() <= 1e-5
    with pytest.raises(ValueError, match=r"'attend' \(Attention\)"):
        from_keras(made["attention"][2])


def _error(capsys, *argv):
    assert cli.main(["trace", *map(str, argv)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    return err


def test_input_files_that_do_not_fit_the_models_inputs(models, capsys):
    d, made = models
    path, x, _, inputs = made["initial_state"]
    out = d / "bad.npz"
    np.savez(d / "partial.npz", x=inputs["x"], state=inputs["h0"])
    err = _error(capsys, "--model", path, "--input", d / "partial.npz", "--out", out)
    assert "missing 'h0', 'c0'" in err and "unknown 'state'" in err and "h0 (batch, 2) float32" in err
    np.save(d / "x.npy", inputs["x"])
    err = _error(capsys, "--model", path, "--input", d / "x.npy", "--out", out)
    assert "has 3 inputs" in err and "np.savez('x.npz', x=…, h0=…, c0=…)" in err
    np.savez(d / "wrong.npz", x=inputs["x"][..., :2], h0=inputs["h0"], c0=inputs["c0"])
    err = _error(capsys, "--model", path, "--input", d / "wrong.npz", "--out", out)
    assert "(input 'x'): shape (2, 4, 2) does not fit x (batch, 4, 3)" in err
    err = _error(capsys, "--model", made["attention"][0], "--input", made["attention"][1], "--layer", "attend",
                 "--out", out)
    assert "no recurrent layer named 'attend'; choose one of 0=encoder" in err
    assert not out.exists()


def test_a_copy_that_does_not_match_keras_is_refused_with_the_number(models, capsys, monkeypatch):
    from explainer import your_model

    d, made = models
    path, x, _, _ = made["conv"]
    original = your_model.keras_parity
    monkeypatch.setattr(your_model, "keras_parity", lambda *a: original(*a) + 0.25)  # as if a weight were off
    err = _error(capsys, "--model", path, "--input", x, "--out", d / "refused.npz")
    assert "differs from Keras's output by max |Δh| = 0.25" in err and "more than 0.0001" in err
    assert not (d / "refused.npz").exists()


def test_gru_initial_state_from_the_models_inputs(tmp_path, capsys):
    """A GRU started from an Input of the model (initial_state=[h0]): the state comes from the user's .npz."""
    from explainer.gru import GRUTrace

    rng = np.random.default_rng(3)
    x, h0 = keras.Input((4, 3), name="x"), keras.Input((2,), name="h0")
    y = keras.layers.GRU(2, return_sequences=True, name="gru_dec")(x, initial_state=[h0])
    model = keras.Model([x, h0], keras.layers.Dense(1)(y))
    inputs = {"x": rng.normal(size=(2, 4, 3)).astype(np.float32), "h0": rng.normal(size=(2, 2)).astype(np.float32)}
    model.save(tmp_path / "m.keras")
    np.savez(tmp_path / "x.npz", **inputs)
    made = {"gru_state": (tmp_path / "m.keras", tmp_path / "x.npz", model, inputs)}
    t = trace((tmp_path, made), "gru_state", "gru_dec", capsys, loader=GRUTrace)
    np.testing.assert_allclose(t.h_prev[:, 0], inputs["h0"], atol=1e-7)  # h0 is the file's, not zeros
    assert np.abs(t.h - _keras_output(model, "gru_dec", inputs)).max() <= 1e-5
    assert np.abs(t.h_prev[:, 0]).min() > 0


def test_stateful_layer_traced_over_two_batches_carries_the_state_as_keras(models):
    """Tracing two consecutive batches of a stateful LSTM: the second starts where the first ended, as
    Keras's own layer does over the same two calls (a twin model with the same weights)."""
    from explainer.your_model import trace_keras_layer

    _, made = models
    path, _, _, _ = made["stateful"]
    ours_side, twin = keras.models.load_model(path), keras.models.load_model(path)
    rng = np.random.default_rng(7)
    b1, b2 = (rng.normal(size=(2, 4, 2)).astype(np.float32) for _ in range(2))
    name = _name(ours_side)
    t1, d1 = trace_keras_layer(ours_side, {name: b1}, "carry")
    t2, d2 = trace_keras_layer(ours_side, {name: b2}, "carry")
    y1, y2 = np.asarray(twin(b1)), np.asarray(twin(b2))  # Keras alone, the same two batches in a row
    assert d1 <= 1e-5 and d2 <= 1e-5
    np.testing.assert_allclose(t2.h_prev[:, 0], t1.h[:, -1], atol=1e-7)   # carried over, not reset
    np.testing.assert_allclose(t2.c_prev[:, 0], t1.c[:, -1], atol=1e-7)
    assert np.abs(t1.h[:, -1] - y1).max() <= 1e-5 and np.abs(t2.h[:, -1] - y2).max() <= 1e-5
    fresh = np.asarray(keras.models.load_model(path)(b2))  # from zeros: a different answer
    assert np.abs(fresh - y2).max() > 1e-3
    c_keras = np.asarray(twin.get_layer("carry").states[1])
    np.testing.assert_allclose(t2.c[:, -1], c_keras, atol=1e-5)


def test_a_layer_inside_a_nested_model(tmp_path, capsys):
    """`--layer encoder/lstm`: an LSTM inside a Sequential used as a layer (fed the outer Embedding's
    mask), and a GRU inside a functional block; the bare name works when it is unambiguous."""
    from explainer.gru import GRUTrace

    tokens = keras.Input((None,), dtype="int32", name="tokens")
    e = keras.layers.Embedding(12, 3, mask_zero=True, name="embed")(tokens)
    encoder = keras.Sequential([keras.Input((None, 3)), keras.layers.LSTM(4, return_sequences=True, name="lstm")],
                               name="encoder")
    i = keras.Input((None, 4))
    block = keras.Model(i, keras.layers.GRU(2, name="gru")(keras.layers.LSTM(3, return_sequences=True,
                                                                             name="lstm")(i)), name="block")
    model = keras.Model(tokens, keras.layers.Dense(1)(block(encoder(e))))
    ids = np.array([[3, 5, 7, 2, 0, 0], [1, 4, 4, 9, 11, 6]], np.int32)
    model.save(tmp_path / "nested.keras")
    np.savez(tmp_path / "x.npz", tokens=ids)
    made = {"nested": (tmp_path / "nested.keras", tmp_path / "x.npz", model, {"tokens": ids})}
    mask = ids != 0
    t = trace((tmp_path, made), "nested", "encoder/lstm", capsys)
    np.testing.assert_array_equal(t.mask, mask)  # the outer Embedding's mask reaches the nested LSTM at run time
    enc_out = np.asarray(keras.Model(tokens, encoder(e))(ids))
    assert np.abs(t.h - enc_out)[mask].max() <= 1e-5
    g = trace((tmp_path, made), "nested", "gru", capsys, loader=GRUTrace)  # only one layer is called gru
    assert np.abs(g.h[:, -1] - np.asarray(keras.Model(tokens, block(encoder(e)))(ids))).max() <= 1e-5
    b = trace((tmp_path, made), "nested", "block/lstm", capsys)  # the block's own LSTM, fed the encoder's h
    np.testing.assert_allclose(b.x, enc_out, atol=1e-6)
    np.testing.assert_array_equal(b.mask, mask)  # the mask goes on through the nested models
    reference = np.asarray(keras.Model(i, block.get_layer("lstm").output)(enc_out, mask=mask))
    assert np.abs(b.h - reference)[mask].max() <= 1e-5
    err = _error(capsys, "--model", tmp_path / "nested.keras", "--input", tmp_path / "x.npz", "--layer", "lstm",
                 "--out", tmp_path / "no.npz")  # two layers are called lstm: the path is needed
    assert "no recurrent layer named 'lstm'; choose one of 0=encoder/lstm, 1=block/lstm, 2=block/gru" in err
    with pytest.raises(SystemExit):
        cli.main(["trace", "--help"])
    assert "OUTER/INNER, e.g. encoder/lstm" in " ".join(capsys.readouterr().out.split())


def test_from_keras_return_state_where_a_chain_expresses_it():
    """return_state=True converts when the graph uses what the output holds (the last h of an LSTM or
    GRU with return_sequences=False): predictions equal Keras's; the cell state c used downstream, states
    into a second LSTM's initial_state, and initial_state from Inputs are refused naming the layer."""
    from explainer.keras_bridge import from_keras

    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 5, 2)).astype(np.float32)
    inp = keras.Input((5, 2), name="x")
    _, h, _ = keras.layers.LSTM(4, return_state=True, name="enc")(inp)  # the state h fed into a Dense
    lstm_h = keras.Model(inp, keras.layers.Dense(2, name="head")(h))
    _, hg = keras.layers.GRU(3, return_state=True, name="gru_enc")(keras.layers.Masking(0.0)(inp))
    gru_h = keras.Model(inp, keras.layers.Dense(1)(hg))
    for km in (lstm_h, gru_h):
        ours = from_keras(km)
        assert not any(getattr(l, "return_state", False) for l in ours.layers)
        assert np.abs(ours.predict(x) - np.asarray(km(x))).max() <= 1e-5
    _, _, c = keras.layers.LSTM(4, return_state=True, name="enc_c")(inp)
    with pytest.raises(ValueError, match=r"'enc_c' \(LSTM\) passes its cell state c \(return_state=True\) to "
                                         r"'head_c'.*trace --model M.keras --layer enc_c"):
        from_keras(keras.Model(inp, keras.layers.Dense(1, name="head_c")(c)))
    s, hs, cs = keras.layers.LSTM(4, return_sequences=True, return_state=True, name="reader")(inp)
    dec = keras.layers.LSTM(2, name="dec")(s, initial_state=[hs, cs])
    with pytest.raises(ValueError, match=r"'dec' \(LSTM\) takes initial_state from 'reader';"):
        from_keras(keras.Model(inp, dec))
    with pytest.raises(ValueError, match=r"'reader' \(LSTM\) passes its last h beside its whole sequence"):
        from_keras(keras.Model(inp, keras.layers.Dense(1)(hs)))
    h0, c0, h1 = keras.Input((2,), name="h0"), keras.Input((2,), name="c0"), keras.Input((2,), name="h1")
    y = keras.layers.LSTM(2, return_sequences=True, name="decoder")(inp, initial_state=[h0, c0])
    y = keras.layers.GRU(2, name="second")(y, initial_state=[h1])
    with pytest.raises(ValueError, match=r"layer 'decoder' \(LSTM\) takes initial_state from 'h0', 'c0'; "
                                         r"layer 'second' \(GRU\) takes initial_state from 'h1'\); from_keras converts"):
        from_keras(keras.Model([inp, h0, c0, h1], y))  # two layers with state inputs: not one chain's


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_from_keras_initial_state_from_inputs_predicts_trains_and_saves_as_keras(cell, tmp_path):
    """Keras: Input h0 (and c0) → LSTM/GRU(initial_state) between Masking and Dense, inputs listed in an
    order of their own. Ours reads the same list (or a dict by name): predictions ≤ 1e-5 and a fit
    history ≤ 1e-5 relative to Keras's; the saved model reads its state inputs back. Keras passes no
    mask to a layer called with initial_state tensors (it fills a mask in for one tensor argument
    only), so the zero steps are read, not skipped, on both sides."""
    from explainer import Sequential
    from explainer.keras_bridge import from_keras

    rng = np.random.default_rng(11)
    x_in = keras.Input((5, 3), name="seq")
    names = ["h0", "c0"] if cell == "LSTM" else ["h0"]
    states = [keras.Input((4,), name=n) for n in names]
    layer = getattr(keras.layers, cell)(4, name="rnn")
    y = keras.layers.Dense(1, name="out")(layer(keras.layers.Masking(0.0)(x_in), initial_state=states))
    km = keras.Model([*states, x_in], y)  # the states first: ours follows the Keras model's order
    ours = from_keras(km)
    assert ours.state_inputs["unmasked"]
    x = rng.normal(0, 0.5, (40, 5, 3)).astype(np.float32)
    x[:5, -2:] = 0.0  # steps Masking would mark
    s = [rng.normal(0, 0.5, (40, 4)).astype(np.float32) for _ in names]
    target = np.tanh(x[:, 0, :1] + s[0][:, :1]).astype(np.float32)
    feed = [*s, x]
    assert np.abs(ours.predict(feed) - np.asarray(km(feed))).max() <= 1e-5
    by_name = ours.predict({"seq": x, **dict(zip(names, s))})
    assert np.abs(by_name - np.asarray(km(feed))).max() <= 1e-5
    assert not np.allclose(by_name, ours.predict([*[np.zeros_like(a) for a in s], x]))  # the states matter
    ours.compile("mse", "adam")
    if cell == "LSTM":  # the state inputs through fit's batches (a GRU's own fit parity: test_keras_gru.py)
        km.compile(loss="mse", optimizer="adam")
        mine = ours.fit(feed, target, epochs=3, batch_size=16, shuffle=False, verbose=0).history["loss"]
        theirs = km.fit(feed, target, epochs=3, batch_size=16, shuffle=False, verbose=0).history["loss"]
        rel = np.abs(np.array(mine) / np.array(theirs) - 1)
        assert rel.max() <= 1e-5, rel.max()
    assert ours.evaluate(feed, target) == pytest.approx(float(np.mean((ours.predict(feed) - target) ** 2)), rel=1e-6)
    back = Sequential.load(ours.save(tmp_path / "m.npz"))
    assert back.state_inputs == ours.state_inputs
    np.testing.assert_array_equal(back.predict(feed), ours.predict(feed))
    with pytest.raises(ValueError, match=r"this model reads .* inputs, its sequence and the starting states of "
                                         r"layer 'rnn'"):
        ours.predict(x)
    with pytest.raises(ValueError, match=r"x \(h0\): the starting state of layer 'rnn' must have shape \(40, 4\)"):
        ours.predict([s[0][:, :2], *s[1:], x])


def test_bidirectional_gru_converted_and_traced(tmp_path, capsys):
    """Bidirectional(GRU) with a mask: from_keras predicts as Keras (≤ 1e-5), saves, loads and goes back to
    Keras; trace --layer gives each direction's GRUTrace, checked against Keras's halves of the output."""
    from explainer import Sequential
    from explainer.gru import GRUTrace
    from explainer.keras_bridge import from_keras, to_keras

    ids_in = keras.Input((6,), dtype="int32", name="ids")
    e = keras.layers.Embedding(9, 3, mask_zero=True)(ids_in)
    seq = keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=True), merge_mode="sum", name="both")(e)
    km = keras.Model(ids_in, keras.layers.Dense(1)(keras.layers.GRU(2, name="last")(seq)))
    ids = np.array([[4, 2, 8, 1, 0, 0], [5, 5, 3, 7, 6, 2]], np.int32)
    ours = from_keras(km)
    assert np.abs(ours.predict(ids) - np.asarray(km(ids))).max() <= 1e-5
    back = Sequential.load(ours.save(tmp_path / "bigru.npz"))
    np.testing.assert_array_equal(back.predict(ids), ours.predict(ids))
    again = to_keras(back, time_steps=6)
    assert np.abs(np.asarray(again(ids)) - np.asarray(km(ids))).max() <= 1e-5
    km.save(tmp_path / "bigru.keras")
    np.savez(tmp_path / "x.npz", ids=ids)
    made = {"bigru": (tmp_path / "bigru.keras", tmp_path / "x.npz", km, {"ids": ids})}
    mask = ids != 0
    fwd = trace((tmp_path, made), "bigru", "both", capsys, loader=GRUTrace)
    bwd = trace((tmp_path, made), "bigru", fwd.layer.replace("forward_", "backward_"), capsys, loader=GRUTrace)
    expected = _keras_output(km, "both", {"ids": ids})  # merge_mode="sum": forward + backward, masked steps 0
    both = fwd.h + bwd.h[:, ::-1]
    assert np.abs(both - expected)[mask].max() <= 1e-5


def test_bidirectional_gru_gradients_are_keras_s():
    """The backward pass through both GRU directions: every weight's gradient of the loss equals
    Keras's GradientTape's (≤ 1e-5 relative to the largest), one batch."""
    import tensorflow as tf

    from explainer.keras_bridge import from_keras

    rng = np.random.default_rng(2)
    km = keras.Sequential([keras.Input((5, 3)), keras.layers.Bidirectional(keras.layers.GRU(3, reset_after=False)),
                           keras.layers.Dense(1)])
    ours = from_keras(km)
    x = rng.normal(0, 0.5, (8, 5, 3)).astype(np.float32)
    y = np.tanh(x[:, 0, :1] - x[:, -1, 1:2]).astype(np.float32)
    ours.compile("mse", "adam")
    loss, _ = ours.loss_and_grads(x, y, training=False)
    mine = [g for layer in ours.layers for g in layer.grads.values()]
    with tf.GradientTape() as tape:
        theirs_loss = keras.losses.MeanSquaredError()(y, km(x, training=False))
    theirs = [np.asarray(g) for g in tape.gradient(theirs_loss, km.trainable_weights)]
    assert abs(loss - float(theirs_loss)) <= 1e-6
    assert [g.shape for g in mine] == [g.shape for g in theirs]
    for a, b in zip(mine, theirs):
        assert np.abs(a - b).max() <= 1e-5 * max(1.0, np.abs(b).max())
