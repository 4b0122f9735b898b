"""`deo track` as an administrator runs it: set up organisations, people and a strategy,
import a plan, publish, export, and preview the digest; mistakes exit 1 without a
traceback."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import create_engine, select
from track_scenario import counts

from deo.cli import main
from deo.track.auth import USERS

PLAN = ("Code,Title,Policy area,Lead agency,Supporting agencies,Priority,Start date,Due date,"
        "Notes\n"
        "M1,Adopt an e-transactions law,LEGAL,MOTI,ICTA,high,2025-01-01,2025-12-31,\n"
        "M2,Extend broadband,ICT infrastructure and services,ICTA,,medium,2025-02-01,"
        "2026-06-30,phase 1\n")
BAD_PLAN = ("Code,Title,Policy area,Lead agency,Start date,Due date\n"
            "M1,Fine,LEGAL,MOTI,2025-01-01,2025-12-31\n"
            "M2,Unknown agency,ICT,NOPE,2025-01-01,2025-12-31\n"
            "M3,Backwards,ICT,ICTA,2025-06-01,2025-01-01\n")


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


@pytest.fixture
def deo(store_url, monkeypatch, capsys):
    """``deo(*argv)`` runs the command line on an empty store of each backend."""
    monkeypatch.setenv("DEO_DATABASE_URL", store_url)
    return lambda *argv, stdin=None: run(capsys, *argv, stdin=stdin, monkeypatch=monkeypatch)


@pytest.fixture
def ready(deo):
    """Organisations, a focal point and a strategy, set up through the command line."""
    for argv in (["MOTI", "Ministry of Trade", "--kind", "ministry", "--area", "KEN"],
                 ["ICTA", "ICT Authority"]):
        code, out, err = deo("track", "org", "add", *argv)
        assert code == 0, err
        assert f"Organisation {argv[0]} added." in out
    code, out, err = deo("track", "user", "add", "FP@icta.example", "--name", "Focal ICTA",
                         "--role", "focal_point", "--org", "ICTA", "--password-stdin",
                         stdin="a long enough password\n")
    assert code == 0, err
    assert "User fp@icta.example added as focal_point." in out
    code, out, err = deo("track", "strategy", "create", "KEN-E", "--title", "Kenya e-commerce",
                         "--area", "ken", "--start", "2025", "--end", "2029", "--lead", "MOTI")
    assert code == 0, err
    assert "Strategy KEN-E created as an unpublished draft" in out
    return deo


def test_a_plan_is_imported_published_and_exported(ready, tmp_path, store_url):
    deo = ready
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_PLAN)
    engine = create_engine(store_url)
    before = counts(engine)
    code, out, err = deo("track", "import", "KEN-E", str(bad))
    assert code == 1
    assert "2 problems; nothing was loaded." in err
    assert "NOPE" in err and "Lead agency" in err and "2025-01-01" in err
    assert counts(engine) == before
    good = tmp_path / "plan.csv"
    good.write_text(PLAN)
    code, out, err = deo("track", "import", "KEN-E", str(good), "--check")
    assert code == 0 and "2 measures checked; nothing was written" in out
    assert counts(engine) == before
    code, out, err = deo("track", "import", "KEN-E", str(good))
    assert code == 0, err
    assert "2 measures imported into KEN-E." in out
    assert "Columns ignored: Notes" in err
    assert counts(engine)[0] == before[0] + 2
    code, out, _err = deo("track", "strategy", "list")
    line = next(line for line in out.splitlines() if "KEN-E" in line)
    assert "Kenya e-commerce" in line and "draft" in line and " 2 " in line and "0.0%" in line
    code, out, _err = deo("track", "strategy", "publish", "KEN-E")
    assert code == 0 and "Strategy KEN-E published." in out
    code, out, _err = deo("track", "strategy", "list")
    assert "yes" in next(line for line in out.splitlines() if "KEN-E" in line)
    workbook = tmp_path / "ken.xlsx"
    code, out, err = deo("track", "export", "KEN-E", str(workbook), "--as-of", "2026-01-15")
    assert code == 0, err
    assert f"Wrote {workbook}." in out
    book = openpyxl.load_workbook(workbook)
    rows = list(book["measures"].iter_rows(values_only=True))
    header = rows[0]
    overdue = {r[0]: r[header.index("days overdue")] for r in rows[1:]}
    assert overdue == {"M1": 15, "M2": None}  # as of 2026-01-15: M1 was due 2025-12-31
    report = tmp_path / "ken.html"
    code, _out, err = deo("track", "export", "KEN-E", str(report), "--lang", "fr")
    assert code == 0, err
    assert '<html lang="fr">' in report.read_text(encoding="utf-8")
    engine.dispose()


def test_the_digest_preview_and_its_missing_server(ready, tmp_path, monkeypatch):
    deo = ready
    good = tmp_path / "plan.csv"
    good.write_text(PLAN)
    assert deo("track", "import", "KEN-E", str(good))[0] == 0
    code, out, err = deo("track", "digest", "--dry-run", "--as-of", "2026-07-10", "--days", "30")
    assert code == 0, err
    assert "To: fp@icta.example" in out
    assert "Subject: ICT Authority: 1 overdue, 1 without an update for 30 days" in out
    assert "KEN-E M2: Extend broadband" in out and "due 2026-06-30, 10 days late" in out
    assert "KEN-E M1" not in out.split("To: fp@icta.example")[1].split("-" * 72)[0]
    assert "1 message would be sent (dry run)." in out  # no coordinator yet
    code, out, _err = deo("track", "digest", "--as-of", "2025-01-02")
    assert code == 0 and "Nothing to send" in out
    monkeypatch.delenv("DEO_SMTP_URL", raising=False)
    code, _out, err = deo("track", "digest", "--as-of", "2026-07-10")
    assert code == 1 and "DEO_SMTP_URL" in err


def test_a_password_is_asked_twice(deo, monkeypatch, store_url):
    answers = iter(["a long enough password", "a long enough password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, out, err = deo("track", "user", "add", "admin@trade.example", "--name", "Admin",
                         "--role", "administrator")
    assert code == 0, err
    engine = create_engine(store_url)
    with engine.connect() as conn:
        row = conn.execute(select(USERS).where(USERS.c.email == "admin@trade.example")).first()
    engine.dispose()
    assert row.role == "administrator"
    assert row.password_hash.startswith("$argon2id$")
    assert next(answers, None) is None  # asked, and confirmed


@pytest.mark.parametrize(("argv", "message"), [
    (["track", "user", "add", "x@y.example", "--name", "X", "--role", "king",
      "--password-stdin"], "role 'king': expected one of"),
    (["track", "user", "add", "x@y.example", "--name", "X", "--role", "partner",
      "--password-stdin"], "--password-stdin: standard input holds no password"),
    (["track", "strategy", "create", "S", "--title", "T", "--area", "XYZ", "--start", "2025",
      "--end", "2029"], "unknown area 'XYZ'"),
    (["track", "strategy", "create", "S", "--title", "T", "--area", "KEN", "--start", "2029",
      "--end", "2025"], "ends (2025) before it starts (2029)"),
    (["track", "strategy", "publish", "NOPE"], "no strategy NOPE"),
    (["track", "import", "NOPE", "plan.csv"], "no such file"),
    (["track", "export", "NOPE", "out.docx"], "cannot export to a '.docx' file"),
    (["track", "export", "NOPE", "out.html"], "no strategy NOPE"),
    (["track", "digest", "--as-of", "tomorrow"], "--as-of 'tomorrow': expected a date"),
    (["track", "org", "add", "X", "Y", "--kind", "club"], "organisation kind 'club'"),
])
def test_mistakes_exit_1_with_a_message(deo, argv, message):
    stdin = None
    if "--password-stdin" in argv:  # a password for the first case, none for the second
        stdin = "a long enough password\n" if "king" in argv else ""
    code, _out, err = deo(*argv, stdin=stdin)
    assert code == 1
    assert "error:" in err and message in err


def test_an_xlsx_sheet_is_chosen_by_name(ready, tmp_path):
    deo = ready
    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.active.append(["This workbook's plan is on the second sheet"])
    sheet = book.create_sheet("plan")
    sheet.append(["Code", "Title", "Policy area", "Lead agency", "Due date"])
    sheet.append(["X1", "From a sheet", "LEGAL", "MOTI", date(2026, 3, 31)])
    path = tmp_path / "plan.xlsx"
    book.save(path)
    code, _out, err = deo("track", "import", "KEN-E", str(path))
    assert code == 1 and "a column code" in err  # the first sheet has no plan
    code, out, err = deo("track", "import", "KEN-E", str(path), "--sheet", "plan")
    assert code == 0, err
    assert "1 measure imported into KEN-E." in out
    code, _out, err = deo("track", "import", "KEN-E", str(path), "--sheet", "nope")
    assert code == 1 and "no sheet 'nope'; the sheets are notes, plan" in err


def test_no_strategy_yet(deo):
    code, out, _err = deo("track", "strategy", "list")
    assert code == 0 and "No strategy yet" in out

