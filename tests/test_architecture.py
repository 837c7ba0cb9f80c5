"""The layers of explainer/ (see its module docstring) and the one way the imports run between them.

Read from the source with ``ast``, so an import inside a function counts as much as one at the top.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The layers, lowest first. A module may import its own layer and those below it (the maths and
#: the framework are read together: a gradient record knows the layers it was recorded from).
MATHS = {"activations", "cell", "gates", "trace", "gradients", "intervention", "initializers", "validation",
         "palette", "glossary", "presentation", "npzfile", "textfile", "extras", "errors", "paths"}
FRAMEWORK = {"layers", "rnn", "gru", "bidirectional", "embedding", "masking", "time_distributed", "model", "callbacks",
             "optimizers", "losses"}
BRIDGES = {"keras_bridge", "torch_bridge", "your_model", "demo", "sources", "cli", "argtypes"}
APPS = {"bitcoin", "story", "chars"}
CORE = MATHS | FRAMEWORK | BRIDGES
#: Packages beside explainer that build on it (the views); explainer never imports them.
VIEWS = {"animations", "widgets"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module ``source`` imports (absolute names), wherever the import statement stands."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.add(target)
            found |= {f"{target}.{a.name}" for a in node.names}  # `from . import story` imports a module
    return found


def layer_of(name: str) -> str | None:
    """Which layer an ``explainer.…`` module belongs to (None for a name outside explainer)."""
    parts = name.split(".")
    if parts[0] in VIEWS:
        return "views"
    if parts[0] != "explainer" or len(parts) < 2:
        return None
    top = parts[1]
    for layer, members in (("maths", MATHS), ("framework", FRAMEWORK), ("bridges", BRIDGES), ("apps", APPS)):
        if top in members:
            return layer
    return None


def wrong_way(module: str, imported: str) -> str | None:
    """Why ``module`` may not import ``imported`` (None when it may)."""
    src, dst = layer_of(module), layer_of(imported)
    if dst is None or src is None:
        return None
    if dst == "views":
        return "explainer never imports the views (animations, widgets): they import it"
    if dst == "apps" and src != "apps":
        return "the core never imports an application; move what both need into the core"
    if src == "apps" and dst == "apps" and module.split(".")[1] != imported.split(".")[1]:
        return "one application does not import another"
    if src in ("maths", "framework") and dst == "bridges":
        return "the maths and the framework never import a bridge (Keras, PyTorch, your model, the CLI)"
    return None


def violations(files) -> list[str]:
    found = []
    for path in files:
        module = module_name(path)
        for imported in imports(path.read_text(encoding="utf-8"), module, path.name == "__init__.py"):
            why = wrong_way(module, imported)
            if why:
                found.append(f"{path.relative_to(ROOT)} imports {imported}: {why}")
    return found


SOURCES = sorted((ROOT / "explainer").rglob("*.py"))


def test_every_module_of_explainer_is_in_a_layer():
    unplaced = [module_name(p) for p in SOURCES if module_name(p) != "explainer"
                and layer_of(module_name(p)) is None]
    assert not unplaced, f"put these in a layer (tests/test_architecture.py and explainer/__init__.py): {unplaced}"


def test_imports_run_one_way():
    assert violations(SOURCES) == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    """The checker itself: wrong-way imports written the ways code really writes them are caught."""
    bad = {
        "explainer/sources.py": "def f():\n    from .story import story_trace\n",
        "explainer/your_model.py": "from .bitcoin.data import decode\n",
        "explainer/layers.py": "import explainer.keras_bridge\n",
        "explainer/cell.py": "def g():\n    if True:\n        from animations import scenes\n",
        "explainer/bitcoin/report.py": "from ..story import words\n",
        "explainer/model.py": "from . import story\n",
    }
    for rel, code in bad.items():
        path = ROOT / rel
        module = module_name(path)
        caught = [i for i in imports(code, module) if wrong_way(module, i)]
        assert caught, (rel, code)
    ok = imports("from ..model import Sequential\n", "explainer.bitcoin.app")
    assert not [i for i in ok if wrong_way("explainer.bitcoin.app", i)]


def test_the_public_names_still_import():
    import explainer

    for name in ("LSTM", "Sequential", "Dense", "Embedding", "Bidirectional", "SimpleRNN", "SequenceTrace",
                 "load_model", "Adam"):
        assert hasattr(explainer, name), name


#: What only an application, the report or a bridge needs (pyproject.toml's extras), and the tests' packages.
EXTRAS = ("pandas", "matplotlib", "scipy", "safetensors", "markdown_it", "tabulate", "nbclient", "nbformat",
          "keras", "tensorflow", "torch", "manim", "ipywidgets")

BLOCK = f"""
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in {EXTRAS!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked)", name=name)
sys.meta_path.insert(0, Block())
"""


def run_without_extras(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK + code], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_the_core_works_without_the_extras(tmp_path):
    code = f"""
import numpy as np
import explainer
from explainer import LSTM, Dense, Sequential
from explainer import cli, keras_bridge, your_model, torch_bridge, sources, gradients  # importable, extras unused
model = Sequential([LSTM(3, input_shape=(4, 2)), Dense(1, activation="gelu")], seed=0)
model.compile(loss="mse", optimizer="adam")
x = np.ones((2, 4, 2), np.float32)
model.fit(x, np.zeros((2, 1), np.float32), epochs=1, verbose=0)
model.save(r"{tmp_path / 'm.npz'}")
np.save(r"{tmp_path / 'x.npy'}", x)
assert cli.main(["trace", "--model", r"{tmp_path / 'm.npz'}", "--input", r"{tmp_path / 'x.npy'}",
                 "--out", r"{tmp_path / 't.npz'}"]) == 0
assert cli.main(["trace", "--step", "2"]) == 0
print("loaded:", sorted(m for m in sys.modules if m.split('.')[0] in {EXTRAS!r}))
"""
    out = run_without_extras(code)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "loaded: []" in out.stdout


@pytest.mark.parametrize("code, extra", [
    ("from explainer.bitcoin import app", "bitcoin"),
    ("from explainer.your_model import _read_csv; from pathlib import Path; _read_csv(Path('x.csv'))", "csv"),
])
def test_a_missing_extra_names_the_pip_line(code, extra):
    out = run_without_extras(code)
    assert out.returncode != 0
    assert f"pip install 'lstm-explainer[{extra}]'" in out.stderr, out.stderr[-1500:]


def test_a_missing_extra_on_the_command_line_is_one_line():
    out = run_without_extras("from explainer import cli; sys.exit(cli.main(['bitcoin']))")
    assert out.returncode == 2, out.stderr[-1500:]
    lines = [l for l in out.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and "pip install 'lstm-explainer[bitcoin]'" in lines[0], out.stderr[-1500:]
