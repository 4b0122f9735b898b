"""The reporting workflow: a focal point submits a status update (with evidence links and
files) for a measure their agency leads; a coordinator validates it or returns it with a
comment; only validated updates count. Partners and everyone signed in may comment.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlparse

from sqlalchemy import Engine, insert, select, update

from deo.config import positive_setting
from deo.core import Conflict, DeoError, NotFoundError
from deo.i18n import _
from deo.track.access import (
    Actor,
    require,
    require_not_author,
    require_own_measure,
    require_strategy,
)
from deo.track.audit import record
from deo.track.config import statuses
from deo.track.plan import TEXT_MAX, check, text_problem
from deo.track.schema import Comment, Evidence, Measure, StatusUpdate, Strategy

UPDATES = StatusUpdate.__table__
EVIDENCE = Evidence.__table__
COMMENTS = Comment.__table__
MEASURES = Measure.__table__
#: The most evidence links one update may give, and the longest link, in characters.
MAX_LINKS = 50
LINK_MAX = 2000
STRATEGIES = Strategy.__table__


def max_evidence_bytes() -> int:
    """The largest evidence file accepted: ``DEO_MAX_UPLOAD_MB`` (default 10) megabytes."""
    return int(positive_setting("DEO_MAX_UPLOAD_MB", 10) * 1024 * 1024)


def max_evidence_files() -> int:
    """The most evidence files one update may carry: ``DEO_MAX_EVIDENCE_FILES`` (default 10)."""
    return int(positive_setting("DEO_MAX_EVIDENCE_FILES", 10))


def max_evidence_total_bytes() -> int:
    """The most evidence one update may carry, all files together, in bytes:
    ``DEO_MAX_EVIDENCE_TOTAL_MB`` (default 25) megabytes."""
    return int(positive_setting("DEO_MAX_EVIDENCE_TOTAL_MB", 25) * 1024 * 1024)


class TooLarge(DeoError):
    """More evidence (or a larger request) than the server accepts (HTTP 413)."""


def check_evidence_totals(count: int, total_bytes: int) -> None:
    """Refuse an update's evidence beyond the count or total size allowed (:class:`TooLarge`)."""
    most, limit = max_evidence_files(), max_evidence_total_bytes()
    if count > most:
        raise TooLarge(_("{count} evidence files: at most {most} per update").format(
            count=count, most=most))
    if total_bytes > limit:
        raise TooLarge(_("evidence files of {size:.1f} MB together: at most {limit:.0f} MB "
                         "per update").format(size=total_bytes / 2**20, limit=limit / 2**20))


@dataclass(frozen=True)
class EvidenceFile:
    file_name: str
    media_type: str
    content: bytes


def submit_update(engine: Engine, actor: Actor, measure_id: int, status: str,
                  percent: float = 0.0, narrative: str = "", links: list[str] | None = None,
                  files: list[EvidenceFile] | None = None,
                  at: datetime | None = None) -> int:
    """Submit a status update for validation; returns its id. ``at`` back-dates the
    report (loading a plan's history; default now)."""
    require(actor, "submit_update")
    _person(actor)
    known = statuses()
    if status not in known:
        raise DeoError(_("status {status!r}: expected one of {statuses}").format(
            status=status, statuses=", ".join(known)))
    if not 0 <= percent <= 100:
        raise DeoError(_("percent complete {value}: expected 0 to 100").format(value=percent))
    if status == "completed":
        percent = 100.0
    links = [link.strip() for link in links or [] if link.strip()]
    check(text_problem(_("narrative"), narrative, TEXT_MAX),
          *(text_problem(_("evidence link"), link, LINK_MAX) for link in links))
    if len(links) > MAX_LINKS:
        raise DeoError(_("{n} evidence links: at most {most}").format(n=len(links),
                                                                     most=MAX_LINKS))
    for link in links:
        if urlparse(link).scheme not in ("http", "https"):
            raise DeoError(_("evidence link {link!r}: expected an http(s) address").format(
                link=link))
    limit = max_evidence_bytes()
    check_evidence_totals(len(files or []), sum(len(f.content) for f in files or []))
    for item in files or []:
        check(text_problem(_("evidence file name"), item.file_name),
              text_problem(_("evidence file type"), item.media_type, 128))
    for item in files or []:
        if len(item.content) > limit:
            raise TooLarge(_("evidence file {name}: {size:.1f} MB is over the limit of "
                             "{limit:.0f} MB").format(name=item.file_name,
                                                     size=len(item.content) / 2**20,
                                                     limit=limit / 2**20))
    with engine.begin() as conn:
        row = conn.execute(select(MEASURES.c.code, MEASURES.c.lead_organisation_id,
                                  STRATEGIES.c.code.label("strategy"),
                                  STRATEGIES.c.lead_organisation_id.label("strategy_lead"))
                           .join(STRATEGIES, STRATEGIES.c.id == MEASURES.c.strategy_id)
                           .where(MEASURES.c.id == measure_id)).first()
        if row is None:
            raise NotFoundError(_("no measure {id}").format(id=measure_id))
        require_own_measure(actor, row.lead_organisation_id, row.code)
        if actor.role == "coordinator":
            require_strategy(actor, "submit_update", row.strategy_lead, row.strategy)
        values = dict(measure_id=measure_id, status=status, percent=float(percent),
                      narrative=narrative, links=links, author_id=actor.id,
                      submitted_at=at or datetime.now(UTC), state="submitted",
                      review_comment="")
        update_id = conn.execute(insert(UPDATES).values(**values)).inserted_primary_key[0]
        record(conn, actor, "submit_update", "update", update_id, after=values)
        for item in files or []:
            evidence = dict(update_id=update_id, file_name=os.path.basename(item.file_name),
                            media_type=item.media_type or "application/octet-stream",
                            size=len(item.content),
                            sha256=hashlib.sha256(item.content).hexdigest(),
                            content=item.content)
            evidence_id = conn.execute(insert(EVIDENCE).values(**evidence)).inserted_primary_key[0]
            record(conn, actor, "attach_evidence", "evidence", evidence_id, after=evidence)
    return update_id


