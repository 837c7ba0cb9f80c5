"""The recorded gradient trace against finite differences in float64.

Each recorded dL/dh_t and dL/dc_t is compared with the central difference of the loss when
an offset ε is injected into h_t (after it is computed, so the output and step t+1 see it)
or into c_t (before h_t = o ⊙ tanh(c_t) and the peephole z_o read it). The offsets are
injected by a small independent forward pass written here from the equations; at ε = 0 it
must reproduce the layers' own forward pass.
"""
import numpy as np
import pytest

from explainer import LSTM, Bidirectional, Dense, GradientTrace, Masking, Sequential, SimpleRNN, losses
from explainer.gates import GATES
from test_gradients import EPS, TOL, randomise, rel_err


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm_reference(layer, x, t_off=-1, eps_h=None, eps_c=None, mask=None):
    """The LSTM layer's forward pass from its equations, with offsets injected into h and c at step ``t_off``.

    A masked step (``mask`` (batch, time) False) carries h and c unchanged, as Keras does.
    """
    W, U, b = (layer.params[k] for k in ("kernel", "recurrent_kernel", "bias"))
    u = layer.units
    xs = x[:, ::-1] if layer.go_backwards else x
    live = np.ones(x.shape[:2], bool) if mask is None else (mask[:, ::-1] if layer.go_backwards else mask)
    h = np.zeros((len(x), u))
    c = np.zeros((len(x), u))
    hs = []
    for k in range(x.shape[1]):
        h_prev, c_prev = h, c
        z = xs[:, k] @ W + h @ U + b
        z_i, z_f, z_g, z_o = (z[:, g.index * u:(g.index + 1) * u] for g in GATES)
        if layer.peephole:
            z_i = z_i + layer.params["peephole_i"] * c
            z_f = z_f + layer.params["peephole_f"] * c
        c = sigmoid(z_f) * c + sigmoid(z_i) * np.tanh(z_g)
        c = np.where(live[:, k, None], c, c_prev)
        if k == t_off:
            c = c + eps_c
        if layer.peephole:
            z_o = z_o + layer.params["peephole_o"] * c
        h = np.where(live[:, k, None], sigmoid(z_o) * np.tanh(c), h_prev)
        if k == t_off:
            h = h + eps_h
        hs.append(h)
    return np.stack(hs, axis=1) if layer.return_sequences else h


def rnn_reference(layer, x, t_off=-1, eps_h=None, eps_c=None):
    """The SimpleRNN (tanh) layer's forward pass, with an offset injected into h at step ``t_off``."""
    W, U, b = (layer.params[k] for k in ("kernel", "recurrent_kernel", "bias"))
    xs = x[:, ::-1] if layer.go_backwards else x
    h = np.zeros((len(x), layer.units))
    hs = []
    for k in range(x.shape[1]):
        h = np.tanh(xs[:, k] @ W + h @ U + b)
        if k == t_off:
            h = h + eps_h
        hs.append(h)
    return np.stack(hs, axis=1) if layer.return_sequences else h


def loss_with_offset(model, x, y, which, t_off, eps_h, eps_c):
    """The model's loss with the offset injected into layer ``which`` at step ``t_off``."""
    mask = None
    for k, layer in enumerate(model.layers):
        if isinstance(layer, Masking):
            mask = np.any(x != layer.mask_value, axis=-1)
        elif k == which:
            x = lstm_reference(layer, x, t_off, eps_h, eps_c, mask) if isinstance(layer, LSTM) else \
                rnn_reference(layer, x, t_off, eps_h, eps_c)
        else:
            x = layer.forward(x, training=False)
    return float(losses.get(model.loss_name)(y, x)[0].mean())


