"""Item 22 of issue 13 (accounts): administrators deactivate users, change roles, reset
passwords and end sessions (command line and API); users change their own password;
sessions end when idle; the password rule goes beyond length; and the audit trail, with
every sign-in, is readable by administrators only."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from deo.core import DeoError, PermissionDenied
from deo.publish.app import create_app
from deo.store import Store
from deo.track import auth, passwords, plan
from deo.track.access import SYSTEM
from deo.track.audit import audit_trail

PASSWORD = "correct horse battery"
NEW = "a fresh long passphrase"


@pytest.fixture
def store(tmp_path):
    opened = Store.open(f"sqlite:///{tmp_path / 'store.sqlite'}")
    engine = opened.engine
    for code in ("MOT", "ICTA"):
        plan.add_organisation(engine, SYSTEM, code, code, "agency")
    for email, role, org in (("admin@x.org", "administrator", None),
                             ("coord@x.org", "coordinator", "MOT"),
                             ("icta@x.org", "focal_point", "ICTA")):
        auth.add_user(opened.engine, SYSTEM, email, email, PASSWORD, role, org)
    yield opened
    opened.close()


def client(store, email: str, password: str = PASSWORD) -> TestClient:
    browser = TestClient(create_app(store))
    answer = browser.post("/api/v1/track/session", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    browser.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return browser


def whoami(browser: TestClient) -> dict:
    return browser.get("/api/v1/track/session").json()


@pytest.mark.parametrize(("password", "reason"), [
    ("short pass", "at least 12 characters"),
    ("Password123!", "most common passwords"),
    ("qwertyuiop12", "most common passwords"),
    ("123456789012", "most common passwords"),
    ("aaaaaaaaaaaaaaaa", "at least 5 different characters"),
    ("ababababababab", "at least 5 different characters"),
    ("jane.doe-secure-2026", "must not contain the e-mail address's name"),
])
def test_weak_passwords_are_refused_with_the_reason(store, password, reason):
    with pytest.raises(DeoError, match=reason):
        auth.add_user(store.engine, SYSTEM, "Jane.Doe@x.org", "Jane", password, "partner")
    assert passwords.password_problems(PASSWORD, "jane.doe@x.org") == []


def test_deactivating_a_user_ends_their_sessions_and_sign_in(store):
    focal = client(store, "icta@x.org")
    admin = client(store, "admin@x.org")
    user_id = next(u["id"] for u in admin.get("/api/v1/track/users").json()["data"]
                   if u["email"] == "icta@x.org")
    answer = admin.patch(f"/api/v1/track/users/{user_id}", json={"active": False})
    assert answer.status_code == 200 and answer.json()["active"] is False
    assert whoami(focal) == {"signed_in": False}
    with pytest.raises(PermissionDenied, match="wrong e-mail address or password"):
        auth.sign_in(store.engine, "icta@x.org", PASSWORD)
    assert admin.patch(f"/api/v1/track/users/{user_id}", json={"active": True}
                       ).status_code == 200
    assert client(store, "icta@x.org")


def test_a_role_change_applies_at_once(store):
    focal = client(store, "icta@x.org")
    admin = client(store, "admin@x.org")
    users = {u["email"]: u["id"] for u in admin.get("/api/v1/track/users").json()["data"]}
    bad = admin.patch(f"/api/v1/track/users/{users['icta@x.org']}", json={"role": "king"})
    assert bad.status_code == 422 and "role 'king'" in bad.json()["detail"]
    ok = admin.patch(f"/api/v1/track/users/{users['icta@x.org']}",
                     json={"role": "coordinator", "organisation": "MOT"})
    assert ok.status_code == 200 and ok.json()["role"] == "coordinator"
    assert whoami(focal) == {"signed_in": False}
    assert whoami(client(store, "icta@x.org"))["role"] == "coordinator"


def test_only_administrators_manage_accounts_and_read_the_audit(store):
    coordinator = client(store, "coord@x.org")
    for method, url, body in (("get", "/api/v1/track/users", None),
                              ("patch", "/api/v1/track/users/1", {"active": False}),
                              ("post", "/api/v1/track/users/1/password", {"password": NEW}),
                              ("delete", "/api/v1/track/users/1/sessions", None),
                              ("get", "/api/v1/track/audit", None)):
        kwargs = {"json": body} if body else {}
        assert getattr(coordinator, method)(url, **kwargs).status_code == 403, url
    public = TestClient(create_app(store))
    assert public.get("/api/v1/track/audit").status_code == 403
    with pytest.raises(PermissionDenied):
        audit_trail(store.engine, auth.session_actor(
            store.engine, auth.sign_in(store.engine, "coord@x.org", PASSWORD))[0])


def test_the_last_administrator_stays(store):
    with pytest.raises(DeoError, match="last active administrator"):
        auth.set_active(store.engine, SYSTEM, "admin@x.org", False)
    with pytest.raises(DeoError, match="last active administrator"):
        auth.set_role(store.engine, SYSTEM, "admin@x.org", "partner")


def test_passwords_reset_and_changed_end_other_sessions(store):
    admin = client(store, "admin@x.org")
    first, second = client(store, "icta@x.org"), client(store, "icta@x.org")
    wrong = first.post("/api/v1/track/session/password",
                       json={"current_password": "not it at all", "new_password": NEW})
    assert wrong.status_code == 403
    weak = first.post("/api/v1/track/session/password",
                      json={"current_password": PASSWORD, "new_password": "password2026!"})
    assert weak.status_code == 422
    ok = first.post("/api/v1/track/session/password",
                    json={"current_password": PASSWORD, "new_password": NEW})
    assert ok.status_code == 200
    assert whoami(first)["signed_in"] and not whoami(second)["signed_in"]
    with pytest.raises(PermissionDenied):
        auth.sign_in(store.engine, "icta@x.org", PASSWORD)
    users = {u["email"]: u["id"] for u in admin.get("/api/v1/track/users").json()["data"]}
    reset = admin.post(f"/api/v1/track/users/{users['icta@x.org']}/password",
                       json={"password": "another long passphrase"})
    assert reset.status_code == 200 and not whoami(first)["signed_in"]
    third = client(store, "icta@x.org", "another long passphrase")
    ended = admin.delete(f"/api/v1/track/users/{users['icta@x.org']}/sessions")
    assert ended.status_code == 200 and ended.json()["sessions_ended"] == 1
    assert not whoami(third)["signed_in"]


def test_an_idle_session_ends_and_so_does_an_old_one(store, monkeypatch):
    monkeypatch.setenv("DEO_SESSION_IDLE_MINUTES", "30")
    token = auth.sign_in(store.engine, "icta@x.org", PASSWORD)
    assert auth.session_actor(store.engine, token) is not None
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(update(auth.SESSIONS).values(last_seen_at=now - timedelta(minutes=29)))
    assert auth.session_actor(store.engine, token) is not None  # and this request counts
    with store.engine.begin() as conn:
        conn.execute(update(auth.SESSIONS).values(last_seen_at=now - timedelta(minutes=31)))
    assert auth.session_actor(store.engine, token) is None
    other = auth.sign_in(store.engine, "icta@x.org", PASSWORD)
    with store.engine.begin() as conn:
        conn.execute(update(auth.SESSIONS).values(expires_at=now - timedelta(seconds=1)))
    assert auth.session_actor(store.engine, other) is None  # the lifetime, however active
    third = auth.sign_in(store.engine, "icta@x.org", PASSWORD)
    monkeypatch.setenv("DEO_SESSION_IDLE_MINUTES", "soon")  # a setting is used or refused
    with pytest.raises(DeoError, match="DEO_SESSION_IDLE_MINUTES='soon'"):
        auth.session_actor(store.engine, third)


def test_the_audit_reader_filters(store):
    with pytest.raises(PermissionDenied):
        auth.sign_in(store.engine, "coord@x.org", "not the password", "203.0.113.9")
    auth.sign_in(store.engine, "coord@x.org", PASSWORD, "198.51.100.7")
    admin = client(store, "admin@x.org")
    failed = admin.get("/api/v1/track/audit", params={"action": "sign_in_failed"}).json()
    assert [(r["actor"], r["after"]["address"]) for r in failed["data"]] == [
        ("coord@x.org", "203.0.113.9")]
    mine = admin.get("/api/v1/track/audit", params={"actor": "coord@x.org",
                                                    "entity": "user"}).json()["data"]
    assert [r["action"] for r in mine] == ["sign_in", "sign_in_failed"]  # newest first
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert admin.get("/api/v1/track/audit", params={"since": later}).json()["count"] == 0
    assert admin.get("/api/v1/track/audit", params={"limit": 0}).status_code == 422


def test_the_command_line_manages_users_and_reads_the_audit(store, monkeypatch, capsys):
    from deo.cli import main

    monkeypatch.setenv("DEO_DATABASE_URL", str(store.engine.url))
    token = auth.sign_in(store.engine, "icta@x.org", PASSWORD)

    def deo(*argv: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(list(argv))
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return code, captured.out, captured.err

    code, out, _ = deo("track", "user", "list")
    assert code == 0 and "icta@x.org" in out and "focal_point" in out
    code, out, _ = deo("track", "user", "revoke", "icta@x.org")
    assert code == 0 and "1 session of icta@x.org ended." in out
    assert auth.session_actor(store.engine, token) is None
    code, _, err = deo("track", "user", "password", "icta@x.org", "--password-stdin",
                       stdin="icta-icta-icta-2026\n")
    assert code == 1 and "must not contain the e-mail address's name (icta)" in err
    code, out, _ = deo("track", "user", "password", "icta@x.org", "--password-stdin",
                       stdin=NEW + "\n")
    assert code == 0 and auth.sign_in(store.engine, "icta@x.org", NEW)
    code, out, _ = deo("track", "user", "role", "icta@x.org", "partner")
    assert code == 0 and "now partner" in out
    # Without --org the person keeps their organisation (ICTA), which a coordinator needs.
    code, out, _ = deo("track", "user", "role", "icta@x.org", "coordinator")
    assert code == 0 and "now coordinator" in out
    code, out, _ = deo("track", "user", "deactivate", "icta@x.org")
    assert code == 0 and "deactivated" in out
    code, _, err = deo("track", "user", "deactivate", "nobody@x.org")
    assert code == 1 and "no user nobody@x.org" in err
    code, out, _ = deo("track", "audit", "--actor", "deo (command line)", "--entity", "user",
                       "--limit", "3")
    assert code == 0 and "deactivate_user" in out
    code, _, err = deo("track", "audit", "--since", "yesterday")
    assert code == 1 and "--since 'yesterday'" in err


def test_account_requests_with_nul_or_overlong_text_are_422(store):
    admin = client(store, "admin@x.org")
    assert admin.get("/api/v1/track/audit", params={"actor": "a\x00b"}).status_code == 422
    assert admin.get("/api/v1/track/audit", params={"action": "x" * 65}).status_code == 422
    assert admin.patch("/api/v1/track/users/2", json={"role": "partner\x00"}).status_code == 422
    assert admin.post("/api/v1/track/users/2/password",
                      json={"password": "x" * 300}).status_code == 422
    assert admin.patch("/api/v1/track/users/999", json={"active": False}).status_code == 404


def test_the_account_page_changes_ones_own_password(store):
    import re

    browser = client(store, "icta@x.org")
    other = client(store, "icta@x.org")
    assert TestClient(create_app(store)).get("/en/account", follow_redirects=False
                                             ).headers["location"].startswith("/en/login")
    page = browser.get("/en/account")
    assert page.status_code == 200 and "icta@x.org" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    form = {"csrf": csrf, "current": PASSWORD, "new": NEW, "repeat": NEW + "x"}
    assert "differ" in browser.post("/en/account/password", data=form).text
    forged = browser.post("/en/account/password", data={**form, "csrf": "guess",
                                                          "repeat": NEW})
    assert forged.status_code == 403
    wrong = browser.post("/en/account/password", data={**form, "current": "not it at all",
                                                         "repeat": NEW})
    assert wrong.status_code == 403 and "current password is wrong" in wrong.text
    ok = browser.post("/en/account/password", data={**form, "repeat": NEW})
    assert ok.status_code == 200 and "Password changed" in ok.text
    assert whoami(browser)["signed_in"] and not whoami(other)["signed_in"]
    assert auth.sign_in(store.engine, "icta@x.org", NEW)
