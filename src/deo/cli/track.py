"""Commands for the strategy and reform tracker: `deo track org | user | strategy | import |
export | digest | audit`. The command line acts as the administrator
(:data:`deo.track.access.SYSTEM`): whoever runs it has the server's own rights."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pandas as pd
import typer

from deo.cli.app import LANG, app, err, load_catalogue, open_store, out, use_language
from deo.cli.output import print_frame
from deo.core import DeoError
from deo.i18n import _, ngettext

track_app = typer.Typer(help="The e-commerce strategy and reform tracker.",
                        no_args_is_help=True)
org_app = typer.Typer(help="Ministries, agencies, partners.", no_args_is_help=True)
user_app = typer.Typer(help="People who sign in to the tracker.", no_args_is_help=True)
strategy_app = typer.Typer(help="Strategies and action plans.", no_args_is_help=True)
app.add_typer(track_app, name="track")
track_app.add_typer(org_app, name="org")
track_app.add_typer(user_app, name="user")
track_app.add_typer(strategy_app, name="strategy")

STRATEGY = typer.Argument(..., help="The strategy's code.")
DAYS_HELP = "Measures without an update for this many days are listed."


def _system():
    from deo.track.access import SYSTEM

    return SYSTEM


# -- organisations and people -------------------------------------------------------


@org_app.command("add")
def org_add(
    code: str = typer.Argument(..., help="A short code, e.g. MOTI."),
    name: str = typer.Argument(..., help="The organisation's name."),
    kind: str = typer.Option("agency", help="ministry, agency, partner, regional-body, "
                             "private-sector or other."),
    area: str | None = typer.Option(None, help="The economy or group it belongs to, e.g. KEN."),
) -> None:
    """Add an organisation."""
    from deo.track.plan import add_organisation

    if area:
        area = load_catalogue().area(area.strip().upper()).code
    add_organisation(open_store().engine, _system(), code, name, kind, area)
    out.print(_("Organisation {code} added.").format(code=code), highlight=False)


@org_app.command("list")
def org_list() -> None:
    """The organisations."""
    from sqlalchemy import select

    from deo.track.plan import ORGS

    with open_store().engine.connect() as conn:
        rows = conn.execute(select(ORGS.c.code, ORGS.c.name, ORGS.c.kind, ORGS.c.area)
                            .order_by(ORGS.c.code)).mappings().all()
    if not rows:
        out.print(_("No organisation yet; add one with `deo track org add`."))
        return
    print_frame(out, pd.DataFrame(rows), title=_("Organisations"))


@user_app.command("add")
def user_add(
    email: str = typer.Argument(..., help="The person's e-mail address (their sign-in)."),
    name: str = typer.Option(..., "--name", help="The person's name."),
    role: str = typer.Option(..., "--role", help="administrator, coordinator, focal_point or "
                             "partner."),
    org: str | None = typer.Option(None, "--org", help="Their organisation's code (required "
                                   "for a focal point)."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password "
                                        "from the first line of standard input."),
) -> None:
    """Add a person; the password is asked twice (or read from standard input)."""
    from deo.track.auth import add_user

    password = _read_password(password_stdin)
    add_user(open_store().engine, _system(), email, name, password, role, org)
    out.print(_("User {email} added as {role}.").format(email=email.strip().lower(), role=role),
              highlight=False)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise DeoError(_("--password-stdin: standard input holds no password"))
        return password
    return typer.prompt(_("Password"), hide_input=True,
                        confirmation_prompt=_("Repeat the password"))


PASSWORD_STDIN = typer.Option(False, "--password-stdin", help="Read the password from the "
                              "first line of standard input.")
EMAIL = typer.Argument(..., help="The person's e-mail address.")


@user_app.command("list")
def user_list() -> None:
    """Everyone who may sign in, with their role, organisation and open sessions."""
    from deo.track.auth import users

    rows = users(open_store().engine, _system())
    if not rows:
        out.print(_("No user yet; add one with `deo track user add`."))
        return
    frame = pd.DataFrame(rows).drop(columns=["id", "created_at"])
    frame["active"] = frame["active"].map({True: _("yes"), False: _("no")})
    frame["organisation"] = frame["organisation"].fillna("")
    print_frame(out, frame, title=_("Users"))


@user_app.command("deactivate")
def user_deactivate(email: str = EMAIL) -> None:
    """Stop a person signing in; their sessions end at once (the audit trail keeps them)."""
    from deo.track.auth import set_active

    set_active(open_store().engine, _system(), email, False)
    out.print(_("User {email} deactivated; their sessions have ended.").format(
        email=email.strip().lower()), highlight=False)


@user_app.command("activate")
def user_activate(email: str = EMAIL) -> None:
    """Let a deactivated person sign in again."""
    from deo.track.auth import set_active

    set_active(open_store().engine, _system(), email, True)
    out.print(_("User {email} may sign in again.").format(email=email.strip().lower()),
              highlight=False)


@user_app.command("role")
def user_role(
    email: str = EMAIL,
    role: str = typer.Argument(..., help="administrator, coordinator, focal_point or partner."),
    org: str | None = typer.Option(None, "--org", help="Their new organisation's code "
                                   "(without it they keep theirs; a coordinator or a focal "
                                   "point needs one)."),
) -> None:
    """Give a person another role; their sessions end, so it applies from their next
    sign-in."""
    from deo.track.auth import set_role

    set_role(open_store().engine, _system(), email, role, org)
    out.print(_("User {email} is now {role}; their sessions have ended.").format(
        email=email.strip().lower(), role=role), highlight=False)


@user_app.command("password")
def user_password(email: str = EMAIL, password_stdin: bool = PASSWORD_STDIN) -> None:
    """Set a person's password (asked twice, or read from standard input); their sessions
    end."""
    from deo.track.auth import reset_password

    reset_password(open_store().engine, _system(), email, _read_password(password_stdin))
    out.print(_("Password of {email} set; their sessions have ended.").format(
        email=email.strip().lower()), highlight=False)


@user_app.command("revoke")
def user_revoke(email: str = EMAIL) -> None:
    """End every session of a person (they must sign in again)."""
    from deo.track.auth import revoke_sessions

    n = revoke_sessions(open_store().engine, _system(), email)
    out.print(ngettext("{n} session of {email} ended.", "{n} sessions of {email} ended.", n)
              .format(n=n, email=email.strip().lower()), highlight=False)


@track_app.command("audit")
def audit(
    actor: str | None = typer.Option(None, "--actor", help="Who acted: an e-mail address."),
    action: str | None = typer.Option(None, "--action", help="e.g. sign_in, sign_in_failed, "
                                      "edit_measure, validate_update."),
    entity: str | None = typer.Option(None, "--entity", help="e.g. user, measure, update."),
    entity_id: int | None = typer.Option(None, "--id", help="The entity's id."),
    since: str | None = typer.Option(None, "--since", help="From this date or time "
                                     "(YYYY-MM-DD or ISO 8601; UTC unless an offset is given)."),
    until: str | None = typer.Option(None, "--until", help="Before this date or time."),
    limit: int = typer.Option(100, "--limit", help="At most this many records, newest first."),
) -> None:
    """The audit trail: every change and every checked sign-in, newest first."""
    from deo.track.audit import audit_trail

    rows = audit_trail(open_store().engine, _system(), who=actor, action=action,
                       entity=entity, entity_id=entity_id, since=_moment("--since", since),
                       until=_moment("--until", until), limit=limit)
    if not rows:
        out.print(_("No audit record matches."))
        return
    frame = pd.DataFrame(rows)[["at", "actor", "action", "entity", "entity_id", "after"]]
    frame["entity_id"] = frame["entity_id"].astype("Int64").astype(str).replace("<NA>", "")
    frame["after"] = frame["after"].map(_brief)
    print_frame(out, frame, title=_("Audit trail"))


def _brief(values) -> str:
    """An audit record's values on one line (long ones cut)."""
    if not values:
        return ""
    return "; ".join(f"{k}={str(v)[:40]}" for k, v in values.items())[:200]


