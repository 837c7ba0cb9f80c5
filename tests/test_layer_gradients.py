"""Finite-difference checks (float64) of the layers that wrap or feed an LSTM, and their save/load."""
import numpy as np
import pytest

from explainer import Bidirectional, Dense, Embedding, LSTM, Masking, Sequential, TimeDistributed, load_model
from test_gradients import assert_grads, param_pairs, randomise


def _check(model, x, rng):
    y = model.forward(x)
    R = rng.normal(size=np.shape(y))
    model.backward(R)
    pairs = [p for layer in model.layers for p in param_pairs(layer)]

    def loss():
        return float((model.forward(x) * R).sum())
    assert_grads(loss, pairs)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_gradients(merge_mode, return_sequences):
    rng = np.random.default_rng(0)
    model = Sequential([Bidirectional(LSTM(3, return_sequences=return_sequences, dtype="float64"),
                                      merge_mode=merge_mode, input_shape=(4, 2)),
                        Dense(2, activation="gelu", dtype="float64")])
    for layer in model.layers:
        randomise(layer, rng)
    x = rng.normal(size=(2, 4, 2))
    _check(model, x, rng)
    # dL/dx too
    R = rng.normal(size=model.forward(x).shape)
    dx = model.backward(R)
    from test_gradients import numeric_grad, rel_err
    assert rel_err(dx, numeric_grad(lambda: float((model.forward(x) * R).sum()), x)) < 1e-6


def test_embedding_masking_time_distributed_gradients():
    rng = np.random.default_rng(1)
    model = Sequential([Embedding(7, 3, input_shape=(5,), dtype="float64"),
                        LSTM(4, return_sequences=True, dtype="float64"),
                        TimeDistributed(Dense(2, activation="swish", dtype="float64"))])
    for layer in model.layers:
        randomise(layer, rng)
    ids = rng.integers(0, 7, (3, 5)).astype(np.float64)
    _check(model, ids, rng)

    model = Sequential([Masking(0.0, input_shape=(4, 2), dtype="float64"), Dense(3, activation="elu", dtype="float64")])
    randomise(model.layers[1], rng)
    x = rng.normal(size=(2, 4, 2))
    x[1, 2:] = 0.0
    _check(model, x, rng)
    y = model.forward(x)
    dx = model.backward(np.ones_like(y))
    assert np.all(dx[1, 2:] == 0)  # masked steps pass no gradient back


def test_new_layers_survive_save_and_load(tmp_path):
    model = Sequential([Embedding(9, 3, mask_zero=False, input_shape=(6,)), Bidirectional(LSTM(4, return_sequences=True), merge_mode="ave"),
                        TimeDistributed(Dense(2, use_bias=False)), Masking(0.5)], seed=0)
    ids = np.random.default_rng(2).integers(0, 9, (2, 6))
    y = model.predict(ids)
    again = load_model(model.save(tmp_path / "m.npz"))
    assert [type(l).__name__ for l in again.layers] == ["Embedding", "Bidirectional", "TimeDistributed", "Masking"]
    np.testing.assert_array_equal(again.predict(ids), y)


def test_embedding_takes_sequences_of_any_length_and_saves(tmp_path):
    model = Sequential([Embedding(10, 3, mask_zero=True, input_shape=(None,)), LSTM(2)], seed=0)
    short, padded = np.array([[1, 2]]), np.array([[1, 2, 0, 0]])
    np.testing.assert_allclose(model.predict(short), model.predict(padded), atol=1e-7)  # padding is skipped
    again = load_model(model.save(tmp_path / "m.npz"))
    assert again.input_shape == (None,)
    np.testing.assert_array_equal(again.predict(padded), model.predict(padded))
    fixed = Sequential([Embedding(10, 3, input_shape=(4,)), LSTM(2)], seed=0)
    with pytest.raises(ValueError, match="3 token ids per sequence but the model expects 4"):
        fixed.predict(np.array([[1, 2, 3]]))
