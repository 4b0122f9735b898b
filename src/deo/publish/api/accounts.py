"""Accounts over the API (``/api/v1/track``): administrators list users, deactivate or
reactivate them, change their role, reset their password, end their sessions and read the
audit trail; any signed-in user changes their own password. Every write needs the
session's CSRF token in ``X-CSRF-Token``; a refused one is 403."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request

from deo.core import DeoError, PermissionDenied
from deo.i18n import _
from deo.publish.api.track import Body, Password, text_field
from deo.publish.session import SESSION_COOKIE, check_csrf, signed_in
from deo.track import auth
from deo.track.audit import MAX_READ, audit_trail

router = APIRouter(prefix="/track", tags=["tracker accounts"])
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]


CSRF = Header(None, alias="X-CSRF-Token", description="The session's CSRF token.")


def _engine(request: Request):
    return request.app.state.store.engine


def _admin(request: Request):
    session = signed_in(request)
    if session is None:
        raise PermissionDenied(_("sign in first"))
    return session[0]


@router.get("/users", summary="Users, with their role, organisation and open sessions "
            "(administrators)")
def list_users(request: Request) -> dict:
    rows = [_plain(row) for row in auth.users(_engine(request), _admin(request))]
    return {"data": rows, "count": len(rows)}


def _plain(row: dict) -> dict:
    return {**row, "created_at": row["created_at"].isoformat()}


class UserChange(Body):
    active: bool | None = None
    role: text_field(16) | None = None
    organisation: text_field(32) | None = None


@router.patch("/users/{user_id}", summary="Deactivate or reactivate a user, or change their "
              "role (administrators; their sessions end)")
def change_user(request: Request, user_id: UserId, body: UserChange,
                csrf: str | None = CSRF) -> dict:
    writer = check_csrf(request, csrf)
    engine = _engine(request)
    if body.active is None and body.role is None:
        raise DeoError(_("nothing to change: give active, or role (with organisation)"))
    if body.organisation is not None and body.role is None:
        raise DeoError(_("organisation is changed with the role: give role too"))
    if body.role is not None:
        auth.set_role(engine, writer, user_id, body.role, body.organisation)
    if body.active is not None:
        auth.set_active(engine, writer, user_id, body.active)
    return next(_plain(u) for u in auth.users(engine, writer) if u["id"] == user_id)


class NewPassword(Body):
    password: Password


@router.post("/users/{user_id}/password", summary="Set a user's password (administrators; "
             "their sessions end)")
def reset_password(request: Request, user_id: UserId, body: NewPassword,
                   csrf: str | None = CSRF) -> dict:
    writer = check_csrf(request, csrf)
    auth.reset_password(_engine(request), writer, user_id, body.password)
    return {"id": user_id, "password_set": True}


@router.delete("/users/{user_id}/sessions", summary="End every session of a user "
               "(administrators)")
def revoke_sessions(request: Request, user_id: UserId, csrf: str | None = CSRF) -> dict:
    writer = check_csrf(request, csrf)
    return {"id": user_id, "sessions_ended": auth.revoke_sessions(_engine(request), writer,
                                                                  user_id)}


class PasswordChange(Body):
    current_password: Password
    new_password: Password


@router.post("/session/password", summary="Change your own password (your other sessions "
             "end)")
def change_password(request: Request, body: PasswordChange, csrf: str | None = CSRF) -> dict:
    writer = check_csrf(request, csrf)
    auth.change_password(_engine(request), writer, body.current_password, body.new_password,
                         keep=request.cookies.get(SESSION_COOKIE))
    return {"password_changed": True}


@router.get("/audit", summary="The audit trail, newest first (administrators)")
def read_audit(
    request: Request,
    actor: text_field(254) | None = Query(None,
                              description="Who acted: an e-mail address."),
    action: text_field(64) | None = Query(None,
                               description="e.g. sign_in, sign_in_failed, edit_measure."),
    entity: text_field(32) | None = Query(None, description="e.g. user, measure."),
    entity_id: int | None = Query(None, ge=1, le=2**31 - 1),
    since: datetime | None = Query(None, description="From this time (ISO 8601; UTC if no "
                                   "offset)."),
    until: datetime | None = Query(None, description="Before this time."),
    limit: int = Query(100, ge=1, le=MAX_READ),
) -> dict:
    rows = audit_trail(_engine(request), _admin(request), who=actor, action=action,
                       entity=entity, entity_id=entity_id, since=since, until=until,
                       limit=limit)
    return {"data": rows, "count": len(rows)}
