"""Loading files: all or nothing, rejects kept with reasons, re-loads recognised."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pandas as pd
import pytest

from deo.core import DeoError, LoadRejected
from deo.sources.load import load_files, prepare, read_file

GOOD = "indicator,area,year,value\nIT.NET.USER.ZS,KEN,2021,29.5\nIT.NET.USER.ZS,UGA,2021,10.3\n"
BAD = (
    "indicator,iso3,year,value\n"
    "IT.NET.USER.ZS,KEN,2022,32.7\n"
    "IT.NET.USER.ZS,KEN,2023,140\n"  # a percentage of 140
    "IT.NET.USER.ZS,XXX,2023,20\n"
)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_one_bad_file_refuses_the_whole_load(store, tmp_path):
    good, bad = write(tmp_path, "good.csv", GOOD), write(tmp_path, "bad.csv", BAD)
    before = store.snapshot()
    with pytest.raises(LoadRejected) as caught:
        load_files(store, [good, bad], rejects_folder=tmp_path / "rejects")
    after = store.snapshot()
    assert before[0].equals(after[0]) and before[1].equals(after[1])
    assert store.counts()["releases"] == 0

    problems = {(p.file, p.row, p.column, p.value, p.rule) for p in caught.value.problems}
    assert problems == {
        ("bad.csv", 3, "value", "140", "out-of-range"),
        ("bad.csv", 4, "iso3", "XXX", "unknown-area"),
    }
    message = str(caught.value)
    assert "bad.csv, row 3, column 'value': got '140'" in message
    assert "nothing was loaded" in message

    rejects = pd.read_csv(caught.value.rejects_path, dtype=str)
    assert rejects["row"].tolist() == ["3", "4"]
    assert rejects["file"].tolist() == ["bad.csv", "bad.csv"]
    assert "out-of-range" in rejects["reason"].iloc[0]
    assert "unknown-area" in rejects["reason"].iloc[1]


def test_skip_invalid_loads_the_valid_records_and_keeps_the_rest(store, tmp_path):
    bad = write(tmp_path, "bad.csv", BAD)
    report = load_files(store, [bad], skip_invalid=True, rejects_folder=tmp_path / "r")
    assert report.results[0].inserted == 1
    assert store.query()["value"].tolist() == [32.7]
    assert len(pd.read_csv(report.rejects_path)) == 2
    note = store.releases()["note"].iloc[0]
    assert "2 invalid record(s) not loaded" in note and report.rejects_path in note


def test_each_file_is_a_release_and_a_reload_is_recognised(store, tmp_path):
    one = write(tmp_path, "one.csv", GOOD)
    two = write(tmp_path, "two.csv", GOOD.replace("2021", "2022"))
    first = load_files(store, [one, two])
    assert [r.release_id for r in first.results] == [1, 2]
    again = load_files(store, [one])
    assert again.results[0].duplicate_of == 1
    assert store.counts()["releases"] == 2


def test_same_file_read_differently_is_not_a_repeat(store, tmp_path):
    path = write(
        tmp_path, "trade.csv", "ref_area,year,exports,imports\nKEN,2022,2052,1500\n"
    )
    exports = load_files(store, [path], columns={"value": "exports"},
                         constants={"indicator": "UNCTAD.DDS.EXP"})
    imports = load_files(store, [path], columns={"value": "imports"},
                         constants={"indicator": "UNCTAD.DDS.IMP"})
    assert imports.results[0].duplicate_of is None
    assert exports.results[0].release_id != imports.results[0].release_id
    releases = store.releases()
    # The content hash is the file's own sha256, the same for both; the data differ.
    assert set(releases["content_hash"]) == {hashlib.sha256(path.read_bytes()).hexdigest()}
    assert releases["data_hash"].nunique() == 2
    got = store.query().set_index("indicator")["value"].to_dict()
    assert got == {"UNCTAD.DDS.EXP": 2052.0, "UNCTAD.DDS.IMP": 1500.0}


def test_skip_empty_drops_blank_records_only(tmp_path):
    path = write(
        tmp_path, "gaps.csv",
        "area,year,value,status\nKEN,2021,,\nKEN,2022,,M\nKEN,2023,35,\n",
    )
    strict = prepare([path], constants={"indicator": "IT.NET.USER.ZS"})[0]
    assert strict.validated.problems["rule"].tolist() == ["missing-value"]
    assert strict.validated.problems["row"].tolist() == [2]
    lenient = prepare([path], constants={"indicator": "IT.NET.USER.ZS"}, skip_empty=True)[0]
    assert lenient.validated.ok and lenient.skipped_empty == 1
    # The record with a missing-value status is kept: it says the value cannot exist.
    assert lenient.validated.frame["status"].tolist() == ["M", "A"]


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("missing.csv", None, "no such file"),
        ("folder", "dir", "is a folder"),
        ("empty.csv", "", "empty"),
        ("nocols.csv", "a,b\n1,2\n", "missing column(s) indicator, area, period, value"),
    ],
)
def test_unreadable_input_is_a_clear_user_error(store, tmp_path, name, make, message):
    path = tmp_path / name
    if make == "dir":
        path.mkdir()
    elif make is not None:
        path.write_text(make)
    with pytest.raises(DeoError, match=re.escape(message)):
        load_files(store, [path], format=None if name != "empty.csv" else "csv")
    assert store.counts()["releases"] == 0


# -- naming columns and constants: a breakdown is never silently read as a total ----------

GENDERED = "indicator,area,year,gender,value\n" + "".join(
    f"IT.NET.USER.ZS,KEN,2022,{g},{v}\n" for g, v in (("female", 30.1), ("male", 35.2))
)


def test_column_option_names_a_breakdown_column(tmp_path):
    path = write(tmp_path, "g.csv", GENDERED)
    [item] = prepare([path], columns={"sex": "gender"})
    assert item.validated.ok, item.validated.problem_list()
    assert item.validated.frame["breakdown"].tolist() == ["SEX=F", "SEX=M"]
    assert item.validated.frame["value"].tolist() == [30.1, 35.2]


def test_an_unmapped_extra_column_is_reported_as_ignored(tmp_path):
    path = write(tmp_path, "g.csv", GENDERED)
    raw, _ = read_file(path)
    assert raw.attrs["ignored_columns"] == ["gender"]


def test_set_option_takes_a_dimension_in_any_case(tmp_path):
    path = write(tmp_path, "women.csv", "area,year,value\nKEN,2022,30.1\n")
    [item] = prepare([path], constants={"Indicator": "IT.NET.USER.ZS", "sex": "F"})
    assert item.validated.frame["breakdown"].tolist() == ["SEX=F"]


@pytest.mark.parametrize("option", ["columns", "constants"])
def test_an_unknown_option_name_is_an_error(tmp_path, option):
    path = write(tmp_path, "g.csv", GENDERED)
    with pytest.raises(DeoError, match="'gendre' is not a column deo knows"):
        prepare([path], **{option: {"gendre": "gender"}})


@pytest.mark.parametrize(
    ("cell", "rule", "column"),
    [("female", "bad-breakdown", "breakdown"), ("GENDER=F", "unknown-dimension", "breakdown")],
)
def test_a_breakdown_key_we_cannot_read_is_reported(tmp_path, cell, rule, column):
    header = "indicator,area,period,breakdown,value\n"
    path = write(tmp_path, "b.csv", f"{header}IT.NET.USER.ZS,KEN,2022,{cell},3\n")
    [item] = prepare([path])
    problems = item.validated.problems
    assert problems["rule"].tolist() == [rule]
    assert problems["row"].tolist() == [2]
    assert problems["column"].tolist() == [column]
    assert item.validated.frame.empty


def test_an_unknown_sdmx_dimension_is_reported(tmp_path):
    path = write(
        tmp_path, "x.sdmx.csv",
        "DATAFLOW,INDICATOR,REF_AREA,COUNTY,TIME_PERIOD,OBS_VALUE\n"
        "X:Y(1.0),IT.NET.USER.ZS,KEN,NAIROBI,2022,50\n",
    )
    [item] = prepare([path])
    assert item.validated.problems["rule"].tolist() == ["unknown-dimension"]
    assert "COUNTY" in item.validated.problems["column"].tolist()
    [mapped] = prepare([path], columns={"URBANISATION": "COUNTY"}, skip_empty=False)
    assert mapped.validated.problems["rule"].tolist() == ["unknown-code"]


def test_the_same_observations_in_another_format_are_recognised(store, tmp_path):
    from deo.sources.formats import get_format

    csv_file = write(tmp_path, "one.csv", GOOD)
    first = load_files(store, [csv_file])
    parquet_file = tmp_path / "one.parquet"
    get_format("parquet").write(store.query(), parquet_file)
    again = load_files(store, [parquet_file], format="parquet")
    assert again.results[0].duplicate_of == first.results[0].release_id
    assert store.counts()["releases"] == 1


def test_records_rejected_once_load_when_fixed(store, tmp_path):
    path = write(tmp_path, "bad.csv", BAD)
    load_files(store, [path], skip_invalid=True, rejects_folder=tmp_path / "r")
    fixed = write(tmp_path, "bad.csv", BAD.replace(",140", ",41").replace("XXX", "UGA"))
    report = load_files(store, [fixed])
    assert (report.results[0].inserted, report.results[0].unchanged) == (2, 1)


def test_a_file_with_no_valid_record_makes_no_release(store, tmp_path):
    path = write(tmp_path, "allbad.csv", "indicator,area,year,value\nIT.NET.USER.ZS,XXX,2022,1\n")
    with pytest.raises(DeoError, match="nothing to load from allbad.csv"):
        load_files(store, [path], skip_invalid=True, rejects_folder=tmp_path / "r")
    assert store.counts()["releases"] == 0


def test_skip_empty_also_drops_the_usual_no_value_marks(tmp_path):
    path = write(tmp_path, "gaps.csv", "area,year,value\nKEN,2020,..\nKEN,2021,-\nKEN,2022,35\n")
    [item] = prepare([path], constants={"indicator": "IT.NET.USER.ZS"}, skip_empty=True)
    assert item.validated.ok and item.skipped_empty == 2


def test_a_world_bank_download_loads_whole_with_its_aggregates(store):
    """The shape of a WDI 'Download CSV' file (notes lines, years as columns, aggregates
    such as WLD and HIC beside economies); the values are made up for the test."""
    fixture = Path(__file__).parent / "fixtures" / "worldbank_download_wide.csv"
    report = load_files(store, [fixture])
    assert report.results[0].inserted == 25
    got = store.query().set_index(["area", "period"])["value"]
    assert got[("KEN", "2023")] == 35.0
    assert got[("WLD", "2019")] == 54.5 and got[("AFE", "2020")] == 23.9
    # The World Bank's codes for groups we hold are stored under our codes.
    assert got[("WB_HIC", "2021")] == 90.8 and got[("EU", "2022")] == 90.4
    assert "ABW" not in got.index.get_level_values("area")  # empty cells are no data


SDMX_WITH_INDICATOR = (
    "DATAFLOW,INDICATOR,REF_AREA,SEX,TIME_PERIOD,OBS_VALUE\n"
    "ITU:HH(1.0),I_IUSE,KEN,M,2022,41.5\n"
)


def test_a_constant_replaces_the_sdmx_component_it_names(tmp_path):
    path = write(tmp_path, "itu.sdmx.csv", SDMX_WITH_INDICATOR)
    [item] = prepare([path], constants={"indicator": "IT.NET.USER.ZS", "SEX": "F"})
    assert item.validated.ok, item.validated.problem_list()
    frame = item.validated.frame
    assert frame[["indicator", "breakdown", "value"]].values.tolist() == [
        ["IT.NET.USER.ZS", "SEX=F", 41.5]
    ]


def test_a_row_refused_for_its_key_is_not_also_a_duplicate(tmp_path):
    header = "indicator,area,period,breakdown,value\n"
    path = write(tmp_path, "b.csv", header + "IT.NET.USER.ZS,KEN,2022,female,3\n"
                 "IT.NET.USER.ZS,KEN,2022,GENDER=F,4\n")
    [item] = prepare([path])
    assert item.validated.problems["rule"].tolist() == ["bad-breakdown", "unknown-dimension"]
    assert "--column" not in item.validated.problems["expected"].iloc[1]
