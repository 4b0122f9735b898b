"""Users, password hashes (argon2id; the rule: :mod:`deo.track.passwords`), sessions, CSRF
tokens, sign-in throttling, and the administrators' account management.

A session token is 256 random bits given to the browser in a cookie; only its sha256 is
stored, so a copy of the database opens no session. Each session has its own CSRF token,
which every form carries and every API write sends as ``X-CSRF-Token``. A session ends
after :func:`~deo.track.config.session_idle` without a request, or
:func:`~deo.track.config.session_lifetime` after sign-in.

Throttling (docs/tracker.md, "Sign-in"): every attempt is counted *before* its password is
checked, by one atomic statement per subject, in fixed windows of :data:`THROTTLE_WINDOW`:

- an account from one client address (:data:`PAIR_LIMIT`);
- a client address, whatever the accounts (:data:`CLIENT_LIMIT`);
- an account, whatever the addresses (:data:`ACCOUNT_LIMIT`), refused only to addresses
  that have not signed in to it successfully within :data:`KNOWN_FOR`.

A successful sign-in gives its attempt back. So parallel guesses cannot pass the check
together, and an attacker who guesses at an account locks out their own address, not its
owner.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, case, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from deo.core import DeoError, NotFoundError, PermissionDenied
from deo.i18n import _
from deo.track.access import ROLES, Actor, require
from deo.track.audit import record
from deo.track.config import session_idle, session_lifetime
from deo.track.passwords import check_password
from deo.track.schema import Organisation, Session, SignInCount, User

USERS = User.__table__
SESSIONS = Session.__table__
COUNTS = SignInCount.__table__
ORGS = Organisation.__table__

#: Attempts on one account from one client address per window.
PAIR_LIMIT = 5
#: Attempts from one client address per window, whatever the accounts.
CLIENT_LIMIT = 20
#: Attempts on one account per window from all addresses; past it, only addresses that
#: signed in to the account before are let try.
ACCOUNT_LIMIT = 50
THROTTLE_WINDOW = timedelta(minutes=15)
#: How long a successful sign-in makes an address "known" for its account.
KNOWN_FOR = timedelta(days=90)
#: How often a session's last-seen time is written (not on every request).
TOUCH_EVERY = timedelta(seconds=60)


_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class TooManyAttempts(PermissionDenied):
    """Sign-in refused for a while after repeated attempts (the API answers 429)."""


# -- users --------------------------------------------------------------------------


def add_user(engine: Engine, actor: Actor, email: str, name: str, password: str, role: str,
             organisation: str | None = None) -> int:
    """Create a user; ``organisation`` is an organisation code. Returns the user's id."""
    require(actor, "manage_users")
    email = email.strip().lower()
    _check_role(role)
    if "@" not in email:
        raise DeoError(_("{email!r} is not an e-mail address").format(email=email))
    check_password(password, email)
    with engine.begin() as conn:
        org_id = _organisation(conn, role, organisation)
        if conn.execute(select(USERS.c.id).where(USERS.c.email == email)).first():
            raise DeoError(_("a user {email} exists already").format(email=email))
        values = dict(email=email, name=name, password_hash=_hasher.hash(password), role=role,
                      organisation_id=org_id, active=True, created_at=datetime.now(UTC))
        user_id = conn.execute(insert(USERS).values(**values)).inserted_primary_key[0]
        # The hash stays out of the audit trail.
        record(conn, actor, "add_user", "user", user_id, after=_public(values))
    return user_id


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise DeoError(_("role {role!r}: expected one of {roles}").format(
            role=role, roles=", ".join(ROLES)))


def _organisation(conn: Connection, role: str, code: str | None) -> int | None:
    org_id = None
    if code:
        org_id = conn.execute(select(ORGS.c.id).where(ORGS.c.code == code)).scalar()
        if org_id is None:
            raise DeoError(_("unknown organisation {code}").format(code=code))
    if role == "focal_point" and org_id is None:
        raise DeoError(_("a focal point belongs to an agency: give its organisation"))
    if role == "coordinator" and org_id is None:
        raise DeoError(_("a coordinator works for the organisation that leads their "
                         "strategies: give its organisation"))
    return org_id


def _public(row: Any) -> dict:
    return {k: v for k, v in dict(row).items() if k != "password_hash"}


def _user(conn: Connection, user: int | str) -> dict:
    """A user by id or e-mail address (NotFoundError if none)."""
    column = USERS.c.id if isinstance(user, int) else USERS.c.email
    key = user if isinstance(user, int) else user.strip().lower()
    row = conn.execute(select(USERS).where(column == key)).mappings().first()
    if row is None:
        raise NotFoundError(_("no user {user}").format(user=user))
    return dict(row)


def users(engine: Engine, actor: Actor) -> list[dict]:
    """Every user (no password hashes), with their organisation's code and open sessions."""
    require(actor, "manage_users")
    now = datetime.now(UTC)
    live = (select(SESSIONS.c.user_id, func.count().label("sessions"))
            .where(SESSIONS.c.expires_at > now).group_by(SESSIONS.c.user_id).subquery())
    with engine.connect() as conn:
        rows = conn.execute(
            select(USERS.c.id, USERS.c.email, USERS.c.name, USERS.c.role,
                   ORGS.c.code.label("organisation"), USERS.c.active, USERS.c.created_at,
                   func.coalesce(live.c.sessions, 0).label("sessions"))
            .outerjoin(ORGS, ORGS.c.id == USERS.c.organisation_id)
            .outerjoin(live, live.c.user_id == USERS.c.id)
            .order_by(USERS.c.email)).mappings().all()
    return [dict(r) for r in rows]


def _change(engine: Engine, actor: Actor, user: int | str, action: str,
            changes: dict[str, Any], *, end_sessions: bool, keep: str | None = None) -> dict:
    """Write ``changes`` to a user with an audit record; end their sessions (all, or all
    but the session ``keep``) if asked. Returns the user before."""
    with engine.begin() as conn:
        before = _user(conn, user)
        after = {**before, **changes}
        if before["role"] == "administrator" and before["active"] and not (
                after["role"] == "administrator" and after["active"]):
            others = conn.execute(select(func.count()).select_from(USERS).where(
                USERS.c.role == "administrator", USERS.c.active.is_(True),
                USERS.c.id != before["id"])).scalar_one()
            if others == 0:
                raise DeoError(_("{email} is the last active administrator; make another "
                                 "administrator first").format(email=before["email"]))
        if changes:
            conn.execute(update(USERS).where(USERS.c.id == before["id"]).values(**changes))
        ended = _end_sessions(conn, before["id"], keep) if end_sessions else 0
        record(conn, actor, action, "user", before["id"], _public(before),
               {**_public(after), "sessions_ended": ended})
    return before


def _end_sessions(conn: Connection, user_id: int, keep: str | None = None) -> int:
    stmt = delete(SESSIONS).where(SESSIONS.c.user_id == user_id)
    if keep:
        stmt = stmt.where(SESSIONS.c.token_hash != _digest(keep))
    return conn.execute(stmt).rowcount


def set_active(engine: Engine, actor: Actor, user: int | str, active: bool) -> None:
    """Deactivate a user (their sessions end; they can no longer sign in), or reactivate."""
    require(actor, "manage_users")
    _change(engine, actor, user, "activate_user" if active else "deactivate_user",
            {"active": active}, end_sessions=not active)


def set_role(engine: Engine, actor: Actor, user: int | str, role: str,
             organisation: str | None = None) -> None:
    """Give a user another role, and another organisation if one is given (without one,
    the user keeps theirs; a coordinator or focal point needs one); their sessions end,
    so the new rights apply from their next sign-in."""
    require(actor, "manage_users")
    _check_role(role)
    with engine.connect() as conn:
        kept = None if organisation else _user(conn, user)["organisation_id"]
        org_id = kept if kept is not None else _organisation(conn, role, organisation)
    _change(engine, actor, user, "set_role", {"role": role, "organisation_id": org_id},
            end_sessions=True)