def _moment(option: str, text: str | None):
    from datetime import datetime

    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise DeoError(_("{option} {value!r}: expected a date (YYYY-MM-DD) or a time "
                         "(YYYY-MM-DDTHH:MM, UTC unless an offset is given)").format(
            option=option, value=text)) from None


# -- strategies ---------------------------------------------------------------------


@strategy_app.command("create")
def strategy_create(
    code: str = typer.Argument(..., help="A short code, e.g. KEN-ECOM-2025."),
    title: str = typer.Option(..., "--title", help="The strategy's title."),
    area: str = typer.Option(..., "--area", help="The economy (KEN) or regional body's group "
                             "(ECOWAS) it covers."),
    start: int = typer.Option(..., "--start", help="First year, e.g. 2025."),
    end: int = typer.Option(..., "--end", help="Last year, e.g. 2029."),
    lead: str | None = typer.Option(None, "--lead", help="The lead ministry's organisation "
                                    "code."),
    kind: str = typer.Option("strategy", help="strategy, or assessment (an action matrix)."),
    vision: str = typer.Option("", help="The strategy's vision."),
    goals: str = typer.Option("", help="Its goals."),
) -> None:
    """Create a strategy (a draft, unpublished) with the default policy areas."""
    from deo.track.plan import create_strategy

    area = load_catalogue().area(area.strip().upper()).code
    create_strategy(open_store().engine, _system(), code, title, area, start, end, kind=kind,
                    vision=vision, goals=goals, lead_organisation=lead)
    out.print(_("Strategy {code} created as an unpublished draft; publish it with `deo track "
                "strategy publish {code}`.").format(code=code), highlight=False)


