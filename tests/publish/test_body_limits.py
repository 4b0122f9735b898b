"""Items 15 and 22 of issue 13: request bodies are limited before they are read, writes by
someone not signed in are refused before their body is read, and an update's evidence
has a total cap (count and bytes) answered with a clear 413.

The large bodies are sent straight to the ASGI app, a chunk at a time, counting what the
server asks for: a refused body is never read, a body over its limit is cut off at it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from boundary_world import make_world
from sqlalchemy import func, select

from deo.publish.guard import SIGN_IN_BYTES
from deo.store import Store
from deo.track import updates
from deo.track.schema import StatusUpdate

CHUNK = 64 * 1024
BOUNDARY = "deo-test-boundary"
FILE_PART = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"evidence\"; "
             "filename=\"big.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("limits")
    return make_world(Store.open(f"sqlite:///{folder / 'store.sqlite'}"))


def chunks(total: int, head: bytes = b"") -> Iterator[bytes]:
    """``total`` bytes, made only as the server asks for them."""
    yield head
    sent = len(head)
    while sent < total:
        yield b"x" * CHUNK
        sent += CHUNK


def send(app, method: str, path: str, headers: dict[str, str],
         body: Iterator[bytes]) -> tuple[int, bytes, int]:
    """(status, response body, request bytes the app read) of one request."""
    read = 0

    async def receive():
        nonlocal read
        chunk = next(body, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    answer = {"status": 0, "body": b""}

    async def respond(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 50000),
             "server": ("testserver", 80), "state": {},
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(app(scope, receive, respond))
    return answer["status"], answer["body"], read


@pytest.fixture
def no_update_written(monkeypatch):
    """Fails the test if an update reaches the database layer."""
    calls = []
    monkeypatch.setattr(updates, "submit_update", lambda *a, **k: calls.append(a))
    yield
    assert calls == []


def test_an_anonymous_upload_is_refused_before_its_body_is_read(world, no_update_written):
    # The reviewer's 1 GiB post was written to disk before its 403; 64 MiB shows the same.
    status, body, read = send(world.app, "POST", "/en/track/KEN/measures/M1/updates", {
        "content-type": f"multipart/form-data; boundary={BOUNDARY}"},
        chunks(64 * 2**20, FILE_PART))
    assert status == 403 and b"sign in first" in body
    assert read == 0


def test_an_anonymous_api_write_is_refused_before_its_body_is_read(world):
    status, body, read = send(world.app, "POST", "/api/v1/track/strategies",
                              {"content-type": "application/json"}, chunks(8 * 2**20, b"{"))
    assert status == 403 and read == 0


def test_a_declared_length_over_the_limit_is_413_without_reading(world):
    status, body, read = send(world.app, "POST", "/api/v1/track/session", {
        "content-type": "application/json", "content-length": str(100 * 2**20)},
        chunks(100 * 2**20, b'{"email": "'))
    assert status == 413 and read == 0
    assert b"larger than the server accepts (16 KB at most)" in body
    signed_in = world.session("coordinator")
    status, body, read = send(world.app, "POST",
                              f"/api/v1/track/measures/{world.measure_id}/comments", {
                                  **signed_in, "content-type": "application/json",
                                  "content-length": str(2**30)}, chunks(2**30, b"{"))
    assert status == 413 and read == 0


def test_a_chunked_sign_in_body_is_cut_off_at_its_limit(world):
    # The reviewer's 100 MB sign-in body sat in memory; now reading stops at 16 KB.
    status, body, read = send(world.app, "POST", "/api/v1/track/session",
                              {"content-type": "application/json"},
                              chunks(100 * 2**20, b'{"email": "'))
    assert status == 413
    assert read <= SIGN_IN_BYTES + CHUNK


def test_a_chunked_upload_is_cut_off_at_the_evidence_total(world, monkeypatch,
                                                           no_update_written):
    monkeypatch.setenv("DEO_MAX_EVIDENCE_TOTAL_MB", "1")
    status, body, read = send(world.app, "POST", "/en/track/KEN/measures/M1/updates", {
        **world.session("focal_point"),
        "content-type": f"multipart/form-data; boundary={BOUNDARY}"},
        chunks(64 * 2**20, FILE_PART))
    assert status == 413, body
    assert read <= 2 * 2**20 + CHUNK  # 1 MB of evidence and 1 MB for the form's fields


def _form(world, role: str) -> dict:
    return {"csrf": world.clients[role].headers["X-CSRF-Token"], "status": "in_progress",
            "percent": "10"}


def _updates(world) -> int:
    with world.store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(StatusUpdate)).scalar_one()


def test_more_evidence_files_than_allowed_is_413(world, monkeypatch):
    monkeypatch.setenv("DEO_MAX_EVIDENCE_FILES", "2")
    before = _updates(world)
    client = world.clients["focal_point"]
    files = [("evidence", (f"report{n}.pdf", b"%PDF-1.4 small", "application/pdf"))
             for n in range(3)]
    answer = client.post("/en/track/KEN/measures/M1/updates", data=_form(world, "focal_point"),
                         files=files, follow_redirects=False)
    assert answer.status_code == 413
    assert "3 evidence files: at most 2 per update" in answer.text
    assert _updates(world) == before


def test_evidence_over_the_total_size_is_413(world, monkeypatch):
    # Each file is within the per-file limit; together they are not (the review's
    # 12 x 9 MiB, here 2 x 0.6 MB against 1 MB).
    monkeypatch.setenv("DEO_MAX_EVIDENCE_TOTAL_MB", "1")
    before = _updates(world)
    client = world.clients["focal_point"]
    files = [("evidence", (f"scan{n}.pdf", b"x" * 600_000, "application/pdf"))
             for n in range(2)]
    answer = client.post("/en/track/KEN/measures/M1/updates", data=_form(world, "focal_point"),
                         files=files, follow_redirects=False)
    assert answer.status_code == 413
    assert "evidence files of 1.1 MB together: at most 1 MB per update" in answer.text
    assert _updates(world) == before
    # Within the caps, the update and its files are accepted.
    answer = client.post("/en/track/KEN/measures/M1/updates", data=_form(world, "focal_point"),
                         files=files[:1], follow_redirects=False)
    assert answer.status_code == 303 and _updates(world) == before + 1


def test_a_signed_in_json_body_is_limited_too(world, monkeypatch):
    monkeypatch.setenv("DEO_MAX_REQUEST_KB", "64")
    status, body, read = send(world.app, "POST",
                              f"/api/v1/track/measures/{world.measure_id}/comments", {
                                  **world.session("partner"),
                                  "content-type": "application/json"},
                              chunks(8 * 2**20, b'{"text": "'))
    assert status == 413 and b"64 KB at most" in body
    assert read <= 64 * 1024 + CHUNK


def test_a_mistyped_limit_stops_the_server_at_start(world, monkeypatch):
    from deo.core import DeoError
    from deo.publish.app import create_app

    for name in ("DEO_MAX_REQUEST_KB", "DEO_MAX_EVIDENCE_TOTAL_MB", "DEO_MAX_UPLOAD_MB"):
        monkeypatch.setenv(name, "lots")
        with pytest.raises(DeoError, match=f"{name}='lots': expected a positive number"):
            create_app(world.store)
        monkeypatch.delenv(name)


def test_only_the_upload_forms_get_the_files_allowance(world, monkeypatch):
    # Calling a JSON endpoint "multipart" does not buy it the evidence allowance.
    monkeypatch.setenv("DEO_MAX_REQUEST_KB", "64")
    status, body, read = send(world.app, "POST",
                              f"/api/v1/track/measures/{world.measure_id}/comments", {
                                  **world.session("partner"),
                                  "content-type": f"multipart/form-data; boundary={BOUNDARY}"},
                              chunks(8 * 2**20, FILE_PART))
    assert status == 413 and read <= 64 * 1024 + CHUNK
