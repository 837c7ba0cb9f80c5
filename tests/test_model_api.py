"""The Keras-like model API: shapes, bad input, files that are safe to open."""

import numpy as np
import pytest

from explainer import LSTM, Activation, Dense, Dropout, SequenceTrace, Sequential, cli
from explainer.demo import demo_trace


def small_model(**kw):
    model = Sequential([LSTM(4, return_sequences=True, input_shape=(5, 3)), Dropout(0.2, seed=0), LSTM(3),
                        Dense(2), Activation("tanh")], seed=0, **kw)
    model.compile("mse", "adam", ["mae"])
    return model


def data(n=20, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 5, 3)).astype(np.float32), rng.normal(0, 0.3, (n, 2)).astype(np.float32)


def test_fit_history_has_keras_keys_and_learns():
    model = small_model()
    x, y = data()
    hist = model.fit(x, y, epochs=5, batch_size=8, validation_data=data(6, 1), shuffle=True, verbose=0)
    assert set(hist.history) == {"loss", "mae", "val_loss", "val_mae"}
    assert all(len(v) == 5 for v in hist.history.values())
    assert hist.history["loss"][-1] < hist.history["loss"][0]
    assert hist.epoch == [0, 1, 2, 3, 4] and len(hist.seconds_per_epoch) == 5
    loss, mae = model.evaluate(*data(6, 1))
    assert np.isclose(loss, hist.history["val_loss"][-1], rtol=1e-6)
    assert model.predict(x).shape == (20, 2)


def test_epoch_loss_is_sample_weighted_mean_of_batch_losses():
    model = small_model()
    model.compile("mse", "adam")
    x, y = data(10)
    snapshot = model.get_weights()
    hist = model.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    # replay: L_b before each update, weighted by batch sizes 4, 4, 2
    model.set_weights(snapshot)
    model.compile("mse", "adam")
    model.layers[1]._rng = np.random.default_rng(0)
    replay = [model.train_on_batch(x[s:s + 4], y[s:s + 4])[0] * len(x[s:s + 4]) for s in (0, 4, 8)]
    assert np.isclose(hist.history["loss"][0], sum(replay) / 10, rtol=1e-6)


def test_dropout_is_inverted_and_off_at_inference():
    d = Dropout(0.5, seed=1)
    x = np.ones((1000, 10), np.float32)
    y = d(x, training=True)
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.4 < (y == 0).mean() < 0.6
    np.testing.assert_array_equal(d(x, training=False), x)
    d.mask_fn = lambda shape: np.eye(*shape) > 0
    np.testing.assert_array_equal(d(np.ones((3, 3), np.float32), training=True), 2 * np.eye(3))


@pytest.mark.parametrize("bad,match", [
    (np.zeros((4, 5)), "3-D"),
    (np.zeros((4, 5, 2)), "features"),
    (np.full((4, 5, 3), np.nan), "NaN"),
    (np.full((4, 5, 3), np.inf), "NaN or infinite"),
    (np.array([["a"]]), "numeric"),
])
def test_bad_inputs_are_named(bad, match):
    model = small_model()
    with pytest.raises((ValueError, TypeError), match=match):
        model.predict(bad)


def test_bad_targets_and_arguments():
    model = small_model()
    x, y = data()
    with pytest.raises(ValueError, match="samples"):
        model.fit(x, y[:5], verbose=0)
    with pytest.raises(ValueError, match="shape"):
        model.fit(x, np.zeros((20, 3)), verbose=0)
    with pytest.raises(ValueError, match="epochs"):
        model.fit(x, y, epochs=0, verbose=0)
    with pytest.raises(ValueError, match="unknown loss"):
        model.compile("hinge", "adam")
    with pytest.raises(ValueError, match="unknown optimizer"):
        model.compile("mse", "sgd-ish")
    with pytest.raises(TypeError, match="optimizer"):
        model.compile("mse", 3)
    with pytest.raises(ValueError, match="unknown activation"):
        Dense(3, activation="swishy")
    with pytest.raises(ValueError, match="unknown metric"):
        model.compile("mse", "adam", ["r2"])
    with pytest.raises(ValueError, match="units"):
        LSTM(0)
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.5)


def test_set_weights_checks_count_shape_and_values():
    model = small_model()
    w = model.get_weights()
    with pytest.raises(ValueError, match="expects 8 arrays"):
        model.set_weights(w[:-1])
    bad = list(w)
    bad[0] = np.zeros((3, 3))
    with pytest.raises(ValueError, match="shape"):
        model.set_weights(bad)
    bad[0] = np.full_like(w[0], np.nan)
    with pytest.raises(ValueError, match="NaN"):
        model.set_weights(bad)
    np.testing.assert_array_equal(model.get_weights()[0], w[0])  # nothing lost on refusal


