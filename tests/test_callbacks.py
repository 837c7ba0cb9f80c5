"""Keras-style callbacks: hook order and logs, EarlyStopping and TerminateOnNaN as Keras has them, TraceRecorder."""
import numpy as np
import pytest

from explainer import (LSTM, Adam, Callback, Dense, EarlyStopping, EpochTraces, History, Sequential, SimpleRNN,
                       TerminateOnNaN, TraceRecorder)


class Recorder(Callback):
    """Writes down every hook call, its logs, and the weights at each epoch's end."""

    def __init__(self):
        super().__init__()
        self.calls, self.weights = [], []

    def on_train_begin(self, logs=None):
        self.calls.append(("on_train_begin", None, logs))

    def on_train_end(self, logs=None):
        self.calls.append(("on_train_end", None, logs))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("on_epoch_begin", epoch, logs))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("on_epoch_end", epoch, dict(logs)))
        self.weights.append(self.model.get_weights())

    def on_train_batch_begin(self, batch, logs=None):
        self.calls.append(("on_train_batch_begin", batch, logs))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("on_train_batch_end", batch, dict(logs)))


def overfitting_case():
    """A small LSTM that fits its 24 noisy training samples and, after a while, gets worse on new ones.

    val_loss per epoch (Adam 0.02, batch 8): falls to a minimum at epoch 8, rises for two epochs,
    falls to its lowest at epoch 17 (0.6458), then rises for three: every step differs by > 5e-4,
    far more than our distance to Keras (~1e-6), so both must take the same decisions.
    """
    rng = np.random.default_rng(7)
    model = Sequential([LSTM(8, input_shape=(5, 3)), Dense(1)], seed=3)

    def data(n):
        x = rng.normal(0, 1, (n, 5, 3)).astype(np.float32)
        return x, (np.tanh(x[:, -1, 0] + x[:, 0, 1]) + rng.normal(0, 0.5, n)).astype(np.float32)

    return model, data(24), data(24)


def keras_fit(model, train, val, epochs, callbacks):
    import keras

    from explainer.keras_bridge import to_keras

    km = to_keras(model)
    km.compile(loss="mse", optimizer=keras.optimizers.Adam(0.02))
    hist = km.fit(*train, epochs=epochs, batch_size=8, validation_data=val, shuffle=False, verbose=0,
                  callbacks=callbacks)
    return km, hist


@pytest.mark.keras
@pytest.mark.parametrize("patience,min_delta,restore,stops_at", [(3, 0, True, 20), (2, 0.01, False, 9),
                                                                  (0, 0, False, 1), (3, 0.05, True, 10)])
def test_early_stopping_stops_where_keras_does(patience, min_delta, restore, stops_at):
    keras = pytest.importorskip("keras")
    model, train, val = overfitting_case()
    keras_stop_cb = keras.callbacks.EarlyStopping(patience=patience, min_delta=min_delta,
                                                  restore_best_weights=restore)
    km, theirs = keras_fit(model, train, val, 30, [keras_stop_cb])
    keras_stop = km.stop_training and len(theirs.epoch) - 1
    model.compile("mse", Adam(0.02))
    rec, stop = Recorder(), EarlyStopping(patience=patience, min_delta=min_delta, restore_best_weights=restore)
    ours = model.fit(*train, epochs=30, batch_size=8, validation_data=val, shuffle=False, verbose=0,
                     callbacks=[rec, stop])
    assert stop.stopped_epoch == keras_stop == stops_at
    assert ours.epoch == theirs.epoch == list(range(stops_at + 1))
    np.testing.assert_allclose(ours.history["val_loss"], theirs.history["val_loss"], rtol=1e-4)
    final = model.get_weights()
    assert stop.best_epoch == keras_stop_cb.best_epoch
    if restore:  # the weights at the end of the best epoch (best by more than min_delta), in both
        best = stop.best_epoch
        assert best < stops_at and (min_delta > 0 or best == int(np.argmin(ours.history["val_loss"])))
        for ours_w, best_w, keras_w in zip(final, rec.weights[best], km.get_weights()):
            np.testing.assert_array_equal(ours_w, best_w)
            np.testing.assert_allclose(ours_w, keras_w, atol=1e-4)
    else:
        for ours_w, last_w in zip(final, rec.weights[-1]):
            np.testing.assert_array_equal(ours_w, last_w)


