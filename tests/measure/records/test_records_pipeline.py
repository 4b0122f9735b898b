"""The customs recipe on a small generated extract, on both engines, against the plain-Python
oracle: every record accounted for, cells equal to the oracle's sums, suppressed cells
published as status Q without a value, and identical outputs from DuckDB and Spark."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest
from oracle import expected

from deo.measure.records import run_recipe
from deo.measure.records.generate import generate_customs

REPORTER = "CHN"
_REPORTS: dict[str, object] = {}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    """6,000 declarations in three chunks, with more defects than real life (2%)."""
    folder = tmp_path_factory.mktemp("records") / "customs"
    return generate_customs(folder, 6000, seed=7, chunk_rows=2500, amendments=0.03,
                            duplicates=0.02, broken=0.02)


@pytest.fixture(scope="module")
def oracle(generated) -> dict:
    rates = {(c, p): v for c, p, v in generated.rates.itertuples(index=False)}
    return expected(generated.folder, rates, REPORTER)


def _run(engine: str, generated, folder: Path):
    if engine not in _REPORTS:
        _REPORTS[engine] = run_recipe(
            "customs-ecommerce", [generated.folder], engine=engine, reporter=REPORTER,
            rates=generated.rates, save=False, rejects_folder=folder,
        )
    return _REPORTS[engine]


@pytest.fixture(scope="module")
def report(engine: str, generated, tmp_path_factory):
    return _run(engine, generated, tmp_path_factory.mktemp(f"rejects-{engine}"))


def test_every_record_is_accounted_for(report, oracle):
    a = report.accounting
    assert a.balanced
    assert a.rows_read == oracle["read"] == 6000
    assert a.rejected == dict(oracle["rejected"])
    assert (a.duplicates, a.amended, a.counted) == (
        oracle["duplicates"], oracle["amended"], oracle["counted"])
    # The generator's defects all occur: each contract rule is exercised.
    assert {"bad-date", "unknown-currency", "negative-value", "unknown-hs-code",
            "missing-key"} <= set(a.rejected)
    assert a.duplicates > 0 and a.amended > 0


def _cells(report, table: str, dims: list[str]) -> dict:
    cells = report.cells[report.cells["table"] == table]
    return {(r.period_start, r.direction, *(getattr(r, d) for d in dims)): [r.records, r.cents]
            for r in cells.itertuples()}


def test_totals_and_partner_cells_equal_the_oracle(report, oracle):
    assert _cells(report, "", []) == dict(oracle["total"])
    assert _cells(report, "PARTNER", ["partner"]) == dict(oracle["partner"])


def test_tables_add_up_to_the_totals(report):
    totals = _cells(report, "", [])
    for table in ("CHANNEL", "CUSTOMER", "PRODUCT"):
        cells = report.cells[report.cells["table"] == table]
        sums = cells.groupby(["period_start", "direction"])[["records", "cents"]].sum()
        assert {k: list(v) for k, v in zip(sums.index, sums.values.tolist(), strict=True)} == totals


def test_observations_publish_open_cells_and_flag_suppressed_ones(report):
    obs = report.observations
    assert set(obs["indicator"]) == {"DEO.ECOM.REC.EXP", "DEO.ECOM.REC.IMP",
                                     "DEO.ECOM.REC.EXP.N", "DEO.ECOM.REC.IMP.N"}
    assert (obs["method"] == "records:customs-ecommerce@2024.1").all()
    suppressed = obs["status"] == "Q"
    assert suppressed.any() and (~suppressed).any()
    assert obs.loc[suppressed, "value"].isna().all()
    assert obs.loc[~suppressed, "value"].notna().all()
    # One observation per cell and measure; open values are the cells' own.
    cells = report.cells
    assert len(obs) == 2 * len(cells)
    open_total = cells[(cells["table"] == "") & ~cells["suppressed"]]
    values = obs[(obs["breakdown"] == "") & (obs["indicator"] == "DEO.ECOM.REC.EXP")]
    expected_values = open_total[open_total["direction"] == "EXP"]["cents"] / 100
    assert sorted(values["value"].dropna()) == sorted(expected_values)


def test_no_published_cell_breaks_disclosure_rules(report):
    rule = report.recipe.disclosure
    open_cells = report.cells[~report.cells["suppressed"]]
    assert (open_cells["records"] >= rule.min_records).all()
    assert (open_cells["contributors"] >= rule.min_contributors).all()
    assert (open_cells["top_cents"] <= rule.dominance_k * open_cells["cents"]).all()


def test_rejects_dataset_names_rule_column_and_value(report):
    contract = pd.read_parquet(report.rejects_path / "contract.parquet")
    counted = contract["rule"].value_counts().to_dict()
    contract_rules = {"bad-date", "unknown-currency", "negative-value", "unknown-hs-code",
                      "missing-key"}
    assert counted == {r: n for r, n in report.accounting.rejected.items() if r in contract_rules}
    bad_hs = contract[contract["rule"] == "unknown-hs-code"]
    assert set(bad_hs["column"]) == {"hs_code"} and set(bad_hs["value"]) == {"990000"}
    later = ds.dataset(report.rejects_path / "standardise.parquet").to_table().to_pandas()
    assert set(later["rule"]) <= {"conflicting-duplicate", "outlier:value-above-1m",
                                  "outlier:value-per-kg-above-50k", "no-exchange-rate"}
    assert len(later) == sum(n for r, n in report.accounting.rejected.items()
                             if r not in contract_rules)


def test_duckdb_and_spark_give_identical_outputs(spark_session, generated, tmp_path_factory):
    folder = tmp_path_factory.mktemp("rejects-both")
    duck, spark = _run("duckdb", generated, folder), _run("spark", generated, folder)
    pd.testing.assert_frame_equal(duck.cells, spark.cells)
    pd.testing.assert_frame_equal(duck.observations, spark.observations)
    assert duck.accounting == spark.accounting
