"""Translation of the messages deo prints: gettext, with catalogues read from .po files.

The catalogues are ``catalogue/locale/<lang>/LC_MESSAGES/deo.po``, compiled to ``deo.mo``
in the build (a wheel's ``build_py`` step, see setup.py; ``make`` for a checkout). A .mo
older than its .po, or none, is compiled from the .po in memory when the language is first
used, so a fresh checkout works unbuilt. A missing or fuzzy translation falls back to the
English msgid. ``make translations`` re-extracts the messages (``deo.pot``), merges them
into the .po files and compiles them.

The language is the one given to :func:`set_language`, else ``DEO_LANG``, else the POSIX
locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else English.

Typer help texts (docstrings, ``help=``) stay English: Typer reads them when ``deo.cli``
is imported, before any language is chosen.
"""

from __future__ import annotations

import gettext
import io
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from deo.core.indicator import LANGUAGES

LOCALE_DIR = Path(__file__).parent / "catalogue" / "locale"
DOMAIN = "deo"

_chosen: str | None = None  # None: follow the environment


def normalise(tag: str) -> str:
    """``fr_FR.UTF-8``, ``fr-CA`` or ``FR`` -> ``fr``; anything not translated -> ``en``."""
    lang = tag.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return lang if lang in LANGUAGES else "en"


def language_from_env(environ: Mapping[str, str] | None = None) -> str:
    """``DEO_LANG``, else the first set of ``LC_ALL``, ``LC_MESSAGES``, ``LANG``; else en."""
    env = os.environ if environ is None else environ
    for name in ("DEO_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(name):
            return normalise(env[name])
    return "en"


def set_language(lang: str | None) -> None:
    """Print messages in ``lang`` (en, fr, es, zh); None: follow the environment again."""
    global _chosen
    _chosen = normalise(lang) if lang else None


def language() -> str:
    """The language messages are printed in now."""
    return _chosen or language_from_env()


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The catalogue of ``lang`` (read once); no catalogue means English msgids."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    compiled = path.with_suffix(".mo")
    if compiled.is_file() and (not path.is_file()
                               or compiled.stat().st_mtime >= path.stat().st_mtime):
        with compiled.open("rb") as mo:
            return gettext.GNUTranslations(mo)
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang)
    mo = io.BytesIO()
    write_mo(mo, catalog)  # leaves out fuzzy and untranslated messages
    mo.seek(0)
    return gettext.GNUTranslations(mo)


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for the count ``n``, in the current language."""
    return translations(language()).ngettext(singular, plural, n)
