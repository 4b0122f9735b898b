"""Importing an action plan: good XLSX and CSV files land whole; a file with any bad row
is refused whole, with every problem named by row and column."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from track_scenario import counts

from deo.core import DeoError, LoadRejected, PermissionDenied
from deo.track import plan
from deo.track.access import SYSTEM, Actor
from deo.track.audit import AUDIT
from deo.track.importer import import_plan
from deo.track.plan import MEASURE_ORGS, MEASURES

HEADER = ["Code", "Title", "Policy area", "Lead agency", "Supporting agencies", "Partners",
          "Priority", "Start date", "Due date", "Budget", "Currency", "Recommendation"]
GOOD = [
    ["M1.1", "Adopt an e-transactions law", "LEGAL", "MOTI", "CA; ICTA",
     "UNCTAD: drafting support | funded", "High", "2025-01-01", "2025-12-31", "150000", "USD",
     "R3"],
    ["M1.2", "Open a national payment switch", "Payment solutions", "cbk", "", "", "low",
     "2025-03-01", "2026-06-30", "", "", ""],
]


@pytest.fixture
def engine(store):
    engine = store.engine
    for code, kind in [("MOTI", "ministry"), ("CA", "agency"), ("ICTA", "agency"),
                       ("CBK", "agency"), ("UNCTAD", "partner")]:
        plan.add_organisation(engine, SYSTEM, code, f"{code} name", kind)
    plan.create_strategy(engine, SYSTEM, "KEN-ECOM", "Kenya e-commerce strategy", "KEN", 2025,
                         2029, lead_organisation="MOTI")
    return engine


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def write_xlsx(path: Path, rows: list[list], header: list[str] = HEADER,
               above: list[list] = ()) -> Path:
    book = openpyxl.Workbook()
    for row in [*above, header, *rows]:
        book.active.append(row)
    book.save(path)
    return path


def measures(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r["code"]: dict(r) for r in conn.execute(select(MEASURES)).mappings()}


def test_a_good_csv_is_imported_with_its_agencies_partners_and_audit_records(engine, tmp_path):
    path = write_csv(tmp_path / "plan.csv", GOOD)
    before = counts(engine)
    result = import_plan(engine, SYSTEM, "KEN-ECOM", path)
    assert result.codes == ["M1.1", "M1.2"] and result.written
    got = measures(engine)
    assert got["M1.1"]["priority"] == "high" and got["M1.2"]["priority"] == "low"
    assert got["M1.1"]["start_date"] == date(2025, 1, 1)
    assert got["M1.1"]["due_date"] == date(2025, 12, 31)
    assert got["M1.1"]["budget"] == 150000.0 and got["M1.1"]["currency"] == "USD"
    assert got["M1.1"]["recommendation"] == "R3"
    assert got["M1.2"]["budget"] is None and got["M1.2"]["currency"] is None
    with engine.connect() as conn:
        links = conn.execute(
            select(plan.ORGS.c.code, MEASURE_ORGS.c.role, MEASURE_ORGS.c.support_requested,
                   MEASURE_ORGS.c.support_secured)
            .join(plan.ORGS, plan.ORGS.c.id == MEASURE_ORGS.c.organisation_id)
            .where(MEASURE_ORGS.c.measure_id == got["M1.1"]["id"])
            .order_by(plan.ORGS.c.code)).all()
        lead = conn.execute(select(plan.ORGS.c.code).where(
            plan.ORGS.c.id == got["M1.2"]["lead_organisation_id"])).scalar()
        area = conn.execute(select(plan.AREAS.c.code).where(
            plan.AREAS.c.id == got["M1.2"]["policy_area_id"])).scalar()
        audited = conn.execute(select(AUDIT.c.action, AUDIT.c.entity_id).where(
            AUDIT.c.action == "add_measure")).all()
    assert [tuple(r) for r in links] == [("CA", "supporting", "", ""),
                                         ("ICTA", "supporting", "", ""),
                                         ("UNCTAD", "partner", "drafting support", "funded")]
    assert lead == "CBK"  # "cbk" in the file: codes match whatever the case
    assert area == "PAYMENTS"  # given by its English name
    assert sorted(e for _a, e in audited) == sorted(m["id"] for m in got.values())
    # 2 measures + 3 organisation links, each with its audit record
    assert counts(engine) == (before[0] + 2, before[1] + 5)


def test_a_good_xlsx_with_date_cells_and_a_title_above_the_header(engine, tmp_path):
    rows = [["1", "Law", "legal", "MOTI", None, None, None, datetime(2025, 2, 1),
             datetime(2025, 9, 30), 2500.5, "usd", None],
            [2.0, "Switch", "PAYMENTS", "CBK", None, None, "Medium", "2025-03-01",
             datetime(2026, 1, 15), "1,200,000", None, None]]
    path = write_xlsx(tmp_path / "matrix.xlsx", rows,
                      header=HEADER[:-1] + ["Assessment recommendation"],
                      above=[["Action matrix, Kenya eT Ready 2024"], []])
    result = import_plan(engine, SYSTEM, "KEN-ECOM", path)
    got = measures(engine)
    assert result.codes == ["1", "2"]  # an Excel number 2.0 is the code "2"
    assert got["1"]["start_date"] == date(2025, 2, 1)
    assert got["1"]["due_date"] == date(2025, 9, 30)
    assert got["1"]["budget"] == 2500.5 and got["1"]["currency"] == "USD"
    assert got["2"]["due_date"] == date(2026, 1, 15)
    assert got["2"]["budget"] == 1_200_000.0


def test_columns_are_found_by_their_aliases_and_others_are_reported(engine, tmp_path):
    header = ["Ref", "Action", "AREA", "responsible agency", "Deadline", "Comments"]
    path = write_csv(tmp_path / "aliases.csv", [["A1", "Do it", "ICT", "ICTA", "2026-01-01",
                                                 "looks fine"]], header)
    result = import_plan(engine, SYSTEM, "KEN-ECOM", path)
    assert result.codes == ["A1"] and result.ignored_columns == ["Comments"]
    assert measures(engine)["A1"]["due_date"] == date(2026, 1, 1)


def test_a_semicolon_separated_csv_is_read(engine, tmp_path):
    path = tmp_path / "excel-fr.csv"
    path.write_text("Code;Title;Policy area;Lead agency;Supporting agencies\n"
                    "S1;Loi;LEGAL;MOTI;CA\n", encoding="utf-8")
    import_plan(engine, SYSTEM, "KEN-ECOM", path)
    assert measures(engine)["S1"]["title"] == "Loi"


BAD = [
    # row 2: fine
    ["B1", "Fine", "ICT", "ICTA", "", "", "high", "2025-01-01", "2025-06-30", "", "", ""],
    # row 3: unknown lead agency and unknown supporting agency
    ["B2", "Unknown agency", "ICT", "NOPE", "CA;GHOST", "", "", "", "", "", "", ""],
    # row 4: due date before start date
    ["B3", "Backwards", "ICT", "ICTA", "", "", "", "2025-06-01", "2025-01-31", "", "", ""],
    # row 5: unknown policy area
    ["B4", "No such area", "SPACE", "ICTA", "", "", "", "", "", "", "", ""],
    # row 6: duplicate of row 2's code
    ["B1", "Again", "ICT", "ICTA", "", "", "", "", "", "", "", ""],
    # row 7: a date that is not one, a priority that is not one
    ["B5", "Bad cells", "ICT", "ICTA", "", "", "urgent", "31/12/2025", "", "lots", "", ""],
]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_file_with_bad_rows_is_refused_whole_with_row_and_column(engine, tmp_path, suffix):
    writer = write_csv if suffix == "csv" else write_xlsx
    path = writer(tmp_path / f"bad.{suffix}", BAD)
    before = counts(engine)
    with pytest.raises(LoadRejected) as caught:
        import_plan(engine, SYSTEM, "KEN-ECOM", path)
    found = {(p.row, p.column, p.value, p.rule) for p in caught.value.problems}
    assert found == {
        (3, "Lead agency", "NOPE", "known-organisation"),
        (3, "Supporting agencies", "CA;GHOST", "known-organisation"),
        (4, "Due date", "2025-01-31", "dates-in-order"),
        (5, "Policy area", "SPACE", "policy-area"),
        (6, "Code", "B1", "unique-code"),
        (7, "Priority", "urgent", "priority"),
        (7, "Start date", "31/12/2025", "format"),
        (7, "Budget", "lots", "format"),
    }
    assert all(p.file == f"bad.{suffix}" for p in caught.value.problems)
    messages = {(p.row, p.column): p.expected for p in caught.value.problems}
    assert "row 2" in messages[(6, "Code")]
    assert "ICT" in messages[(5, "Policy area")] and "PAYMENTS" in messages[(5, "Policy area")]
    assert "YYYY-MM-DD" in messages[(7, "Start date")]
    assert "high, medium, low" in messages[(7, "Priority")]
    assert f"bad.{suffix}, row 4, column 'Due date': got '2025-01-31'" in str(caught.value)
    assert counts(engine) == before  # nothing: not even the good row 2


def test_a_code_already_in_the_strategy_is_refused(engine, tmp_path):
    import_plan(engine, SYSTEM, "KEN-ECOM", write_csv(tmp_path / "first.csv", GOOD[:1]))
    before = counts(engine)
    with pytest.raises(LoadRejected) as caught:
        import_plan(engine, SYSTEM, "KEN-ECOM", write_csv(tmp_path / "again.csv", GOOD))
    assert [(p.row, p.column, p.rule) for p in caught.value.problems] == [
        (2, "Code", "new-code")]
    assert counts(engine) == before


def test_missing_and_doubled_columns_are_named(engine, tmp_path):
    path = write_csv(tmp_path / "cols.csv", [["X", "t", "ICT", "ICTA"]],
                     ["Code", "Title", "Area", "Policy area"])
    with pytest.raises(LoadRejected) as caught:
        import_plan(engine, SYSTEM, "KEN-ECOM", path)
    problems = caught.value.problems
    assert {(p.row, p.column, p.rule) for p in problems} == {
        (1, "Policy area", "one-column"), (1, None, "required-column")}
    assert "lead agency" in next(p.expected for p in problems if p.rule == "required-column")


def test_member_areas_of_a_regional_strategy(engine, tmp_path):
    plan.create_strategy(engine, SYSTEM, "EAC-ECOM", "EAC e-commerce strategy", "EAC", 2025,
                         2030)
    header = ["Code", "Title", "Policy area", "Lead agency", "Member state"]
    good = write_csv(tmp_path / "eac.csv", [["R1", "Harmonise", "LEGAL", "MOTI", "KEN"],
                                           ["R2", "Regional", "LEGAL", "MOTI", ""]], header)
    import_plan(engine, SYSTEM, "EAC-ECOM", good)
    assert measures(engine)["R1"]["member_area"] == "KEN"
    assert measures(engine)["R2"]["member_area"] is None
    bad = write_csv(tmp_path / "eac-bad.csv", [["R3", "Not a member", "LEGAL", "MOTI", "FRA"]],
                    header)
    with pytest.raises(LoadRejected) as caught:
        import_plan(engine, SYSTEM, "EAC-ECOM", bad)
    assert [(p.row, p.column, p.rule) for p in caught.value.problems] == [
        (2, "Member state", "member-area")]


def test_check_writes_nothing(engine, tmp_path):
    before = counts(engine)
    result = import_plan(engine, SYSTEM, "KEN-ECOM", write_csv(tmp_path / "p.csv", GOOD),
                         check=True)
    assert result.measures == 2 and not result.written
    assert counts(engine) == before


def test_only_plan_editors_import(engine, tmp_path):
    path = write_csv(tmp_path / "p.csv", GOOD)
    for role in ("focal_point", "partner"):
        with pytest.raises(PermissionDenied):
            import_plan(engine, Actor(7, "x@example.org", role, None), "KEN-ECOM", path)
    with engine.connect() as conn:
        moti = conn.execute(select(plan.ORGS.c.id).where(plan.ORGS.c.code == "MOTI")).scalar()
        cbk = conn.execute(select(plan.ORGS.c.id).where(plan.ORGS.c.code == "CBK")).scalar()
    # A coordinator imports into their own organisation's strategies only.
    with pytest.raises(PermissionDenied, match="not led by your organisation"):
        import_plan(engine, Actor(9, "o@example.org", "coordinator", cbk), "KEN-ECOM", path)
    coordinator = Actor(8, "c@example.org", "coordinator", moti)
    assert import_plan(engine, coordinator, "KEN-ECOM", path).measures == 2


@pytest.mark.parametrize(("name", "content", "message"), [
    ("plan.docx", b"x", "cannot import a '.docx' file"),
    ("broken.xlsx", b"not a zip", "not a readable .xlsx workbook"),
    ("latin1.csv", "Code,Title\nM1,Réforme\n".encode("latin-1"), "not UTF-8 text"),
])
def test_unreadable_files_get_a_clear_error(engine, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DeoError, match=message):
        import_plan(engine, SYSTEM, "KEN-ECOM", path)


def test_an_empty_file_and_an_unknown_strategy(engine, tmp_path):
    empty = write_csv(tmp_path / "empty.csv", [])
    with pytest.raises(LoadRejected) as caught:
        import_plan(engine, SYSTEM, "KEN-ECOM", empty)
    assert caught.value.problems[0].rule == "not-empty"
    with pytest.raises(DeoError, match="no strategy NOPE"):
        import_plan(engine, SYSTEM, "NOPE", write_csv(tmp_path / "p.csv", GOOD))
