"""What-if clamps: the model recomputes the rest of the sequence; values checked against a NumPy run by hand."""
from __future__ import annotations

import numpy as np
import pytest

from explainer import LSTM, Dense, Sequential
from explainer.intervention import Intervention
from explainer.trace import SequenceTrace, TraceError


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def numpy_run(W, U, b, x, clamps):
    """The LSTM written out in float64 for one sequence, with ``clamps`` {(t, unit, field): value}."""
    u = U.shape[0]
    h, c, out = np.zeros(u), np.zeros(u), []
    for t in range(len(x)):
        z = x[t] @ W + h @ U + b
        v = {"i": sigmoid(z[:u]), "f": sigmoid(z[u:2 * u]), "g": np.tanh(z[2 * u:3 * u]), "o": sigmoid(z[3 * u:])}
        for (tt, k, field), value in clamps.items():
            if tt == t and field in v:
                v[field][k] = value
        c = v["f"] * c + v["i"] * v["g"]
        for (tt, k, field), value in clamps.items():
            if tt == t and field == "c":
                c[k] = value
        h = v["o"] * np.tanh(c)
        for (tt, k, field), value in clamps.items():
            if tt == t and field == "h":
                h[k] = value
        out.append({**v, "c": c.copy(), "h": h.copy()})
    return out


@pytest.fixture()
def model():
    m = Sequential([LSTM(4, seed=3, input_shape=(6, 3), dtype="float64"), Dense(2, activation="softmax",
                                                                                  dtype="float64")], seed=1)
    m.build((6, 3))
    return m


CASES = {"forget held open": {(2, 1, "f"): 1.0},
         "input shut, output open": {(3, 0, "i"): 0.0, (3, 0, "o"): 1.0},
         "candidate clamped": {(1, 3, "g"): -0.75},
         "cell state set": {(4, 2, "c"): 1.5},
         "hidden state set": {(0, 1, "h"): -0.4},
         "two steps": {(1, 0, "f"): 0.0, (5, 3, "h"): 0.9}}


@pytest.mark.parametrize("case", sorted(CASES))
def test_clamped_trace_and_answer_match_numpy(case, model):
    clamps = CASES[case]
    x = np.random.default_rng(5).normal(size=(1, 6, 3))
    ivs = [Intervention(step=t, unit=u, field=f, value=v) for (t, u, f), v in clamps.items()]
    trace = model.trace(x, intervene=ivs)[0]
    lstm, dense = model.layers
    W, U, b = (lstm.params[k] for k in ("kernel", "recurrent_kernel", "bias"))
    want = numpy_run(W, U, b, x[0], clamps)
    for t, step in enumerate(want):
        for field, v in step.items():
            np.testing.assert_allclose(getattr(trace, field)[0, t], v, rtol=0, atol=1e-12, err_msg=f"{field} at {t}")
    logits = want[-1]["h"] @ dense.params["kernel"] + dense.params["bias"]
    p = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    np.testing.assert_allclose(model.predict(x, intervene=ivs)[0], p, atol=1e-12)
    # the clamp changed something downstream, and the original run is untouched by it
    plain = model.trace(x)[0]
    assert not np.allclose(plain.h[0, -1], trace.h[0, -1])
    assert "interventions" not in plain.meta
    assert trace.meta["interventions"] == [iv.as_dict() for iv in ivs]


def test_validate_knows_the_clamps(model, tmp_path):
    x = np.random.default_rng(2).normal(size=(2, 6, 3))
    ivs = [Intervention(2, 1, "f", 1.0), Intervention(4, 2, "c", 1.5), Intervention(5, 0, "h", 0.25)]
    trace = model.trace(x, intervene=ivs)[0]
    trace.validate()
    loaded = SequenceTrace.load(trace.save(tmp_path / "whatif.npz"))  # the record travels with the file
    assert loaded.meta["interventions"] == trace.meta["interventions"]
    # without its record, the same trace breaks the forget gate's equation exactly where it was clamped
    bare = SequenceTrace(**{n: getattr(trace, n) for n in ("x", "h_prev", "c_prev", "z", "i", "f", "g", "o", "c",
                                                           "tanh_c", "h")}, weights=trace.weights)
    with pytest.raises(TraceError, match="'f' at step 2.*unit 1") as e:
        bare.validate()
    assert (e.value.step, e.value.unit) == (2, 1)
    # a recorded clamp the values do not hold is refused
    trace.f[0, 2, 1] = 0.5
    with pytest.raises(TraceError, match="not the value its intervention clamped it to"):
        trace.validate()
    trace.f[0, 2, 1] = 1.0
    trace.meta["interventions"] = [{"step": 2, "unit": 1, "field": "x", "value": 1}]
    with pytest.raises(TraceError, match="interventions"):
        trace.validate()


