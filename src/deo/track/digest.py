"""Reminders: each agency's overdue measures and measures without an update for N days,
and an e-mail digest of them: one message to each focal point of an agency that has
something to report on, and a summary of every agency to each coordinator.

Mail goes through the SMTP server of ``DEO_SMTP_URL`` (``smtp://user:password@host:port``;
``smtps://`` for TLS from the start; ``?starttls=true`` to upgrade a plain connection),
from the address in ``DEO_MAIL_FROM``. Messages are in the current language
(:func:`deo.i18n.set_language`, ``DEO_LANG``).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import pandas as pd
from sqlalchemy import Engine, select

from deo.core import DeoError
from deo.i18n import _, language, ngettext
from deo.track.auth import USERS
from deo.track.config import statuses
from deo.track.dashboard import measure_states, overdue, silent
from deo.track.plan import ORGS, STRATEGIES

#: Default for "measures without an update for N days".
SILENT_DAYS = 30
SMTP_TIMEOUT = 30  # seconds
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class AgencyLists:
    """One agency's measures to chase, across the strategies being implemented."""

    code: str
    name: str
    overdue: pd.DataFrame
    silent: pd.DataFrame

    @property
    def empty(self) -> bool:
        return self.overdue.empty and self.silent.empty


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def agency_lists(engine: Engine, today: date | None = None,
                 days: int = SILENT_DAYS) -> dict[str, AgencyLists]:
    """Lead agency code -> its overdue and silent measures, in every strategy that is not
    completed; only agencies with at least one such measure."""
    if days < 1:
        raise DeoError(_("days without an update: {days}; expected 1 or more").format(
            days=days))
    today = today or datetime.now(UTC).date()
    labels = {s.id: s.label(language()) for s in statuses().values()}
    late, quiet = [], []
    with engine.connect() as conn:
        active = conn.execute(select(STRATEGIES.c.id, STRATEGIES.c.code)
                              .where(STRATEGIES.c.status != "completed")
                              .order_by(STRATEGIES.c.code)).all()
    for strategy_id, code in active:
        states = measure_states(engine, strategy_id).assign(strategy=code)
        states["status_label"] = states["status"].map(lambda s: labels.get(s, s))
        late.append(overdue(states, today))
        quiet.append(silent(states, today, days))
    late_all, quiet_all = _joined(late), _joined(quiet)
    agencies = sorted(set(late_all["lead_agency"]) | set(quiet_all["lead_agency"]))
    names = {**_names(late_all), **_names(quiet_all)}
    return {a: AgencyLists(a, names[a], late_all[late_all["lead_agency"] == a],
                           quiet_all[quiet_all["lead_agency"] == a]) for a in agencies}


def _joined(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames) if frames else pd.DataFrame(
        columns=["lead_agency", "lead_agency_name"])


def _names(frame: pd.DataFrame) -> dict[str, str]:
    if frame.empty:
        return {}
    return dict(zip(frame["lead_agency"], frame["lead_agency_name"], strict=True))


# -- the messages -------------------------------------------------------------------


def compose(engine: Engine, today: date | None = None, days: int = SILENT_DAYS) -> list[Mail]:
    """The digest: a message to each focal point of an agency with measures to chase,
    then a summary to each coordinator (nothing when there is nothing to chase)."""
    today = today or datetime.now(UTC).date()
    lists = agency_lists(engine, today, days)
    if not lists:
        return []
    with engine.connect() as conn:
        people = conn.execute(
            select(USERS.c.email, USERS.c.name, USERS.c.role, ORGS.c.code)
            .outerjoin(ORGS, ORGS.c.id == USERS.c.organisation_id)
            .where(USERS.c.active.is_(True), USERS.c.role.in_(("focal_point", "coordinator")))
            .order_by(USERS.c.email)).all()
    mails = []
    for person in people:
        if person.role == "focal_point" and person.code in lists:
            agency = lists[person.code]
            mails.append(Mail(person.email, _subject(agency, days),
                              _greeting(person.name) + _agency_text(agency, days)
                              + _closing(today)))
    summary = "\n".join(_agency_text(a, days) for a in lists.values()) + _closing(today)
    subject = _("Tracker digest: {overdue} overdue, {silent} without an update for {days} "
                "days").format(overdue=sum(len(a.overdue) for a in lists.values()),
                               silent=sum(len(a.silent) for a in lists.values()), days=days)
    mails += [Mail(p.email, subject, _greeting(p.name) + summary)
              for p in people if p.role == "coordinator"]
    return mails


