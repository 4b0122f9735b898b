"""The audit trail: one append-only record per change, in the change's own transaction
(and one per checked sign-in); :func:`audit_trail` reads it, for administrators."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from deo.core import DeoError
from deo.i18n import _
from deo.track.access import Actor, require
from deo.track.schema import AuditRecord

AUDIT = AuditRecord.__table__


def plain(row: Any) -> dict[str, Any] | None:
    """A row (mapping) as JSON-ready values; binary content is left out."""
    if row is None:
        return None
    out = {}
    for key, value in dict(row).items():
        if isinstance(value, bytes):
            continue
        out[key] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


def record(conn: Connection, actor: Actor, action: str, entity: str, entity_id: int | None,
           before: Any = None, after: Any = None) -> None:
    """Write one audit record (call inside the transaction that makes the change)."""
    conn.execute(insert(AUDIT).values(
        at=datetime.now(UTC), actor_id=actor.id, actor=actor.label, action=action,
        entity=entity, entity_id=entity_id, before=plain(before), after=plain(after),
    ))


#: The most records one read returns.
MAX_READ = 10_000


def audit_trail(engine: Engine, actor: Actor, *, who: str | None = None,
                action: str | None = None, entity: str | None = None,
                entity_id: int | None = None, since: datetime | None = None,
                until: datetime | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Audit records, newest first, filtered by who acted (their e-mail address, or the
    e-mail tried at a sign-in), action (``sign_in``, ``sign_in_failed``, ``edit_measure``
    ...), entity and its id, and time (``since`` inclusive, ``until`` exclusive, UTC).
    Administrators only."""
    require(actor, "read_audit")
    if not 1 <= limit <= MAX_READ:
        raise DeoError(_("limit {limit}: expected 1 to {most}").format(limit=limit,
                                                                        most=MAX_READ))
    stmt = select(AUDIT).order_by(AUDIT.c.id.desc()).limit(limit)
    if who:
        stmt = stmt.where(AUDIT.c.actor == who.strip().lower())
    if action:
        stmt = stmt.where(AUDIT.c.action == action)
    if entity:
        stmt = stmt.where(AUDIT.c.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AUDIT.c.entity_id == entity_id)
    if since is not None:
        stmt = stmt.where(AUDIT.c.at >= _utc(since))
    if until is not None:
        stmt = stmt.where(AUDIT.c.at < _utc(until))
    with engine.connect() as conn:
        return [plain(row) for row in conn.execute(stmt).mappings()]


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