def finite_difference(model, x, y, which, state):
    """dL/d(state_t) for every sample, step and unit, by central differences of injected offsets."""
    b, t = x.shape[:2]
    u = model.layers[which].units
    zero = np.zeros((b, u))
    fd = np.zeros((b, t, u))
    for step in range(t):
        for s in range(b):
            for j in range(u):
                e = zero.copy()
                e[s, j] = EPS
                plus = loss_with_offset(model, x, y, which, step, *((e, zero) if state == "h" else (zero, e)))
                minus = loss_with_offset(model, x, y, which, step, *((-e, zero) if state == "h" else (zero, -e)))
                fd[s, step, j] = (plus - minus) / (2 * EPS)
    return fd


def make_model(kind, rng, go_backwards=False):
    """A stack whose every recurrent layer is of ``kind``: two of them, the first returning sequences."""
    if kind == "rnn":
        layers = [SimpleRNN(4, return_sequences=True, input_shape=(5, 3), dtype="float64"),
                  SimpleRNN(3, go_backwards=go_backwards, dtype="float64")]
    else:
        peephole = kind == "peephole"
        layers = [LSTM(4, return_sequences=True, peephole=peephole, input_shape=(5, 3), dtype="float64"),
                  LSTM(3, peephole=peephole, go_backwards=go_backwards, dtype="float64")]
    model = Sequential(layers + [Dense(2, activation="tanh", dtype="float64")], seed=0)
    for layer in model.layers:
        randomise(layer, rng)
    model.compile("mse", "adam")
    return model


