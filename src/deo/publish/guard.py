"""What the server checks before any handler runs, and the headers every answer carries.

- **Request bodies are limited before they are read.** A declared ``Content-Length`` over
  the limit is answered 413 at once; a chunked body is counted as it arrives and cut off
  at the limit (413), so no handler, form parser or temporary file ever holds more. The
  limit is :func:`deo.track.updates.max_evidence_total_bytes` plus :data:`FORM_ALLOWANCE`
  for a form that carries files (:data:`UPLOADS`: evidence, an action plan),
  :func:`max_request_bytes` for anything else, and :data:`SIGN_IN_BYTES` for a sign-in.
- **Writes need a session.** A POST, PUT, PATCH or DELETE by someone not signed in is
  refused (403) before its body is read; only the sign-in itself (:data:`OPEN_WRITES`)
  is open.
- **Security headers** on every answer: a Content-Security-Policy fitted to the
  portal's own assets (scripts from this server, inline scripts only with the
  request's nonce, no framing), Referrer-Policy, X-Content-Type-Options, and HSTS
  when the portal runs behind HTTPS (``DEO_SECURE_COOKIES=1`` or an https request).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from html import escape
from typing import Any

from anyio import to_thread
from starlette.exceptions import HTTPException
from starlette.requests import cookie_parser

from deo.config import positive_setting, secure_cookies
from deo.core.indicator import LANGUAGES
from deo.i18n import translations
from deo.publish.session import SESSION_COOKIE
from deo.track import auth, updates

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Methods that change something (and carry a body).
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Writes open to someone not signed in: the sign-in itself (API and form).
OPEN_WRITES = (re.compile(r"/api/v1/track/session"), re.compile(r"/[a-z]{2}/login"))
#: Forms that carry files (evidence, an action plan): only they get the files' allowance.
UPLOADS = (re.compile(r"/[a-z]{2}/track/[^/]+/measures/[^/]+/updates"),
           re.compile(r"/[a-z]{2}/track/[^/]+/import"))
#: The largest sign-in body (an e-mail address and a password), bytes.
SIGN_IN_BYTES = 16 * 1024
#: Room for a multipart form's text fields and part headers beside its files, bytes.
FORM_ALLOWANCE = 1024 * 1024
#: Pages whose inline script is a third party's (the API docs page): no nonce to give.
INLINE_SCRIPT_PATHS = ("/api/v1/docs",)


def max_request_bytes() -> int:
    """The largest body of a JSON or form request: ``DEO_MAX_REQUEST_KB`` (default 1024)
    kilobytes."""
    kilobytes = positive_setting("DEO_MAX_REQUEST_KB", 1024)
    return int(kilobytes * 1024)


def body_limit(path: str, content_type: str) -> int:
    """The most bytes a request to ``path`` with ``content_type`` may send."""
    if any(p.fullmatch(path) for p in OPEN_WRITES):
        return SIGN_IN_BYTES
    if content_type.startswith("multipart/form-data") and any(
            p.fullmatch(path) for p in UPLOADS):
        return updates.max_evidence_total_bytes() + FORM_ALLOWANCE
    return max_request_bytes()


class BodyTooLarge(HTTPException):
    """The body went over its limit while being read (FastAPI re-raises HTTPException
    from body parsing, so this reaches the problem handler as a 413)."""

    def __init__(self, limit: int):
        super().__init__(413, _message(413, limit))
        self.limit = limit


def _message(status: int, limit: int = 0, lang: str = "en") -> str:
    _ = translations(lang).gettext  # named _ so that the messages are extracted
    if status == 413:
        if limit >= 2**20:
            size = _("{n:.0f} MB").format(n=limit / 2**20)
        else:
            size = _("{n:.0f} KB").format(n=limit / 1024)
        return _("the request is larger than the server accepts ({size} at most)"
                       ).format(size=size)
    return _("sign in first")


def _lang(path: str) -> str:
    first = path.split("/")[1] if path.count("/") >= 1 else ""
    return first if first in LANGUAGES else "en"


async def _refuse(scope: Scope, send: Send, status: int, limit: int = 0) -> None:
    """A 413 or 403 answer sent without reading the body: problem details for the API,
    a short page (with a link to sign in) for the portal's forms."""
    path = scope.get("path", "")
    lang = _lang(path)
    detail = _message(status, limit, lang)
    title = {403: "Forbidden", 413: "Content Too Large"}[status]
    if path.startswith("/api/"):
        body = json.dumps({"type": "about:blank", "title": title, "status": status,
                           "detail": detail}).encode()
        media = b"application/problem+json"
    else:
        link = (f' <a href="/{lang}/login">{escape(translations(lang).gettext("Sign in"))}</a>'
                if status == 403 else "")
        body = (f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>{title}'
                f"</title><p>{escape(detail)}.{link}</p></html>").encode()
        media = b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", media), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _secure(scope: Scope) -> bool:
    return secure_cookies() or scope.get("scheme") == "https"


def security_headers(scope: Scope, nonce: str) -> list[tuple[bytes, bytes]]:
    """The security headers of an answer to ``scope``."""
    inline = ("'unsafe-inline'" if scope.get("path", "") in INLINE_SCRIPT_PATHS
              else f"'nonce-{nonce}'")
    # Styles: the pages' own <style> and style attributes, and those plotly.js writes.
    policy = ("default-src 'self'; "
              f"script-src 'self' {inline}; "
              "style-src 'self' 'unsafe-inline'; "
              "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
              "object-src 'none'; base-uri 'none'; form-action 'self'; "
              "frame-ancestors 'none'")
    headers = [
        (b"content-security-policy", policy.encode()),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"x-content-type-options", b"nosniff"),
    ]
    if _secure(scope):
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


class Guard:
    """ASGI middleware: body limits, the session check of writes, security headers."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        # Templates read it as request.state.csp_nonce (for their inline scripts).
        scope.setdefault("state", {})["csp_nonce"] = nonce
        extra = security_headers(scope, nonce)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _value in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *(h for h in extra if h[0] not in present)]
            await send(message)

        if scope["method"] not in WRITES:
            await self.app(scope, receive, send_with_headers)
            return
        headers: dict[str, str] = {}
        for key, value in scope.get("headers", []):
            name = key.decode("latin-1").lower()
            # HTTP/2 may split the cookies over several headers.
            joined = headers[name] + "; " if name == "cookie" and name in headers else ""
            headers[name] = joined + value.decode("latin-1")
        path = scope.get("path", "")
        if not any(p.fullmatch(path) for p in OPEN_WRITES) and not await self._signed_in(
                scope, headers.get("cookie", "")):
            await _refuse(scope, send_with_headers, 403)
            return
        limit = body_limit(path, headers.get("content-type", ""))
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send_with_headers, 413, limit)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(scope, send_with_headers, 413, limit)

    @staticmethod
    async def _signed_in(scope: Scope, cookie: str) -> bool:
        token = cookie_parser(cookie).get(SESSION_COOKIE) if cookie else None
        if not token:
            return False
        engine = scope["app"].state.store.engine
        # A database read: off the event loop, like every other. Kept where
        # deo.publish.session.signed_in looks (request.state), so the handler reads it once.
        session = await to_thread.run_sync(auth.session_actor, engine, token)
        scope.setdefault("state", {})["session"] = session
        return session is not None
