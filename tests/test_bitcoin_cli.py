"""``lstm-explainer bitcoin`` end to end: every report file written, finite metrics; ours alone without TensorFlow."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explainer import SequenceTrace, load_model

ROOT = Path(__file__).resolve().parents[1]


def expected_files(coins, keras: bool) -> set[str]:
    names = {"report.md", "report.html", "metrics.json", "data.png"}
    for c in coins:
        names |= {f"{k}_{c}{ext}" for k, ext in (("ours", ".npz"), ("trace", ".npz"), ("loss", ".png"),
                                                 ("train_fit", ".png"), ("test", ".png"))}
        if keras:
            names.add(f"keras_{c}.keras")
    return names


def check_report(out: Path, coins, keras: bool) -> dict:
    assert expected_files(coins, keras) <= {p.name for p in out.iterdir()}
    m = json.loads((out / "metrics.json").read_text())
    impls = ["ours", "naive"] + (["keras"] if keras else [])
    for c in coins:
        cm = m["coins"][c.upper()]["metrics"]
        assert sorted(cm) == sorted(impls)
        for impl in impls:
            for k in ("mae_return", "rmse_return", "rmse_price"):
                assert math.isfinite(cm[impl][k]) and cm[impl][k] >= 0, (c, impl, k)
        for impl in set(impls) - {"naive"}:
            assert 0 <= cm[impl]["direction_accuracy"] <= 1 and cm[impl]["seconds_per_epoch"] > 0
            assert all(math.isfinite(v) for v in m["history"][c.upper()][impl]["val_loss"])
        trace = SequenceTrace.load(out / f"trace_{c}.npz")
        assert trace.time == 7 and trace.units == min(8, m["config"]["units"]) and trace.input_dim == len(m["features"])
        assert len(trace.meta["labels"]) == 7 and trace.meta["target_date"] == m["split"]["test_to"]
        model = load_model(out / f"ours_{c}.npz")
        assert model.count_params() > 0
    report = (out / "report.md").read_text()
    assert "no change" in report and "2019-03-20 → 2019-03-31" in report
    assert all(f"({n})" in report for n in ("data.png", f"test_{coins[0]}.png"))
    return m


def test_quick_run_without_tensorflow(tmp_path):
    """Block TensorFlow and Keras imports: ``--no-keras`` must not need them."""
    out = tmp_path / "report"
    code = ("import sys; sys.modules['tensorflow'] = None; sys.modules['keras'] = None\n"
            "from explainer.cli import main\n"
            f"sys.exit(main(['bitcoin', '--quick', '--no-keras', '--quiet', '--out', {str(out)!r}]))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "data: BTC: 12 missing days (2019-03-20 → 2019-03-31)" in r.stderr  # the data problems, shown
    assert "report:" in r.stdout
    m = check_report(out, ["btc", "eth"], keras=False)
    assert m["config"]["units"] == 16 and m["config"]["epochs"] == 3 and m["keras"] is False
    # the trace's window is the last test window, labelled with its dates
    trace = SequenceTrace.load(out / "trace_btc.npz")
    assert trace.meta["labels"] == [f"2020-01-{d:02d}" for d in range(10, 17)] and trace.meta["coin"] == "BTC"


def test_cli_errors_are_clear(tmp_path, capsys):
    from explainer.cli import main

    bad = tmp_path / "x.csv"
    bad.write_text("")
    assert main(["bitcoin", "--csv", str(bad), "--no-keras", "--quiet", "--out", str(tmp_path / "o")]) == 2
    assert "is empty" in capsys.readouterr().err
    assert main(["bitcoin", "--coins", "BTC", "--cmc-eth", str(bad), "--no-keras", "--out", str(tmp_path / "o")]) == 2
    assert "not among the coins" in capsys.readouterr().err


@pytest.mark.keras
def test_quick_parity_run_with_keras(tmp_path):
    pytest.importorskip("keras")
    from explainer.cli import main

    out = tmp_path / "report"
    rc = main(["bitcoin", "--quick", "--parity", "--coins", "BTC", "--epochs", "2", "--quiet", "--out", str(out)])
    assert rc == 0
    m = check_report(out, ["btc"], keras=True)
    btc = m["coins"]["BTC"]
    assert btc["initial_weights_max_abs_diff"] == 0.0 and m["config"]["dropout"] == 0.0
    assert btc["parity_ok"] and btc["agreement"]["max_rel_diff_loss"] <= 1e-3
    assert btc["agreement"]["max_rel_diff_val_loss"] <= 1e-3
    import keras

    km = keras.saving.load_model(out / "keras_btc.keras")
    ours = load_model(out / "ours_btc.npz")
    x = np.zeros((1, 7, 2), np.float32) + 0.01
    assert abs(float(km.predict(x, verbose=0)[0, 0]) - float(ours.predict(x)[0, 0])) < 1e-4