@pytest.mark.parametrize("kind", ["lstm", "peephole", "rnn"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_recorded_state_gradients_equal_finite_differences(kind, go_backwards):
    rng = np.random.default_rng(11)
    model = make_model(kind, rng, go_backwards)
    x, y = rng.normal(size=(2, 5, 3)), rng.normal(0, 0.5, (2, 2))
    grads = model.trace_gradients(x, y)
    assert len(grads) == 2
    for which, g in enumerate(grads):
        # the independent forward pass is the layers' own at ε = 0
        assert abs(loss_with_offset(model, x, y, which, -1, 0, 0) - g.loss) < 1e-12
        assert rel_err(g.dh, finite_difference(model, x, y, which, "h")) < TOL, (kind, which, "dh")
        if kind != "rnn":
            assert rel_err(g.dc, finite_difference(model, x, y, which, "c")) < TOL, (kind, which, "dc")


def test_the_trace_is_what_training_uses():
    """The recorded dL/dz summed over batch and time is the bias gradient the optimiser gets."""
    rng = np.random.default_rng(1)
    for kind in ("lstm", "peephole", "rnn"):
        model = make_model(kind, rng)
        x, y = rng.normal(size=(3, 5, 3)), rng.normal(0, 0.5, (3, 2))
        before = model.get_weights()
        grads = model.trace_gradients(x, y)
        _, _ = model.loss_and_grads(x, y, training=False)
        for g, layer in zip(grads, model.layers):
            np.testing.assert_allclose(g.dz.sum(axis=(0, 1)), layer.grads["bias"], rtol=1e-12, atol=1e-14)
        for a, b in zip(before, model.get_weights()):
            np.testing.assert_array_equal(a, b)  # tracing gradients trains nothing


def test_lstm_belt_factor_is_the_forget_gate_and_carries_dc_back():
    """dL/dc_{t-1} = dL/dc_t ⊙ f_t + dL/dh_{t-1} ⊙ o_{t-1} ⊙ (1 − tanh² c_{t-1})."""
    rng = np.random.default_rng(2)
    model = make_model("lstm", rng)
    x, y = rng.normal(size=(2, 5, 3)), rng.normal(0, 0.5, (2, 2))
    (fw1, fw2), (g1, g2) = model.trace(x), model.trace_gradients(x, y)
    for fw, g in ((fw1, g1), (fw2, g2)):
        np.testing.assert_array_equal(g.belt, fw.f)
        through_h = g.dh[:, :-1] * fw.o[:, :-1] * (1 - fw.tanh_c[:, :-1] ** 2)
        np.testing.assert_allclose(g.dc[:, :-1], g.dc[:, 1:] * g.belt[:, 1:] + through_h, rtol=1e-12, atol=1e-15)
        for gate in GATES:
            assert g.gate(gate.field).shape == g.dh.shape
    # dL/dz_f = dL/dc ⊙ c_{t-1} ⊙ σ′(z_f), per gate, as the equations say
    np.testing.assert_allclose(g2.gate("f"), g2.dc * fw2.c_prev * fw2.f * (1 - fw2.f), rtol=1e-12, atol=1e-15)


def test_peephole_belt_factor_is_the_direct_derivative():
    rng = np.random.default_rng(3)
    model = make_model("peephole", rng)
    x, y = rng.normal(size=(2, 5, 3)), rng.normal(0, 0.5, (2, 2))
    (fw, _), (g, _) = model.trace(x), model.trace_gradients(x, y)
    through_h = g.dh[:, :-1] * fw.o[:, :-1] * (1 - fw.tanh_c[:, :-1] ** 2)
    through_zo = g.gate("o")[:, :-1] * model.layers[0].params["peephole_o"]
    np.testing.assert_allclose(g.dc[:, :-1], g.dc[:, 1:] * g.belt[:, 1:] + through_h + through_zo,
                               rtol=1e-12, atol=1e-15)
    assert not np.allclose(g.belt, fw.f)  # the peepholes do add to f


def test_rnn_jacobian_carries_dh_back():
    """SimpleRNN: dL/dh_{t-1} = (∂h_t/∂h_{t-1})ᵀ dL/dh_t when h_{t-1} reaches the loss only through h_t."""
    rng = np.random.default_rng(4)
    model = make_model("rnn", rng)
    x, y = rng.normal(size=(2, 5, 3)), rng.normal(0, 0.5, (2, 2))
    (fw1, fw2), (_, g) = model.trace(x), model.trace_gradients(x, y)  # 2nd layer returns its last h only
    np.testing.assert_array_equal(g.slope, 1 - fw2.h ** 2)
    for t in range(1, g.time):
        J = g.jacobian(t)
        np.testing.assert_allclose(g.dh[:, t - 1], np.einsum("bjk,bj->bk", J, g.dh[:, t]), rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="no gates"):
        g.gate("f")


def test_round_trip_narrow_and_sample(tmp_path):
    rng = np.random.default_rng(5)
    for kind in ("lstm", "rnn"):
        model = make_model(kind, rng)
        x, y = rng.normal(size=(3, 5, 3)), rng.normal(0, 0.5, (3, 2))
        g = model.trace_gradients(x, y)[0]
        back = GradientTrace.load(g.save(tmp_path / f"{kind}.npz"))
        assert back == g and back.loss == g.loss and back.kind == g.kind
        assert back.meta["loss_name"] == "mse" and back.meta["go_backwards"] is False
        nar = g.narrow([1, 3]).sample(2)
        assert (nar.batch, nar.time, nar.units) == (1, 5, 2)
        np.testing.assert_array_equal(nar.dh[0], g.dh[2][:, [1, 3]])
        np.testing.assert_array_equal(nar.unit_index, [1, 3])
        if kind == "lstm":
            np.testing.assert_array_equal(nar.gate("g")[0], g.gate("g")[2][:, [1, 3]])
            np.testing.assert_array_equal(nar.belt[0], g.belt[2][:, [1, 3]])


def test_clear_errors(tmp_path):
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile("mse", "adam")
    with pytest.raises(ValueError, match="no LSTM, GRU or SimpleRNN"):
        model.trace_gradients(np.zeros((1, 3)), np.zeros((1, 2)))
    rnn = Sequential([SimpleRNN(2, input_shape=(3, 1))])
    with pytest.raises(RuntimeError, match="compile"):
        rnn.trace_gradients(np.zeros((1, 3, 1)), np.zeros((1, 2)))
    from explainer import SequenceTrace
    tr = Sequential([LSTM(2, input_shape=(3, 1))]).trace(np.zeros((1, 3, 1)))[0]
    with pytest.raises(ValueError, match="expected format"):
        GradientTrace.load(tr.save(tmp_path / "forward.npz"))
    assert isinstance(tr, SequenceTrace)


def test_bidirectional_and_variable_length():
    """A Bidirectional LSTM gives a gradient trace per direction; a model built for (None, d) traces any length."""
    rng = np.random.default_rng(6)
    model = Sequential([Bidirectional(LSTM(3, return_sequences=True), input_shape=(None, 2)),
                        SimpleRNN(2), Dense(1)], seed=0)
    model.compile("mse", "adam")
    for t in (4, 7):
        x, y = rng.normal(size=(2, t, 2)).astype(np.float32), rng.normal(size=(2, 1)).astype(np.float32)
        grads, forward = model.trace_gradients(x, y), model.trace(x)
        assert [g.kind for g in grads] == ["lstm", "lstm", "simple_rnn"]
        assert [g.layer for g in grads] == [f.layer for f in forward]
        assert all(g.time == t for g in grads)
        model.loss_and_grads(x, y, training=False)
        inner = list(model.layers[0].layers) + [model.layers[1]]
        for g, layer in zip(grads, inner):
            np.testing.assert_allclose(g.dz.sum(axis=(0, 1)), layer.grads["bias"], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("go_backwards", [False, True])
def test_masked_steps_carry_the_gradient(go_backwards):
    """Steps masked out carry h and c: the recorded dh, dc still equal the finite differences,
    dz is 0 there and the belt factor is 1."""
    rng = np.random.default_rng(8)
    model = Sequential([Masking(0.0, input_shape=(6, 3), dtype="float64"),
                        LSTM(3, go_backwards=go_backwards, dtype="float64"), Dense(2, dtype="float64")], seed=0)
    for layer in model.layers:
        randomise(layer, rng)
    model.compile("mse", "adam")
    x, y = rng.normal(size=(2, 6, 3)), rng.normal(0, 0.5, (2, 2))
    x[0, 2] = x[0, 5] = x[1, 0] = 0.0  # padding in the middle, at the end, at the start
    (g,) = model.trace_gradients(x, y)
    assert abs(loss_with_offset(model, x, y, 1, -1, 0, 0) - g.loss) < 1e-12
    assert rel_err(g.dh, finite_difference(model, x, y, 1, "h")) < TOL
    assert rel_err(g.dc, finite_difference(model, x, y, 1, "c")) < TOL
    live = np.any(x != 0, axis=-1)
    live = live[:, ::-1] if go_backwards else live  # the trace's time axis is the processing order
    assert np.all(g.dz[~live] == 0) and np.all(g.belt[~live] == 1)
    assert np.all(g.belt[live] < 1)


def test_paths_back_in_time():
    """The LSTM's belt path is the product of the forget gates after t; the SimpleRNN's Jacobian
    path carries the last step's dL/dh back to every step, and its gain is that product's norm."""
    rng = np.random.default_rng(9)
    lstm = make_model("lstm", rng)
    x, y = rng.normal(size=(2, 5, 3)), rng.normal(0, 0.5, (2, 2))
    g = lstm.trace_gradients(x, y)[1]
    f = lstm.trace(x)[1].f
    path = g.belt_path()
    np.testing.assert_allclose(path[:, 1], f[:, 2] * f[:, 3] * f[:, 4], rtol=1e-12)
    np.testing.assert_array_equal(path[:, -1], 1)
    rnn = make_model("rnn", rng)
    g = rnn.trace_gradients(x, y)[1]  # its output is the last h only: dL/dh_t = (∂h_T/∂h_t)ᵀ dL/dh_T
    for t in range(g.time):
        P = g.jacobian_path(t)
        np.testing.assert_allclose(g.dh[:, t], np.einsum("bjk,bj->bk", P, g.dh[:, -1]), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(g.path_gain()[:, t], np.linalg.norm(P, ord=2, axis=(1, 2)), rtol=1e-10)
    with pytest.raises(ValueError, match="SimpleRNN has none"):
        g.belt_path()
