"""Paths outside the portal's languages answer a page, never a raw 422: a language we
do not have (``/de/``) or a page without its language (``/track``) redirects to the
reader's language; anything else is the portal's "Not found" page."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.convertors import Convertor, register_url_convertor

from deo.core.indicator import LANGUAGES
from deo.i18n import translations
from deo.publish.pages.render import error_page, negotiate
from deo.publish.pages.routes import Lang

#: First path segments that belong to someone else (the API, static files, our languages).
TAKEN = (*LANGUAGES, "api", "static")
#: Pages whose path starts without a language (evidence files are the same in every one).
WITHOUT_LANGUAGE = ("track/evidence/",)
#: The portal's sections, so that ``/track/TEST`` finds ``/en/track/TEST``.
SECTIONS = ("indicators", "areas", "compare", "indices", "releases", "track", "login",
            "logout")
#: What a language tag looks like (``de``, ``pt-BR``, ``zh_Hant``).
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2}(?:[-_][A-Za-z0-9]{2,8})?")


class NotOurs(Convertor):
    """A first path segment that is not a language of ours, ``api`` or ``static``."""

    regex = ("(?!(?:" + "|".join(TAKEN) + ")(?:/|$))"
             + "".join(f"(?!{re.escape(p)})" for p in WITHOUT_LANGUAGE) + "[^/]+")

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class Ours(NotOurs):
    """One of our languages."""

    regex = "|".join(LANGUAGES)


register_url_convertor("not_ours", NotOurs())
register_url_convertor("ours", Ours())
router = APIRouter(include_in_schema=False)


@router.get("/{first:not_ours}")
@router.get("/{first:not_ours}/{rest:path}")
def elsewhere(request: Request, first: str, rest: str = ""):
    """Redirect a section or a foreign language to the reader's language, else 404."""
    lang = negotiate(request)
    query = f"?{request.url.query}" if request.url.query else ""
    if first in SECTIONS:
        return RedirectResponse(f"/{lang}/{first}" + (f"/{rest}" if rest else "") + query,
                                status_code=307)
    if LANGUAGE_TAG.fullmatch(first):
        return RedirectResponse(f"/{lang}/{rest}{query}", status_code=307)
    return not_found(request, lang)


def not_found(request: Request, lang: str) -> HTMLResponse:
    _ = translations(lang).gettext  # named _ so that the message is extracted
    return error_page(request, lang, 404,
                      _("There is no page at {path}.").format(path=request.url.path))


#: Included after every page: a path in one of our languages that no page answers.
last = APIRouter(include_in_schema=False)


# Only our languages: /api/... and /static/... keep their own "not found".
@last.get("/{lang:ours}/{rest:path}", response_class=HTMLResponse)
def no_such_page(request: Request, lang: Lang, rest: str):
    if rest.endswith("/"):  # /en/indicators/ is /en/indicators
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/{lang}/{rest.rstrip('/')}{query}", status_code=307)
    return not_found(request, lang)
