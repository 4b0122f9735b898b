"""The tracker's pages: strategies, a strategy's dashboard and public accountability page,
a measure with its updates and the forms to report, validate, edit and comment, and
sign-in. Forms work without JavaScript; every write checks the CSRF token and the role.
"""

from __future__ import annotations

from datetime import date
from typing import Literal
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from deo.catalogue import get_catalogue
from deo.core import Conflict, DeoError, NotFoundError, PermissionDenied
from deo.i18n import translations
from deo.publish.pages.assets import PLOTLY_URL
from deo.publish.pages.render import page
from deo.publish.pages.track_charts import (
    rate_bars,
    rate_line,
    target_chart,
    timeline_chart,
)
from deo.publish.session import (
    actor,
    check_csrf,
    check_login_csrf,
    close_session,
    login_csrf,
    open_session,
    set_login_csrf,
    signed_in,
)
from deo.track import auth, dashboard, plan, updates
from deo.track.access import allowed, in_scope
from deo.track.config import statuses
from deo.track.schema import Comment, Evidence, Milestone, StatusUpdate, User

router = APIRouter()
UPDATES = StatusUpdate.__table__
EVIDENCE = Evidence.__table__
COMMENTS = Comment.__table__
MILESTONES = Milestone.__table__
USERS = User.__table__
LANGS = ("en", "fr", "es", "zh")
MEASURES_PER_PAGE = 100
#: The largest id a path accepts (a database integer).
ID_MAX = 2**31 - 1
#: Overdue and silent measures listed on the page (all are in the downloads).
LIST_LIMIT = 50


def _may(who, action: str, strategy: dict) -> bool:
    """Whether to offer a form: the role allows it on this strategy (a coordinator: their
    organisation's). The server checks again on every write."""
    return allowed(who, action) and in_scope(who, strategy["lead_organisation_id"])


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise NotFoundError(f"no language {lang!r}")
    return lang


def _t(lang: str):
    return translations(lang).gettext


# -- sign-in ------------------------------------------------------------------------


@router.get("/{lang}/login", response_class=HTMLResponse)
def login_form(request: Request, lang: str, next: str = "") -> HTMLResponse:
    return _login_page(request, lang, next)


def _login_page(request: Request, lang: str, next: str, error: str = "") -> HTMLResponse:
    # The error is the handler's own, never a query parameter: a link cannot make the
    # page say something the server did not.
    lang = _lang(lang)
    token = login_csrf(request)
    response = page(request, lang, "login.html", {"csrf": token, "next": _safe_next(next, lang),
                                                  "error": error})
    set_login_csrf(response, token)
    return response


@router.post("/{lang}/login")
def login(request: Request, lang: str, email: str = Form(...), password: str = Form(...),
          csrf: str = Form(""), next: str = Form("")) -> Response:
    lang = _lang(lang)
    try:
        check_login_csrf(request, csrf)
        client = request.client.host if request.client else ""
        token = auth.sign_in(request.app.state.store.engine, email, password, client)
    except PermissionDenied as exc:
        response = _login_page(request, lang, next, str(exc))
        response.status_code = 429 if isinstance(exc, auth.TooManyAttempts) else 403
        return response
    response = RedirectResponse(_safe_next(next, lang), status_code=303)
    open_session(response, token)
    return response


@router.post("/{lang}/logout")
def logout(request: Request, lang: str, csrf: str = Form("")) -> Response:
    lang = _lang(lang)
    check_csrf(request, csrf)
    response = RedirectResponse(f"/{lang}/track", status_code=303)
    close_session(request, response)
    return response


def _safe_next(target: str, lang: str) -> str:
    # Only a path on this site: never an open redirect to another host.
    if target.startswith("/") and not target.startswith("//"):
        return target
    return f"/{lang}/track"


def _context(request: Request, lang: str) -> dict:
    session = signed_in(request)
    _ = _t(lang)
    labels = {
        "priority": {"high": _("high"), "medium": _("medium"), "low": _("low")},
        "strategy": {"draft": _("draft"), "adopted": _("adopted"),
                     "implementing": _("being implemented"), "completed": _("completed")},
        "state": {"submitted": _("awaiting validation"), "validated": _("validated"),
                  "returned": _("returned")},
    }
    return {"user": session[0] if session else None, "csrf": session[1] if session else "",
            "labels": labels}


# -- strategies ---------------------------------------------------------------------


