"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from deo.core import Conflict, DeoError, NotFoundError, PermissionDenied
from deo.track.auth import TooManyAttempts

PROBLEM = "application/problem+json"

#: The thing asked for does not exist (404), as opposed to a bad parameter (422).
NotFound = NotFoundError


def problem(status: int, title: str, detail: str, **extra) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def install(app: FastAPI) -> None:
    """Register the handlers that turn errors into problem details."""

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        if request.url.path.startswith("/api/"):
            return problem(404, "Not Found", str(exc))
        from deo.publish.pages.render import page

        lang = request.url.path.split("/")[1] if request.url.path.count("/") > 1 else "en"
        return page(request, lang if lang in ("en", "fr", "es", "zh") else "en",
                    "not_found.html", {"detail": str(exc)}, status_code=404)

    @app.exception_handler(TooManyAttempts)
    async def throttled(_request: Request, exc: TooManyAttempts) -> JSONResponse:
        return problem(429, "Too Many Requests", str(exc))

    @app.exception_handler(PermissionDenied)
    async def forbidden(_request: Request, exc: PermissionDenied) -> JSONResponse:
        return problem(403, "Forbidden", str(exc))

    @app.exception_handler(Conflict)
    async def conflict(_request: Request, exc: Conflict) -> JSONResponse:
        return problem(409, "Conflict", str(exc))

    @app.exception_handler(DeoError)
    async def bad_request(_request: Request, exc: DeoError) -> JSONResponse:
        return problem(422, "Unprocessable Content", str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"parameter": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]),
             "detail": e["msg"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['parameter']}: {e['detail']}" for e in errors)
        return problem(422, "Unprocessable Content", detail, errors=errors)

    @app.exception_handler(HTTPException)
    async def http(_request: Request, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, exc.detail if isinstance(exc.detail, str) else "Error",
                       str(exc.detail))