def test_narrowed_trace_keeps_its_clamps(model):
    x = np.random.default_rng(4).normal(size=(1, 6, 3))
    trace = model.trace(x, intervene=[Intervention(3, 2, "i", 0.0)])[0]
    trace.narrow([2, 3]).validate()
    trace.narrow([0, 1]).validate()


@pytest.mark.parametrize("bad, message", [
    (dict(step=-1, unit=0, field="f", value=1), "step must be an integer >= 0"),
    (dict(step=0, unit=0, field="z", value=1), "clamps one of i, f, g, o, c, h"),
    (dict(step=0, unit=0, field="f", value=1.5), r"gate f lives in \[0, 1\]"),
    (dict(step=0, unit=0, field="i", value=5), r"gate i lives in \[0, 1\]; 5 is outside it"),
    (dict(step=0, unit=0, field="g", value=-1.5), r"gate g lives in \[-1, 1\]"),
    (dict(step=0, unit=0, field="h", value=1.2), r"state h lives in \[-1, 1\]; 1.2 is outside it"),
    (dict(step=0, unit=0, field="c", value=float("nan")), "must be finite"),
    (dict(step=0, unit=0, field="h", value="high"), "must be a number"),
])
def test_bad_interventions_are_named(bad, message):
    with pytest.raises(ValueError, match=message):
        Intervention(**bad)


def test_interventions_outside_the_sequence_are_refused(model):
    x = np.zeros((1, 6, 3))
    with pytest.raises(ValueError, match="step 6, but the sequence has 6 steps"):
        model.trace(x, intervene=[Intervention(6, 0, "f", 1.0)])
    with pytest.raises(ValueError, match="unit 4, but the layer has 4 units"):
        model.predict(x, intervene=[{"step": 0, "unit": 4, "field": "f", "value": 1.0}])
    with pytest.raises(ValueError, match="clamped twice"):
        model.trace(x, intervene=[Intervention(0, 0, "f", 1.0), Intervention(0, 0, "f", 0.0)])
    with pytest.raises(ValueError, match="peepholes"):
        LSTM(2, peephole=True, seed=0).trace(np.zeros((1, 3, 2), np.float32), intervene=[Intervention(0, 0, "f", 1)])


def test_story_memory_unit_held_open_at_polluted():
    """The lesson's question, asked of the trained model: hold the colour memory's f at 1 at "polluted"."""
    from explainer.story import story_trace

    plain = story_trace()
    unit, words = plain.meta["memory_unit"], plain.meta["words"]
    t = words.index("polluted")
    held = story_trace(intervene=[Intervention(t, unit, "f", 1.0)])
    held.validate()
    assert held.f[0, t, unit] == 1.0 and plain.f[0, t, unit] < 0.1  # it really closed there, and now does not
    # the memory keeps its old value plus what the input gate writes at "polluted"
    np.testing.assert_allclose(held.c[0, t, unit], plain.c[0, t - 1, unit] + plain.i[0, t, unit] * plain.g[0, t, unit],
                               rtol=1e-6)
    assert held.c[0, -1, unit] < plain.c[0, -1, unit] - 1  # the colour memory stays far from where it went
    # ... yet the model still answers grey: the pollution is carried by the other units as well
    assert held.meta["prediction"] == "grey" and held.meta["probabilities"][3] > 0.99
    # shut out "polluted" from every unit (f = 1, i = 0) and the model answers the sentence's first colour
    everywhere = [Intervention(t, u, f, v) for u in range(plain.units) for f, v in (("f", 1.0), ("i", 0.0))]
    assert story_trace(intervene=everywhere).meta["prediction"] == "blue"
