"""Every Keras LSTM option, forward, backward and trace: finite-difference gradients (float64, ≤ 1e-6 relative).

Loss = Σ y ⊙ R for a fixed random R; every weight, the input x and the initial state [h0, c0]
are checked against central differences. Each option's trace must pass its own validation
(gates in range, the equations, skipping masked steps).
"""
import numpy as np
import pytest

from explainer import LSTM, activations
from explainer.trace import SequenceTrace
from test_gradients import assert_grads, numeric_grad, rel_err

B, T, D, U = 3, 5, 2, 3
# row 0: a padded tail; row 1: a masked head (h0 must be kept, outputs start at 0); row 2: holes
MASK = np.array([[1, 1, 1, 0, 0], [0, 0, 1, 1, 1], [1, 0, 1, 0, 1]], bool)


def check_layer(layer, mask=None, training=False, rng=None, initial=True):
    """Finite differences of every weight, x and [h0, c0] against backward()."""
    rng = rng or np.random.default_rng(0)
    layer.build((T, D), rng)
    for w in layer.params.values():
        w[...] = rng.normal(0, 0.6, w.shape)
    x = rng.normal(size=(B, T, D))
    h0, c0 = rng.normal(size=(B, U)), rng.normal(size=(B, U))
    init = [h0, c0] if initial else None
    y = layer.forward(x, training=training, initial_state=init, mask=mask)
    R = rng.normal(size=y.shape)
    dx = layer.backward(R)
    grads = dict(layer.grads)
    d_init = layer.d_initial_state

    def loss():
        return float((layer.forward(x, training=training, initial_state=init, mask=mask) * R).sum())

    pairs = [(f"{layer.name}.{k}", grads[k], w) for k, w in layer.params.items()]
    pairs.append(("x", dx, x))
    if initial:
        pairs += [("h0", d_init[0], h0), ("c0", d_init[1], c0)]
    assert_grads(loss, pairs)
    return x, init


@pytest.mark.parametrize("activation", sorted(n for n, a in activations.ACTIVATIONS.items() if a.derivative))
def test_activation(activation):
    layer = LSTM(U, activation=activation, return_sequences=True, dtype="float64")
    x, init = check_layer(layer)
    layer.trace(x, initial_state=init).validate()


@pytest.mark.parametrize("recurrent_activation", ["hard_sigmoid", "tanh", "softsign", "linear", "relu"])
def test_recurrent_activation(recurrent_activation):
    layer = LSTM(U, recurrent_activation=recurrent_activation, dtype="float64")
    x, init = check_layer(layer)
    tr = layer.trace(x, initial_state=init)
    assert tr.meta["recurrent_activation"] == recurrent_activation
    tr.validate()


@pytest.mark.parametrize("kwargs", [dict(use_bias=False), dict(unit_forget_bias=False),
                                    dict(use_bias=False, go_backwards=True, return_sequences=True)])
def test_bias_options(kwargs):
    layer = LSTM(U, dtype="float64", **kwargs)
    x, init = check_layer(layer)
    assert ("bias" in layer.params) == kwargs.get("use_bias", True)
    layer.trace(x, initial_state=init).validate()


@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("zero_output_for_mask", [False, True])
def test_mask(return_sequences, go_backwards, zero_output_for_mask):
    layer = LSTM(U, return_sequences=return_sequences, go_backwards=go_backwards,
                 zero_output_for_mask=zero_output_for_mask, dtype="float64")
    x, init = check_layer(layer, mask=MASK)
    tr = layer.trace(x, initial_state=init, mask=MASK)
    steps = MASK[:, ::-1] if go_backwards else MASK  # the trace runs in processing order
    np.testing.assert_array_equal(tr.mask, steps)
    tr.validate()
    # masked steps carry the state: h and c unchanged
    b, t = np.argwhere(~steps)[0]
    np.testing.assert_array_equal(tr.h[b, t], tr.h_prev[b, t])
    np.testing.assert_array_equal(tr.c[b, t], tr.c_prev[b, t])


def test_mask_with_a_non_default_activation_traces_and_validates(tmp_path):
    layer = LSTM(U, activation="relu", recurrent_activation="hard_sigmoid", return_sequences=True, dtype="float64")
    x, init = check_layer(layer, mask=MASK)
    tr = layer.trace(x, initial_state=init, mask=MASK)
    again = SequenceTrace.load(tr.save(tmp_path / "t.npz"))
    assert again.meta["activation"] == "relu"
    np.testing.assert_array_equal(again.mask, MASK)


def test_a_trace_with_a_broken_equation_is_still_refused_when_masked():
    layer = LSTM(U, return_sequences=True, dtype="float64")
    x, init = check_layer(layer, mask=MASK)
    tr = layer.trace(x, initial_state=init, mask=MASK)
    tr.h[0, 1, 0] += 0.1  # step 1 of row 0 is a live step
    with pytest.raises(ValueError, match="'h' at step 1"):
        tr.validate()


def fixed_masks(seed):
    rng = np.random.default_rng(seed)
    return lambda shape: rng.random(shape) >= 0.3


