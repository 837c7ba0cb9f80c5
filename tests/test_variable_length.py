"""input_shape=(None, features): one model for sequences of any length, as in Keras."""
import numpy as np
import pytest

from explainer import LSTM, Dense, Sequential, load_model


def _model():
    return Sequential([LSTM(4, input_shape=(None, 3), seed=1), Dense(2, activation="softmax", seed=2)])


def test_built_without_a_fixed_length():
    model = _model()
    assert model.built and model.input_shape == (None, 3) and model.output_shape == (2,)
    rng = np.random.default_rng(0)
    x5, x9 = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 9, 3))
    assert model.predict(x5).shape == (2, 2) and model.predict(x9).shape == (2, 2)
    # the same weights run both lengths: the 9-step output differs from the 5-step one
    assert not np.allclose(model.predict(x5), model.predict(x9))
    assert "(None, 4)" in model.summary(print_fn=None)


def test_return_sequences_keeps_the_unknown_length():
    model = Sequential([LSTM(4, return_sequences=True, input_shape=(None, 3)), Dense(2)])
    assert model.output_shape == (None, 2)
    assert model.predict(np.zeros((1, 6, 3))).shape == (1, 6, 2)
    assert model.trace(np.zeros((1, 6, 3)))[0].time == 6


def test_fit_on_two_lengths_and_save_load_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    model = _model()
    model.compile("categorical_crossentropy", "adam", ["accuracy"])
    for t in (4, 7):
        x = rng.normal(size=(8, t, 3)).astype(np.float32)
        y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 8)]
        model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    path = model.save(tmp_path / "m.npz")
    back = load_model(path)
    assert back.input_shape == (None, 3)
    x = rng.normal(size=(3, 11, 3)).astype(np.float32)
    np.testing.assert_array_equal(back.predict(x), model.predict(x))


@pytest.mark.parametrize("bad, words", [((None, None), "number of features"), ((3, 0), "number of features"),
                                        (("a", 4), "axis 0"), ((), "at least the feature axis"),
                                        ("None,4", "must be a tuple")])
def test_bad_input_shapes_are_named(bad, words):
    with pytest.raises(ValueError, match=words):
        LSTM(3, input_shape=bad)
    with pytest.raises(ValueError, match=words):
        Sequential([Dense(2)]).build(bad)


@pytest.mark.keras
def test_keras_runs_the_same_variable_length_model():
    pytest.importorskip("keras")
    from explainer.keras_bridge import from_keras, to_keras

    model = _model()
    km = to_keras(model)
    assert tuple(km.inputs[0].shape[1:]) == (None, 3)
    rng = np.random.default_rng(2)
    for t in (3, 8):
        x = rng.normal(size=(2, t, 3)).astype(np.float32)
        assert np.abs(np.asarray(km(x)) - model.predict(x)).max() <= 1e-6
    assert from_keras(km).input_shape == (None, 3)