@pytest.mark.keras
def test_hooks_are_called_as_keras_calls_them():
    keras = pytest.importorskip("keras")

    class KerasRecorder(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.calls = []

        def on_train_begin(self, logs=None):
            self.calls.append(("on_train_begin",))

        def on_train_end(self, logs=None):
            self.calls.append(("on_train_end",))

        def on_epoch_begin(self, epoch, logs=None):
            self.calls.append(("on_epoch_begin", epoch))

        def on_epoch_end(self, epoch, logs=None):
            self.calls.append(("on_epoch_end", epoch))

        def on_train_batch_begin(self, batch, logs=None):
            self.calls.append(("on_train_batch_begin", batch))

        def on_train_batch_end(self, batch, logs=None):
            self.calls.append(("on_train_batch_end", batch))
            self.batch_losses.append(float(logs["loss"]))

    model, train, val = overfitting_case()
    theirs = KerasRecorder()
    theirs.batch_losses = []
    keras_fit(model, train, val, 2, [theirs])
    model.compile("mse", Adam(0.02))
    ours = Recorder()
    model.fit(*train, epochs=2, batch_size=8, validation_data=val, shuffle=False, verbose=0, callbacks=[ours])
    assert [c[:2] if c[1] is not None else c[:1] for c in ours.calls] == theirs.calls
    # batch logs are the epoch's running means; the epoch's logs add validation
    batch_logs = [c[2] for c in ours.calls if c[0] == "on_train_batch_end"]
    epoch_logs = [c[2] for c in ours.calls if c[0] == "on_epoch_end"]
    assert set(batch_logs[0]) == {"loss"} and set(epoch_logs[0]) == {"loss", "val_loss"}
    assert batch_logs[2]["loss"] == epoch_logs[0]["loss"]  # three equal batches: the last running mean is the epoch's
    np.testing.assert_allclose([b["loss"] for b in batch_logs], theirs.batch_losses, rtol=1e-5)
    assert ours.calls[-1][2] == epoch_logs[-1]             # on_train_end gets the last epoch's logs


def test_stop_training_after_a_batch_closes_the_epoch_with_the_batches_seen():
    class StopAfterTwoBatches(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    model, train, _ = overfitting_case()
    model.compile("mse", Adam(0.02))
    rec = Recorder()
    hist = model.fit(*train, epochs=5, batch_size=8, shuffle=False, verbose=0, callbacks=[rec, StopAfterTwoBatches()])
    assert hist.epoch == [0]
    batches = [c for c in rec.calls if c[0] == "on_train_batch_end"]
    assert [c[1] for c in batches] == [0, 1]
    assert hist.history["loss"] == [batches[-1][2]["loss"]]


def test_history_is_a_callback_and_fit_returns_the_one_given():
    model, train, _ = overfitting_case()
    model.compile("mse", Adam(0.02))
    mine = History()
    assert model.fit(*train, epochs=2, verbose=0, callbacks=[mine]) is mine is model.history
    assert mine.epoch == [0, 1] and len(mine.history["loss"]) == len(mine.seconds_per_epoch) == 2
    with pytest.raises(TypeError, match="Callback instances"):
        model.fit(*train, epochs=1, verbose=0, callbacks=[print])


def diverging_model():
    """The second batch's inputs are ~1e20: its float32 squared error overflows to inf."""
    rng = np.random.default_rng(0)
    model = Sequential([Dense(1, input_shape=(3,))], seed=0)
    model.compile("mse", Adam(0.01))
    x = rng.normal(size=(32, 3)).astype(np.float32)
    x[8:16] *= np.float32(1e20)
    return model, x, rng.normal(size=32).astype(np.float32)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the overflow is the point
def test_terminate_on_nan_stops_after_the_bad_batch():
    model, x, y = diverging_model()
    rec = Recorder()
    hist = model.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0, callbacks=[rec, TerminateOnNaN()])
    batches = [c for c in rec.calls if c[0] == "on_train_batch_end"]
    assert [c[1] for c in batches] == [0, 1]
    assert np.isfinite(batches[0][2]["loss"]) and not np.isfinite(batches[1][2]["loss"])
    assert hist.epoch == [0] and not np.isfinite(hist.history["loss"][0])
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"):
        diverging_model()[0].fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0,
                                 callbacks=[TerminateOnNaN(raise_error=True)])