def review_update(engine: Engine, actor: Actor, update_id: int, validate: bool,
                  comment: str = "", at: datetime | None = None) -> None:
    """Validate an update (it then counts) or return it to its author with a comment."""
    require(actor, "review_update")
    check(text_problem(_("comment"), comment, TEXT_MAX))
    if not validate and not comment.strip():
        raise DeoError(_("say why the update is returned: the comment is empty"))
    with engine.begin() as conn:
        before = conn.execute(select(UPDATES).where(UPDATES.c.id == update_id)).mappings().first()
        if before is None:
            raise NotFoundError(_("no update {id}").format(id=update_id))
        scope = conn.execute(select(STRATEGIES.c.code, STRATEGIES.c.lead_organisation_id)
                             .join(MEASURES, MEASURES.c.strategy_id == STRATEGIES.c.id)
                             .where(MEASURES.c.id == before["measure_id"])).one()
        require_strategy(actor, "review_update", scope.lead_organisation_id, scope.code)
        require_not_author(actor, before["author_id"], update_id)
        values = dict(state="validated" if validate else "returned", reviewer_id=actor.id,
                      reviewed_at=at or datetime.now(UTC), review_comment=comment)
        # Only a submitted update can be reviewed, once: the state check is in the UPDATE.
        done = conn.execute(update(UPDATES).where(
            UPDATES.c.id == update_id, UPDATES.c.state == "submitted").values(**values))
        if done.rowcount != 1:
            raise Conflict(_("update {id} was already {state}; nothing was changed").format(
                id=update_id, state=before["state"]))
        record(conn, actor, "validate_update" if validate else "return_update", "update",
               update_id, dict(before), {**dict(before), **values})


def add_comment(engine: Engine, actor: Actor, measure_id: int, text: str) -> int:
    require(actor, "comment")
    _person(actor)
    check(text_problem(_("comment"), text, TEXT_MAX))
    if not text.strip():
        raise DeoError(_("the comment is empty"))
    with engine.begin() as conn:
        if conn.execute(select(MEASURES.c.id).where(MEASURES.c.id == measure_id)).first() is None:
            raise NotFoundError(_("no measure {id}").format(id=measure_id))
        values = dict(measure_id=measure_id, author_id=actor.id, at=datetime.now(UTC),
                      text=text.strip())
        comment_id = conn.execute(insert(COMMENTS).values(**values)).inserted_primary_key[0]
        record(conn, actor, "comment", "comment", comment_id, after=values)
    return comment_id


def _person(actor: Actor) -> None:
    # Reports and comments carry their author's name: the command line cannot make them.
    if actor.id is None:
        raise DeoError(_("updates and comments are made by a signed-in person"))


def evidence_file(engine: Engine, evidence_id: int) -> dict:
    with engine.connect() as conn:
        row = conn.execute(select(EVIDENCE).where(EVIDENCE.c.id == evidence_id)).mappings().first()
    if row is None:
        raise NotFoundError(_("no evidence file {id}").format(id=evidence_id))
    return dict(row)
