"""Every widgets notebook runs top to bottom in a real kernel (nbclient), offline, without errors."""
from __future__ import annotations

import json
import re
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


def _outside_maths(text: str) -> str:
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$]*\$", " ", text)
    return re.sub(r"`[^`]*`", " ", text)


@pytest.mark.parametrize("path", NOTEBOOKS[:3], ids=lambda p: p.name)
def test_notebook_text_uses_latex_and_needs_nothing_a_student_lacks(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for word in ("shared/", "seed", "tutorial"):
        assert word not in text.lower(), word
    prose = _outside_maths(text)
    raw = re.findall(r"\b[a-zA-Z]_\{?[a-z0-9+-]+\}?|\\(?:odot|sigma|tanh)\b", prose)
    assert not raw, f"maths outside $…$ in {path.name}: {raw}"
    code_maths = [c for c in re.findall(r"`([^`]*)`", text) if "_{" in c or "⊙" in c]
    assert not code_maths, f"maths as code instead of LaTeX in {path.name}: {code_maths}"


def test_notebook_01_introduces_f_and_tanh_before_the_gradient_widget():
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    cells = [c.source for c in nb.cells]
    widget = next(k for k, s in enumerate(cells) if "MemoryWidget()" in s)
    before = "\n".join(cells[:widget])
    assert "Forget gate" in before and r"\tanh" in before and r"\sigma" in before


def test_notebook_02_first_widget_is_not_changed_by_later_cells():
    nb = nbformat.read(NOTEBOOKS[1], as_version=4)
    codes = [c.source for c in nb.cells if c.cell_type == "code"]
    assert codes[0].strip().splitlines()[-1] == "CellFlow()"  # shown, bound to no name: later cells cannot move it