@router.get("/{lang}/track", response_class=HTMLResponse)
def strategy_list(request: Request, lang: str) -> HTMLResponse:
    lang = _lang(lang)
    engine = request.app.state.store.engine
    catalogue = get_catalogue()
    rows = []
    for found in plan.strategies(engine, actor(request)):
        states = dashboard.measure_states(engine, found["id"])
        rows.append({**found, "area_name": _area_name(catalogue, found["area"], lang),
                     "measures": len(states),
                     "rate": dashboard.rates(states)["rate"].iloc[0]})
    return page(request, lang, "track_list.html", {"rows": rows, **_context(request, lang)})


@router.get("/{lang}/track/{code}", response_class=HTMLResponse)
def strategy_page(request: Request, lang: str, code: str,
                  days: int = Query(90, ge=1, le=3650),
                  weighted: bool = False,
                  imported: int | None = Query(None, ge=0, le=ID_MAX,
                                               description="Measures just imported."),
                  page_number: int = Query(1, alias="page", ge=1)) -> HTMLResponse:
    """The dashboard and public accountability page of a strategy."""
    lang = _lang(lang)
    message = "" if imported is None else _t(lang)("{n} measures imported.").format(n=imported)
    engine = request.app.state.store.engine
    catalogue = get_catalogue()
    who = actor(request)
    found = plan.strategy(engine, code, who)
    states = _labelled(dashboard.measure_states(engine, found["id"]), lang)
    _ = _t(lang)
    by_area = dashboard.rates(states, "policy_area", weighted)
    by_area["label"] = by_area["group"].map(dict(zip(states["policy_area"],
                                                     states["area_label"], strict=False)))
    by_agency = dashboard.rates(states, "lead_agency", weighted)
    by_agency["label"] = by_agency["group"].map(dict(zip(states["lead_agency"],
                                                         states["lead_agency_name"],
                                                         strict=False)))
    members = None
    if states["member_area"].notna().any():
        members = dashboard.rates(states, "member_area", weighted)
        members["label"] = [_area_name(catalogue, g, lang) if isinstance(g, str)
                            else _("Regional measures") for g in members["group"]]
    today = date.today()
    ends = dashboard.month_ends(date(found["start_year"], 1, 1),
                                min(today, date(found["end_year"], 12, 31)))
    over_time = dashboard.rate_over_time(engine, found["id"], ends, weighted)
    targets = dashboard.targets_with_actuals(engine, request.app.state.store, found["id"])
    targets["indicator_name"] = [catalogue.indicator(c).label(lang) for c in
                                 targets["indicator"]]
    targets["area_name"] = [_area_name(catalogue, a, lang) for a in targets["area"]]
    overall = dashboard.rates(states, by_priority=weighted)["rate"].iloc[0]
    late, quiet = dashboard.overdue(states, today), dashboard.silent(states, today, days)
    # A large plan is listed a page at a time: the page stays light on a slow link.
    pages = max(1, -(-len(states) // MEASURES_PER_PAGE))
    page_number = min(page_number, pages)
    shown = states.iloc[(page_number - 1) * MEASURES_PER_PAGE:page_number * MEASURES_PER_PAGE]
    return page(request, lang, "track_strategy.html", {
        "s": found, "area_name": _area_name(catalogue, found["area"], lang),
        "overall": overall, "weighted": weighted, "states": shown.to_dict("records"),
        "measure_count": len(states), "pages": pages, "page_number": page_number,
        "by_area": by_area.to_dict("records"), "by_agency": by_agency.to_dict("records"),
        "members": members.to_dict("records") if members is not None else None,
        "over_time": over_time.to_dict("records"),
        "overdue": late.head(LIST_LIMIT).to_dict("records"), "overdue_count": len(late),
        "silent": quiet.head(LIST_LIMIT).to_dict("records"), "silent_count": len(quiet),
        "days": days,
        "targets": targets.to_dict("records"),
        "charts": {
            "areas": rate_bars(by_area, _("Implementation rate (%)")),
            "time": rate_line(over_time, _("Implementation rate (%)")),
            "timeline": timeline_chart(shown),
            "targets": target_chart(targets, {"baseline": _("Baseline"), "target": _("Target"),
                                              "actual": _("Latest actual")}),
        },
        "plotly_url": PLOTLY_URL, "today": today, "message": message,
        "can_edit": _may(who, "edit_plan", found), **_context(request, lang),
    })


def _labelled(states, lang: str):
    """Measure states with their status and policy area named in ``lang``."""
    names = {s.id: s.label(lang) for s in statuses().values()}
    states["status_label"] = states["status"].map(names).fillna(states["status"])
    states["area_label"] = [n.get(lang) or n["en"] for n in states["policy_area_name"]]
    return states


def _area_name(catalogue, code: str, lang: str) -> str:
    try:
        return catalogue.area(code).label(lang)
    except DeoError:
        return code


# -- a measure ----------------------------------------------------------------------


def _measure(request: Request, code: str, measure_code: str) -> tuple[dict, dict]:
    engine = request.app.state.store.engine
    found = plan.strategy(engine, code, actor(request))
    with engine.connect() as conn:
        row = conn.execute(select(plan.MEASURES).where(
            plan.MEASURES.c.strategy_id == found["id"],
            plan.MEASURES.c.code == measure_code)).mappings().first()
    if row is None:
        raise NotFoundError(f"no measure {measure_code} in {code}")
    return found, dict(row)


#: What a form just did (the page's ``done`` parameter) -> the message shown.
DONE = ("submitted", "validated", "returned", "saved", "commented")


def _done_message(lang: str, done: str | None) -> str:
    _ = _t(lang)
    return {"submitted": _("Update submitted for validation."),
            "validated": _("Update validated."), "returned": _("Update returned."),
            "saved": _("Measure saved."), "commented": _("Comment added."),
            None: ""}[done]


@router.get("/{lang}/track/{code}/measures/{measure_code}", response_class=HTMLResponse)
def measure_page(request: Request, lang: str, code: str, measure_code: str,
                 done: Literal[DONE] | None = Query(  # type: ignore[valid-type]
                     None, description="What the form just did.")) -> HTMLResponse:
    return _measure_view(request, lang, code, measure_code, _done_message(_lang(lang), done))


def _measure_view(request: Request, lang: str, code: str, measure_code: str,
                  message: str = "", error: str = "", status_code: int = 200) -> HTMLResponse:
    # message, error and status are the handler's own, never query parameters.
    lang = _lang(lang)
    engine = request.app.state.store.engine
    found, row = _measure(request, code, measure_code)
    who = actor(request)
    state = _labelled(dashboard.measure_states(engine, found["id"], row["id"]), lang) \
        .iloc[0].to_dict()
    insider = allowed(who, "read_unpublished")
    stmt = (select(UPDATES, USERS.c.name.label("author"))
            .join(USERS, USERS.c.id == UPDATES.c.author_id)
            .where(UPDATES.c.measure_id == row["id"]).order_by(UPDATES.c.id.desc()))
    if not insider:
        stmt = stmt.where(UPDATES.c.state == "validated")
    with engine.connect() as conn:
        history = [dict(r) for r in conn.execute(stmt).mappings()]
        files = conn.execute(select(EVIDENCE.c.id, EVIDENCE.c.update_id, EVIDENCE.c.file_name,
                                    EVIDENCE.c.size)
                             .where(EVIDENCE.c.update_id.in_([h["id"] for h in history])))
        by_update: dict[int, list] = {}
        for f in files.mappings():
            by_update.setdefault(f["update_id"], []).append(dict(f))
        milestones = [dict(m) for m in conn.execute(
            select(MILESTONES).where(MILESTONES.c.measure_id == row["id"])
            .order_by(MILESTONES.c.due_date)).mappings()]
        comments = [dict(c) for c in conn.execute(
            select(COMMENTS, USERS.c.name.label("author"))
            .join(USERS, USERS.c.id == COMMENTS.c.author_id)
            .where(COMMENTS.c.measure_id == row["id"]).order_by(COMMENTS.c.id))
            .mappings()] if insider else []
    can_report = (_may(who, "submit_update", found)
                  and (who.role != "focal_point"
                       or who.organisation_id == row["lead_organisation_id"]))
    response = page(request, lang, "track_measure.html", {
        "s": found, "m": row, "state": state, "history": history, "files": by_update,
        "milestones": milestones, "comments": comments, "statuses": [
            (s.id, s.label(lang)) for s in statuses().values()],
        "can_report": can_report, "can_review": _may(who, "review_update", found),
        "can_edit": _may(who, "edit_plan", found), "can_comment": allowed(who, "comment"),
        "message": message, "error": error, "today": date.today(),
        "max_mb": updates.max_evidence_bytes() // 2**20, **_context(request, lang),
    }, status_code=status_code)
    return response


def _back(lang: str, code: str, measure_code: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/{lang}/track/{quote(code, safe='')}/measures/"
                            f"{quote(measure_code, safe='')}?done={done}", status_code=303)


def _refused(request: Request, lang: str, code: str, measure_code: str,
             exc: DeoError) -> HTMLResponse:
    status = 403 if isinstance(exc, PermissionDenied) else 409 if isinstance(exc, Conflict) \
        else 413 if isinstance(exc, updates.TooLarge) else 422
    return _measure_view(request, lang, code, measure_code, error=str(exc), status_code=status)


@router.post("/{lang}/track/{code}/measures/{measure_code}/updates")
async def post_update(request: Request, lang: str, code: str, measure_code: str,
                      status: str = Form(...), percent: float = Form(0.0),
                      narrative: str = Form(""), links: str = Form(""),
                      evidence: list[UploadFile] | None = None,
                      csrf: str = Form("")) -> Response:
    lang = _lang(lang)
    try:
        who = await run_in_threadpool(check_csrf, request, csrf)  # a database read
        _, row = await run_in_threadpool(_measure, request, code, measure_code)
        uploads = [u for u in evidence or [] if u.filename]
        # The count before any file is read, the total while reading: never more than the
        # limits in memory.
        updates.check_evidence_totals(len(uploads), 0)
        files, total = [], 0
        limit = updates.max_evidence_bytes()
        for upload in uploads:
            content = await upload.read(limit + 1)
            total += len(content)
            updates.check_evidence_totals(len(uploads), total)
            files.append(updates.EvidenceFile(upload.filename, upload.content_type or "",
                                              content))
        # A database write: off the event loop, so other requests are served meanwhile.
        await run_in_threadpool(updates.submit_update, request.app.state.store.engine, who,
                                row["id"], status, percent, narrative, links.split(), files)
    except DeoError as exc:
        return await run_in_threadpool(_refused, request, lang, code, measure_code, exc)
    return _back(lang, code, measure_code, "submitted")


@router.post("/{lang}/track/{code}/measures/{measure_code}/review/{update_id}")
def post_review(request: Request, lang: str, code: str, measure_code: str,
                update_id: int = Path(ge=1, le=ID_MAX),
                decision: str = Form(...), comment: str = Form(""),
                csrf: str = Form("")) -> Response:
    lang = _lang(lang)
    try:
        who = check_csrf(request, csrf)
        _, row = _measure(request, code, measure_code)
        with request.app.state.store.engine.connect() as conn:
            owner = conn.execute(select(UPDATES.c.measure_id)
                                 .where(UPDATES.c.id == update_id)).scalar()
        if owner != row["id"]:
            raise NotFoundError(f"no update {update_id} of measure {measure_code}")
        updates.review_update(request.app.state.store.engine, who, update_id,
                              decision == "validate", comment)
    except DeoError as exc:
        return _refused(request, lang, code, measure_code, exc)
    return _back(lang, code, measure_code,
                 "validated" if decision == "validate" else "returned")


@router.post("/{lang}/track/{code}/measures/{measure_code}/edit")
def post_edit(request: Request, lang: str, code: str, measure_code: str,
              version: int = Form(..., ge=1, le=ID_MAX), title: str = Form(...),
              description: str = Form(""),
              priority: str = Form("medium"), due_date: str = Form(""),
              csrf: str = Form("")) -> Response:
    lang = _lang(lang)
    try:
        who = check_csrf(request, csrf)
        _, row = _measure(request, code, measure_code)
        try:
            due = date.fromisoformat(due_date) if due_date else None
        except ValueError:
            raise DeoError(f"due date {due_date!r}: expected YYYY-MM-DD") from None
        plan.edit_measure(request.app.state.store.engine, who, row["id"], version,
                          {"title": title, "description": description, "priority": priority,
                           "due_date": due})
    except DeoError as exc:
        return _refused(request, lang, code, measure_code, exc)
    return _back(lang, code, measure_code, "saved")


@router.post("/{lang}/track/{code}/measures/{measure_code}/comments")
def post_comment(request: Request, lang: str, code: str, measure_code: str,
                 text: str = Form(...), csrf: str = Form("")) -> Response:
    lang = _lang(lang)
    try:
        who = check_csrf(request, csrf)
        _, row = _measure(request, code, measure_code)
        updates.add_comment(request.app.state.store.engine, who, row["id"], text)
    except DeoError as exc:
        return _refused(request, lang, code, measure_code, exc)
    return _back(lang, code, measure_code, "commented")


# -- import and reports -------------------------------------------------------------


@router.get("/{lang}/track/{code}/import", response_class=HTMLResponse)
def import_form(request: Request, lang: str, code: str) -> HTMLResponse:
    return _import_view(request, lang, code)


def _import_view(request: Request, lang: str, code: str, problems: list[str] | None = None,
                 error: str = "", status_code: int = 200) -> HTMLResponse:
    lang = _lang(lang)
    found = plan.strategy(request.app.state.store.engine, code, actor(request))
    return page(request, lang, "track_import.html", {
        "s": found, "problems": problems or [], "error": error,
        "can_edit": _may(actor(request), "edit_plan", found),
        "max_mb": updates.max_evidence_bytes() // 2**20, **_context(request, lang)},
        status_code=status_code)


@router.post("/{lang}/track/{code}/import")
async def post_import(request: Request, lang: str, code: str, plan_file: UploadFile,
                      csrf: str = Form("")) -> Response:
    """A coordinator's upload of an action plan (XLSX or CSV): all rows, or none."""
    import tempfile
    from pathlib import Path

    from deo.core import LoadRejected
    from deo.track.importer import import_plan

    lang = _lang(lang)
    _ = _t(lang)
    try:
        who = await run_in_threadpool(check_csrf, request, csrf)  # a database read
        limit = updates.max_evidence_bytes()
        content = await plan_file.read(limit + 1)
        if len(content) > limit:
            raise updates.TooLarge(_("{name}: the file is over the limit of {mb} MB").format(
                name=plan_file.filename, mb=limit // 2**20))
        name = Path(plan_file.filename or "plan.csv").name
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            path.write_bytes(content)
            # Reading a workbook and checking every row takes seconds: in a worker thread,
            # so the portal keeps answering everyone else (sheets.py limits cells, size
            # and time).
            result = await run_in_threadpool(import_plan, request.app.state.store.engine,
                                             who, code, path)
    except LoadRejected as exc:
        return await run_in_threadpool(
            _import_view, request, lang, code, [str(p) for p in exc.problems],
            _("Nothing was imported: the file has problems."), 422)
    except DeoError as exc:
        status = 403 if isinstance(exc, PermissionDenied) else 413 if isinstance(
            exc, updates.TooLarge) else 422
        return await run_in_threadpool(_import_view, request, lang, code, None, str(exc),
                                       status)
    return RedirectResponse(f"/{lang}/track/{quote(code, safe='')}?imported={result.measures}",
                            status_code=303)


#: Report formats: (writer of bytes, media type).
REPORT_FORMATS = ("xlsx", "html", "pdf")


@router.get("/{lang}/track/{code}/report.{fmt}")
def report(request: Request, lang: str, code: str, fmt: str) -> Response:
    """The progress report as a workbook, a web page or a PDF, in the page's language."""
    import tempfile
    from pathlib import Path

    from deo.track import export

    lang = _lang(lang)
    if fmt not in REPORT_FORMATS:
        raise NotFoundError(f"no report format {fmt!r}; expected {', '.join(REPORT_FORMATS)}")
    built = export.progress_report(request.app.state.store, actor(request), code, lang=lang)
    if fmt == "html":
        return HTMLResponse(export.render_html(built))
    if fmt == "pdf":
        body, media = export.render_pdf(built), "application/pdf"
    else:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "report.xlsx"
            export.write_xlsx(built, path)
            body = path.read_bytes()
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    # The code is quoted: whatever a stored code holds, it cannot break the header.
    return Response(body, media_type=media, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(code, safe='')}"
                               f"-progress.{fmt}"})


@router.get("/track/evidence/{evidence_id}")
def evidence(request: Request, evidence_id: int = Path(ge=1, le=ID_MAX)) -> Response:
    """An evidence file: to signed-in users, and to the public once its update is
    validated in a published strategy."""
    engine = request.app.state.store.engine
    found = updates.evidence_file(engine, evidence_id)
    with engine.connect() as conn:
        state, measure_id = conn.execute(select(UPDATES.c.state, UPDATES.c.measure_id)
                                         .where(UPDATES.c.id == found["update_id"])).one()
    if not allowed(actor(request), "read_unpublished"):
        strategy_id = plan.measure(engine, measure_id)["strategy_id"]
        published = any(s["id"] == strategy_id for s in plan.strategies(engine, None))
        if state != "validated" or not published:
            raise NotFoundError(f"no evidence file {evidence_id}")
    # Served as a download, never rendered inline: an uploaded HTML file runs no script here.
    return Response(found["content"], media_type="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found['file_name'])}",
        "X-Content-Type-Options": "nosniff"})

