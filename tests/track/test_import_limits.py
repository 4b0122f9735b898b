"""Item 16 and 20 of issue 13: an action-plan file is refused, with a message naming it,
when it declares or holds more cells than allowed, expands beyond the limit, takes too
long, or holds a DTD (the command line exits 1, never "bug in deo")."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from deo.cli import main
from deo.core import DeoError
from deo.track import plan
from deo.track.access import SYSTEM
from deo.track.importer import import_plan
from deo.track.plan import MEASURES

HEADER = ["Code", "Title", "Policy area", "Lead agency"]
ROWS = [[f"M{n}", f"Measure {n}", "LEGAL", "MOTI"] for n in range(1, 11)]


@pytest.fixture
def engine(store):
    plan.add_organisation(store.engine, SYSTEM, "MOTI", "Ministry of Trade", "ministry")
    plan.create_strategy(store.engine, SYSTEM, "KEN-E", "Kenya e-commerce", "KEN", 2025, 2029)
    return store.engine


def workbook(path: Path, rows=ROWS, edit=None) -> Path:
    """A workbook of ``rows``; ``edit(name, xml) -> xml`` rewrites its parts."""
    book = openpyxl.Workbook()
    for row in [HEADER, *rows]:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, edit(item.filename, data) if edit else data)
    return path


def imported(engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(MEASURES.c.id)).all())


def test_a_good_workbook_is_still_imported(engine, tmp_path):
    assert import_plan(engine, SYSTEM, "KEN-E", workbook(tmp_path / "plan.xlsx")).measures == 10


def test_a_sheet_declaring_millions_of_cells_is_refused_before_reading(engine, tmp_path):
    # A few kilobytes that declare a whole sheet (A1:XFD1048576, 17 billion cells).
    def huge(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b'<dimension ref="A1:D11"/>', b'<dimension ref="A1:XFD1048576"/>')
        return data

    path = workbook(tmp_path / "huge.xlsx", edit=huge)
    assert path.stat().st_size < 20_000
    with pytest.raises(DeoError, match=r"huge.xlsx: the sheet declares 1048576 rows by "
                                       r"16384 columns, more than 200000 cells"):
        import_plan(engine, SYSTEM, "KEN-E", path)
    assert imported(engine) == 0


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_cells_beyond_the_limit_are_refused(engine, tmp_path, monkeypatch, suffix):
    monkeypatch.setenv("DEO_IMPORT_MAX_CELLS", "30")
    if suffix == "xlsx":
        # No declared dimension: the cells are counted as they are read.
        path = workbook(tmp_path / "plan.xlsx", edit=lambda name, data: data.replace(
            b'<dimension ref="A1:D11"/>', b""))
    else:
        path = tmp_path / "plan.csv"
        path.write_text("\n".join(",".join(r) for r in [HEADER, *ROWS]))
    with pytest.raises(DeoError, match=rf"plan.{suffix}: more than 30 cells \(at row 8\)"):
        import_plan(engine, SYSTEM, "KEN-E", path)
    assert imported(engine) == 0


def test_a_workbook_expanding_beyond_the_limit_is_refused(engine, tmp_path, monkeypatch):
    # A zip bomb in miniature: 2 MB of blanks compress to a few kilobytes.
    def padded(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b"<sheetData>", b"<sheetData>" + b" " * 2_000_000)
        return data

    path = workbook(tmp_path / "bomb.xlsx", edit=padded)
    assert path.stat().st_size < 50_000
    monkeypatch.setenv("DEO_IMPORT_MAX_EXPANDED_MB", "1")
    with pytest.raises(DeoError, match=r"bomb.xlsx: expands to 2 MB, over the limit of 1 MB"):
        import_plan(engine, SYSTEM, "KEN-E", path)


def test_reading_beyond_the_time_limit_stops(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("DEO_IMPORT_MAX_SECONDS", "1e-9")
    with pytest.raises(DeoError, match=r"plan.xlsx: reading took longer than 0 s"):
        import_plan(engine, SYSTEM, "KEN-E", workbook(tmp_path / "plan.xlsx"))
    assert imported(engine) == 0


def _with_dtd(name: str, data: bytes) -> bytes:
    if name == "xl/worksheets/sheet1.xml":
        return b'<!DOCTYPE worksheet [<!ENTITY a "aaaa">]>' + data
    return data


def test_a_workbook_with_a_dtd_is_refused(engine, tmp_path):
    with pytest.raises(DeoError, match=r"dtd.xlsx: xl/worksheets/sheet1.xml declares a DTD"):
        import_plan(engine, SYSTEM, "KEN-E", workbook(tmp_path / "dtd.xlsx", edit=_with_dtd))
    assert imported(engine) == 0


def test_the_command_line_refuses_a_dtd_with_exit_1(engine, store_url, tmp_path, monkeypatch,
                                                    capsys):
    monkeypatch.setenv("DEO_DATABASE_URL", store_url)
    path = workbook(tmp_path / "dtd.xlsx", edit=_with_dtd)
    code = main(["track", "import", "KEN-E", str(path)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "dtd.xlsx: xl/worksheets/sheet1.xml declares a DTD" in err
    assert "bug in deo" not in err and "Traceback" not in err
    assert imported(engine) == 0
