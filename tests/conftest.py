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
