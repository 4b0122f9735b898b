"""Exports: the workbook's numbers against rates worked out by hand (track_scenario), the
report's figures in HTML, and the PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import timedelta

import openpyxl
import pytest
import track_scenario as scenario

from deo.core import DeoError, NotFoundError
from deo.track import plan
from deo.track.access import SYSTEM
from deo.track.export import export, progress_report, render_html, render_pdf
from deo.track.importer import import_plan


@pytest.fixture
def built(store, tmp_path):
    return scenario.build(store, tmp_path)


def sheet(book, name: str) -> list[dict]:
    rows = list(book[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_workbook_holds_the_plan_progress_rates_and_targets(built, tmp_path):
    path = export(built.store, SYSTEM, scenario.STRATEGY, tmp_path / "plan.xlsx", days=30)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:6] == ["measures", "updates", "rates by policy area",
                                   "rates by agency", "rate over time", "targets"]
    measures = {m["code"]: m for m in sheet(book, "measures")}
    assert {c: m["status"] for c, m in measures.items()} == {
        "M1": "completed", "M2": "in_progress", "M3": "delayed", "M4": "not_started",
        "M5": "cancelled", "M6": "not_started"}
    assert measures["M2"]["percent complete"] == 40  # the 60% awaiting validation does not count
    assert measures["M2"]["progress"] == pytest.approx(0.4)
    assert measures["M5"]["progress"] is None  # excluded
    assert measures["M2"]["updates awaiting validation"] == 1
    assert measures["M4"]["days overdue"] == 100 and measures["M2"]["days overdue"] is None
    assert measures["M2"]["supporting agencies"] == "MOTI"
    assert measures["M1"]["start date"].date() == scenario.TODAY - timedelta(days=400)
    areas = {r["code"]: r["implementation rate"] for r in sheet(book, "rates by policy area")}
    for code, expected in scenario.BY_AREA.items():
        assert areas[code] == (None if expected is None else pytest.approx(expected))
    agencies = {r["code"]: r["implementation rate"] for r in sheet(book, "rates by agency")}
    assert agencies == pytest.approx(scenario.BY_AGENCY)
    summary = {r["item"]: r["value"] for r in sheet(book, "summary")}
    assert summary["implementation rate"] == pytest.approx(scenario.OVERALL)
    assert summary["implementation rate, weighted by priority"] == pytest.approx(
        scenario.BY_PRIORITY)
    assert summary["overdue measures"] == 2
    assert book["summary"]["B10"].number_format == "0.0%"
    (target,) = sheet(book, "targets")
    assert (target["actual"], target["actual period"]) == (40, "2023")
    assert target["share of the way to the target"] == pytest.approx(0.5)
    updates = sheet(book, "updates")
    assert len(updates) == 6
    assert {u["state"] for u in updates} == {"validated", "submitted", "returned"}
    over_time = sheet(book, "rate over time")
    assert over_time[-1]["rate"] == pytest.approx(scenario.OVERALL)


def test_an_exported_plan_imports_into_another_strategy(built, tmp_path):
    path = export(built.store, SYSTEM, scenario.STRATEGY, tmp_path / "plan.xlsx")
    engine = built.store.engine
    plan.create_strategy(engine, SYSTEM, "COPY", "A copy", "KEN", 2025, 2029)
    result = import_plan(engine, SYSTEM, "COPY", path)
    assert result.codes == ["M2", "M6", "M3", "M4", "M1", "M5"]  # policy areas' order
    assert "status" in result.ignored_columns


def test_the_html_report_shows_the_figures(built):
    report = progress_report(built.store, SYSTEM, scenario.STRATEGY, days=30)
    html = render_html(report)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Kenya e-commerce strategy" in text
    assert "32.0% implementation rate" in text
    assert "40.0% weighted by priority" in text
    assert "Legal and regulatory frameworks (LEGAL) 1 1 100.0%" in text
    assert "ICT Authority (ICTA) 3 0 20.0%" in text
    assert "Central Bank (CBK) 2 0 10.0%" in text
    overdue = text.split("Overdue measures")[1].split("Measures without an update")[0]
    assert re.search(r"M4 Measure M4 Central Bank .* 100 Not started M3 Measure M3 "
                     r"Central Bank .* 10 Delayed", overdue)
    silent = text.split("Measures without an update for 30 days")[1].split("Indicator")[0]
    assert "M4 Measure M4 Central Bank never" in silent and "M3" not in silent
    assert "40.0 (2023)" in text and "50.0%" in text
    assert "<script" not in html and "<link" not in html  # self-contained


def test_the_report_follows_the_language(built):
    report = progress_report(built.store, SYSTEM, scenario.STRATEGY, lang="fr")
    html = render_html(report)
    assert '<html lang="fr">' in html
    assert "32,0" in html  # French decimal comma
    assert "Cadres juridiques et réglementaires" in html  # policy area names
    assert "Achevée" in html  # status labels


def test_the_public_sees_published_strategies_and_validated_updates_only(built):
    with pytest.raises(NotFoundError):
        progress_report(built.store, None, scenario.STRATEGY)
    plan.set_strategy(built.store.engine, SYSTEM, scenario.STRATEGY, published=True)
    report = progress_report(built.store, None, scenario.STRATEGY)
    assert set(report.updates["state"]) == {"validated"}
    assert len(report.updates) == 4


def test_unknown_suffix_and_days(built, tmp_path):
    with pytest.raises(DeoError, match="cannot export to a '.docx' file"):
        export(built.store, SYSTEM, scenario.STRATEGY, tmp_path / "r.docx")
    with pytest.raises(DeoError, match="expected 1 or more"):
        export(built.store, SYSTEM, scenario.STRATEGY, tmp_path / "r.html", days=0)


def _weasyprint_problem() -> str | None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"WeasyPrint cannot load ({exc}); install Pango to run the PDF tests"
    return None


needs_weasyprint = pytest.mark.skipif(_weasyprint_problem() is not None,
                                      reason=_weasyprint_problem() or "")


@needs_weasyprint
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_pdf_report_has_pages_and_text(built, tmp_path, lang):
    path = export(built.store, SYSTEM, scenario.STRATEGY, tmp_path / f"r-{lang}.pdf",
                  lang=lang)
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    if not shutil.which("pdfinfo"):
        pytest.skip("pdfinfo and pdftotext (Debian: poppler-utils) read the PDF back")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 2
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Kenya e-commerce strategy" in text
    assert "32.0%" in text and "Measure M4" in text
    if lang == "zh":
        assert "法律和监管框架" in text  # CJK text is embedded, not boxes


def test_without_weasyprint_a_pdf_says_to_install_pango(built, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as without Pango
    report = progress_report(built.store, SYSTEM, scenario.STRATEGY)
    with pytest.raises(DeoError, match="libpango-1.0-0"):
        render_pdf(report)
