"""Every contract reject names its row, the same on both engines: in a CSV file the line of
the record (the header is line 1), in a Parquet file its 1-based position; with files split
into many pieces (Spark), with several row groups (Parquet), with quoted fields, and with
two files at once. DuckDB numbers a multi-megabyte CSV read on several threads in file order."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from deo.cli import main
from deo.core import DeoError
from deo.measure.records import check_records
from deo.measure.records.engines import DuckDBSession, EngineOptions

HEADER = ["declaration_id", "amendment_of", "declaration_date", "regime", "direction", "origin",
          "destination", "hs_code", "hs_version", "declared_value", "currency", "quantity",
          "weight_kg", "customer", "platform"]
GOOD = ["D", "", "2024-03-05", "9610", "E", "CHN", "USA", "851712", "HS2017", "25.50", "USD",
        "1", "0.4", "B2C", "PLT01"]
#: Ways to break the contract: (field, value, rule); the values with a comma are quoted.
BREAKS = [("declaration_date", "2024-02-30", "bad-date"),
          ("declared_value", "12,5", "not-a-number"),
          ("currency", "ZZZ", "unknown-currency"),
          ("hs_code", "7712", "unknown-hs-code")]


def _records(n: int, bad: dict[int, int], tag: str) -> list[list[str]]:
    """``n`` records; the ``i``-th (0-based) breaks ``BREAKS[bad[i]]``. Platforms are quoted
    fields with commas and doubled quotes, so a reader that split lines on commas would fail."""
    rows = []
    for i in range(n):
        row = list(GOOD)
        row[0] = f"{tag}{i}"
        row[-1] = f'Shop, "{i}" Ltd' if i % 3 == 0 else f"PLT{i % 7:02d}"
        if i in bad:
            field, value, _rule = BREAKS[bad[i]]
            row[HEADER.index(field)] = value
        rows.append(row)
    return rows


def _expected(name: str, bad: dict[int, int], first_row: int) -> set[tuple[str, int, str]]:
    return {(name, i + first_row, BREAKS[b][2]) for i, b in bad.items()}


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _found(report) -> set[tuple[str, int, str]]:
    rejects = pd.read_parquet(report.rejects_path / "contract.parquet")
    assert str(rejects["row"].dtype) == "int64"
    return {(Path(f).name, int(r), rule)
            for f, r, rule in rejects[["file", "row", "rule"]].itertuples(index=False)}


#: Bad records by 0-based index in each file: first, last, and scattered between.
BAD_A = {0: 0, 17: 1, 18: 2, 44: 3, 71: 1, 119: 0}
BAD_B = {2: 2, 9: 1, 39: 3}


@pytest.fixture(scope="module")
def csv_files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("rows-csv")
    return [_write_csv(folder / "a.csv", _records(120, BAD_A, "A")),
            _write_csv(folder / "b.csv", _records(40, BAD_B, "B"))]


@pytest.fixture(scope="module")
def parquet_files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("rows-parquet")
    paths = []
    for name, n, bad, tag in (("a.parquet", 120, BAD_A, "A"), ("b.parquet", 40, BAD_B, "B")):
        frame = pd.DataFrame(_records(n, bad, tag), columns=HEADER)
        path = folder / name
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path,
                       row_group_size=16)
        paths.append(path)
    assert pq.ParquetFile(paths[0]).num_row_groups > 1
    return paths


@pytest.fixture(scope="module")
def small_splits(engine, request):
    """On Spark, files split into pieces of 2 KB (a.csv into several tasks, the short tails of
    both files packed into one), so that numbering must carry counts across pieces."""
    if engine != "spark":
        yield None
        return
    spark = request.getfixturevalue("spark_session")
    settings = {"spark.sql.files.maxPartitionBytes": "2048",
                "spark.sql.files.openCostInBytes": "64"}
    before = {k: spark.conf.get(k) for k in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    yield spark
    for key, value in before.items():
        spark.conf.set(key, value)


def test_csv_rejects_name_the_line(engine, small_splits, csv_files, tmp_path):
    if small_splits is not None:  # the test would prove nothing on one piece
        assert small_splits.read.csv(str(csv_files[0])).rdd.getNumPartitions() > 2
    report = check_records(csv_files, "customs", engine=engine, rejects_folder=tmp_path)
    assert _found(report) == (_expected("a.csv", BAD_A, first_row=2)
                              | _expected("b.csv", BAD_B, first_row=2))
    # The sample shown by `deo records check` comes in file order.
    assert list(report.sample["row"][:3]) == [2, 19, 20]
    quoted = report.sample[report.sample["rule"] == "not-a-number"]
    assert set(quoted["value"]) == {"12,5"}


def test_parquet_rejects_name_the_position(engine, small_splits, parquet_files, tmp_path):
    report = check_records(parquet_files, "customs", engine=engine, rejects_folder=tmp_path)
    assert _found(report) == (_expected("a.parquet", BAD_A, first_row=1)
                              | _expected("b.parquet", BAD_B, first_row=1))


def test_duckdb_numbers_a_big_csv_in_file_order(tmp_path):
    """A ~25 MB file is scanned in several pieces when DuckDB reads it on several threads;
    each record holds its own line number, which ``_row`` must equal."""
    path = tmp_path / "big.csv"
    with path.open("w") as fh:
        fh.write("line,text\n")
        fh.writelines(f'{i},"x, {i % 97}"\n' for i in range(2, 2_000_002))
    assert path.stat().st_size > 20_000_000
    session = DuckDBSession(EngineOptions(cores=4, workdir=tmp_path))
    try:
        table = session.read_csv([path])
        wrong = table.filter(table.line.cast("int64") != table._row).count().execute()
        assert (wrong, table.count().execute()) == (0, 2_000_000)
        assert table._row.max().execute() == 2_000_001
    finally:
        session.close()


def test_duckdb_csv_files_must_share_columns(tmp_path):
    first = _write_csv(tmp_path / "first.csv", _records(2, {}, "A"))
    other = tmp_path / "other.csv"
    other.write_text("declaration_id,declaration_date\nX1,2024-01-01\n")
    with pytest.raises(DeoError, match="other.csv: its columns"):
        check_records([first, other], "customs", rejects_folder=tmp_path)


def test_check_shows_the_row(csv_files, capsys):
    assert main(["records", "check", str(csv_files[1]), "--type", "customs"]) == 0
    shown = capsys.readouterr().out
    header = next(line for line in shown.splitlines() if " row " in line)
    assert header.index(" row ") < header.index("column")
    lines = [line for line in shown.splitlines() if "b.csv" in line]
    assert [line.split("│")[2].strip() for line in lines] == ["4", "11", "41"]