def reset_password(engine: Engine, actor: Actor, user: int | str, password: str) -> None:
    """An administrator sets a user's password; every session of the user ends."""
    require(actor, "manage_users")
    with engine.connect() as conn:
        email = _user(conn, user)["email"]
    check_password(password, email)
    _change(engine, actor, user, "reset_password", {"password_hash": _hasher.hash(password)},
            end_sessions=True)


def change_password(engine: Engine, actor: Actor, current: str, new: str,
                    keep: str | None = None) -> None:
    """A signed-in user changes their own password, giving the current one; their other
    sessions end (the session ``keep``, the one asking, stays open)."""
    if actor.id is None:
        raise DeoError(_("the command line has no password; use `deo track user password`"))
    with engine.connect() as conn:
        user = _user(conn, actor.id)
    if not _verified(user, current):
        raise PermissionDenied(_("the current password is wrong"))
    check_password(new, user["email"])
    _change(engine, actor, actor.id, "change_password", {"password_hash": _hasher.hash(new)},
            end_sessions=True, keep=keep)


def revoke_sessions(engine: Engine, actor: Actor, user: int | str) -> int:
    """End every session of a user (they must sign in again); returns how many ended."""
    require(actor, "manage_users")
    with engine.begin() as conn:
        found = _user(conn, user)
        ended = _end_sessions(conn, found["id"])
        record(conn, actor, "revoke_sessions", "user", found["id"],
               after={"email": found["email"], "sessions_ended": ended})
    return ended


# -- sign-in ------------------------------------------------------------------------


def sign_in(engine: Engine, email: str, password: str, address: str = "") -> str:
    """Check the password and open a session; returns the session token (for the cookie).

    A wrong e-mail and a wrong password get the same answer, after the same work. Every
    checked attempt is audited (e-mail tried, client address, outcome; never the
    password); attempts refused by throttling are not checked and not audited.
    """
    email = email.strip().lower()
    if len(email) > 254 or "\x00" in email:
        # No such account can exist; refused before anything is written.
        raise PermissionDenied(_("wrong e-mail address or password"))
    address = (address or "unknown")[:64]
    now = datetime.now(UTC)
    _count_attempt(engine, email, address, now)
    with engine.connect() as conn:
        user = conn.execute(select(USERS).where(USERS.c.email == email)).mappings().first()
    verified = _verified(user, password)
    who = Actor(user["id"] if user else None, email, user["role"] if user else "public")
    trail = {"email": email, "address": address}
    with engine.begin() as conn:
        if not verified:
            record(conn, who, "sign_in_failed", "user", who.id, after=trail)
        else:
            _give_back(conn, email, address, now)
            if _hasher.check_needs_rehash(user["password_hash"]):
                conn.execute(update(USERS).where(USERS.c.id == user["id"]).values(
                    password_hash=_hasher.hash(password)))
            token = secrets.token_urlsafe(32)
            conn.execute(insert(SESSIONS).values(
                token_hash=_digest(token), user_id=user["id"],
                csrf_token=secrets.token_urlsafe(32), created_at=now,
                expires_at=now + session_lifetime(), last_seen_at=now))
            record(conn, who, "sign_in", "user", who.id, after=trail)
    if not verified:
        raise PermissionDenied(_("wrong e-mail address or password"))
    return token


def _subjects(email: str, address: str) -> list[tuple[str, int]]:
    # Always in this order: concurrent sign-ins lock the rows in the same order.
    return [(f"pair:{email}|{address}", PAIR_LIMIT), (f"client:{address}", CLIENT_LIMIT),
            (f"account:{email}", ACCOUNT_LIMIT)]


