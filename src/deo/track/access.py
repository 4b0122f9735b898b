"""Who may do what. Every write in :mod:`deo.track` calls :func:`require` first, so the
rule holds whether the write comes from a page, the API or the command line.

Roles: administrator (everything, and users); coordinator (the lead ministry: edits the
plan, imports, validates or returns updates, publishes); focal_point (an agency's: submits
updates for the measures its agency leads); partner (reads, comments). The public reads
published strategies only and writes nothing.
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
