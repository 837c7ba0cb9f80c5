"""Every widgets notebook runs top to bottom in a real kernel (nbclient), offline, without errors."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = [ROOT / "examples" / "01_one_lstm_step.ipynb",
             ROOT / "examples" / "02_cell_state_playground.ipynb",
             ROOT / "examples" / "03_bitcoin_sequence_explorer.ipynb",
             ROOT / "widgets" / "classroom.ipynb"]


@pytest.fixture
def python3_kernel(tmp_path, monkeypatch):
    """A `python3` kernel spec that runs *this* interpreter (JUPYTER_PATH comes first in the search)."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (lstm-explainer tests)", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("LSTM_EXPLAINER_TRACE", "")   # notebook 03 must not pick up a stray trace
    return "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, python3_kernel):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name=python3_kernel, timeout=180,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    widgets_shown = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets_shown, f"{path.name} displayed no widget"
    if path.name.startswith("03_"):  # it must say which trace it shows (report, tiny model or demo)
        text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
        assert "showing: " in text, text
