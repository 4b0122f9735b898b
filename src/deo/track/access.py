"""Who may do what. Every write in :mod:`deo.track` calls :func:`require` first, so the
rule holds whether the write comes from a page, the API or the command line.

Roles: administrator (everything, and users); coordinator (the lead ministry: edits the
plan, imports, validates or returns updates, publishes); focal_point (an agency's: submits
updates for the measures its agency leads); partner (reads, comments). The public reads
published strategies only and writes nothing.

Scope: a coordinator writes only to the strategies their own organisation leads
(:func:`require_strategy`), and nobody validates or returns an update they reported
themselves (:func:`require_not_author`).
"""

from __future__ import annotations

from dataclasses import dataclass

from deo.core import PermissionDenied
from deo.i18n import _

ROLES = ("administrator", "coordinator", "focal_point", "partner")

#: Action -> the roles that may do it (the authorisation matrix; tests check every cell).
PERMISSIONS: dict[str, frozenset[str]] = {
    "manage_users": frozenset({"administrator"}),
    "edit_plan": frozenset({"administrator", "coordinator"}),
    "submit_update": frozenset({"administrator", "coordinator", "focal_point"}),
    "review_update": frozenset({"administrator", "coordinator"}),
    "comment": frozenset({"administrator", "coordinator", "focal_point", "partner"}),
    "read_unpublished": frozenset({"administrator", "coordinator", "focal_point", "partner"}),
    "read_audit": frozenset({"administrator"}),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or the command line's administrator."""

    id: int | None
    email: str
    role: str
    organisation_id: int | None = None

    @property
    def label(self) -> str:
        return self.email


#: The command line acts as an administrator (it runs with the server's own rights).
SYSTEM = Actor(id=None, email="deo (command line)", role="administrator")


def allowed(actor: Actor | None, action: str) -> bool:
    return actor is not None and actor.role in PERMISSIONS[action]


def require(actor: Actor | None, action: str) -> Actor:
    """``actor`` if its role may do ``action``; else :class:`PermissionDenied`."""
    if actor is None:
        raise PermissionDenied(_("sign in first"))
    if not allowed(actor, action):
        raise PermissionDenied(_("a {role} may not {action}").format(
            role=actor.role, action=action.replace("_", " ")))
    return actor


def require_own_measure(actor: Actor, lead_organisation_id: int, measure_code: str) -> None:
    """A focal point reports only on measures its own agency leads."""
    if actor.role == "focal_point" and actor.organisation_id != lead_organisation_id:
        raise PermissionDenied(
            _("measure {code} is led by another agency; a focal point reports only on "
              "their own agency's measures").format(code=measure_code))


def in_scope(actor: Actor | None, lead_organisation_id: int | None) -> bool:
    """Whether ``actor`` may write to a strategy led by ``lead_organisation_id``: an
    administrator any; a coordinator only their own organisation's (none if the strategy
    has no lead organisation, or the coordinator no organisation)."""
    if actor is None:
        return False
    if actor.role != "coordinator":
        return True
    return actor.organisation_id is not None and actor.organisation_id == lead_organisation_id


def require_strategy(actor: Actor | None, action: str, lead_organisation_id: int | None,
                     code: str) -> Actor:
    """:func:`require`, and the strategy ``code`` within the actor's scope."""
    require(actor, action)
    if not in_scope(actor, lead_organisation_id):
        raise PermissionDenied(
            _("strategy {code} is not led by your organisation; a coordinator works only on "
              "the strategies their own organisation leads").format(code=code))
    return actor


def require_not_author(actor: Actor, author_id: int | None, update_id: int) -> None:
    """Nobody validates or returns their own report (four eyes on every counted update)."""
    if actor.id is not None and actor.id == author_id:
        raise PermissionDenied(
            _("update {id} is your own report; another coordinator or an administrator must "
              "validate or return it").format(id=update_id))
