"""Bad arguments to the model API are refused clearly; training that diverges stops and says where."""
import numpy as np
import pytest

from explainer import LSTM, Adam, Dense, RMSprop, Sequential
from explainer.model import TrainingDiverged


def model(opt="adam"):
    m = Sequential([LSTM(4, input_shape=(5, 3)), Dense(1)], seed=0)
    m.compile("mse", opt)
    return m


def data(n=32, scale=1.0):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 5, 3)).astype(np.float32) * scale, rng.normal(size=(n, 1)).astype(np.float32)


@pytest.mark.parametrize("make,match", [
    (lambda: Adam(learning_rate=1e30), r"learning_rate must be in \(0, 1\], got 1e\+30"),
    (lambda: Adam(learning_rate=float("inf")), "learning_rate must be in"),
    (lambda: Adam(learning_rate=float("nan")), "learning_rate must be in"),
    (lambda: Adam(learning_rate=0), "learning_rate must be in"),
    (lambda: Adam(learning_rate="0.01"), "learning_rate must be a real number"),
    (lambda: Adam(learning_rate=1j), "learning_rate must be a real number"),
    (lambda: Adam(beta_1=1), r"beta_1 must be in \[0, 1\)"),
    (lambda: Adam(beta_2=-0.1), "beta_2 must be in"),
    (lambda: Adam(epsilon=0), r"epsilon must be in \(0, 1\]"),
    (lambda: RMSprop(epsilon=-1), "epsilon must be in"),
    (lambda: RMSprop(rho=1.5), "rho must be in"),
])
def test_optimizer_hyperparameters_are_validated(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_valid_hyperparameters_are_kept():
    opt = Adam(learning_rate=np.float32(0.01), beta_1=0, beta_2=0.99, epsilon=1e-8)
    assert (opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon) == (pytest.approx(0.01), 0.0, 0.99, 1e-8)


def test_divergence_stops_training_naming_epoch_batch_and_learning_rate(tmp_path):
    m = model(Adam(learning_rate=1.0))
    x, y = data(scale=1e3)
    with pytest.raises(TrainingDiverged, match=r"epoch \d+, batch \d+ of 4: .*learning_rate 1\b") as e, \
            np.errstate(over="ignore"):  # the overflow is the point: it is caught, not warned about
        m.fit(x, y * np.float32(1e19), epochs=50, batch_size=8, verbose=0)
    assert e.value.epoch >= 0 and e.value.batch >= 0


def test_a_model_with_non_finite_weights_is_never_saved(tmp_path):
    m = model()
    m.layers[0].params["kernel"][0, 0] = np.nan
    with pytest.raises(ValueError, match="lstm.*/kernel hold NaN.*not saved"):
        m.save(tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


def test_weights_that_become_nan_are_caught_at_the_end_of_the_epoch():
    m = model()
    x, y = data()
    m.optimizer.apply = lambda pg: [p.__setitem__(..., np.nan) for p, _ in pg]  # a broken update
    with pytest.raises(TrainingDiverged, match="epoch 1, batch 1 of 1"):
        m.fit(x, y, epochs=1, batch_size=32, verbose=0)


@pytest.mark.parametrize("bs", [0, -1, 2.5, True, "8"])
def test_predict_and_evaluate_refuse_bad_batch_sizes(bs):
    m = model()
    x, y = data()
    with pytest.raises((ValueError, TypeError), match="batch_size must be a whole number"):
        m.predict(x, batch_size=bs)
    with pytest.raises((ValueError, TypeError), match="batch_size must be a whole number"):
        m.evaluate(x, y, batch_size=bs)


def test_numpy_integers_are_accepted_for_epochs_and_batch_size():
    m = model()
    x, y = data()
    hist = m.fit(x, y, epochs=np.int64(2), batch_size=np.int32(16), verbose=0)
    assert len(hist.history["loss"]) == 2
    assert m.predict(x, batch_size=np.int64(5)).shape == (32, 1)


def test_compile_accepts_one_metric_name_and_any_case():
    m = model()
    m.compile("MSE", "ADAM", metrics="MAE")
    assert m.loss_name == "mse" and m.metric_names == ["mae"]
    x, y = data()
    assert set(m.fit(x, y, epochs=1, verbose=0).history) == {"loss", "mae"}
    with pytest.raises(TypeError, match="metrics must be a name or a list"):
        m.compile("mse", "adam", metrics=3)


def test_complex_inputs_and_weights_are_refused_not_truncated():
    m = model()
    x, _ = data()
    with pytest.raises(TypeError, match="complex"):
        m.predict(x + 1j)
    w = m.get_weights()
    w[0] = w[0] + 0.5j
    with pytest.raises(TypeError, match="complex"):
        m.set_weights(w)
    with pytest.raises(TypeError, match="real numbers"):
        m.set_weights([a.astype(str) for a in m.get_weights()])
