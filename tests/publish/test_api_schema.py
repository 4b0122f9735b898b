"""A bounded Schemathesis run over the API's OpenAPI description: whatever the parameters
(valid or not), no request gets a server error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from boundary_world import PASSWORD, USERS, make_world
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from deo.publish.app import create_app
from deo.sources.load import load_files
from deo.store import Store
from deo.track import auth
from deo.track.access import SYSTEM

ROWS = """indicator,area,period,breakdown,value
IT.NET.USER.ZS,KEN,2021,,29.5
IT.NET.USER.ZS,UGA,2022,,10.3
B3,KEN,2021,SIZE_CLASS=10-49,55.5
UNCTAD.B2C.INTERNET,KEN,2020,,23
UNCTAD.B2C.ACCOUNT,KEN,2020,,82
UNCTAD.B2C.SERVERS,KEN,2020,,45
UNCTAD.B2C.POSTAL,KEN,2020,,46
"""


def _app():
    folder = Path(tempfile.mkdtemp(prefix="deo-schemathesis-"))
    store = Store.open(f"sqlite:///{folder / 'store.sqlite'}")
    (folder / "rows.csv").write_text(ROWS)
    load_files(store, [folder / "rows.csv"], rejects_folder=folder)
    return create_app(store)


schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", _app())


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_error(case):
    response = case.call()
    # 501 is SDMX REST's answer to a valid request a service does not support; it is
    # allowed where the operation documents it. Any other 5xx is a bug.
    documented = case.operation.definition.raw.get("responses", {})
    if response.status_code == 501 and "501" in documented:
        assert response.json()["status"] == 501
        return
    case.validate_response(response, checks=[not_a_server_error])


# -- as each tracker role, on each backend ---------------------------------------------
#
# Issue 13 ("Show"): a Schemathesis run signed in as each role, covering the write paths,
# on SQLite and PostgreSQL: no 5xx. Each generated request is sent once per role (and
# once anonymously), with that role's session cookie and CSRF token.


@pytest.fixture(scope="module")
def tracker_world(module_store_url):
    store = Store.open(module_store_url)
    yield make_world(store)
    store.close()


#: Examples per operation, each sent as every role, with its generated path parameters
#: and again with those of existing records: enough to reach the handlers' checks, few
#: enough that the run takes a minute or two per backend.
EXAMPLES = 8


def _known_records(world) -> dict[str, object]:
    """Path parameters naming existing records (random ones are mostly 404s)."""
    update = world.clients["focal_point"].post(
        f"/api/v1/track/measures/{world.measure_id}/updates",
        json={"status": "in_progress", "percent": 10})
    assert update.status_code == 201, update.text
    spare = auth.add_user(world.store.engine, SYSTEM, "spare@x.org", "Spare", PASSWORD,
                          "partner", "DONOR")
    return {"lang": "en", "code": "KEN", "measure_code": "M1", "measure_id": world.measure_id,
            "update_id": update.json()["id"], "user_id": spare}


def _as_every_role(world, operation, known: dict[str, object]):
    """A Hypothesis test sending each generated request as every role (a request that
    ends a session, such as signing out, is answered; the next role's call signs in
    again: see World.session)."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        generated = dict(case.path_parameters or {})
        existing = {**generated, **{k: known[k] for k in generated if k in known}}
        for parameters in ([generated, existing] if existing != generated else [generated]):
            case.path_parameters = parameters
            for role in (*USERS, "public"):
                session = world.session(role) if role != "public" else {}
                response = case.call(headers={**(case.headers or {}), **session})
                assert response.status_code < 500, (role, case.method, case.path, parameters,
                                                    case.body, response.text[:500])

    return run


def test_no_server_error_as_any_role(tracker_world):
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", tracker_world.app)
    operations = [r.ok() for r in schema.include(path_regex="/track/").get_all_operations()]
    assert any(op.method.upper() in ("POST", "PATCH") for op in operations)
    known = _known_records(tracker_world)
    for operation in operations:
        _as_every_role(tracker_world, operation, known)()
