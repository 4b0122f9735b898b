"""Item 18 of issue 13: sign-in attempts are counted atomically before the password is
checked, per (account, client address), per client address and per account, so parallel
guesses cannot get past the limit and an attacker cannot lock others out."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from deo.core import PermissionDenied
from deo.track import auth, plan
from deo.track.access import SYSTEM
from deo.track.audit import AUDIT

PASSWORD = "correct horse battery"
ATTACKER, OWNER = "203.0.113.9", "198.51.100.7"


@pytest.fixture
def accounts(store):
    engine = store.engine
    plan.add_organisation(engine, SYSTEM, "MOT", "Ministry", "ministry")
    for n in range(6):
        auth.add_user(engine, SYSTEM, f"user{n}@x.org", f"User {n}", PASSWORD, "partner")
    auth.add_user(engine, SYSTEM, "admin@x.org", "Admin", PASSWORD, "administrator")
    return engine


@pytest.fixture
def checked(monkeypatch):
    """How many passwords were actually checked (argon2 verifications)."""
    seen = {"n": 0}
    lock = threading.Lock()
    original = auth._verified

    def counting(user, password):
        with lock:
            seen["n"] += 1
        return original(user, password)

    monkeypatch.setattr(auth, "_verified", counting)
    return seen


def _guess(engine, email: str, address: str, password: str = "not the password") -> str:
    try:
        auth.sign_in(engine, email, password, address)
    except auth.TooManyAttempts:
        return "throttled"
    except PermissionDenied:
        return "wrong"
    return "signed in"


def test_parallel_guesses_get_no_more_than_the_limit_checked(accounts, checked):
    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(lambda _n: _guess(accounts, "admin@x.org", ATTACKER),
                                 range(30)))
    assert checked["n"] <= auth.PAIR_LIMIT
    assert outcomes.count("wrong") == checked["n"]
    assert outcomes.count("throttled") == 30 - checked["n"]


def test_an_attacker_does_not_lock_the_owner_out(accounts):
    for _ in range(auth.PAIR_LIMIT):
        assert _guess(accounts, "admin@x.org", ATTACKER) == "wrong"
    # The attacker's address is refused even with the right password ...
    assert _guess(accounts, "admin@x.org", ATTACKER, PASSWORD) == "throttled"
    # ... the administrator, from their own address, is not.
    assert _guess(accounts, "admin@x.org", OWNER, PASSWORD) == "signed in"


def test_one_address_is_limited_across_accounts(accounts, checked):
    # Four guesses at each of five accounts: under the per-account-and-address limit,
    # but the address reaches its own limit.
    for n in range(5):
        for _ in range(auth.CLIENT_LIMIT // 5):
            assert _guess(accounts, f"user{n}@x.org", ATTACKER) == "wrong"
    assert _guess(accounts, "user5@x.org", ATTACKER) == "throttled"
    assert checked["n"] == auth.CLIENT_LIMIT
    assert _guess(accounts, "user5@x.org", OWNER, PASSWORD) == "signed in"


def test_one_account_is_limited_across_addresses_but_not_for_its_known_address(
        accounts, monkeypatch):
    monkeypatch.setattr(auth, "ACCOUNT_LIMIT", 6)
    assert _guess(accounts, "user0@x.org", OWNER, PASSWORD) == "signed in"  # known address
    for n in range(6):  # a guess from each of many addresses
        assert _guess(accounts, "user0@x.org", f"192.0.2.{n}") == "wrong"
    assert _guess(accounts, "user0@x.org", "192.0.2.200") == "throttled"
    assert _guess(accounts, "user0@x.org", "192.0.2.201", PASSWORD) == "throttled"
    assert _guess(accounts, "user0@x.org", OWNER, PASSWORD) == "signed in"


def test_a_success_gives_its_attempt_back_and_the_window_passes(accounts):
    for _ in range(auth.PAIR_LIMIT - 1):
        assert _guess(accounts, "user1@x.org", OWNER) == "wrong"
    assert _guess(accounts, "user1@x.org", OWNER, PASSWORD) == "signed in"  # resets the pair
    for _ in range(auth.PAIR_LIMIT):
        assert _guess(accounts, "user1@x.org", OWNER) == "wrong"
    assert _guess(accounts, "user1@x.org", OWNER, PASSWORD) == "throttled"
    past = datetime.now(UTC) - auth.THROTTLE_WINDOW - timedelta(seconds=1)
    with accounts.begin() as conn:
        conn.execute(update(auth.COUNTS).values(window_start=past))
    assert _guess(accounts, "user1@x.org", OWNER, PASSWORD) == "signed in"


def test_sign_ins_are_audited_with_the_address_and_no_password(accounts):
    assert _guess(accounts, "user2@x.org", ATTACKER, "a wrong guess 1") == "wrong"
    assert _guess(accounts, "nobody@x.org", ATTACKER, "a wrong guess 2") == "wrong"
    assert _guess(accounts, "user2@x.org", OWNER, PASSWORD) == "signed in"
    with accounts.connect() as conn:
        rows = conn.execute(select(AUDIT).where(AUDIT.c.action.like("sign_in%"))
                            .order_by(AUDIT.c.id)).mappings().all()
    assert [(r["action"], r["actor"], r["after"]["address"]) for r in rows] == [
        ("sign_in_failed", "user2@x.org", ATTACKER),
        ("sign_in_failed", "nobody@x.org", ATTACKER),
        ("sign_in", "user2@x.org", OWNER)]
    assert rows[0]["entity_id"] is not None and rows[1]["entity_id"] is None
    text = repr([dict(r) for r in rows])
    assert "wrong guess" not in text and PASSWORD not in text
