"""The tracker over the API (``/api/v1/track``): public reads of published strategies;
writes for signed-in users whose role allows them, each with the session's CSRF token
in ``X-CSRF-Token``. A refused write is 403, a stale edit 409, a bad field 422."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Header, Path, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select

from deo.publish.api.output import records
from deo.publish.session import actor, check_csrf, close_session, open_session, signed_in
from deo.track import auth, dashboard, passwords, plan, updates
from deo.track.access import allowed
from deo.track.schema import Comment, StatusUpdate, User

router = APIRouter(prefix="/track", tags=["tracker"])
UPDATES = StatusUpdate.__table__
COMMENTS = Comment.__table__
USERS = User.__table__
#: A record id in a path: a database integer.
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
ID_MAX = 2**31 - 1

# -- what a request may hold: checked here, before anything reaches the database ----------


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text; no form or client has a reason to send one.
    if "\x00" in value:
        raise ValueError("holds a NUL character")
    return value


def text_field(most: int) -> object:
    """A text field of at most ``most`` characters, without NUL (for request models)."""
    return Annotated[str, StringConstraints(max_length=most), AfterValidator(_no_nul)]


#: A title or a name; a free text (description, narrative, comment).
Line = text_field(plan.LINE_MAX)
LongText = text_field(plan.TEXT_MAX)
#: A strategy or organisation code: it appears in addresses, file names and headers.
CODE_PATTERN = "^" + plan.CODE.pattern + "$"
Code = Annotated[str, StringConstraints(pattern=CODE_PATTERN)]
MeasureCode = Annotated[str, StringConstraints(pattern="^" + plan.MEASURE_CODE.pattern + "$")]
#: A strategy code in a path.
StrategyCode = Annotated[str, Path(pattern=CODE_PATTERN, description="A strategy's code.")]
#: An area or indicator code (checked against the catalogue after).
AreaCode = text_field(16)
IndicatorCode = text_field(64)
#: A budget or an indicator value: finite, at most 10^15 in size.
Amount = Annotated[float, Field(allow_inf_nan=False, ge=-plan.MAX_AMOUNT, le=plan.MAX_AMOUNT)]
Email = text_field(254)
#: Long enough for any pass phrase, short enough that hashing it costs nothing.
Password = text_field(passwords.MAX_PASSWORD)
Link = text_field(updates.LINK_MAX)
#: A choice among known words (role, kind, status), checked against them after.
Word = text_field(32)
CSRF = Header(None, alias="X-CSRF-Token", description="The session's CSRF token.")
BY = ("policy_area", "lead_agency", "member_area")


# -- session ------------------------------------------------------------------------


class Body(BaseModel):
    """A request body: a key the model does not know is refused (422), never ignored."""

    model_config = ConfigDict(extra="forbid")


class Credentials(Body):
    email: Email
    password: Password


@router.post("/session", summary="Sign in: sets the session cookie, returns the CSRF token")
def sign_in(request: Request, body: Credentials, response: Response) -> dict:
    client = request.client.host if request.client else ""
    token = auth.sign_in(request.app.state.store.engine, body.email, body.password, client)
    open_session(response, token)
    found = auth.session_actor(request.app.state.store.engine, token)
    return {"email": found[0].email, "role": found[0].role, "csrf_token": found[1]}


@router.delete("/session", summary="Sign out")
def sign_out(request: Request, response: Response, csrf: str | None = CSRF) -> dict:
    check_csrf(request, csrf)
    close_session(request, response)
    return {"signed_out": True}


@router.get("/session", summary="Who is signed in")
def whoami(request: Request) -> dict:
    session = signed_in(request)
    if session is None:
        return {"signed_in": False}
    return {"signed_in": True, "email": session[0].email, "role": session[0].role,
            "csrf_token": session[1]}


# -- reads --------------------------------------------------------------------------


def _engine(request: Request):
    return request.app.state.store.engine


@router.get("/strategies", summary="Strategies (the public sees the published ones)")
def list_strategies(request: Request) -> dict:
    rows = plan.strategies(_engine(request), actor(request))
    return {"data": records(pd.DataFrame(rows)) if rows else [], "count": len(rows)}


@router.get("/strategies/{code}", summary="A strategy with its policy areas and rates")
def get_strategy(request: Request, code: StrategyCode, weighted: bool = False) -> dict:
    engine = _engine(request)
    found = plan.strategy(engine, code, actor(request))
    states = dashboard.measure_states(engine, found["id"])
    overall = dashboard.rates(states, by_priority=weighted)
    return {
        **found,
        "policy_areas": plan.policy_areas(engine, found["id"]),
        "implementation_rate": overall["rate"].iloc[0],
        "measures": len(states),
        "rates": {by: records(dashboard.rates(states, by, weighted)) for by in BY},
    }


@router.get("/strategies/{code}/measures", summary="Measures with their current state")
def list_measures(request: Request, code: StrategyCode) -> dict:
    engine = _engine(request)
    found = plan.strategy(engine, code, actor(request))
    states = dashboard.measure_states(engine, found["id"])
    states = states.drop(columns=["policy_area_name"]).assign(
        start_date=states["start_date"].astype(str), due_date=states["due_date"].astype(str),
        reported_at=states["reported_at"].astype(str),
        last_update_at=states["last_update_at"].astype(str))
    return {"data": records(states), "count": len(states)}


@router.get("/strategies/{code}/timeline", summary="Implementation rate at each month end")
def timeline(request: Request, code: StrategyCode, weighted: bool = False) -> dict:
    engine = _engine(request)
    found = plan.strategy(engine, code, actor(request))
    ends = dashboard.month_ends(date(found["start_year"], 1, 1),
                                min(date.today(), date(found["end_year"], 12, 31)))
    frame = dashboard.rate_over_time(engine, found["id"], ends, weighted)
    return {"data": records(frame.assign(date=frame["date"].astype(str)))}


@router.get("/strategies/{code}/targets", summary="Indicator targets against actuals")
def targets(request: Request, code: StrategyCode) -> dict:
    found = plan.strategy(_engine(request), code, actor(request))
    frame = dashboard.targets_with_actuals(_engine(request), request.app.state.store,
                                           found["id"])
    return {"data": records(frame), "count": len(frame)}


@router.get("/measures/{measure_id}", summary="A measure with its updates")
def get_measure(request: Request, measure_id: RecordId) -> dict:
    engine = _engine(request)
    row = plan.measure(engine, measure_id)
    reader = actor(request)
    strategy_code = _strategy_code(engine, row["strategy_id"])
    plan.strategy(engine, strategy_code, reader)  # 404 for the public if unpublished
    stmt = select(UPDATES.c.id, UPDATES.c.status, UPDATES.c.percent, UPDATES.c.narrative,
                  UPDATES.c.links, UPDATES.c.submitted_at, UPDATES.c.state,
                  UPDATES.c.review_comment).where(UPDATES.c.measure_id == measure_id)
    if not allowed(reader, "read_unpublished"):
        stmt = stmt.where(UPDATES.c.state == "validated")
    with engine.connect() as conn:
        history = pd.DataFrame(conn.execute(stmt.order_by(UPDATES.c.id)).mappings().all(),
                               columns=[c.name for c in stmt.selected_columns])
    history["submitted_at"] = history["submitted_at"].astype(str)
    return {**{k: (str(v) if isinstance(v, date) else v) for k, v in row.items()},
            "strategy": strategy_code, "updates": records(history)}


def _strategy_code(engine, strategy_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(select(plan.STRATEGIES.c.code)
                            .where(plan.STRATEGIES.c.id == strategy_id)).scalar_one()


# -- writes -------------------------------------------------------------------------


class OrganisationIn(Body):
    code: Code
    name: Annotated[Line, Field(min_length=1)]
    kind: Word = "agency"
    area: AreaCode | None = None


@router.post("/organisations", status_code=201, summary="Add an organisation")
def add_organisation(request: Request, body: OrganisationIn, csrf: str | None = CSRF) -> dict:
    writer = check_csrf(request, csrf)
    return {"id": plan.add_organisation(_engine(request), writer, body.code, body.name,
                                        body.kind, body.area)}


class UserIn(Body):
    email: Email
    name: Line
    password: Password
    role: Word
    organisation: Code | None = None


@router.post("/users", status_code=201, summary="Add a user (administrators)")
def add_user(request: Request, body: UserIn, csrf: str | None = CSRF) -> dict:
    writer = check_csrf(request, csrf)
    return {"id": auth.add_user(_engine(request), writer, body.email, body.name, body.password,
                                body.role, body.organisation)}


class StrategyIn(Body):
    code: Code
    title: Annotated[Line, Field(min_length=1)]
    area: AreaCode
    start_year: int = Field(ge=1990, le=2100)
    end_year: int = Field(ge=1990, le=2100)
    kind: Word = "strategy"
    vision: LongText = ""
    goals: LongText = ""
    lead_organisation: Code | None = None


@router.post("/strategies", status_code=201, summary="Create a strategy")
def create_strategy(request: Request, body: StrategyIn, csrf: str | None = CSRF) -> dict:
    writer = check_csrf(request, csrf)
    from deo.catalogue import get_catalogue

    area = get_catalogue().area(body.area).code
    return {"id": plan.create_strategy(
        _engine(request), writer, body.code, body.title, area, body.start_year, body.end_year,
        kind=body.kind, vision=body.vision, goals=body.goals,
        lead_organisation=body.lead_organisation)}


class StrategyChange(Body):
    published: bool | None = None
    status: Word | None = None


@router.patch("/strategies/{code}", summary="Publish, withdraw or change a strategy's status")
def change_strategy(request: Request, code: StrategyCode, body: StrategyChange,
                    csrf: str | None = CSRF) -> dict:
    writer = check_csrf(request, csrf)
    plan.set_strategy(_engine(request), writer, code, published=body.published,
                      status=body.status)
    return plan.strategy(_engine(request), code, writer)


class MeasureIn(Body):
    """A measure: codes, not ids (policy area, agencies, objective)."""

    code: MeasureCode
    title: Annotated[Line, Field(min_length=1)]
    policy_area: Word
    lead_agency: Code
    description: LongText = ""
    objective: Word | None = None
    priority: Word = "medium"
    start_date: date | None = None
    due_date: date | None = None
    budget: Amount | None = None
    currency: Annotated[str, StringConstraints(pattern="^[A-Za-z]{3}$")] | None = None
    recommendation: LongText = ""
    member_area: AreaCode | None = None
    supporting: list[Code] = Field([], max_length=100)
    #: (partner organisation code, support requested, support secured)
    partners: list[tuple[Code, LongText, LongText]] = Field([], max_length=100)


@router.post("/strategies/{code}/measures", status_code=201, summary="Add a measure")
def add_measure(request: Request, code: StrategyCode, body: MeasureIn,
                csrf: str | None = CSRF) -> dict:
    writer = check_csrf(request, csrf)
    return {"id": plan.add_measure(_engine(request), writer, code,
                                   plan.MeasureFields(**body.model_dump()))}


class MeasureChanges(Body):
    """The fields to change (absent: unchanged; null: cleared, where a field may be)."""

    title: Line | None = None
    description: LongText | None = None
    policy_area: Word | None = None
    priority: Word | None = None
    lead_agency: Code | None = None
    start_date: date | None = None
    due_date: date | None = None
    budget: Amount | None = None
    currency: Annotated[str, StringConstraints(pattern="^[A-Za-z]{3}$")] | None = None
    recommendation: LongText | None = None
    member_area: AreaCode | None = None


class MeasureChange(Body):
    version: int = Field(ge=1, le=ID_MAX, description="The version the change was made from.")
    changes: MeasureChanges


@router.patch("/measures/{measure_id}", summary="Edit a measure (409 if changed meanwhile)")
def edit_measure(request: Request, measure_id: RecordId, body: MeasureChange,
                 csrf: str | None = CSRF) -> dict:
    writer = check_csrf(request, csrf)
    changes = body.changes.model_dump(exclude_unset=True)
    version = plan.edit_measure(_engine(request), writer, measure_id, body.version, changes)
    return {"id": measure_id, "version": version}


class UpdateIn(Body):
    status: Word
    percent: float = Field(0.0, ge=0, le=100, allow_inf_nan=False)
    narrative: LongText = ""
    links: list[Link] = Field([], max_length=updates.MAX_LINKS)


@router.post("/measures/{measure_id}/updates", status_code=201,
             summary="Submit a status update (focal points: their agency's measures)")
def submit_update(request: Request, measure_id: RecordId, body: UpdateIn,
                  csrf: str | None = CSRF) -> dict:
    writer = check_csrf(request, csrf)
    return {"id": updates.submit_update(_engine(request), writer, measure_id, body.status,
                                        body.percent, body.narrative, body.links)}


class Review(Body):
    validate_update: bool = Field(alias="validate")
    comment: LongText = ""


@router.post("/updates/{update_id}/review", summary="Validate or return an update")
def review(request: Request, update_id: RecordId, body: Review, csrf: str | None = CSRF) -> dict:
    writer = check_csrf(request, csrf)
    updates.review_update(_engine(request), writer, update_id, body.validate_update,
                          body.comment)
    return {"id": update_id, "state": "validated" if body.validate_update else "returned"}


class CommentIn(Body):
    text: Annotated[LongText, Field(min_length=1)]


@router.post("/measures/{measure_id}/comments", status_code=201, summary="Comment on a measure")
def comment(request: Request, measure_id: RecordId, body: CommentIn,
            csrf: str | None = CSRF) -> dict:
    writer = check_csrf(request, csrf)
    return {"id": updates.add_comment(_engine(request), writer, measure_id, body.text)}


class TargetIn(Body):
    indicator: IndicatorCode
    area: AreaCode
    baseline_value: Amount
    baseline_year: int = Field(ge=1990, le=2100)
    target_value: Amount
    target_year: int = Field(ge=1990, le=2100)
    measure_id: int | None = Field(None, ge=1, le=ID_MAX)


@router.post("/strategies/{code}/targets", status_code=201, summary="Add an indicator target")
def add_target(request: Request, code: StrategyCode, body: TargetIn,
               csrf: str | None = CSRF) -> dict:
    writer = check_csrf(request, csrf)
    return {"id": plan.add_target(_engine(request), writer, code, body.indicator, body.area,
                                  (body.baseline_value, body.baseline_year),
                                  (body.target_value, body.target_year), body.measure_id)}
