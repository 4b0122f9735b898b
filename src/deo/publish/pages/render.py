"""Templates with the request's language: messages, numbers and names."""

from __future__ import annotations

from pathlib import Path

import orjson
from babel.core import negotiate_locale
from babel.dates import format_datetime
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from deo import __version__
from deo.core.indicator import LANGUAGES
from deo.i18n import translations

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


def json_text(value, **_options) -> str:
    """JSON for ``|tojson``: a missing value (NaN, infinity) is ``null`` (``NaN`` is not
    JSON, and a chart's ``JSON.parse`` fails on it), numpy numbers are plain numbers."""
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY, default=str).decode()


# Jinja's tojson then escapes <, >, & and ' for HTML, as before.
TEMPLATES.env.policies["json.dumps_function"] = json_text
TEMPLATES.env.policies["json.dumps_kwargs"] = {}
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "zh": "中文"}
#: Babel locales for number formatting.
LOCALES = {"en": "en", "fr": "fr", "es": "es", "zh": "zh_Hans_CN"}


def negotiate(request: Request) -> str:
    """The best of our languages for the browser's Accept-Language (English otherwise)."""
    header = request.headers.get("accept-language", "")
    wanted = [part.split(";")[0].strip().replace("-", "_") for part in header.split(",")]
    found = negotiate_locale([w for w in wanted if w], list(LANGUAGES), sep="_")
    if found is None:  # "fr_CA" matches "fr"
        found = next((w.split("_")[0] for w in wanted if w.split("_")[0] in LANGUAGES), "en")
    return found


def number(value: float | None, lang: str, decimals: int = 1) -> str:
    """A number as the language writes it (1 234,5 in French, 1,234.5 in English)."""
    if value is None or value != value:  # NaN
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def when(value, lang: str) -> str:
    """A date and time as the language writes it (``23 nov. 2026, 17:10`` in French)."""
    if value is None or value != value:
        return ""
    return format_datetime(value, format="medium", locale=LOCALES[lang])


def page(request: Request, lang: str, template: str, context: dict,
         status_code: int = 200) -> HTMLResponse:
    t = translations(lang)
    path = request.url.path
    rest = path.split("/", 2)[2] if path.count("/") >= 2 else ""
    switch = {code: f"/{code}/{rest}" + (f"?{request.url.query}" if request.url.query else "")
              for code in LANGUAGES}
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "_": t.gettext, "ngettext": t.ngettext, "lang": lang, "version": __version__,
            "languages": LANGUAGE_NAMES, "switch": switch,
            "number": lambda v, d=1: number(v, lang, d), "when": lambda v: when(v, lang),
            **context,
        },
        status_code=status_code,
    )


def error_page(request: Request, lang: str, status: int, detail: str) -> HTMLResponse:
    """The portal's page for what cannot be shown: not found (404), or a query value it
    cannot use (422)."""
    return page(request, lang, "not_found.html", {"detail": detail, "status": status},
                status_code=status)
