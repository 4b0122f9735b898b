"""Changing a person's role without naming an organisation keeps theirs (it was silently
cleared), and naming one sets it."""

from __future__ import annotations

import pytest

from deo.core import DeoError
from deo.store import Store
from deo.track import auth, plan
from deo.track.access import SYSTEM

PASSWORD = "correct horse battery"


def _row(engine, email: str) -> int | None:
    with engine.connect() as conn:
        return auth._user(conn, email)["organisation_id"]


def test_a_role_change_keeps_or_sets_the_organisation(tmp_path):
    store = Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}")
    engine = store.engine
    for code in ("MOT", "ICTA"):
        plan.add_organisation(engine, SYSTEM, code, code, "agency")
    auth.add_user(engine, SYSTEM, "jo@x.org", "Jo", PASSWORD, "focal_point", "ICTA")
    icta = _row(engine, "jo@x.org")
    auth.set_role(engine, SYSTEM, "jo@x.org", "coordinator")
    assert _row(engine, "jo@x.org") == icta  # before: cleared, or refused as "no organisation"
    auth.set_role(engine, SYSTEM, "jo@x.org", "coordinator", "MOT")
    assert _row(engine, "jo@x.org") != icta
    auth.add_user(engine, SYSTEM, "pat@x.org", "Pat", PASSWORD, "partner", None)
    with pytest.raises(DeoError, match="coordinator works for the organisation"):
        auth.set_role(engine, SYSTEM, "pat@x.org", "coordinator")
    store.close()
