"""Reminder lists and the e-mail digest, sent to a real SMTP server (aiosmtpd) on
127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
import ssl
import subprocess
from datetime import timedelta
from email.message import EmailMessage

import pytest
import track_scenario as scenario

from deo.core import DeoError
from deo.track.digest import agency_lists, compose, send, smtp_settings

aiosmtpd = pytest.importorskip("aiosmtpd", reason="the digest tests need aiosmtpd (the test "
                               "extra)")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

SENDER = "tracker@trade.example"


@pytest.fixture
def built(store, tmp_path):
    return scenario.build(store, tmp_path)


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        parsed = email.message_from_bytes(envelope.content, _class=EmailMessage,
                                          policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def by_recipient(self) -> dict[str, EmailMessage]:
        return {to[0]: message for to, message in self.received}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """start(**options) runs an SMTP server on 127.0.0.1; returns (inbox, port)."""
    running = []

    def start(**options) -> tuple[Inbox, int]:
        inbox, port = Inbox(), free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
        controller.start()
        running.append(controller)
        return inbox, port

    yield start
    for controller in running:
        controller.stop()


def test_agency_lists_name_overdue_and_silent_measures(built):
    lists = agency_lists(built.store.engine, scenario.TODAY, days=30)
    assert set(lists) == {"CBK"}  # MOTI's measure is done; ICTA's are on time and reported
    cbk = lists["CBK"]
    assert list(cbk.overdue["code"]) == ["M4", "M3"]  # most overdue first
    assert list(cbk.overdue["days_late"]) == [100, 10]
    assert list(cbk.silent["code"]) == ["M4"]
    later = agency_lists(built.store.engine, scenario.TODAY + timedelta(days=60), days=30)
    assert sorted(later["ICTA"].silent["code"]) == ["M2", "M6"]  # the cancelled M5 is not
    assert sorted(later["CBK"].silent["code"]) == ["M3", "M4"]


def test_compose_writes_to_focal_points_of_agencies_with_something_to_chase(built):
    mails = compose(built.store.engine, scenario.TODAY, days=30)
    assert sorted(m.to for m in mails) == ["coord@moti.example", "fp2@cbk.example",
                                           "fp@cbk.example"]
    assert compose(built.store.engine, scenario.TODAY - timedelta(days=500), days=30) == []


def test_the_digest_reaches_each_recipient_through_smtp(built, smtp_server, monkeypatch):
    inbox, port = smtp_server()
    monkeypatch.setenv("DEO_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("DEO_MAIL_FROM", SENDER)
    later = scenario.TODAY + timedelta(days=60)
    mails = compose(built.store.engine, later, days=30)
    assert send(mails) == 4
    got = inbox.by_recipient()
    assert sorted(got) == ["coord@moti.example", "fp2@cbk.example", "fp@cbk.example",
                           "fp@icta.example"]
    assert all(len(to) == 1 for to, _m in inbox.received)  # one message per person
    icta = got["fp@icta.example"]
    assert icta["From"] == SENDER and icta["To"] == "fp@icta.example"
    assert icta["Subject"] == "ICT Authority: 0 overdue, 2 without an update for 30 days"
    body = icta.get_content()
    assert body.startswith("Dear Focal ICTA,")
    assert "KEN-ECOM M2: Measure M2" in body and "KEN-ECOM M6: Measure M6" in body
    assert "M4" not in body  # another agency's measure
    cbk = got["fp@cbk.example"].get_content()
    due = (scenario.TODAY - timedelta(days=100)).isoformat()
    assert f"due {due}, 160 days late; status: Not started" in cbk
    assert "M2" not in cbk
    summary = got["coord@moti.example"]
    assert summary["Subject"] == "Tracker digest: 2 overdue, 4 without an update for 30 days"
    assert "ICT Authority (ICTA)" in summary.get_content()
    assert "Central Bank (CBK)" in summary.get_content()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_digest_signs_in_with_the_urls_user_and_password(built, smtp_server):
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        seen.append((auth_data.login.decode(), auth_data.password.decode()))
        # handled=False: the server itself answers 535 to a failure
        return AuthResult(success=auth_data.password == b"p@ss/word", handled=False)

    inbox, port = smtp_server(authenticator=authenticator, auth_require_tls=False,
                              auth_required=True)
    mails = compose(built.store.engine, scenario.TODAY, days=30)
    settings = smtp_settings(f"smtp://digest%40moti:p%40ss%2Fword@127.0.0.1:{port}")
    assert send(mails, settings, SENDER) == 3
    assert seen == [("digest@moti", "p@ss/word")]
    assert len(inbox.received) == 3
    wrong = smtp_settings(f"smtp://digest:nope@127.0.0.1:{port}")
    with pytest.raises(DeoError, match=f"127.0.0.1:{port}") as caught:
        send(mails, wrong, SENDER)
    assert "nope" not in str(caught.value)  # the password stays out of messages


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl makes the test's "
                    "certificate")
def test_starttls(built, smtp_server, tmp_path, monkeypatch):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True,
                   capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox, port = smtp_server(tls_context=context, require_starttls=True)
    mails = compose(built.store.engine, scenario.TODAY, days=30)
    plain = smtp_settings(f"smtp://127.0.0.1:{port}")
    with pytest.raises(DeoError, match="could not send"):
        send(mails, plain, SENDER)  # the server insists on TLS
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test's own certificate
    assert send(mails, smtp_settings(f"smtp://127.0.0.1:{port}?starttls=true"), SENDER) == 3
    assert len(inbox.received) == 3


def test_smtp_settings(monkeypatch):
    monkeypatch.delenv("DEO_SMTP_URL", raising=False)
    with pytest.raises(DeoError, match="DEO_SMTP_URL"):
        smtp_settings()
    with pytest.raises(DeoError, match="expected smtp://"):
        smtp_settings("http://mail.example.org")
    assert smtp_settings("smtp://mail.example.org").port == 25
    assert smtp_settings("smtps://mail.example.org").port == 465
    tls = smtp_settings("smtp://u:p@mail.example.org?starttls=true")
    assert (tls.port, tls.starttls, tls.implicit_tls, tls.user) == (587, True, False, "u")


def test_a_server_that_is_not_there_and_a_missing_sender(built, monkeypatch):
    mails = compose(built.store.engine, scenario.TODAY, days=30)
    closed = smtp_settings(f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(DeoError, match="could not send the digest through 127.0.0.1"):
        send(mails, closed, SENDER)
    monkeypatch.delenv("DEO_MAIL_FROM", raising=False)
    with pytest.raises(DeoError, match="DEO_MAIL_FROM"):
        send(mails, closed)
