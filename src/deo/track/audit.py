"""The audit trail: one append-only record per change, in the change's own transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, insert

from deo.track.access import Actor
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
