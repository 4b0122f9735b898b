"""Users, passwords (argon2id), sessions, CSRF tokens and sign-in throttling.

A session token is 256 random bits given to the browser in a cookie; only its sha256 is
stored, so a copy of the database opens no session. Each session has its own CSRF token,
which every form carries and every API write sends as ``X-CSRF-Token``. After
:data:`MAX_FAILURES` failed sign-ins for one e-mail address within
:data:`THROTTLE_WINDOW`, further attempts are refused until the window has passed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, delete, func, insert, select, update

from deo.core import DeoError, PermissionDenied
from deo.i18n import _
from deo.track.access import ROLES, Actor, require
from deo.track.audit import record
from deo.track.schema import LoginFailure, Organisation, Session, User

USERS = User.__table__
SESSIONS = Session.__table__
FAILURES = LoginFailure.__table__
ORGS = Organisation.__table__

SESSION_LIFETIME = timedelta(hours=12)
MAX_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 10

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class TooManyAttempts(PermissionDenied):
    """Sign-in refused for a while after repeated failures (the API answers 429)."""


def add_user(engine: Engine, actor: Actor, email: str, name: str, password: str, role: str,
             organisation: str | None = None) -> int:
    """Create a user; ``organisation`` is an organisation code. Returns the user's id."""
    require(actor, "manage_users")
    email = email.strip().lower()
    if role not in ROLES:
        raise DeoError(_("role {role!r}: expected one of {roles}").format(
            role=role, roles=", ".join(ROLES)))
    if "@" not in email:
        raise DeoError(_("{email!r} is not an e-mail address").format(email=email))
    if len(password) < MIN_PASSWORD:
        raise DeoError(_("the password must have at least {n} characters").format(
            n=MIN_PASSWORD))
    with engine.begin() as conn:
        org_id = None
        if organisation:
            org_id = conn.execute(select(ORGS.c.id).where(ORGS.c.code == organisation)).scalar()
            if org_id is None:
                raise DeoError(_("unknown organisation {code}").format(code=organisation))
        if role == "focal_point" and org_id is None:
            raise DeoError(_("a focal point belongs to an agency: give its organisation"))
        if conn.execute(select(USERS.c.id).where(USERS.c.email == email)).first():
            raise DeoError(_("a user {email} exists already").format(email=email))
        values = dict(email=email, name=name, password_hash=_hasher.hash(password), role=role,
                      organisation_id=org_id, active=True, created_at=datetime.now(UTC))
        user_id = conn.execute(insert(USERS).values(**values)).inserted_primary_key[0]
        # The hash stays out of the audit trail.
        record(conn, actor, "add_user", "user", user_id, after={
            k: v for k, v in values.items() if k != "password_hash"})
    return user_id


def sign_in(engine: Engine, email: str, password: str, address: str = "") -> str:
    """Check the password and open a session; returns the session token (for the cookie).

    A wrong e-mail and a wrong password get the same answer, after the same work.
    """
    email = email.strip().lower()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        recent = conn.execute(select(func.count()).select_from(FAILURES).where(
            FAILURES.c.email == email, FAILURES.c.at > now - THROTTLE_WINDOW)).scalar_one()
        if recent >= MAX_FAILURES:
            raise TooManyAttempts(_("too many failed sign-ins for {email}; try again in "
                                    "{minutes} minutes").format(
                email=email, minutes=int(THROTTLE_WINDOW.total_seconds() // 60)))
        user = conn.execute(select(USERS).where(USERS.c.email == email)).mappings().first()
        verified = _verified(user, password)
        if not verified:
            # Committed on its own: the refusal below must not roll the count back.
            conn.execute(insert(FAILURES).values(email=email, address=address[:64], at=now))
    if not verified:
        raise PermissionDenied(_("wrong e-mail address or password"))
    with engine.begin() as conn:
        if _hasher.check_needs_rehash(user["password_hash"]):
            conn.execute(update(USERS).where(USERS.c.id == user["id"]).values(
                password_hash=_hasher.hash(password)))
        conn.execute(delete(FAILURES).where(FAILURES.c.email == email))
        token = secrets.token_urlsafe(32)
        conn.execute(insert(SESSIONS).values(
            token_hash=_digest(token), user_id=user["id"], csrf_token=secrets.token_urlsafe(32),
            created_at=now, expires_at=now + SESSION_LIFETIME))
    return token


def _verified(user, password: str) -> bool:
    if user is None or not user["active"]:
        _hasher.hash(password)  # the same work as a real check: timing tells nothing
        return False
    try:
        return _hasher.verify(user["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return False


def session_actor(engine: Engine, token: str | None) -> tuple[Actor, str] | None:
    """(the signed-in actor, the session's CSRF token) for a session token; None if the
    token is unknown, expired or its user inactive."""
    if not token:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            select(USERS.c.id, USERS.c.email, USERS.c.role, USERS.c.organisation_id,
                   SESSIONS.c.csrf_token, SESSIONS.c.expires_at)
            .join(USERS, USERS.c.id == SESSIONS.c.user_id)
            .where(SESSIONS.c.token_hash == _digest(token), USERS.c.active.is_(True))
        ).first()
    if row is None or _aware(row.expires_at) <= datetime.now(UTC):
        return None
    return Actor(row.id, row.email, row.role, row.organisation_id), row.csrf_token


def sign_out(engine: Engine, token: str | None) -> None:
    if token:
        with engine.begin() as conn:
            conn.execute(delete(SESSIONS).where(SESSIONS.c.token_hash == _digest(token)))


def csrf_ok(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a form's or header's CSRF token with the session's."""
    return bool(given) and hmac.compare_digest(expected.encode(), str(given).encode())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
