"""Who is signed in, and the CSRF check every write goes through (pages and API alike).

The session token travels in an HttpOnly, SameSite=Lax cookie (``Secure`` when
``DEO_SECURE_COOKIES=1``, as behind HTTPS); the server ends the session after its idle
timeout or lifetime (:mod:`deo.track.config`), whatever the cookie. A form carries the
session's CSRF token in a hidden ``csrf`` field; an API client sends it in the
``X-CSRF-Token`` header. The sign-in form, made before any session exists, uses a
double-submit cookie instead.
"""

from __future__ import annotations

import secrets

from fastapi import Request, Response

from deo.config import secure_cookies
from deo.core import PermissionDenied
from deo.i18n import _
from deo.track import auth
from deo.track.access import Actor
from deo.track.config import session_lifetime

SESSION_COOKIE = "deo_session"
LOGIN_CSRF_COOKIE = "deo_login_csrf"
CSRF_HEADER = "x-csrf-token"


def signed_in(request: Request) -> tuple[Actor, str] | None:
    """(actor, CSRF token) of the request's session, or None (cached on the request)."""
    if not hasattr(request.state, "session"):
        request.state.session = auth.session_actor(
            request.app.state.store.engine, request.cookies.get(SESSION_COOKIE))
    return request.state.session


def actor(request: Request) -> Actor | None:
    session = signed_in(request)
    return session[0] if session else None


def check_csrf(request: Request, given: str | None) -> Actor:
    """The signed-in actor, if ``given`` is their session's CSRF token; else refused."""
    session = signed_in(request)
    if session is None:
        raise PermissionDenied(_("sign in first"))
    if not auth.csrf_ok(session[1], given or request.headers.get(CSRF_HEADER)):
        raise PermissionDenied(_("the form's security token is missing or out of date; "
                                 "reload the page and try again"))
    return session[0]


def open_session(response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=secure_cookies(),
                        max_age=int(session_lifetime().total_seconds()), path="/")


def close_session(request: Request, response: Response) -> None:
    auth.sign_out(request.app.state.store.engine, request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE, path="/")


def login_csrf(request: Request) -> str:
    """The token for the sign-in form (reusing the browser's cookie if it has one)."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_login_csrf(response: Response, token: str) -> None:
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=secure_cookies(), path="/")


def check_login_csrf(request: Request, given: str | None) -> None:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or not auth.csrf_ok(expected, given):
        raise PermissionDenied(_("the form's security token is missing or out of date; "
                                 "reload the page and try again"))