@strategy_app.command("publish")
def strategy_publish(
    code: str = STRATEGY,
    withdraw: bool = typer.Option(False, "--withdraw", help="Unpublish it instead."),
) -> None:
    """Publish a strategy (the public then sees it), or withdraw it."""
    from deo.track.plan import set_strategy

    set_strategy(open_store().engine, _system(), code, published=not withdraw)
    message = (_("Strategy {code} withdrawn: only signed-in users see it.") if withdraw
               else _("Strategy {code} published."))
    out.print(message.format(code=code), highlight=False)


@strategy_app.command("list")
def strategy_list() -> None:
    """Every strategy, with its number of measures and implementation rate."""
    from deo.track.dashboard import measure_states, rates
    from deo.track.plan import strategies

    engine = open_store().engine
    rows = []
    for s in strategies(engine, _system()):
        states = measure_states(engine, s["id"])
        rate = rates(states)["rate"].iloc[0] if len(states) else None
        rows.append({
            "code": s["code"], _("title"): s["title"], "area": s["area"],
            _("years"): f"{s['start_year']}-{s['end_year']}", "status": s["status"],
            _("published"): _("yes") if s["published"] else _("no"),
            _("measures"): len(states),
            _("implementation rate"): "" if rate is None or rate != rate else f"{rate:.1%}",
        })
    if not rows:
        out.print(_("No strategy yet; create one with `deo track strategy create`."))
        return
    print_frame(out, pd.DataFrame(rows), title=_("Strategies"))


# -- import, export, digest ---------------------------------------------------------


@track_app.command("import")
def import_(
    strategy: str = STRATEGY,
    file: Path = typer.Argument(..., help="The action plan: XLSX or CSV, a row per measure."),
    sheet: str | None = typer.Option(None, "--sheet", help="The workbook's sheet (default: "
                                     "the first)."),
    check: bool = typer.Option(False, "--check", help="Check every row; write nothing."),
) -> None:
    """Add an action plan's measures to a strategy, all or nothing (see docs/tracker.md
    for the columns)."""
    from deo.track.importer import import_plan

    result = import_plan(open_store().engine, _system(), strategy, file, sheet=sheet,
                         check=check)
    if result.ignored_columns:
        err.print(_("Columns ignored: {columns}").format(
            columns=", ".join(result.ignored_columns)), highlight=False)
    n = result.measures
    if check:
        message = ngettext("{n} measure checked; nothing was written (run without --check "
                           "to import it).", "{n} measures checked; nothing was written (run "
                           "without --check to import them).", n)
    else:
        message = ngettext("{n} measure imported into {strategy}.",
                           "{n} measures imported into {strategy}.", n)
    out.print(message.format(n=n, strategy=strategy), highlight=False)


@track_app.command("export")
def export_(
    strategy: str = STRATEGY,
    output: Path = typer.Argument(..., help="OUT.xlsx (plan and progress), OUT.html or OUT.pdf "
                                  "(the printable progress report)."),
    days: int = typer.Option(90, "--days", help=DAYS_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help="The report's date (YYYY-MM-DD; "
                                     "default today)."),
    lang: str | None = LANG,
) -> None:
    """Export a strategy's plan and progress."""
    from deo.track.export import export

    lang = use_language(lang)
    written = export(open_store(), _system(), strategy, output, today=_day(as_of), days=days,
                     lang=lang)
    out.print(_("Wrote {path}.").format(path=written), highlight=False)


@track_app.command("digest")
def digest(
    days: int = typer.Option(30, "--days", help=DAYS_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the messages; send nothing."),
    as_of: str | None = typer.Option(None, "--as-of", help="The digest's date (YYYY-MM-DD; "
                                     "default today)."),
    lang: str | None = LANG,
) -> None:
    """E-mail each agency's focal points their overdue and silent measures, and the
    coordinators a summary (SMTP server from DEO_SMTP_URL, sender from DEO_MAIL_FROM)."""
    from deo.track.digest import compose, send, smtp_settings

    use_language(lang)
    mails = compose(open_store().engine, _day(as_of), days)
    if not mails:
        out.print(_("Nothing to send: no measure is overdue or without an update for {days} "
                    "days.").format(days=days), highlight=False)
        return
    if dry_run:
        for mail in mails:
            out.print(f"{_('To:')} {mail.to}\n{_('Subject:')} {mail.subject}\n\n{mail.body}",
                      highlight=False, markup=False)
            out.print("-" * 72, highlight=False, markup=False)
        out.print(ngettext("{n} message would be sent (dry run).",
                           "{n} messages would be sent (dry run).", len(mails))
                  .format(n=len(mails)), highlight=False)
        return
    settings = smtp_settings()
    sent = send(mails, settings)
    out.print(ngettext("{n} message sent through {server}.", "{n} messages sent through "
                       "{server}.", sent).format(n=sent, server=settings.server),
              highlight=False)


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DeoError(_("--as-of {value!r}: expected a date as YYYY-MM-DD").format(
            value=text)) from None