def _count_attempt(engine: Engine, email: str, address: str, now: datetime) -> None:
    """Count the attempt on each subject, atomically; refuse it (nothing counted) if one
    is over its limit."""
    with engine.begin() as conn:
        counts = [(subject, _bump(conn, subject, now), limit)
                  for subject, limit in _subjects(email, address)]
        over = [subject for subject, n, limit in counts if n > limit]
        if over == [f"account:{email}"] and _known(conn, email, address, now):
            over = []  # the owner's usual address is not locked out by others' guesses
        if over:
            raise TooManyAttempts(_("too many sign-in attempts; try again in {minutes} "
                                    "minutes").format(
                minutes=int(THROTTLE_WINDOW.total_seconds() // 60)))


def _bump(conn: Connection, subject: str, now: datetime) -> int:
    """Add one attempt to ``subject`` in one statement (a new window if the last one has
    passed); returns the attempts in the window, this one included."""
    maker = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stale = COUNTS.c.window_start <= now - THROTTLE_WINDOW
    stmt = maker(COUNTS).values(subject=subject, window_start=now, attempts=1)
    stmt = stmt.on_conflict_do_update(index_elements=[COUNTS.c.subject], set_={
        "attempts": case((stale, 1), else_=COUNTS.c.attempts + 1),
        "window_start": case((stale, now), else_=COUNTS.c.window_start),
    }).returning(COUNTS.c.attempts)
    return conn.execute(stmt).scalar_one()


def _known(conn: Connection, email: str, address: str, now: datetime) -> bool:
    seen = conn.execute(select(COUNTS.c.window_start).where(
        COUNTS.c.subject == f"known:{email}|{address}")).scalar()
    return seen is not None and _aware(seen) > now - KNOWN_FOR


def _give_back(conn: Connection, email: str, address: str, now: datetime) -> None:
    """A successful sign-in: its attempt no longer counts, and the address is known."""
    pair, client, account = (subject for subject, _limit in _subjects(email, address))
    conn.execute(delete(COUNTS).where(COUNTS.c.subject == pair))
    conn.execute(update(COUNTS).where(COUNTS.c.subject.in_([client, account]),
                                      COUNTS.c.attempts > 0)
                 .values(attempts=COUNTS.c.attempts - 1))
    known = f"known:{email}|{address}"
    maker = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(maker(COUNTS).values(subject=known, window_start=now, attempts=0)
                 .on_conflict_do_update(index_elements=[COUNTS.c.subject],
                                        set_={"window_start": now}))


def _verified(user, password: str) -> bool:
    if user is None or not user["active"]:
        _hasher.hash(password)  # the same work as a real check: timing tells nothing
        return False
    try:
        return _hasher.verify(user["password_hash"], password)
    except (VerificationError, InvalidHashError):
        return False


# -- sessions -----------------------------------------------------------------------


def session_actor(engine: Engine, token: str | None) -> tuple[Actor, str] | None:
    """(the signed-in actor, the session's CSRF token) for a session token; None if the
    token is unknown, past its lifetime or idle timeout, or its user inactive."""
    if not token:
        return None
    digest = _digest(token)
    with engine.connect() as conn:
        row = conn.execute(
            select(USERS.c.id, USERS.c.email, USERS.c.role, USERS.c.organisation_id,
                   SESSIONS.c.csrf_token, SESSIONS.c.created_at, SESSIONS.c.expires_at,
                   SESSIONS.c.last_seen_at)
            .join(USERS, USERS.c.id == SESSIONS.c.user_id)
            .where(SESSIONS.c.token_hash == digest, USERS.c.active.is_(True))
        ).first()
    if row is None:
        return None
    now = datetime.now(UTC)
    seen = _aware(row.last_seen_at or row.created_at)
    if _aware(row.expires_at) <= now or seen + session_idle() <= now:
        sign_out(engine, token)
        return None
    if now - seen >= TOUCH_EVERY:
        with engine.begin() as conn:
            conn.execute(update(SESSIONS).where(SESSIONS.c.token_hash == digest)
                         .values(last_seen_at=now))
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

