"""The command line's own messages: every one translated into fr, es and zh, and shown."""

from __future__ import annotations

from pathlib import Path
from string import Formatter

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

import deo
from deo import i18n
from deo.cli import main

SOURCE = Path(deo.__file__).parent
LOCALE = SOURCE / "catalogue" / "locale"
TRANSLATED = ("fr", "es", "zh")
#: The keywords `make translations` extracts with.
KEYWORDS = {"_": None, "ngettext": (1, 2)}

CSV = "indicator,iso3,year,value\nIT.NET.USER.ZS,KEN,2021,29.5\nIT.NET.USER.ZS,UGA,2022,10.3\n"
BAD_CSV = "indicator,iso3,year,value\nIT.NET.USER.ZS,KEN,2023,140\nIT.NET.USER.ZS,KE,2023,3\n"


@pytest.fixture(autouse=True)
def _no_chosen_language():
    """No test leaves a language chosen for the tests after it."""
    yield
    i18n.set_language(None)


def _extracted() -> set[str | tuple[str, ...]]:
    found = extract_from_dir(
        SOURCE,
        method_map=[("**.py", "python"), ("publish/templates/**.html", "jinja2")],
        keywords=KEYWORDS,
    )
    return {message for _file, _line, message, _comments, _context in found}


def _catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def _ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {m.id for m in catalog if m.id}


def _fields(text: str) -> set[str]:
    """Named placeholders of a str.format template (raises on a malformed one)."""
    return {name for _text, name, _spec, _conv in Formatter().parse(text) if name is not None}


def test_the_template_is_up_to_date():
    extracted = _extracted()
    assert len(extracted) > 100
    stale = _ids(_catalog(LOCALE / "deo.pot")) ^ extracted
    assert not stale, f"run `make translations`: {sorted(map(str, stale))}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang):
    catalog = _catalog(LOCALE / lang / "LC_MESSAGES" / "deo.po", lang)
    extracted = _extracted()
    assert _ids(catalog) == extracted, "run `make translations`, then translate"
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"{lang}: fuzzy: {message.id!r}"
        forms = message.string if message.pluralizable else (message.string,)
        if message.pluralizable:
            assert len(forms) == catalog.num_plurals, f"{lang}: plural forms of {message.id!r}"
        assert all(form.strip() for form in forms), f"{lang}: untranslated: {message.id!r}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_the_placeholders(lang):
    catalog = _catalog(LOCALE / lang / "LC_MESSAGES" / "deo.po", lang)
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if message.pluralizable else (message.id,)
        forms = message.string if message.pluralizable else (message.string,)
        expected = set().union(*(_fields(i) for i in ids))
        for form in forms:
            assert _fields(form) == expected, f"{lang}: {message.id!r} -> {form!r}"


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "es_ES"}, "es"),
        ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_GB.UTF-8"}, "zh"),
        ({"LC_ALL": "zh_CN", "LC_MESSAGES": "fr_FR", "LANG": "es_ES"}, "zh"),
        ({"LC_ALL": "", "LANG": "fr_CA.UTF-8@euro"}, "fr"),
        ({"DEO_LANG": "es", "LC_ALL": "fr_FR.UTF-8"}, "es"),
        ({"DEO_LANG": "zh-Hans"}, "zh"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LC_ALL": "POSIX"}, "en"),
        ({}, "en"),
    ],
)
def test_language_from_the_environment(environ, lang):
    assert i18n.language_from_env(environ) == lang


def test_set_language_wins_over_the_environment_until_reset(monkeypatch):
    monkeypatch.setenv("DEO_LANG", "fr")
    assert i18n.language() == "fr"
    i18n.set_language("zh_CN")
    assert i18n.language() == "zh"
    i18n.set_language("tlh")
    assert i18n.language() == "en"
    i18n.set_language(None)
    assert i18n.language() == "fr"


def test_missing_or_fuzzy_translations_fall_back_to_english(tmp_path, monkeypatch):
    # The plural rule is the one our fr catalogue declares, set here rather than taken from
    # Babel's CLDR data: newer CLDR gives French three forms, and no test may hang on that.
    catalog = Catalog(locale="fr")
    catalog.mime_headers = [("Plural-Forms", "nplurals=2; plural=(n > 1);")]
    catalog.add("Reading", "Lecture")
    catalog.add("Writing", "Écriture", flags=["fuzzy"])
    catalog.add("Fetching", "")
    catalog.add(("{n} row", "{n} rows"), ("{n} ligne", "{n} lignes"))
    catalog.add(("{n} file", "{n} files"), ("", ""))
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "deo.po").open("wb") as po:
        write_po(po, catalog)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        i18n.set_language("fr")
        assert i18n._("Reading") == "Lecture"
        assert i18n._("Writing") == "Writing"
        assert i18n._("Fetching") == "Fetching"
        assert i18n._("Not in the catalogue") == "Not in the catalogue"
        assert [i18n.ngettext("{n} row", "{n} rows", n) for n in (0, 1, 2)] == [
            "{n} ligne", "{n} ligne", "{n} lignes"  # French: 0 and 1 are singular
        ]
        assert i18n.ngettext("{n} file", "{n} files", 2) == "{n} files"
        i18n.set_language("es")  # no catalogue in this folder
        assert i18n._("Reading") == "Reading"
    finally:
        i18n.translations.cache_clear()


