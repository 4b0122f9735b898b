"""A tracker with one user per role, signed in over the API, for the boundary tests
(request limits, validation, the Schemathesis run as each role)."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from sqlalchemy import select, update

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
    #: role -> (session token, CSRF token) of a session of its own (see session()).
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: role -> the user's row as made (to restore it).
    made: dict[str, dict] = field(default_factory=dict)

    def session(self, role: str) -> dict[str, str]:
        """The cookie and CSRF header of a session of ``role``'s user.

        If a request ended it (an administrator's fuzzed request may deactivate the user,
        change their role or password, or end their sessions), the user is restored as
        made and signed in again: every request is still sent as the role it names.
        """
        engine = self.store.engine
        token, _csrf = self.sessions.get(role, (None, None))
        found = auth.session_actor(engine, token) if token else None
        if found is None or found[0].role != role:
            with engine.begin() as conn:
                conn.execute(update(auth.USERS).where(auth.USERS.c.id == self.made[role]["id"])
                             .values(**self.made[role]))
            token = auth.sign_in(engine, f"{role}@x.org", PASSWORD)
            found = auth.session_actor(engine, token)
            self.sessions[role] = (token, found[1])
        token, csrf = self.sessions[role]
        return {"Cookie": f"deo_session={token}", "X-CSRF-Token": csrf}


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
    world = World(store, app, clients, measure_id)
    with engine.connect() as conn:
        for role in USERS:
            row = conn.execute(select(auth.USERS).where(
                auth.USERS.c.email == f"{role}@x.org")).mappings().one()
            world.made[role] = {k: row[k] for k in ("id", "active", "role",
                                                    "organisation_id", "password_hash")}
    return world
