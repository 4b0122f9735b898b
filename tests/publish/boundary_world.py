"""A tracker with one user per role, signed in over the API, for the boundary tests
(request limits, validation, the Schemathesis run as each role)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from deo.publish.app import create_app
from deo.store import Store
from deo.track import auth, plan
from deo.track.access import SYSTEM

PASSWORD = "Correct-Horse-Battery-9"
#: Role -> (user's organisation). The coordinator's ministry leads the strategy.
USERS = {"administrator": None, "coordinator": "MOT", "focal_point": "ICTA",
         "partner": "DONOR"}


@dataclass
class World:
    store: Store
    app: object
    clients: dict[str, TestClient]
    measure_id: int

    def session(self, role: str) -> dict[str, str]:
        """The cookie and CSRF header of ``role``'s session."""
        client = self.clients[role]
        return {"Cookie": f"deo_session={client.cookies['deo_session']}",
                "X-CSRF-Token": client.headers["X-CSRF-Token"]}


def make_world(store: Store) -> World:
    engine = store.engine
    for code in ("MOT", "ICTA", "DONOR"):
        plan.add_organisation(engine, SYSTEM, code, code, "agency")
    plan.create_strategy(engine, SYSTEM, "KEN", "Kenya", "KEN", 2024, 2028,
                         lead_organisation="MOT")
    measure_id = plan.add_measure(engine, SYSTEM, "KEN", plan.MeasureFields(
        "M1", "Broadband", "ICT", "ICTA"))
    app = create_app(store)
    clients = {}
    for role, org in USERS.items():
        auth.add_user(engine, SYSTEM, f"{role}@x.org", role, PASSWORD, role, org)
        client = TestClient(app)
        answer = client.post("/api/v1/track/session",
                             json={"email": f"{role}@x.org", "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        clients[role] = client
    clients["public"] = TestClient(app)
    return World(store, app, clients, measure_id)
