"""Query parameters the API does not know are refused, not ignored: a mistyped
``?indicater=KEN`` would otherwise answer with every row, silently."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError


def known_parameters(request: Request) -> None:
    """Refuse (422, naming each) the query parameters the route does not declare."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = declared(dependant)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        expected = ", ".join(sorted(known)) or "none"
        raise RequestValidationError([
            {"loc": ("query", name), "type": "extra_forbidden",
             "msg": f"unknown parameter; this path takes: {expected}"}
            for name in unknown
        ])


def declared(dependant: Dependant) -> set[str]:
    """The query parameter names of a route and of its dependencies."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= declared(sub)
    return names