@pytest.mark.parametrize("dropout,recurrent_dropout", [(0.3, 0.0), (0.0, 0.3), (0.3, 0.3)])
@pytest.mark.parametrize("mask", [None, MASK])
def test_dropout_masks(dropout, recurrent_dropout, mask):
    made = {}

    def mask_fn(shape):  # the same masks on every forward pass of the finite differences
        if shape not in made:
            made[shape] = np.random.default_rng(len(made)).random(shape) >= 0.3
        return made[shape]

    layer = LSTM(U, dropout=dropout, recurrent_dropout=recurrent_dropout, return_sequences=True,
                 dtype="float64", dropout_mask_fn=mask_fn)
    check_layer(layer, mask=mask, training=True)
    # Keras's shapes: one (batch, features) input mask, or one per gate once recurrent dropout is on
    expected = {(B, D)} if recurrent_dropout == 0 else ({(4, B, D)} if dropout else set()) | {(4, B, U)}
    assert set(made) == expected
    # inference ignores dropout
    x = np.ones((B, T, D))
    plain = LSTM(U, return_sequences=True, dtype="float64")
    plain.build((T, D), np.random.default_rng(0))
    plain.set_weights(layer.get_weights())
    np.testing.assert_array_equal(layer.forward(x, training=False), plain.forward(x))


def test_dropout_changes_training_outputs_and_is_one_mask_per_sequence():
    layer = LSTM(U, dropout=0.5, return_sequences=True, seed=3)
    x = np.ones((2, T, D), np.float32)
    y_train = layer(x, training=True)
    mx, mh = layer._drop  # this call's masks: one (batch, features) mask, scaled by 1/(1-rate)
    assert mh is None and mx.shape == (2, D) and set(np.unique(mx)) <= {0.0, 2.0}
    assert not np.allclose(y_train, layer(x, training=False))


def test_stateful_gradients_treat_the_carried_state_as_given():
    layer = LSTM(U, stateful=True, return_sequences=True, dtype="float64")
    rng = np.random.default_rng(1)
    layer.build((T, D), rng)
    for w in layer.params.values():
        w[...] = rng.normal(0, 0.6, w.shape)
    x1, x2 = rng.normal(size=(B, T, D)), rng.normal(size=(B, T, D))
    layer.forward(x1)
    carried = [s.copy() for s in layer.states]
    y = layer.forward(x2)
    R = rng.normal(size=y.shape)
    layer.backward(R)
    grads = dict(layer.grads)

    def loss():
        layer.states = [s.copy() for s in carried]
        return float((layer.forward(x2) * R).sum())

    assert_grads(loss, [(k, grads[k], w) for k, w in layer.params.items()])
    layer.reset_state()
    assert layer.states is None
    with pytest.raises(ValueError, match="reset_state"):
        layer.forward(x1)
        layer.forward(x1[:2])


def test_unroll_is_accepted_and_changes_nothing():
    x = np.random.default_rng(2).normal(size=(B, T, D)).astype(np.float32)
    a, b = LSTM(U, seed=0), LSTM(U, unroll=True, seed=0)
    np.testing.assert_array_equal(a(x), b(x))


def test_initializers_by_name_and_bad_options():
    from explainer import initializers

    layer = LSTM(U, kernel_initializer="he_normal", recurrent_initializer="glorot_uniform",
                 bias_initializer=initializers.Constant(0.5))
    layer.build((T, D), np.random.default_rng(0))
    b = layer.params["bias"]
    np.testing.assert_array_equal(b[U:2 * U], 1.0)  # unit_forget_bias
    np.testing.assert_array_equal(np.delete(b, np.s_[U:2 * U]), 0.5)
    assert LSTM(U, bias_initializer=initializers.Constant(0.5)).get_config()["bias_initializer"] == \
        {"class_name": "Constant", "config": {"value": 0.5}}
    with pytest.raises(ValueError, match="unknown initializer"):
        LSTM(U, kernel_initializer="fancy")
    with pytest.raises(ValueError, match="unknown activation 'mish'"):
        LSTM(U, activation="mish")
    with pytest.raises(ValueError, match="dropout must be in"):
        LSTM(U, dropout=1.0)
    with pytest.raises(ValueError, match="mask must have shape"):
        LSTM(U)(np.ones((B, T, D)), mask=np.ones((B, T + 1), bool))


def test_options_survive_save_and_load(tmp_path):
    from explainer import Dense, Sequential, initializers, load_model

    model = Sequential([LSTM(U, activation="gelu", recurrent_activation="hard_sigmoid", use_bias=False,
                             dropout=0.2, recurrent_dropout=0.1, return_sequences=True, input_shape=(T, D),
                             kernel_initializer=initializers.Constant(0.1)),
                        LSTM(2, go_backwards=True, zero_output_for_mask=True), Dense(1)], seed=0)
    x = np.random.default_rng(3).normal(size=(2, T, D)).astype(np.float32)
    again = load_model(model.save(tmp_path / "m.npz"))
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    assert again.layers[0].get_config() == model.layers[0].get_config()


def test_a_trace_between_forward_and_backward_changes_nothing():
    rng = np.random.default_rng(4)
    made = {}
    layer = LSTM(U, dropout=0.3, recurrent_dropout=0.2, return_sequences=True, dtype="float64",
                 dropout_mask_fn=lambda shape: made.setdefault(shape, rng.random(shape) >= 0.3))
    layer.build((T, D), rng)
    x = rng.normal(size=(B, T, D))
    R = rng.normal(size=(B, T, U))
    layer.forward(x, training=True, mask=MASK)
    layer.backward(R)
    before = {k: g.copy() for k, g in layer.grads.items()}
    layer.forward(x, training=True, mask=MASK)
    layer.trace(x)  # no mask, no dropout: must not disturb the pending backward
    layer.backward(R)
    for k in before:
        np.testing.assert_array_equal(layer.grads[k], before[k])