def test_cross_entropy_warns_on_targets_that_are_not_distributions():
    model = Sequential([LSTM(3, input_shape=(4, 2)), Dense(3, activation="softmax")], seed=0)
    model.compile("categorical_crossentropy", "rmsprop", ["accuracy"])
    x = np.random.default_rng(0).random((6, 4, 2))
    with pytest.warns(UserWarning, match="sum to 1"):
        model.fit(x, np.random.default_rng(1).random((6, 3)), verbose=0)


def test_save_load_round_trips_bit_for_bit(tmp_path):
    model = small_model()
    x, y = data()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = model.save(tmp_path / "m.npz")
    loaded = Sequential.load(path)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(model.predict(x), loaded.predict(x))
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    assert loaded.loss_name == "mse" and loaded.metric_names == ["mae"]


def test_corrupt_truncated_and_pickled_files_are_refused(tmp_path):
    model = small_model()
    path = model.save(tmp_path / "m.npz")
    raw = path.read_bytes()
    (tmp_path / "trunc.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="corrupt or truncated"):
        Sequential.load(tmp_path / "trunc.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="not an .npz archive"):
        Sequential.load(tmp_path / "junk.npz")
    # an object array is stored pickled; loading must refuse rather than unpickle it
    np.savez(tmp_path / "evil.npz", header=np.array([{"format": "x"}], dtype=object))
    with pytest.raises(ValueError, match="not loaded|not a safe"):
        Sequential.load(tmp_path / "evil.npz")
    with pytest.raises(ValueError, match="not loaded|not a safe"):
        SequenceTrace.load(tmp_path / "evil.npz")
    with pytest.raises(FileNotFoundError):
        Sequential.load(tmp_path / "missing.npz")
    # a trace file is not a model file
    demo_trace().save(tmp_path / "t.npz")
    with pytest.raises(ValueError, match="format"):
        Sequential.load(tmp_path / "t.npz")


def test_trace_save_load_narrow(tmp_path):
    tr = demo_trace()
    back = SequenceTrace.load(tr.save(tmp_path / "demo.npz"))
    assert back == tr and back.meta["labels"][5] == "polluted"
    np.testing.assert_array_equal(back.weights["kernel"], tr.weights["kernel"])
    nar = tr.narrow([1, 0])
    np.testing.assert_array_equal(nar.unit_index, [1, 0])
    np.testing.assert_array_equal(nar.f[..., 0], tr.f[..., 1])
    np.testing.assert_array_equal(nar.z_block("f")[..., 1], tr.z_block("f")[..., 0])
    assert nar.weights["kernel"].shape == (3, 8)
    step = nar.step(5)
    np.testing.assert_array_equal(step.c, tr.c[:, 5][:, [1, 0]])
    assert tr.most_active(1).tolist() in ([0], [1])
    with pytest.raises(ValueError, match="out of range"):
        tr.narrow([7])
    with pytest.raises(IndexError):
        tr.step(99)


def test_summary_counts_parameters():
    text = small_model().summary(print_fn=None)
    # LSTM(4) on 3 features: 4·4·(3+4+1) = 128; LSTM(3) on 4: 4·3·(4+3+1) = 96; Dense: 3·2+2 = 8
    assert "Total params: 232" in text and "lstm" in text


def test_cli_trace_prints_the_traced_step(capsys):
    assert cli.main(["trace", "--step", "5"]) == 0
    out = capsys.readouterr().out
    tr = demo_trace()
    assert "polluted" in out
    assert f"{tr.f[0, 5, 0]:+.4f}" in out and f"{tr.c[0, 5, 1]:+.4f}" in out
    assert cli.main(["trace", "--step", "5", "--lang", "zh"]) == 0
    assert "遗忘门" in capsys.readouterr().out
    assert cli.main(["trace", "--step", "40"]) == 2
    assert "out of range" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["trace", "--x", "1,abc"])


def test_layer_called_directly_checks_its_input():
    layer = LSTM(2)
    with pytest.raises(ValueError, match="3-D"):
        layer(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="NaN"):
        layer.trace(np.full((1, 3, 2), np.nan))
    y, h, c = LSTM(2, return_state=True, return_sequences=True)(np.ones((1, 3, 2)))
    assert y.shape == (1, 3, 2) and h.shape == c.shape == (1, 2)
    np.testing.assert_array_equal(y[:, -1], h)
    with pytest.raises(ValueError, match="initial_state|h0"):
        LSTM(2)(np.ones((1, 3, 2)), initial_state=[np.zeros((1, 5)), np.zeros((1, 2))])
