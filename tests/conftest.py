"""Shared test set-up: quiet TensorFlow, a headless plotting backend, and Debian's Chromium for browser tests."""
import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

#: Debian's chromium, driven by Playwright; never a browser Playwright downloads.
CHROMIUM = "/usr/bin/chromium"
#: Without the background-networking flags Chromium keeps trying this machine's closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium browser for one test module (Playwright's sync API allows one at a time)."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def screens(tmp_path) -> Path:
    """Where screenshots go: ``$LSTM_EXPLAINER_SCREENSHOTS`` (to look at them afterwards) or the test's tmp dir."""
    d = Path(os.environ.get("LSTM_EXPLAINER_SCREENSHOTS") or tmp_path)
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="session")
def trained_bitcoin_trace():
    """The trace of two sequences through an LSTM(16) trained 2 epochs on 4 named features (the bitcoin
    report's shape), dates as step labels: a trained trace that is not the demo, made once per session."""
    import numpy as np

    from explainer import LSTM, Dense, Sequential

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 10, 4)).astype(np.float32)
    y = np.tanh(x[:, -3:, :2].sum(axis=(1, 2)))[:, None].astype(np.float32)
    model = Sequential([LSTM(16), Dense(1)], seed=0)
    model.compile(loss="mse", optimizer="adam")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    trace = model.trace(x[:2])[0]
    trace.meta.update(labels=[f"2019-12-{d:02d}" for d in range(1, 11)],
                      features=["BTC_close", "BTC_volume", "ETH_close", "ETH_volume"])
    return trace
