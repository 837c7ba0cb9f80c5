"""``trace --input x.csv`` reads each column's numbers the way the bitcoin app reads prices (one reader,
:func:`explainer.textfile.read_numbers`): German, Swiss, French and English writing, currency signs
and exponents exactly; mixed, ambiguous, percent and currency-mixed columns, stray text and missing
cells refused in one line naming the column (and the row)."""
from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

from explainer import LSTM, Sequential, cli
from explainer.trace import SequenceTrace


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("m") / "model.npz"
    Sequential([LSTM(2, input_shape=(None, 2))], seed=0).save(path)
    return path


def _csv(tmp_path, first: list[str], second: list[str], sep: str = ";", labels: bool = True) -> str:
    head = (["date"] if labels else []) + ["price", "volume"]
    rows = [sep.join(head)]
    for k, (a, b) in enumerate(zip(first, second)):
        cells = ([f"2020-06-{k + 1:02d}"] if labels else []) + [f'"{a}"', f'"{b}"']
        rows.append(sep.join(cells))
    path = tmp_path / "x.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def _run(model, path, tmp_path) -> tuple[int, SequenceTrace | None]:
    rc = cli.main(["trace", "--model", str(model), "--input", path, "--out", str(tmp_path / "t.npz")])
    return rc, SequenceTrace.load(tmp_path / "t.npz") if rc == 0 else None


#: (price cells, volume cells, the values read) — each column in its own format, as spreadsheets write them
READ = {
    "German": (["20.274,9840", "19.847,33", "9.100,5"], ["1.000", "2.500,5", "0,25"],
               [[20274.984, 1000], [19847.33, 2500.5], [9100.5, 0.25]]),
    "English with currency": (["$20,274.98", "$19,847.33", "$9,100.50"], ["1,000.0", "2,500.5", "0.25"],
                              [[20274.98, 1000], [19847.33, 2500.5], [9100.5, 0.25]]),
    "French spaces and euro": (["20\u202f274,98 €", "19 847,33 €", "9 100,5 €"], ["1 000", "2 500,5", "0,25"],
                               [[20274.98, 1000], [19847.33, 2500.5], [9100.5, 0.25]]),
    "Swiss apostrophes": (["20'274.98", "19'847.33", "9'100.5"], ["-1.5", "−2.25", "+0.5"],
                          [[20274.98, -1.5], [19847.33, -2.25], [9100.5, 0.5]]),
    "mixed columns, one format each": (["1.234,5", "2.000,25", "3,75"], ["1e3", "2.5E-1", "1,500.5"],
                                       [[1234.5, 1000], [2000.25, 0.25], [3.75, 1500.5]]),
}


@pytest.mark.parametrize("case", READ)
def test_number_formats_are_read_exactly(model, tmp_path, case):
    price, volume, values = READ[case]
    rc, trace = _run(model, _csv(tmp_path, price, volume), tmp_path)
    assert rc == 0
    np.testing.assert_allclose(trace.x[0], np.asarray(values, np.float32), rtol=0, atol=0)
    assert trace.meta["features"] == ["price", "volume"] and trace.meta["labels"][0] == "2020-06-01"


#: (price cells, the message naming the column 'price' and what is wrong)
REFUSED = {
    "mixed formats": (["20,274.98", "20.330,04", "19,847.33"], "column 'price' mixes number formats"),
    "ambiguous thousands": (["1,234", "2,500", "1,700"], "column 'price' is ambiguous"),
    "ambiguous dots": (["1.234", "2.500", "1.700"], "column 'price' is ambiguous"),
    "percent": (["5%", "6,5%", "7%"], r"column 'price' holds percentages \('5%' \(row 2, date '2020-06-01'\)"),
    "two currencies": (["$100", "€100", "$101"], r"column 'price' mixes currencies \(\$, €\)"),
    "a grouping that is not": (["100", "1,0,1", "102"], "column 'price' has values that are not numbers: '1,0,1' "
                                                         r"\(row 3, date '2020-06-02'\)"),
    "a space inside": (["100.5", "10 2.5", "103.5"], "column 'price' has values that are not numbers: '10 2.5'"),
    "stray text": (["100", "about 7", "102"], r"column\(s\) 'price' are not numbers"),
    "a missing cell": (["100", "", "102"], r"column 'price' has no value in row 3, date '2020-06-02'"),
    "a missing dash": (["100", "-", "102"], r"column 'price' has no value in row 3"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_unclear_columns_are_refused_naming_the_column(model, tmp_path, case, capsys):
    price, match = REFUSED[case]
    rc, _ = _run(model, _csv(tmp_path, price, ["1", "2", "3"]), tmp_path)
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert re.search(match, err), err
    assert not (tmp_path / "t.npz").exists()


def test_without_labels_rows_are_named_by_number(model, tmp_path, capsys):
    rc, _ = _run(model, _csv(tmp_path, ["1", "2", "1,0,1"], ["1", "2", "3"], labels=False), tmp_path)
    assert rc == 2 and "column 'price' has values that are not numbers: '1,0,1' (row 4)" in capsys.readouterr().err
    rc, trace = _run(model, _csv(tmp_path, ["1,5", "2", "3"], ["4", "5", "6,25"], sep=";", labels=False), tmp_path)
    assert rc == 0 and trace.x[0].tolist() == [[1.5, 4], [2, 5], [3, 6.25]] and trace.meta.get("labels") is None


def test_the_german_file_is_not_1000_times_off(model, tmp_path):
    """The issue's own example: "20.274,9840" is twenty thousand, not twenty million or twenty."""
    rc, trace = _run(model, _csv(tmp_path, ["20.274,9840", "20.330,0400"], ["9.100,5000", "10.000,0000"]), tmp_path)
    assert rc == 0 and trace.x[0, 0].tolist() == pytest.approx([20274.984, 9100.5], rel=1e-7)


def test_one_number_reader_for_prices_and_inputs():
    """The bitcoin app and trace --input call the same reader; neither has a number parser of its own."""
    import explainer.bitcoin.data as prices
    import explainer.your_model as inputs
    from explainer import textfile

    assert prices.read_numbers is textfile.read_numbers
    for module in (prices, inputs):
        source = inspect.getsource(module)
        assert "read_numbers(" in source and "decimal=" not in source and "thousands=" not in source, module
        assert "_SHAPES" not in source and "def number_format" not in source
