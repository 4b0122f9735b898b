"""The synthetic record generators (customs, payments, platform sales), on DuckDB: exactly the
rows asked for, partitioned by month; every broken record breaks the one contract rule it was
meant to and no record breaks another; the November festivals stand out; the same seed gives
the same files; and each type's recipe runs end to end with every record accounted for."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from deo.cli import main
from deo.measure.records import check_records, run_recipe
from deo.measure.records.generate import (
    generate_customs,
    generate_payments,
    generate_platform,
)

ROWS = 20_000
CHUNK = 8_000  # three chunks (and a few rows more if rounding leaves them)
BROKEN = 0.02  # more than real life, so that each rule has dozens of records
DUPLICATES = 0.01
SEED = 11
REPORTER = "CHN"
GENERATORS = {"customs": generate_customs, "payments": generate_payments,
              "platform": generate_platform}
RECIPES = {"customs": "customs-ecommerce", "payments": "payments-cnp",
           "platform": "platform-sales"}
#: Every rule each type's generator breaks, as the contracts name them (written out here
#: rather than read from the generator, so that a generator dropping one fails).
RULES = {
    "customs": {"bad-date", "unknown-currency", "negative-value", "unknown-hs-code",
                "missing-key"},
    "payments": {"missing-key", "bad-date", "bad-flag", "unknown-code", "missing-value",
                 "unknown-area", "not-a-number", "negative-value", "unknown-currency"},
    "platform": {"missing-key", "bad-period", "missing-value", "unknown-area", "unknown-code",
                 "not-a-number", "negative-value", "unknown-currency"},
}
#: The column giving each record's day (or month).
WHEN = {"customs": "declaration_date", "payments": "transaction_date", "platform": "period"}


def _generate(kind: str, folder: Path, seed: int = SEED):
    return GENERATORS[kind](folder, ROWS, seed=seed, reporter=REPORTER, chunk_rows=CHUNK,
                            duplicates=DUPLICATES, broken=BROKEN)


@pytest.fixture(scope="module", params=list(GENERATORS))
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def generated(kind: str, tmp_path_factory: pytest.TempPathFactory):
    return _generate(kind, tmp_path_factory.mktemp(kind) / kind)


@pytest.fixture(scope="module")
def records(generated) -> list[dict]:
    return ds.dataset(generated.folder, format="parquet", partitioning="hive").to_table() \
        .to_pylist()


def test_exactly_the_rows_asked_for_partitioned_by_month(kind, generated, records):
    assert generated.rows == len(records) == ROWS
    months = {p.parent.name for p in generated.folder.rglob("*.parquet")}
    assert {f"month=2024-{m:02d}" for m in range(1, 13)} <= months
    assert months <= {f"month=2024-{m:02d}" for m in range(1, 13)} | {"month=1900-01"}
    for r in records:  # each record in its own month's folder
        when = r[WHEN[kind]]
        assert (when if isinstance(when, str) else when.strftime("%Y-%m")) == r["month"]
    assert generated.rates_path.is_file()


def test_broken_records_break_their_rule_and_no_other(kind, generated, tmp_path):
    report = check_records([generated.folder], kind, rejects_folder=tmp_path)
    rejected = report.accounting.rejected
    assert set(rejected) == RULES[kind]
    # Defects are dealt out in turn to BROKEN of the good records (and some get copied).
    share = BROKEN / len(RULES[kind])
    for rule, n in rejected.items():
        assert share * 0.8 < n / ROWS < share * 1.2, rule
    assert report.accounting.counted == ROWS - sum(rejected.values())


def test_double_11_and_black_friday_peaks(kind, records):
    if kind == "platform":  # monthly reports: November holds the most records
        per_month = Counter(r["period"] for r in records if r["period"].startswith("2024"))
        assert per_month.most_common(1)[0][0] == "2024-11"
        assert per_month["2024-11"] > 1.5 * statistics.median(per_month.values())
        return
    per_day = Counter(r[WHEN[kind]] for r in records if r[WHEN[kind]].year == 2024)
    median = statistics.median(per_day[d] for d in per_day)
    black_friday = date(2024, 11, 29)  # the fourth Friday of November 2024
    assert per_day[date(2024, 11, 11)] > 3 * median
    assert per_day[black_friday] > 2 * median
    assert max(per_day, key=per_day.__getitem__) == date(2024, 11, 11)


def test_the_same_seed_gives_the_same_files(kind, generated, tmp_path):
    def files(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes()
                for p in sorted(folder.rglob("*.parquet"))}

    again = _generate(kind, tmp_path / "again")
    assert files(again.folder) == files(generated.folder)
    assert again.rates_path.read_bytes() == generated.rates_path.read_bytes()
    other = _generate(kind, tmp_path / "other", seed=SEED + 1)
    assert files(other.folder) != files(generated.folder)


@pytest.fixture(scope="module")
def report(kind, generated, tmp_path_factory):
    return run_recipe(RECIPES[kind], [generated.folder], reporter=REPORTER,
                      rates=generated.rates, save=False,
                      rejects_folder=tmp_path_factory.mktemp(f"rejects-{kind}"))


def test_the_recipe_runs_and_accounts_for_every_record(kind, report):
    a = report.accounting
    assert a.balanced and a.rows_read == ROWS
    # Contract rules as planned; after them only outliers (heavy tails), never a missing
    # exchange rate (every currency is priced) nor a conflicting duplicate (ids are unique).
    assert RULES[kind] <= set(a.rejected)
    assert all(r.startswith("outlier:") for r in set(a.rejected) - RULES[kind])
    assert DUPLICATES * 0.5 < a.duplicates / ROWS < DUPLICATES * 1.2
    assert a.counted > 0.9 * (ROWS - sum(a.out_of_scope.values()))
    assert (a.amended > 0) == (kind == "customs")  # payments and platforms have no amends
    expected_scope = {"customs": set(), "payments": {"offline", "not-reporter"},
                      "platform": {"not-reporter"}}[kind]
    assert set(a.out_of_scope) == expected_scope
    assert len(report.observations) and report.suppressed


@pytest.mark.parametrize("kind", ["payments"], indirect=True)
def test_payments_are_mostly_domestic_and_partly_online(kind, records):
    payments = [r for r in records if r["transaction_id"] and r["online"] in ("Y", "N")]
    direction = Counter(
        "DOM" if r["merchant_country"] == r["cardholder_country"] == REPORTER
        else "IMP" if r["cardholder_country"] == REPORTER
        else "EXP" if r["merchant_country"] == REPORTER else "other"
        for r in payments)
    assert direction["DOM"] > 0.6 * len(payments)
    assert direction["IMP"] > direction["EXP"] > direction["other"] > 0
    online = sum(r["online"] == "Y" for r in payments) / len(payments)
    assert 0.2 < online < 0.6
    assert {r["merchant_category_code"] for r in payments} >= {"5311", "5399", "5691", "5732",
                                                                 "5999", "4722", "7011"}


@pytest.mark.parametrize("kind", ["platform"], indirect=True)
def test_platform_cells_are_dominated_by_the_largest_platform(kind, report):
    rule = report.recipe.disclosure
    cells = report.cells
    # Enough records and platforms, yet one platform holds more than k of the value: only
    # the dominance rule withholds these (Zipf-like platforms and sellers give it work).
    dominated = ((cells["records"] >= rule.min_records)
                 & (cells["contributors"] >= rule.min_contributors)
                 & (cells["top_cents"] > rule.dominance_k * cells["cents"]))
    assert dominated.any()
    assert cells.loc[dominated, "suppressed"].all()


def test_the_cli_writes_each_type(tmp_path, capsys):
    folder = tmp_path / "payments"
    assert main(["records", "generate", str(folder), "--rows", "3000", "--type", "payments",
                 "--seed", "2"]) == 0
    assert "3000 synthetic card transactions" in capsys.readouterr().out
    assert ds.dataset(folder, partitioning="hive").count_rows() == 3000
    assert (tmp_path / "payments-rates.csv").is_file()
    assert main(["records", "generate", str(tmp_path / "sales"), "--rows", "500",
                 "-t", "platform"]) == 0
    assert "500 synthetic platform sales records" in capsys.readouterr().out
    assert main(["records", "generate", str(tmp_path / "x"), "--type", "invoices"]) == 1
    assert "unknown record generator 'invoices'" in capsys.readouterr().err
