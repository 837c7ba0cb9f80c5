"""``classroom`` against careless and hostile use: ports that cannot be served on (0, taken, > 65535,
negative, words, the privileged ones) are one line naming --port before Voilà starts, and a hostile
``?cell=`` in a student's link restores nothing, runs nothing and is said, escaped, at the top of the page.
(The live page's URL fragment is proven in Chromium in ``test_widgets_live.py``.)"""
from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path
from urllib.parse import quote

import pytest

from explainer.cli import main

pytest.importorskip("voila")
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("port,said", [
    ("0", "argument --port: must be a whole number between 1 and 65535, got '0'"),
    ("65536", "argument --port: must be a whole number between 1 and 65535, got '65536'"),
    ("99999999999999999999", "argument --port: must be a whole number between 1 and 65535"),
    ("-1", "argument --port: must be a whole number between 1 and 65535, got '-1'"),
    ("http", "argument --port: must be a whole number between 1 and 65535, got 'http'"),
    ("8866.5", "argument --port: must be a whole number between 1 and 65535, got '8866.5'"),
    ("", "argument --port: must be a whole number between 1 and 65535, got ''"),
])
def test_ports_that_are_not_ports_name_the_flag(port, said, capsys):
    with pytest.raises(SystemExit) as e:
        main(["classroom", "--port", port])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1 and "Traceback" not in err, err


def test_a_privileged_port_is_refused_naming_the_range(capsys):
    assert main(["classroom", "--port", "80"]) == 2
    assert capsys.readouterr().err == "error: --port must be between 1024 and 65535, got 80\n"


@pytest.mark.parametrize("lan", [False, True])
def test_a_port_in_use_is_said_before_anything_starts(lan, capsys):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("0.0.0.0" if lan else "127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = ["classroom", "--port", str(port)] + (["--lan"] if lan else [])
        assert main(argv) == 2
    err = capsys.readouterr().err
    host = "0.0.0.0" if lan else "127.0.0.1"
    assert err == (f"error: port {port} on {host} is already in use; pick another with --port, or leave --port out "
                   "to get a free one\n"), err


#: what a student's link may carry in ?cell= (after the browser's and parse_qs's decoding)
HOSTILE_CELLS = ['<img src=x onerror="alert(1)">', 'x=<script>alert(2)</script>', "x=\"'><svg onload=alert(3)>",
                 "x=1e308", "x=1e999", "x=-inf", "x=nan", "x=" + "9" * 5000, "u=1e999", "u=-1", "u=0.5",
                 "x=0.5,zf=" + "1" * 400, "h=0.2,,,,=,=", "javascript:alert(4)", "x=0x10", "\u202ex=1"]


@pytest.fixture(scope="module")
def flow():
    from widgets.cell_flow import CellFlow

    return CellFlow(lang="en")


@pytest.mark.parametrize("cell", HOSTILE_CELLS, ids=[c[:20] for c in HOSTILE_CELLS])
def test_a_hostile_cell_setting_changes_nothing_and_is_said_as_text(flow, cell):
    before = {k: s.value for k, s in flow.sliders.items()}
    flow.settings_text.value = cell
    error = flow._restore_from_box()
    assert error.startswith("cannot read these settings: ") and len(error) < 260, error
    assert {k: s.value for k, s in flow.sliders.items()} == before  # nothing restored, not even a part
    shown = flow.settings_hint.value
    assert not re.search(r"<(img|script|svg)", shown) and "onerror=\"" not in shown, shown  # escaped where shown
    flow.settings_text.value = flow.settings()
    assert flow._restore_from_box() == ""  # the flow's own string still restores


def _dashboard_from_link(query: str, monkeypatch):
    """Run the classroom notebook's own code for a page opened at ``/?<query>``; return its dashboard."""
    import widgets

    made = []
    real = widgets.dashboard
    monkeypatch.setattr(widgets, "dashboard", lambda **kw: made.append(real(**kw)) or made[-1])
    monkeypatch.setenv("QUERY_STRING", query)
    notebook = json.loads((ROOT / "widgets" / "classroom.ipynb").read_text(encoding="utf-8"))
    for c in notebook["cells"]:
        if c["cell_type"] == "code":
            exec("".join(c["source"]), {})
    return made[-1]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_hostile_link_is_said_at_the_top_and_runs_nothing(lang, monkeypatch):
    from widgets.cell_flow import DEFAULT

    cell = "x=\"'><img src=x onerror=alert(1)>,u=" + "9" * 2000
    d = _dashboard_from_link(f"lang={lang}&cell={quote(cell)}", monkeypatch)
    notice = d.notice.value
    assert "?cell=" in notice and ("was not restored" if lang == "en" else "未能恢复") in notice, notice
    assert "&lt;img src=x onerror=alert(1)&gt;" in notice and "<img" not in notice, notice
    assert len(notice) < 600 and d.cell_flow.sliders["x"].value == DEFAULT.x
    d = _dashboard_from_link("cell=" + quote("x=0.25,Wf=-2"), monkeypatch)
    assert d.notice.value == "" and d.cell_flow.sliders["x"].value == 0.25 and d.cell_flow.sliders["W_f"].value == -2
