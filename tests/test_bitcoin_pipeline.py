"""The example's windowing, normalisation, targets and split against hand-computed values; metrics; the model."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from explainer import LSTM, Activation, Dense, Dropout
from explainer.bitcoin.pipeline import (Config, build_model, forecast_metrics, make_targets, make_windows,
                                        max_relative_difference, model_columns, prepare, split_data)

TINY = pd.DataFrame({"date": pd.date_range("2017-01-01", periods=5),
                     "BTC_close": [100.0, 110.0, 121.0, 100.0, 50.0],
                     "BTC_volume": [10.0, 20.0, 5.0, 10.0, 40.0]})


def test_windows_by_hand():
    x = make_windows(TINY, ["BTC_close", "BTC_volume"], window=2)
    # window i = rows i, i+1; each column / its value in row i, minus 1
    expected = np.array([[[0, 0], [0.1, 1.0]],
                         [[0, 0], [0.1, -0.75]],
                         [[0, 0], [100 / 121 - 1, 1.0]]], dtype=np.float32)
    assert x.shape == (3, 2, 2) and x.dtype == np.float32
    np.testing.assert_allclose(x, expected, rtol=1e-6, atol=1e-7)


def test_targets_by_hand():
    y = make_targets(TINY, "BTC", window=2)
    # close[t + 2] / close[t] - 1, one per window start t = 0, 1, 2
    np.testing.assert_allclose(y, [0.21, 100 / 110 - 1, 50 / 121 - 1], rtol=1e-6)


def test_windows_match_the_seeds_loop():
    rng = np.random.default_rng(0)
    data = pd.DataFrame(rng.uniform(1, 2, (20, 4)), columns=model_columns(["BTC", "ETH"]))
    ours = make_windows(data, data.columns, window=7)
    seed = []  # the classic create_inputs loop, minus its pandas-2 breakage
    for i in range(len(data) - 7):
        w = data[i:i + 7].copy()
        for col in data.columns:
            w.loc[:, col] = w.loc[:, col] / w.loc[:, col].iloc[0] - 1
        seed.append(w.to_numpy())
    np.testing.assert_allclose(ours, np.array(seed), rtol=1e-6, atol=1e-7)


def test_window_starting_at_zero_is_refused():
    bad = TINY.assign(BTC_volume=[0.0, 1, 2, 3, 4])
    with pytest.raises(ValueError, match="starts with a zero"):
        make_windows(bad, ["BTC_volume"], window=2)


def test_nan_cannot_reach_a_model():
    bad = TINY.assign(BTC_close=[100.0, np.nan, 121, 100, 50])
    with pytest.raises(AssertionError, match="NaN or infinity"):
        make_windows(bad, ["BTC_close"], window=2)


def test_split_is_chronological_like_the_seed():
    data = pd.DataFrame({"v": range(10)})
    train, test = split_data(data, 0.8)
    assert train["v"].tolist() == list(range(8)) and test["v"].tolist() == [8, 9]
    train, test = split_data(pd.DataFrame({"v": range(7)}), 0.8)  # int(5.6) = 5
    assert len(train) == 5 and len(test) == 2


def test_prepare_on_bundled_data():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = prepare(Config())
    assert ds.features == ["BTC_close", "BTC_volume", "ETH_close", "ETH_volume"]
    assert ds.x_train.shape == (1057, 7, 4) and ds.x_test.shape == (260, 7, 4)
    assert ds.y_train["ETH"].shape == (1057,) and ds.y_test["BTC"].shape == (260,)
    assert np.all(ds.x_train[:, 0] == 0)  # every window's first row is its own reference
    # a target and the prices it is read back with
    np.testing.assert_allclose((1 + ds.y_test["BTC"]) * ds.base_close("BTC", "test"), ds.actual_close("BTC", "test"),
                               rtol=1e-6)
    # the last close the model sees is the input's last row, and the target is the day after it
    np.testing.assert_allclose((1 + ds.x_test[:, -1, 0]) * ds.base_close("BTC", "test"), ds.last_close("BTC", "test"),
                               rtol=1e-6)
    assert ds.target_dates("test")[0] == pd.Timestamp(ds.window_dates("test", 0)[0]) + pd.Timedelta(days=7)


def test_prepare_needs_enough_days(tmp_path):
    p = tmp_path / "short.csv"
    p.write_text("date,btc_close,btc_volume\n" + "".join(f"2017-01-{d:02d},{d},{d}\n" for d in range(1, 11)))
    with pytest.raises(ValueError, match="each needs at least 8"):
        prepare(Config(coins=("BTC",)), csv=p)


def test_config_rejects_bad_values():
    for bad in ({"units": 0}, {"dropout": 1.0}, {"split": 1.0}, {"window": 1}, {"loss": "hinge"}):
        with pytest.raises(ValueError):
            Config(**bad)


def test_model_is_the_seeds_architecture():
    m = build_model((7, 4), Config(units=8, dropout=0.25, seed=3))
    kinds = [type(layer) for layer in m.layers]
    assert kinds == [LSTM, Dropout, LSTM, Dropout, LSTM, Dropout, Dense, Activation]
    assert [l.return_sequences for l in m.layers if isinstance(l, LSTM)] == [True, True, False]
    assert all(l.rate == 0.25 for l in m.layers if isinstance(l, Dropout))
    assert m.layers[-1].activation == "tanh" and m.layers[-2].units == 1 and m.loss_name == "mse"
    same = build_model((7, 4), Config(units=8, seed=3))
    assert all(np.array_equal(a, b) for a, b in zip(m.get_weights(), same.get_weights()))  # seeded


def test_forecast_metrics_by_hand():
    true = np.array([0.1, -0.2, 0.0, 0.3])
    pred = np.array([0.2, -0.1, 0.1, -0.1])
    base = np.array([100.0, 200.0, 100.0, 10.0])
    last = np.array([105.0, 150.0, 100.0, 12.0])  # actual prices: 110, 160, 100 (no move), 13
    m = forecast_metrics(pred, true, base, last)
    assert m["mae_return"] == pytest.approx((0.1 + 0.1 + 0.1 + 0.4) / 4)
    assert m["rmse_return"] == pytest.approx(np.sqrt((0.01 + 0.01 + 0.01 + 0.16) / 4))
    assert m["rmse_price"] == pytest.approx(np.sqrt((10 ** 2 + 20 ** 2 + 10 ** 2 + 4 ** 2) / 4))
    # predicted prices 120, 180, 110, 9 vs last 105, 150, 100, 12: up, up, (no move: left out), down;
    # actual moves: up, up, -, up
    assert m["direction_accuracy"] == pytest.approx(2 / 3)
    naive = forecast_metrics(None, true, base, last)  # predicts the last close: returns .05, -.25, 0, .2
    assert naive["mae_return"] == pytest.approx((0.05 + 0.05 + 0 + 0.1) / 4)
    assert naive["rmse_price"] == pytest.approx(np.sqrt((5 ** 2 + 10 ** 2 + 0 + 1) / 4))
    assert naive["direction_accuracy"] is None and naive["up_share"] == 1.0


def test_max_relative_difference():
    assert max_relative_difference([1.0, 2.0], [1.0, 2.002]) == pytest.approx(0.002 / 2.002)
