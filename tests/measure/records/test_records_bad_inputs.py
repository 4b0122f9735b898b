"""Record files deo cannot read as given are refused, with the same message on DuckDB and on
Spark, naming the file (and the line, byte or column): text that is not UTF-8 (Latin-1,
UTF-16; Spark would replace the bytes silently), a line with a field too many or too few
(Spark would drop or pad them), a file that is not Parquet (Spark: a Java stack trace), an
empty file, an HS code stored as a decimal number (10121.0 would pass as chapter 10), a
memory size that is not one. The CLI exits with 1 and a message."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from deo.cli import main
from deo.core import DeoError
from deo.measure.records import check_records, csv_files
from deo.measure.records.engines import EngineOptions, _jvm_size, connect

HEADER = ["declaration_id", "amendment_of", "declaration_date", "regime", "direction", "origin",
          "destination", "hs_code", "hs_version", "declared_value", "currency", "quantity",
          "weight_kg", "customer", "platform"]
GOOD = ["D0", "", "2024-03-05", "9610", "E", "CHN", "USA", "851712", "HS2017", "25.50", "USD",
        "1", "0.4", "B2C", "PLT01"]


def _rows(n: int = 4) -> list[list[str]]:
    return [[f"D{i}", *GOOD[1:]] for i in range(n)]


def _text(rows: list[list[str]], header: list[str] = HEADER) -> str:
    return "".join(",".join(r) + "\n" for r in [header, *rows])


def _check(engine: str, path: Path, tmp_path: Path):
    return check_records([path], "customs", engine=engine, rejects_folder=tmp_path / "rejects")


def _refused(engine: str, path: Path, tmp_path: Path) -> str:
    with pytest.raises(DeoError) as caught:
        _check(engine, path, tmp_path)
    return str(caught.value)


def test_latin1_is_refused_with_its_line_and_byte(engine, tmp_path):
    rows = _rows()
    rows[2][14] = "Café"  # line 4: the header is line 1
    path = tmp_path / "latin1.csv"
    path.write_bytes(_text(rows).encode("latin-1"))
    message = _refused(engine, path, tmp_path)
    offset = _text(rows).index("é")
    assert f"latin1.csv, line 4: byte 0xE9 (byte {offset} of the file) is not UTF-8" in message


def test_latin1_in_a_later_chunk_is_found(engine, tmp_path, monkeypatch):
    """The fault is found past the first chunk read, and a character cut by a chunk's end
    is no fault."""
    monkeypatch.setattr(csv_files, "CHUNK", 7)
    rows = _rows(30)
    for row in rows[:20]:
        row[14] = "Üñï€"  # UTF-8: two- and three-byte characters across chunk ends
    rows[25][14] = "Caf\xe9"
    path = tmp_path / "late.csv"
    good = _text(rows[:25]).encode("utf-8")
    path.write_bytes(good + _text(rows[25:], header=[]).lstrip("\n").encode("latin-1"))
    bad = csv_files.first_bad_byte(path)
    assert bad is not None and (bad.line, bad.byte) == (27, 0xE9)
    assert bad.offset == len(good) + len("D25,,2024-03-05,9610,E,CHN,USA,851712,HS2017,25.50,"
                                         "USD,1,0.4,B2C,Caf")
    assert "late.csv, line 27: byte 0xE9" in _refused(engine, path, tmp_path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_is_refused(engine, tmp_path, encoding):
    path = tmp_path / "utf16.csv"
    path.write_bytes(_text(_rows()).encode(encoding))
    message = _refused(engine, path, tmp_path)
    assert "utf16.csv" in message and "UTF-16" in message and "UTF-8" in message


def test_a_replacement_character_written_as_utf8_is_text(engine, tmp_path):
    """U+FFFD in a UTF-8 file is a character, not a sign of a byte Spark replaced."""
    rows = _rows()
    rows[1][14] = "PLT\ufffd"
    path = tmp_path / "fffd.csv"
    path.write_text(_text(rows), encoding="utf-8")
    assert _check(engine, path, tmp_path).accounting.rows_read == 4


@pytest.mark.parametrize(("change", "found"), [("extra", 16), ("missing", 13)])
def test_a_line_with_fields_too_many_or_few_is_refused(engine, tmp_path, change, found):
    rows = _rows()
    rows[1] = [*rows[1], "surplus"] if change == "extra" else rows[1][:-2]
    path = tmp_path / f"{change}.csv"
    path.write_text(_text(rows), encoding="utf-8")
    message = _refused(engine, path, tmp_path)
    assert f"{change}.csv, line 3: {found} fields where the header has 15 columns" in message


def test_a_file_that_is_not_parquet_is_refused(engine, tmp_path, capfd):
    path = tmp_path / "extract.parquet"
    path.write_text(_text(_rows()), encoding="utf-8")
    message = _refused(engine, path, tmp_path)
    assert "extract.parquet: not a Parquet file" in message
    folder = tmp_path / "partitioned" / "month=2024-01"
    folder.mkdir(parents=True)
    pd.DataFrame([dict(zip(HEADER, GOOD, strict=True))]).to_parquet(folder / "a.parquet")
    (folder / "b.parquet").write_bytes(b"PAR1 cut short")
    message = _refused(engine, tmp_path / "partitioned", tmp_path)
    assert "b.parquet: not a Parquet file" in message
    good = (folder / "a.parquet").read_bytes()  # its footer overwritten, its marks kept
    (folder / "b.parquet").write_bytes(good[:-60] + b"\x07" * 52 + good[-8:])
    message = _refused(engine, tmp_path / "partitioned", tmp_path)
    assert "b.parquet: a damaged Parquet file: its footer cannot be read" in message
    with pytest.raises(DeoError, match="a.parquet: a Parquet file, not CSV"):
        check_records([folder / "a.parquet"], "customs", engine=engine, format="csv")
    assert "at org.apache" not in capfd.readouterr().err  # no Java stack trace


def test_an_empty_file_is_refused_without_internal_columns(engine, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    assert "empty.csv: the file is empty" in _refused(engine, path, tmp_path)
    other = tmp_path / "other.csv"
    other.write_text("id,amount\n1,2\n", encoding="utf-8")
    message = _refused(engine, other, tmp_path)
    assert message.endswith("the file has id, amount)")  # not _file, _row


def test_a_decimal_hs_code_column_is_refused(engine, tmp_path):
    """010121 stored as 10121.0 would read "101210": a code of chapter 10."""
    frame = pd.DataFrame([dict(zip(HEADER, row, strict=True)) for row in _rows(2)])
    frame["hs_code"] = [10121.0, 851712.0]
    path = tmp_path / "float.parquet"
    frame.to_parquet(path)
    message = _refused(engine, path, tmp_path)
    assert "float.parquet: column hs_code is stored as float64" in message


def test_a_whole_number_hs_code_keeps_its_leading_zero(engine, tmp_path):
    frame = pd.DataFrame([dict(zip(HEADER, row, strict=True)) for row in _rows(2)])
    frame["hs_code"] = pd.array([10121, 7712], dtype="int64")  # 010121; 007712: no chapter
    path = tmp_path / "int.parquet"
    frame.to_parquet(path)
    report = _check(engine, path, tmp_path)
    assert report.accounting.rejected == {"unknown-hs-code": 1}
    assert list(report.sample["value"]) == ["7712"]


def test_files_with_their_columns_in_another_order_read_alike(engine, tmp_path):
    """Each CSV file is read by its own header (Spark applied the first file's, by place),
    and a quoted field with doubled quotes reads the same on both engines."""
    first = tmp_path / "a.csv"
    first.write_text(_text(_rows(2)), encoding="utf-8")
    order = list(reversed(HEADER))
    rows = [list(reversed(r)) for r in _rows(2)]
    rows[0][0] = '"PLT ""01"""'
    second = tmp_path / "b.csv"
    second.write_text(_text(rows, header=order), encoding="utf-8")
    session = connect(engine)
    try:
        read = session.read_csv([first, second]).to_pandas()
    finally:
        session.close()
    assert sorted(read["platform"]) == ["PLT \"01\"", "PLT01", "PLT01", "PLT01"]
    assert set(read["hs_code"]) == {"851712"} and set(read["currency"]) == {"USD"}
    assert sorted(zip(read["_file"].map(lambda f: Path(f).name), read["_row"],
                         strict=True)) == [
        ("a.csv", 2), ("a.csv", 3), ("b.csv", 2), ("b.csv", 3)]


def test_a_quoted_line_break_reads_or_is_refused(engine, tmp_path):
    rows = _rows(2)
    rows[1][14] = '"PLT\n01"'
    path = tmp_path / "break.csv"
    path.write_text(_text(rows), encoding="utf-8")
    if engine == "duckdb":
        assert _check(engine, path, tmp_path).accounting.rows_read == 2
    else:  # Spark splits files by line: refused, never read as two broken records
        assert "break.csv, line 3: a quoted field holds a line break" in _refused(
            engine, path, tmp_path)


def test_a_header_with_a_repeated_or_empty_name_is_refused(engine, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text(_text(_rows(1), header=[*HEADER[:-1], "currency"]), encoding="utf-8")
    assert "twice.csv: the header names currency more than once" in _refused(
        engine, path, tmp_path)
    path = tmp_path / "unnamed.csv"
    path.write_text(_text(_rows(1), header=[*HEADER[:-1], " "]), encoding="utf-8")
    assert "unnamed.csv: column 15 of the header has no name" in _refused(
        engine, path, tmp_path)


def test_a_column_named_as_one_deo_adds_is_refused_and_filename_is_read(engine, tmp_path):
    path = tmp_path / "row.csv"
    path.write_text(_text(_rows(1), header=[*HEADER[:-1], "_row"]), encoding="utf-8")
    assert "row.csv: column _row: deo adds a column" in _refused(engine, path, tmp_path)
    frame = pd.DataFrame([dict(zip([*HEADER[:-1], "_file"], GOOD, strict=True))])
    frame.to_parquet(tmp_path / "file.parquet")
    assert "file.parquet: column _file: deo adds" in _refused(
        engine, tmp_path / "file.parquet", tmp_path)
    path = tmp_path / "filename.csv"  # DuckDB's reader would add a "filename" column too
    rows = [[*row, "x"] for row in _rows(2)]  # and names Spark would take for a struct's
    path.write_text(_text(rows, header=[*HEADER[:-1], "filename", "note.1`x"]),
                    encoding="utf-8")
    assert _check(engine, path, tmp_path).accounting.rows_read == 2


@pytest.mark.parametrize("memory", ["lots", "4", "GB", "-1GB", "1KB"])
def test_memory_that_is_no_size_is_refused(memory):
    with pytest.raises(DeoError, match="--memory"):
        EngineOptions(memory=memory)


def test_memory_sizes_as_the_jvm_reads_them():
    assert _jvm_size("4GB") == "3814m"
    assert _jvm_size("1.5GiB") == "1536m"
    assert _jvm_size("512MB") == "488m"


def test_options_a_running_spark_session_cannot_take_are_refused(spark_session):
    with pytest.raises(DeoError, match="already running"):
        connect("spark", EngineOptions(memory="4GB"))
    # Engine settings too: they were dropped without a word.
    with pytest.raises(DeoError, match="already running"):
        connect("spark", EngineOptions(extra={"spark.sql.shuffle.partitions": "3"}))


@pytest.mark.parametrize(
    ("name", "content", "args", "message"),
    [
        ("latin1.csv", "Café".encode("latin-1"), [], "latin1.csv, line 2: byte 0xE9"),
        ("extra.csv", b"x,surplus", [], "extra.csv, line 2: 16 fields"),
        ("text.parquet", b"", [], "text.parquet: not a Parquet file"),
        ("empty.csv", None, [], "empty.csv: the file is empty"),
        ("good.csv", b"", ["--memory", "lots"], "--memory 'lots': expected a size"),
    ],
)
def test_cli_exits_1_with_the_file_named(tmp_path, capsys, name, content, args, message):
    path = tmp_path / name
    if content is None:
        path.write_bytes(b"")
    else:
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerow(HEADER)
        with path.open("ab") as fh:
            fh.write(",".join(GOOD[:-1]).encode() + b"," + (content or b"PLT01") + b"\n")
    assert main(["records", "check", str(path), "--type", "customs", *args]) == 1
    shown = capsys.readouterr().err
    assert message in shown
    assert "Traceback" not in shown and "bug in deo" not in shown
