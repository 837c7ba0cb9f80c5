"""Keras's own golden value for its LSTM, reproduced without TensorFlow."""
import numpy as np

from explainer import LSTM


def test_keras_golden_outputs():
    # keras/src/layers/rnn/lstm_test.py: constant initialisers 0.01 / 0.02 / 0.03, unit_forget_bias
    layer = LSTM(3)
    layer.build((6, 4), np.random.default_rng(0))
    layer.params["kernel"][:] = 0.01
    layer.params["recurrent_kernel"][:] = 0.02
    layer.params["bias"][:] = 0.03
    layer.params["bias"][3:6] = 1.0  # the forget block, as unit_forget_bias sets it
    x = np.arange(72, dtype=np.float32).reshape(3, 6, 4)
    y = layer(x)
    np.testing.assert_allclose(y[:, 0], [0.6288687, 0.86899155, 0.9460773], atol=1e-6)


def test_default_init_matches_keras_layout():
    layer = LSTM(5)
    layer.build((7, 4), np.random.default_rng(0))
    k, r, b = layer.get_weights()
    assert k.shape == (4, 20) and r.shape == (5, 20) and b.shape == (20,)
    assert k.dtype == np.float32
    assert all(w.flags.c_contiguous for w in layer.params.values())  # element-wise updates stay unstrided
    np.testing.assert_array_equal(b, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])
    np.testing.assert_allclose(r @ r.T, np.eye(5), atol=1e-5)  # orthogonal rows
    limit = np.sqrt(6 / (4 + 20))
    assert np.abs(k).max() <= limit


def test_trace_fields_obey_the_equations():
    rng = np.random.default_rng(1)
    layer = LSTM(4, return_sequences=True)
    layer.build((5, 3), rng)
    layer.params["bias"][:] = rng.normal(size=16)
    x = rng.normal(size=(2, 5, 3)).astype(np.float32)
    tr = layer.trace(x)
    sig = lambda a: 1 / (1 + np.exp(-a.astype(np.float64)))
    np.testing.assert_allclose(tr.i, sig(tr.z_block("i")), atol=1e-6)
    np.testing.assert_allclose(tr.f, sig(tr.z_block("f")), atol=1e-6)
    np.testing.assert_allclose(tr.g, np.tanh(tr.z_block("c")), atol=1e-6)
    np.testing.assert_allclose(tr.o, sig(tr.z_block("o")), atol=1e-6)
    np.testing.assert_allclose(tr.c, tr.f * tr.c_prev + tr.i * tr.g, atol=1e-6)
    np.testing.assert_allclose(tr.h, tr.o * np.tanh(tr.c), atol=1e-6)
    np.testing.assert_array_equal(tr.h_prev[:, 1:], tr.h[:, :-1])
    np.testing.assert_array_equal(tr.c_prev[:, 1:], tr.c[:, :-1])
    W, U, b = layer.get_weights()
    np.testing.assert_allclose(tr.z[:, 2], x[:, 2] @ W + tr.h_prev[:, 2] @ U + b, atol=1e-5)
    np.testing.assert_allclose(layer(x), tr.h, atol=0)


def test_trace_update_terms_add_up_exactly():
    from explainer.demo import demo_trace

    tr = demo_trace()
    np.testing.assert_array_equal(tr.kept + tr.written, tr.c)  # bit for bit: the cell's own float ops
    step = tr.step(5)
    np.testing.assert_array_equal(step.kept, tr.f[:, 5] * tr.c_prev[:, 5])
    assert step.kept[0, 0] < 0.02 < tr.c_prev[0, 5, 0]  # "polluted": the blue memory is forgotten
