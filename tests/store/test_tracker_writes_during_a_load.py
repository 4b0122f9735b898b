"""A tracker write while a load holds the SQLite store waits for it (DEO_STORE_WAIT), and
one that waits too long is answered 503 with the reason, never a 500."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from deo.publish.app import create_app
from deo.store import Store
from deo.track import auth
from deo.track.access import SYSTEM

PASSWORD = "Correct-Horse-Battery-9"


def signed_in_admin(tmp_path: Path) -> tuple[str, TestClient]:
    url = f"sqlite:///{tmp_path / 'deo.sqlite'}"
    store = Store.open(url)
    auth.add_user(store.engine, SYSTEM, "admin@x.org", "Admin", PASSWORD, "administrator")
    client = TestClient(create_app(store), raise_server_exceptions=False)
    answer = client.post("/api/v1/track/session",
                         json={"email": "admin@x.org", "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return url, client


def hold_write_lock(url: str, seconds: float) -> threading.Thread:
    """Hold SQLite's write lock for ``seconds``, as a long ``deo load`` does."""
    held = threading.Event()

    def run() -> None:
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert held.wait(30)
    return thread


def add_organisation(client: TestClient, code: str):
    return client.post("/api/v1/track/organisations",
                       json={"code": code, "name": code, "kind": "agency"})


def test_a_tracker_write_during_a_long_load_waits_for_it(tmp_path, monkeypatch):
    # Longer than SQLite's default busy timeout (5 s), which answered 500 before.
    monkeypatch.setenv("DEO_STORE_WAIT", "60")
    url, client = signed_in_admin(tmp_path)
    holder = hold_write_lock(url, 6.0)
    answer = add_organisation(client, "MOT")
    holder.join()
    assert answer.status_code == 201, answer.text


def test_a_tracker_write_that_waits_too_long_is_told_why(tmp_path, monkeypatch):
    monkeypatch.setenv("DEO_STORE_WAIT", "0.5")
    url, client = signed_in_admin(tmp_path)
    holder = hold_write_lock(url, 3.0)
    answer = add_organisation(client, "MOT")
    holder.join()
    assert answer.status_code == 503, answer.text
    assert "the store is busy" in answer.json()["detail"]
    assert add_organisation(client, "MOT").status_code == 201  # and later it works
