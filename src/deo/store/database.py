"""Open the database and bring its schema to the current migration; serialise writers."""

from __future__ import annotations

import math
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import ArgumentError, DatabaseError

from deo.core import DeoError
from deo.i18n import _

MIGRATIONS = Path(__file__).parent / "migrations"
#: Environment variable: how long a writer waits for another to finish (seconds).
WAIT_VARIABLE = "DEO_STORE_WAIT"
DEFAULT_WAIT = 60.0
#: The longest wait accepted (a day; SQLite silently waits not at all beyond ~24 days).
MAX_WAIT = 86_400.0
#: Key of the PostgreSQL advisory lock held by the store's writer (any fixed bigint).
WRITER_LOCK = 0x64656F  # "deo"


class StoreBusy(DeoError):
    """Another writer held the store for longer than the wait allowed."""


def store_wait() -> float:
    """Seconds a write waits for another writer (``DEO_STORE_WAIT``, default 60)."""
    raw = os.environ.get(WAIT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_WAIT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and 0 <= seconds <= MAX_WAIT):
        raise DeoError(_("{variable}={value!r}: expected a number of seconds from 0 to "
                         "{most:g}").format(variable=WAIT_VARIABLE, value=raw, most=MAX_WAIT))
    return seconds


def busy_message(seconds: float) -> str:
    return _("the store is busy: another load is writing to it; waited {seconds:g} s. "
             "Try again when it has finished, or wait longer with {variable}=SECONDS.").format(
        seconds=seconds, variable=WAIT_VARIABLE)


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def create_store_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their folder, WAL and foreign keys."""
    wait = store_wait()
    try:
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # SQLite's busy timeout: a writer waits this long for another to finish.
        engine = create_engine(url, **(
            {"connect_args": {"timeout": wait}} if url.startswith("sqlite") else {}))
    except ArgumentError as exc:
        raise DeoError(f"DEO_DATABASE_URL is not a database URL: {url!r}") from exc
    except ModuleNotFoundError as exc:
        raise DeoError(
            f"no driver for {url.split(':')[0]}: install it "
            "(for PostgreSQL: pip install 'deo[postgres]')"
        ) from exc
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    @event.listens_for(engine, "handle_error")
    def _busy(context: ExceptionContext) -> None:
        # Waiting longer than DEO_STORE_WAIT for another writer is not a bug: say so.
        if _is_busy(context.original_exception):
            waited = wait if context.dialect.name == "sqlite" else store_wait()
            raise StoreBusy(busy_message(waited)) from context.original_exception

    return engine


def _is_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked", or PostgreSQL's lock_timeout (SQLSTATE 55P03)."""
    if getattr(exc, "sqlstate", None) == "55P03":
        return True
    message = str(exc)
    return type(exc).__name__ == "OperationalError" and (
        "database is locked" in message or "database is busy" in message)


def lock_writers(conn: Connection) -> None:
    """Make ``conn``'s transaction the store's only writer until it ends, waiting up to
    :func:`store_wait` seconds for another to finish (:class:`StoreBusy` after that).

    Call it first in the transaction, before reading what the write depends on: a load
    compares its rows with the current ones, which must not change under it.
    SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock now rather than at the
    first write. PostgreSQL: a transaction-scoped advisory lock (released at commit or
    rollback), taken under a ``lock_timeout`` that is lifted once it is held.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    setting = text("SELECT set_config('lock_timeout', :value, true)")
    before = conn.execute(text("SELECT current_setting('lock_timeout')")).scalar()
    # lock_timeout 0 means "wait forever": wait at least 1 ms.
    conn.execute(setting, {"value": f"{max(1, round(store_wait() * 1000))}ms"})
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITER_LOCK})
    conn.execute(setting, {"value": before})


def upgrade_to_head(engine: Engine) -> None:
    """Apply any pending migration (a no-op when the schema is current)."""
    cfg = _alembic_config()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
            if current == head:
                return
        with engine.begin() as conn:
            # Two commands opening a new store at once: one migrates, the other waits.
            lock_writers(conn)
            if MigrationContext.configure(conn).get_current_revision() == head:
                return
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except DatabaseError as exc:
        raise DeoError(f"cannot open the database {engine.url!r}: {exc.orig}") from exc
