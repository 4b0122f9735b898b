"""The signed-in person's account page (``/{lang}/account``): who they are, and the form
to change their own password (the current one, and the new one twice). Administrators
manage other people's accounts with ``deo track user`` or the API (docs/tracker.md)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from deo.core import DeoError, PermissionDenied
from deo.core.indicator import LANGUAGES
from deo.i18n import translations
from deo.publish.pages.render import page
from deo.publish.session import SESSION_COOKIE, check_csrf, signed_in
from deo.track import auth, passwords

router = APIRouter()


@router.get("/{lang}/account", response_class=HTMLResponse)
def account(request: Request, lang: str) -> Response:
    return _render(request, lang)


def _render(request: Request, lang: str, message: str = "", error: str = "",
            status_code: int = 200) -> Response:
    # Not the route itself: the message, error and status are never query parameters.
    if lang not in LANGUAGES:
        return RedirectResponse("/en/account", status_code=307)
    session = signed_in(request)
    if session is None:
        return RedirectResponse(f"/{lang}/login?next=/{lang}/account", status_code=303)
    return page(request, lang, "account.html", {
        "user": session[0], "csrf": session[1], "message": message, "error": error,
        "min_length": passwords.MIN_PASSWORD}, status_code=status_code)


@router.post("/{lang}/account/password")
def change_password(request: Request, lang: str, csrf: str = Form(""),
                    current: str = Form("", max_length=passwords.MAX_PASSWORD),
                    new: str = Form("", max_length=passwords.MAX_PASSWORD),
                    repeat: str = Form("", max_length=passwords.MAX_PASSWORD)) -> Response:
    lang = lang if lang in LANGUAGES else "en"
    _ = translations(lang).gettext
    who = check_csrf(request, csrf)
    try:
        if new != repeat:
            raise DeoError(_("the two new passwords differ"))
        auth.change_password(request.app.state.store.engine, who, current, new,
                             keep=request.cookies.get(SESSION_COOKIE))
    except PermissionDenied as exc:
        return _render(request, lang, error=str(exc), status_code=403)
    except DeoError as exc:
        return _render(request, lang, error=str(exc), status_code=422)
    return _render(request, lang, message=_("Password changed; your other sessions have "
                                            "ended."))