def _subject(agency: AgencyLists, days: int) -> str:
    return _("{agency}: {overdue} overdue, {silent} without an update for {days} days").format(
        agency=agency.name, overdue=len(agency.overdue), silent=len(agency.silent), days=days)


def _greeting(name: str) -> str:
    return _("Dear {name},").format(name=name) + "\n\n"


def _agency_text(agency: AgencyLists, days: int) -> str:
    lines = [f"{agency.name} ({agency.code})", "=" * len(f"{agency.name} ({agency.code})"), ""]
    if len(agency.overdue):
        lines.append(ngettext("{n} measure is overdue:", "{n} measures are overdue:",
                              len(agency.overdue)).format(n=len(agency.overdue)))
        for m in agency.overdue.itertuples():
            lines.append(f"- {m.strategy} {m.code}: {m.title}")
            lines.append("  " + _("due {date}, {days} days late; status: {status}").format(
                date=_day(m.due_date), days=m.days_late, status=m.status_label))
        lines.append("")
    if len(agency.silent):
        lines.append(ngettext("{n} measure has had no update for {days} days:",
                              "{n} measures have had no update for {days} days:",
                              len(agency.silent)).format(n=len(agency.silent), days=days))
        for m in agency.silent.itertuples():
            last = _day(m.last_update_at) if pd.notna(m.last_update_at) else _("never")
            lines.append(f"- {m.strategy} {m.code}: {m.title}")
            lines.append("  " + _("last update: {date}; status: {status}").format(
                date=last, status=m.status_label))
        lines.append("")
    return "\n".join(lines) + "\n"


def _closing(today: date) -> str:
    return _("As of {date}. Only validated updates count towards the implementation "
             "rate.").format(date=today.isoformat()) + "\n"


def _day(value) -> str:
    return pd.Timestamp(value).date().isoformat()


# -- sending ------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    implicit_tls: bool
    starttls: bool

    @property
    def server(self) -> str:
        """Where mail goes, without the password (for messages)."""
        return f"{self.host}:{self.port}"


def smtp_settings(url: str | None = None) -> SmtpSettings:
    """The SMTP server of ``url`` (default ``DEO_SMTP_URL``); a clear error if unset."""
    url = url or os.environ.get("DEO_SMTP_URL")
    if not url:
        raise DeoError(_("no SMTP server configured: set DEO_SMTP_URL, e.g. "
                         "smtp://user:password@mail.example.org:587?starttls=true "
                         "(--dry-run shows what would be sent)"))
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise DeoError(_("DEO_SMTP_URL: expected smtp://[user:password@]host[:port] or "
                         "smtps://..., not {scheme}://...").format(scheme=parts.scheme))
    options = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query).items()}
    starttls = options.get("starttls", "") in TRUE
    try:
        port = parts.port or (587 if starttls else DEFAULT_PORTS[parts.scheme])
    except ValueError:
        raise DeoError(_("DEO_SMTP_URL: the port is not a number")) from None
    return SmtpSettings(parts.hostname, port, unquote(parts.username) if parts.username else None,
                        unquote(parts.password) if parts.password else None,
                        parts.scheme == "smtps", starttls)


def sender_address() -> str:
    sender = os.environ.get("DEO_MAIL_FROM", "").strip()
    if not sender:
        raise DeoError(_("set DEO_MAIL_FROM to the address the digest is sent from, e.g. "
                         "tracker@trade.gov.example"))
    return sender


def message(mail: Mail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, mail.to, mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(mail.body)
    return msg


def send(mails: list[Mail], settings: SmtpSettings | None = None,
         sender: str | None = None) -> int:
    """Send ``mails`` over one SMTP connection; returns how many were accepted. A refused
    recipient does not stop the others; the error then names every one refused."""
    if not mails:
        return 0
    settings = settings or smtp_settings()
    sender = sender or sender_address()
    refused: list[str] = []
    try:
        with _connect(settings) as smtp:
            for mail in mails:
                try:
                    smtp.send_message(message(mail, sender))
                except smtplib.SMTPRecipientsRefused:
                    refused.append(mail.to)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeoError(_("could not send the digest through {server}: {error}").format(
            server=settings.server, error=exc)) from None
    if refused:
        raise DeoError(_("{sent} sent; the server refused {addresses}").format(
            sent=len(mails) - len(refused), addresses=", ".join(refused)))
    return len(mails)


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.implicit_tls:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port,
                                              timeout=SMTP_TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT)
    try:
        if settings.starttls:
            smtp.starttls(context=context)
        if settings.user:
            smtp.login(settings.user, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp
