"""Property: any valid set of observations written and read through every format comes
back identical (keys, values, status, standard errors, confidence bounds)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from deo.catalogue import get_catalogue
from deo.core import MISSING_STATUSES, OBS_STATUS, TOTAL, Period
from deo.core.breakdown import DIMENSIONS, breakdown_key
from deo.sources.formats import get_format
from deo.sources.validation import validate

# A folder that does not exist: the shipped catalogue only, no office additions.
CATALOGUE = get_catalogue(Path(tempfile.gettempdir()) / "deo-tests-no-office-catalogue")
INDICATORS = ["IT.NET.USER.ZS", "B3", "B12", "SP.POP.TOTL", "UNCTAD.DDS.EXP", "IT.CEL.SETS.P2"]
AREAS = ["KEN", "UGA", "FRA", "NAM", "CHN", "BRA", "IND", "USA", "002", "EAC"]
EXTENSIONS = {
    "csv": ".csv", "wide-csv": ".wide.csv", "xlsx": ".xlsx", "parquet": ".parquet",
    "sdmx-csv": ".sdmx.csv", "sdmx-json": ".json", "sdmx-ml": ".xml",
}
KEY = ["indicator", "area", "period", "breakdown"]
VALUES = ["value", "status", "se", "ci_lower", "ci_upper"]


def codes_of(dim: str) -> list[str]:
    if DIMENSIONS[dim] == "AREA":
        return ["KEN", "USA", "CHN"]
    return [c for c in CATALOGUE.codelists[DIMENSIONS[dim]].codes if c != TOTAL]


@st.composite
def periods(draw, annual_only: bool) -> str:
    year = draw(st.integers(1990, 2030))
    if annual_only:
        return str(year)
    kind = draw(st.sampled_from("AQM"))
    if kind == "A":
        return str(year)
    if kind == "Q":
        return f"{year}-Q{draw(st.integers(1, 4))}"
    return f"{year}-{draw(st.integers(1, 12)):02d}"


@st.composite
def observations(draw, plain: bool) -> dict:
    """One valid observation; ``plain`` = annual, status A, no uncertainty (wide CSV)."""
    indicator = CATALOGUE.indicators[draw(st.sampled_from(INDICATORS))]
    dims = []
    if not plain and indicator.breakdowns:
        dims = draw(st.lists(st.sampled_from(indicator.breakdowns), unique=True))
    breakdown = breakdown_key({d: draw(st.sampled_from(codes_of(d))) for d in dims})
    hi = indicator.valid_max if indicator.valid_max is not None else 1e12
    value = draw(st.floats(indicator.valid_min or 0.0, hi, allow_nan=False))
    status = "A" if plain else draw(st.sampled_from(sorted(OBS_STATUS)))
    if status in MISSING_STATUSES and draw(st.booleans()):
        value = None
    se = lo = up = None
    if not plain and draw(st.booleans()):
        se = draw(st.floats(0, 1e6, allow_nan=False))
    if not plain and draw(st.booleans()):
        a, b = sorted(draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2,
                                    max_size=2)))
        lo, up = a, b
    return {
        "indicator": indicator.code, "area": draw(st.sampled_from(AREAS)),
        "period": draw(periods(plain)), "breakdown": breakdown, "value": value,
        "status": status, "se": se, "ci_lower": lo, "ci_upper": up,
    }


def observation_frames(plain: bool):
    key = lambda o: tuple(o[k] for k in KEY)  # noqa: E731
    return st.lists(observations(plain), min_size=1, max_size=25, unique_by=key).map(
        to_frame
    )


def to_frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records)
    for column in ("value", "se", "ci_lower", "ci_upper"):
        frame[column] = frame[column].astype(float)
    frame["period_start"] = frame["period"].map(lambda p: Period.parse(p).start)
    frame["period_end"] = frame["period"].map(lambda p: Period.parse(p).end)
    return frame


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[KEY + VALUES].sort_values(KEY).reset_index(drop=True)


def round_trip(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    fmt = get_format(name)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"obs{EXTENSIONS[name]}"
        fmt.write(frame, path)
        checked = validate(fmt.read(path), path.name, CATALOGUE)
    assert checked.ok, checked.problem_list(5)
    return checked.frame


SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", [n for n in EXTENSIONS if n != "wide-csv"])
@SETTINGS
@given(frame=observation_frames(plain=False))
def test_every_format_round_trips(name, frame):
    back = round_trip(name, frame)
    pd.testing.assert_frame_equal(canonical(back), canonical(frame), check_dtype=False)


@SETTINGS
@given(frame=observation_frames(plain=True))
def test_wide_csv_round_trips_annual_values(frame):
    back = round_trip("wide-csv", frame)
    pd.testing.assert_frame_equal(canonical(back), canonical(frame), check_dtype=False)


@pytest.mark.parametrize(
    "feature",
    [
        lambda f: f["breakdown"].str.count("=").ge(2).any(),
        lambda f: f["value"].isna().any(),
        lambda f: f["se"].notna().any() and f["ci_lower"].notna().any(),
        lambda f: f["period"].str.contains("Q").any() and f["period"].str.len().eq(7).any(),
    ],
    ids=["two-dimensions", "missing-value", "uncertainty", "sub-annual"],
)
def test_the_generator_reaches_hard_cases(feature):
    """Guard against a strategy that only ever makes easy data."""
    assert feature(find(observation_frames(plain=False), feature))
