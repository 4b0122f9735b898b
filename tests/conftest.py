"""Shared fixtures: the published reference files (test oracles), an isolated home, stores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def reference_data() -> Path:
    """The published reference tables (test oracles) shipped in ``data/reference``.

    ``DEO_REFERENCE_DATA`` may point elsewhere (a newer publication); a missing folder fails the
    golden tests rather than skipping them: they are what checks deo against the world.
    """
    folder = Path(os.environ.get("DEO_REFERENCE_DATA") or REPO_ROOT / "data" / "reference")
    if not folder.is_dir():
        pytest.fail(f"reference data folder {folder} not found (the repository ships it: "
                    "data/reference)")
    return folder


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Every test gets its own DEO_HOME (nothing reads or writes ./deo-data) and English."""
    home = tmp_path_factory.mktemp("deo_home")
    monkeypatch.setenv("DEO_HOME", str(home))
    monkeypatch.delenv("DEO_DATABASE_URL", raising=False)
    # Messages follow the locale; tests read the English ones unless they set another.
    monkeypatch.setenv("DEO_LANG", "en")
    return home


def _postgres_database():
    """A fresh, empty PostgreSQL database on the test server; dropped afterwards."""
    from uuid import uuid4

    from sqlalchemy import create_engine, make_url, text

    base = os.environ.get("DEO_TEST_POSTGRES_URL")
    if not base:
        pytest.skip(
            "PostgreSQL store tests need DEO_TEST_POSTGRES_URL (a server URL such as "
            "postgresql+psycopg://deo@127.0.0.1:55432/postgres; .ci/run starts one)"
        )
    name = f"deo_test_{uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    quoted = admin.dialect.identifier_preparer.quote(name)
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {quoted}"))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path):
    """The URL of an empty store on each backend: an SQLite file, and PostgreSQL if set up."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
    else:
        yield from _postgres_database()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def module_store_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """As ``store_url``, but one store shared by a module's tests (costly worlds)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def store(store_url: str):
    """An empty, migrated store on each backend."""
    from deo.store import Store

    opened = Store.open(store_url)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory: pytest.TempPathFactory):
    """The shipped catalogue, without any office additions."""
    from deo.catalogue import get_catalogue

    return get_catalogue(tmp_path_factory.mktemp("no_office_catalogue"))


@pytest.fixture(scope="module")
def serve():
    """``serve(app)`` runs an ASGI app on a free loopback port for the module's tests and
    returns its base URL (for real HTTP clients: browsers, sdmx1's Client)."""
    import socket
    import threading
    import time

    import uvicorn

    servers = []

    def start(app) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=5)