def test_a_compiled_catalogue_is_read_unless_its_po_is_newer(tmp_path, monkeypatch):
    import os

    from babel.messages.mofile import write_mo

    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    compiled, source = Catalog(locale="fr"), Catalog(locale="fr")
    compiled.add("Reading", "Lecture (compilé)")
    source.add("Reading", "Lecture (source)")
    with (folder / "deo.po").open("wb") as po:
        write_po(po, source)
    with (folder / "deo.mo").open("wb") as mo:
        write_mo(mo, compiled)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    try:
        i18n.set_language("fr")
        for po_age, expected in ((-60, "Lecture (compilé)"), (+60, "Lecture (source)")):
            mo_time = (folder / "deo.mo").stat().st_mtime
            os.utime(folder / "deo.po", (mo_time + po_age, mo_time + po_age))
            i18n.translations.cache_clear()
            assert i18n._("Reading") == expected
    finally:
        i18n.translations.cache_clear()


def test_the_build_compiles_every_catalogue(tmp_path):
    """setup.py's build step writes a .mo beside each .po, with the same translations."""
    import gettext
    import importlib.util
    import shutil

    spec = importlib.util.spec_from_file_location("deo_setup", SOURCE.parents[1] / "setup.py")
    setup_py = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(setup_py)  # not __main__: defines, does not build
    locale = tmp_path / "locale"
    shutil.copytree(LOCALE, locale)
    written = setup_py.compile_catalogues(locale)
    assert sorted(p.parent.parent.name for p in written) == sorted(TRANSLATED)
    for mo_path in written:
        with mo_path.open("rb") as mo:
            compiled = gettext.GNUTranslations(mo)
        for message in _catalog(mo_path.with_suffix(".po"), mo_path.parent.parent.name):
            if isinstance(message.id, str) and message.id and message.string:
                assert compiled.gettext(message.id) == message.string


def test_plural_forms_of_each_language():
    expected = {
        "en": ["{n} rows", "{n} row", "{n} rows"],
        "fr": ["{n} ligne", "{n} ligne", "{n} lignes"],
        "es": ["{n} filas", "{n} fila", "{n} filas"],
        "zh": ["{n} 行", "{n} 行", "{n} 行"],
    }
    for lang, forms in expected.items():
        i18n.set_language(lang)
        assert [i18n.ngettext("{n} row", "{n} rows", n) for n in (0, 1, 5)] == forms


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _same_in_english(capsys, monkeypatch, *argv: str) -> int:
    """The exit code of the same command in English (on a fresh store)."""
    monkeypatch.setenv("DEO_LANG", "en")
    code, _out, _err = run(capsys, *argv)
    return code


def test_french_messages_and_the_same_exit_codes(tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CSV)
    monkeypatch.setenv("DEO_LANG", "fr")

    code, out, _ = run(capsys, "releases")
    assert code == 0 and "Aucune publication pour l’instant" in out

    code, _, err = run(capsys, "load", str(tmp_path / "nowhere.csv"))
    assert code == 1 and "erreur :" in err and "Traceback" not in err

    code, _, err = run(capsys, "load", str(bad))
    assert code == 1
    assert "2 problèmes ; rien n’a été chargé." in err
    assert "Enregistrements rejetés, chacun avec son motif" in err
    assert "ligne" in err and "règle" in err  # translated column headers
    assert "out-of-range" in err  # rule codes are data, not messages

    code, _, err = run(capsys, "query", "-o", "xml")
    assert code == 1 and "valeur attendue table, csv ou json" in err

    assert _same_in_english(capsys, monkeypatch, "releases") == 0
    assert _same_in_english(capsys, monkeypatch, "load", str(tmp_path / "nowhere.csv")) == 1
    assert _same_in_english(capsys, monkeypatch, "load", str(bad)) == 1
    assert _same_in_english(capsys, monkeypatch, "query", "-o", "xml") == 1


def test_chinese_load_report(tmp_path, monkeypatch, capsys):
    path = tmp_path / "internet.csv"
    path.write_text(CSV)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    for name in ("DEO_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    code, out, _ = run(capsys, "load", str(path))
    assert code == 0
    assert "internet.csv：发布版本 1，2 行：新增 2，修订 0，未变 0。" in out
    code, out, _ = run(capsys, "load", str(path))
    assert code == 0 and "已作为发布版本 1 加载" in out


def test_a_commands_lang_sets_names_and_messages_for_that_run_only(monkeypatch, capsys):
    monkeypatch.setenv("DEO_LANG", "en")
    code, out, _ = run(capsys, "indicators", "B3", "--lang", "fr")
    assert code == 0 and "Définition :" in out and "entreprises" in out.lower()
    assert i18n.language() == "en"
    code, out, _ = run(capsys, "indicators", "B3")
    assert code == 0 and "Definition:" in out

    monkeypatch.setenv("DEO_LANG", "es")
    code, out, _ = run(capsys, "indicators", "B3")
    assert code == 0 and "Definición:" in out  # names and messages follow DEO_LANG
    code, out, _ = run(capsys, "indicators", "B3", "--lang", "en")
    assert code == 0 and "Definition:" in out


def test_help_stays_english_and_exits_0(monkeypatch, capsys):
    monkeypatch.setenv("DEO_LANG", "zh")
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "Digital Economy Observatory" in out
