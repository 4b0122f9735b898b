"""Golden: the World Bank WDI extract (25,420 rows) loads, queries back and survives every
format unchanged. The oracle is the published file itself, parsed with Python's
correctly rounded ``float``, not anything our code computed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from deo.sources.formats import get_format
from deo.sources.load import load_files, prepare

WDI = "wdi_digital.csv"
EXTENSIONS = {
    "csv": ".csv",
    "wide-csv": ".wide.csv",
    "xlsx": ".xlsx",
    "parquet": ".parquet",
    "sdmx-csv": ".sdmx.csv",
    "sdmx-json": ".json",
    "sdmx-ml": ".xml",
}


@pytest.fixture(scope="module")
def published(reference_data: Path) -> dict[tuple[str, str, str], float]:
    """(indicator, area, year) -> value, straight from the published CSV."""
    with (reference_data / WDI).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 25_420
    return {(r["indicator"], r["iso3"], r["year"]): float(r["value"]) for r in rows}


def as_dict(frame) -> dict[tuple[str, str, str], float]:
    assert (frame["breakdown"] == "").all()
    assert (frame["status"] == "A").all()
    return {
        (r.indicator, r.area, r.period): r.value
        for r in frame[["indicator", "area", "period", "value"]].itertuples(index=False)
    }


def test_load_and_query_back_identical(store, reference_data, published):
    report = load_files(store, [reference_data / WDI])
    assert report.results[0].inserted == 25_420
    got = as_dict(store.query())
    assert len(got) == len(published)
    mismatches = [k for k, v in published.items() if got.get(k) != v]
    assert not mismatches, mismatches[:5]


@pytest.fixture(scope="module")
def validated(reference_data: Path):
    [item] = prepare([reference_data / WDI])
    assert item.validated.ok
    return item.validated.frame


@pytest.mark.parametrize("name", list(EXTENSIONS))
def test_round_trip_through_format(name, validated, published, tmp_path):
    path = tmp_path / f"wdi{EXTENSIONS[name]}"
    get_format(name).write(validated, path)
    [back] = prepare([path], format=name)
    assert back.validated.ok, back.validated.problem_list(5)
    got = as_dict(back.validated.frame)
    assert len(got) == len(published)
    mismatches = [k for k, v in published.items() if got.get(k) != v]
    assert not mismatches, mismatches[:5]