def test_early_stopping_arguments():
    with pytest.raises(ValueError, match="mode='max'"):
        EarlyStopping(monitor="val_something")
    assert EarlyStopping(monitor="val_accuracy").lower_is_better is False
    with pytest.warns(UserWarning, match="unknown"):
        EarlyStopping(mode="sideways")
    model, train, _ = overfitting_case()
    model.compile("mse", Adam(0.02))
    with pytest.warns(UserWarning, match="val_loss.*not available"):  # no validation data: never stops
        hist = model.fit(*train, epochs=3, verbose=0, callbacks=[EarlyStopping(patience=0)])
    assert hist.epoch == [0, 1, 2]


@pytest.mark.parametrize("kind", ["lstm", "rnn"])
def test_trace_recorder_records_the_gates_learning(tmp_path, kind):
    model, train, val = overfitting_case()
    if kind == "rnn":
        model = Sequential([SimpleRNN(6, return_sequences=True, input_shape=(5, 3)), LSTM(4), Dense(1)], seed=1)
    model.compile("mse", Adam(0.02))
    probe = train[0][:2]
    untrained = model.trace(probe)
    recorder = TraceRecorder(probe, path=tmp_path / "timelapse.npz")
    model.fit(*train, epochs=4, batch_size=8, validation_data=val, shuffle=False, verbose=0, callbacks=[recorder])
    trained = model.trace(probe)
    for got in (recorder.result, EpochTraces.load(tmp_path / "timelapse.npz")):
        assert got.epochs == [0, 1, 2, 3, 4] and len(got) == 5
        assert got.layers == [layer.name for layer in model.layers[:len(trained)]]
        for k in range(len(trained)):
            assert got.at(0, k) == untrained[k] and got.at(4, k) == trained[k]
            assert got.at(0, k) != got.at(1, k)  # it did change
            np.testing.assert_array_equal(got.over_epochs(k)[-1].weights["kernel"], trained[k].weights["kernel"])
        assert got.logs[0] == {} and set(got.logs[4]) == {"loss", "val_loss"}
    assert got.meta == {"probe_shape": [2, 5, 3]}


def test_trace_recorder_with_early_stopping_and_one_sequence(tmp_path):
    model, train, val = overfitting_case()
    model.compile("mse", Adam(0.02))
    recorder = TraceRecorder(train[0][0], path=tmp_path / "t.npz")  # one (time, features) sequence
    model.fit(*train, epochs=30, batch_size=8, validation_data=val, shuffle=False, verbose=0,
              callbacks=[EarlyStopping(patience=0), recorder])
    back = EpochTraces.load(tmp_path / "t.npz")
    assert back.epochs == [0, 1, 2] and back.at(2).batch == 1
    with pytest.raises(KeyError, match="recorded"):
        back.at(7)


def test_trace_recorder_needs_a_recurrent_layer_and_files_are_checked(tmp_path):
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile("mse", "adam")
    with pytest.raises(ValueError, match="LSTM or SimpleRNN"):
        model.fit(np.zeros((4, 3)), np.zeros(4), verbose=0, callbacks=[TraceRecorder(np.zeros((1, 3)))])
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ValueError, match="epoch traces"):
        EpochTraces.load(bad)


def test_trace_recorder_keeps_the_probe_mask(tmp_path):
    from explainer import Masking

    rng = np.random.default_rng(4)
    model = Sequential([Masking(0.0, input_shape=(5, 3)), LSTM(3), Dense(1)], seed=0)
    model.compile("mse", Adam(0.02))
    x, y = rng.normal(size=(8, 5, 3)).astype(np.float32), rng.normal(size=8).astype(np.float32)
    x[:, 3:] = 0.0  # padded ends
    model.fit(x, y, epochs=2, verbose=0, callbacks=[TraceRecorder(x[:2], tmp_path / "m.npz")])
    back = EpochTraces.load(tmp_path / "m.npz")
    expected = np.any(x[:2] != 0, axis=-1)
    for t in back.over_epochs(0):
        np.testing.assert_array_equal(t.mask, expected)
    np.testing.assert_array_equal(back.at(2).h, model.trace(x[:2])[0].h)
