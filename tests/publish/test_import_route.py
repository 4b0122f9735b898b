"""Item 16 of issue 13: an action-plan import runs off the event loop (the portal answers
everyone else meanwhile), and a workbook beyond the limits is refused with its reason."""

from __future__ import annotations

import io
import threading
import time

import openpyxl
import pytest
from boundary_world import make_world
from fastapi.testclient import TestClient

from deo.store import Store
from deo.track.importer import ImportResult


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("import")
    return make_world(Store.open(f"sqlite:///{folder / 'store.sqlite'}"))


def upload(client: TestClient, token: str, content: bytes, name: str = "plan.xlsx"):
    return client.post("/en/track/KEN/import", data={"csrf": token},
                       files={"plan_file": (name, content, "application/octet-stream")},
                       follow_redirects=False)


def test_the_portal_answers_while_an_import_runs(world, monkeypatch):
    started, release = threading.Event(), threading.Event()

    def slow_import(engine, actor, code, path, **options):
        started.set()
        release.wait(10)  # the reviewer's 2M-cell workbook took two minutes
        return ImportResult(code, ["M9"])

    monkeypatch.setattr("deo.track.importer.import_plan", slow_import)
    coordinator = world.clients["coordinator"]
    answers = {}
    with TestClient(world.app) as client:  # one event loop serves both requests
        client.cookies = coordinator.cookies
        token = coordinator.headers["X-CSRF-Token"]
        importing = threading.Thread(target=lambda: answers.setdefault(
            "import", upload(client, token, b"Code,Title\n", "plan.csv")))
        importing.start()
        assert started.wait(10)
        begun = time.monotonic()
        health = client.get("/api/health")
        waited = time.monotonic() - begun
        still_importing = not release.is_set() and importing.is_alive()
        release.set()
        importing.join(20)
    assert health.status_code == 200
    assert still_importing and waited < 8, waited
    assert answers["import"].status_code == 303
    assert answers["import"].headers["location"] == "/en/track/KEN?imported=1"


def test_a_workbook_declaring_millions_of_cells_is_refused_with_its_reason(world):
    book = openpyxl.Workbook()
    book.active.append(["Code", "Title", "Policy area", "Lead agency"])
    book.active["XFD1048576"] = "far away"  # one cell that makes the sheet 17 billion cells
    buffer = io.BytesIO()
    book.save(buffer)
    coordinator = world.clients["coordinator"]
    answer = upload(coordinator, coordinator.headers["X-CSRF-Token"], buffer.getvalue())
    assert answer.status_code == 422
    assert "plan.xlsx: the sheet declares 1048576 rows by 16384 columns" in answer.text
