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
#: In teaching order: playground → one step → the story → what if → the timelapse → why an LSTM → bitcoin.
EXAMPLES = ["01_cell_state_playground", "02_one_lstm_step", "03_the_story", "04_what_if", "05_timelapse",
            "06_why_an_lstm", "07_bitcoin_sequence_explorer"]
NOTEBOOKS = [ROOT / "examples" / f"{name}.ipynb" for name in EXAMPLES] + [ROOT / "widgets" / "classroom.ipynb"]
#: After the widgets' lessons, a real character model's cells (run by tests/test_chars.py: it trains for seconds).
LAST = ["08_real_lstm_cells"]


def test_every_notebook_has_its_own_number_in_teaching_order():
    """examples/NN_*.ipynb: each number used once, 01, 02, … without a gap, and in the order taught."""
    names = sorted(p.stem for p in (ROOT / "examples").glob("*.ipynb"))
    numbers = [n.split("_", 1)[0] for n in names]
    assert len(set(numbers)) == len(numbers), names
    assert numbers == [f"{k:02d}" for k in range(1, len(names) + 1)], names
    assert names == EXAMPLES + LAST


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
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    if path.name.startswith("07_"):  # it must say which trace it shows (report, stand-in or story)
        assert "showing: " in text, text
        if "STAND-IN" in text:  # and, for a stand-in, that its gates do something, with the numbers
            moved = float(re.search(r"the gates move by at most: f ([\d.]+)", text).group(1))
            assert moved >= 0.1, text
    if path.name.startswith("04_"):  # what the trained model really does with f held open at "polluted"
        assert re.search(r"answer, f held 1: (grey|blue|red|green)", text), text


def _outside_maths(text: str) -> str:
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$]*\$", " ", text)
    return re.sub(r"`[^`]*`", " ", text)


@pytest.mark.parametrize("path", NOTEBOOKS[:-1], ids=lambda p: p.name)
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


def test_the_gates_are_introduced_before_the_gradient_widget():
    texts = ["\n".join(c.source for c in nbformat.read(p, as_version=4).cells) for p in NOTEBOOKS[:-1]]
    widget = next(k for k, s in enumerate(texts) if "MemoryWidget()" in s)
    gates = next(k for k, s in enumerate(texts) if "Forget gate" in s and r"\sigma" in s)
    assert gates < widget and r"\tanh" in texts[widget].split("MemoryWidget()")[0]


def test_notebook_02_first_widget_is_not_changed_by_later_cells():
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    codes = [c.source for c in nb.cells if c.cell_type == "code"]
    assert codes[0].strip().splitlines()[-1] == "CellFlow()"  # shown, bound to no name: later cells cannot move it
