"""Open the database and bring its schema to the current migration."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, DatabaseError

from deo.core import DeoError

MIGRATIONS = Path(__file__).parent / "migrations"


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def create_store_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their folder, WAL and foreign keys."""
    try:
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
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

    return engine


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
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except DatabaseError as exc:
        raise DeoError(f"cannot open the database {engine.url!r}: {exc.orig}") from exc
