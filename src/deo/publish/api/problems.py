"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from deo.core import Conflict, DeoError, NotFoundError, PermissionDenied
from deo.i18n import _
from deo.store.database import StoreBusy
from deo.track.auth import TooManyAttempts
from deo.track.updates import TooLarge

PROBLEM = "application/problem+json"

#: The thing asked for does not exist (404), as opposed to a bad parameter (422).
NotFound = NotFoundError


def problem(status: int, title: str, detail: str, **extra) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


#: A user-fixable error -> its HTTP status and title (anything else of ours is 422).
STATUSES: dict[type[DeoError], tuple[int, str]] = {
    TooManyAttempts: (429, "Too Many Requests"),
    StoreBusy: (503, "Service Unavailable"),  # another writer held the store too long
    TooLarge: (413, "Content Too Large"),
    PermissionDenied: (403, "Forbidden"),
    Conflict: (409, "Conflict"),
    DeoError: (422, "Unprocessable Content"),
}


def _answer(status: int, title: str):
    async def handler(_request: Request, exc: Exception) -> JSONResponse:
        return problem(status, title, str(exc))

    return handler


def _error_page(request: Request, status: int, detail: str):
    """The portal's error page, in the language of the path (English otherwise)."""
    from deo.core.indicator import LANGUAGES
    from deo.publish.pages.render import error_page

    lang = request.url.path.split("/")[1] if request.url.path.count("/") > 1 else "en"
    return error_page(request, lang if lang in LANGUAGES else "en", status, detail)


def install(app: FastAPI) -> None:
    """Register the handlers that turn errors into problem details."""

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        if request.url.path.startswith("/api/"):
            return problem(404, "Not Found", str(exc))
        return _error_page(request, 404, str(exc))

    # Most specific first: Starlette picks the handler by the exception's class hierarchy.
    for kind, (status, title) in STATUSES.items():
        app.add_exception_handler(kind, _answer(status, title))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = [
            {"parameter": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]),
             "detail": e["msg"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['parameter']}: {e['detail']}" for e in errors)
        if not request.url.path.startswith("/api/") and request.method == "GET":
            # A person following a link gets a page in their language, not problem JSON.
            return _error_page(request, 422, detail)
        return problem(422, "Unprocessable Content", detail, errors=errors)

    @app.exception_handler(DataError)
    async def unstorable(_request: Request, _exc: DataError) -> JSONResponse:
        # The last line of defence: the models check lengths and characters first.
        return problem(422, "Unprocessable Content", _(
            "a value is too long, or holds a character the database cannot store (such as "
            "NUL)"))

    @app.exception_handler(HTTPException)
    async def http(_request: Request, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, exc.detail if isinstance(exc.detail, str) else "Error",
                       str(exc.detail))
