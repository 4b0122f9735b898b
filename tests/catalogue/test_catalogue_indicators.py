"""The shipped indicator definitions are complete, consistent and usable."""

from __future__ import annotations

import pytest

from deo.catalogue import get_catalogue
from deo.catalogue.files import PACKAGE_DIR, read_indicators, toml_files
from deo.core import DIMENSIONS
from deo.core.indicator import LANGUAGES

SHIPPED = read_indicators(toml_files(PACKAGE_DIR / "indicators"))
SHIPPED_CODES = [ind.code for ind in SHIPPED]

#: SDMX-style unit codes the catalogue uses (docs/catalogue.md lists them).
UNITS = {"PT", "PER_100", "PER_1M", "PS", "USD", "INDEX", "SCORE", "NUMBER"}

REQUIRED = [
    "IT.NET.USER.ZS",
    "IT.NET.BBND.P2",
    "IT.CEL.SETS.P2",
    "IT.NET.SECR.P6",
    "FX.OWN.TOTL.ZS",
    "SP.POP.TOTL",
    *[f"B{i}" for i in range(1, 13)],
    "UNCTAD.B2C.INDEX",
    "UNCTAD.B2C.INTERNET",
    "UNCTAD.B2C.ACCOUNT",
    "UNCTAD.B2C.SERVERS",
    "UNCTAD.B2C.POSTAL",
    "UNCTAD.DDS.EXP",
    "UNCTAD.DDS.IMP",
]


def test_codes_are_unique():
    assert len(SHIPPED_CODES) == len(set(SHIPPED_CODES))


@pytest.mark.parametrize("code", REQUIRED)
def test_required_indicator_is_shipped(catalogue, code):
    assert code in catalogue.indicators


@pytest.mark.parametrize("ind", SHIPPED, ids=SHIPPED_CODES)
def test_texts_in_every_language(ind):
    for attr in ("name", "definition", "unit_label"):
        texts = getattr(ind, attr)
        missing = [lang for lang in LANGUAGES if not texts.get(lang, "").strip()]
        assert not missing, f"{ind.code}: {attr} lacks {missing}"
    # Optional texts, when given, are given in every language too.
    for attr in ("numerator", "denominator", "notes"):
        texts = getattr(ind, attr)
        if texts:
            missing = [lang for lang in LANGUAGES if not texts.get(lang, "").strip()]
            assert not missing, f"{ind.code}: {attr} lacks {missing}"


@pytest.mark.parametrize("ind", SHIPPED, ids=SHIPPED_CODES)
def test_unit_range_and_metadata(ind):
    assert ind.unit in UNITS, f"{ind.code}: unit {ind.unit!r} is not one of {sorted(UNITS)}"
    assert ind.owner.strip() and ind.source.strip()
    assert ind.decimals >= 0
    if ind.valid_min is not None and ind.valid_max is not None:
        assert ind.valid_min < ind.valid_max, ind.code
    if ind.unit in {"PT", "INDEX"}:
        assert (ind.valid_min, ind.valid_max) == (0, 100), ind.code


@pytest.mark.parametrize("ind", SHIPPED, ids=SHIPPED_CODES)
def test_breakdowns_use_known_dimensions_with_code_lists(catalogue, ind):
    for dim in ind.breakdowns:
        assert dim in DIMENSIONS, f"{ind.code}: unknown breakdown dimension {dim}"
        source = DIMENSIONS[dim]
        if source == "AREA":
            # PARTNER draws on the areas (economies, regions, groups), not on a code list file.
            assert catalogue.economies()
        else:
            assert source in catalogue.codelists, f"{ind.code}: no code list {source} for {dim}"


@pytest.mark.parametrize("ind", [i for i in SHIPPED if i.alias_breakdowns], ids=lambda i: i.code)
def test_alias_breakdown_codes_exist(catalogue, ind):
    for alias, breakdown in ind.alias_breakdowns.items():
        assert alias not in catalogue.indicators, f"alias {alias} shadows an indicator code"
        for dim, code in breakdown.items():
            assert dim in ind.breakdowns, f"{alias}: {dim} is not a breakdown of {ind.code}"
            codelist = catalogue.codelist(DIMENSIONS[dim])
            assert code in codelist.codes, f"{alias}: {dim}={code} is not in {codelist.id}"


def test_aliases_do_not_collide(catalogue):
    seen: dict[str, str] = {}
    for ind in SHIPPED:
        for alias in (*ind.aliases, *ind.alias_breakdowns):
            assert alias not in catalogue.indicators, f"{alias} is both a code and an alias"
            assert alias not in seen, f"{alias} is an alias of {seen[alias]} and {ind.code}"
            seen[alias] = ind.code


def test_b12_sub_codes_resolve_to_a_breakdown(catalogue):
    assert catalogue.resolve_indicator("B12_IDEL") == ("B12", {"INTERNET_ACTIVITY": "IDEL"})
    assert catalogue.resolve_indicator("B12_ICUST") == ("B12", {"INTERNET_ACTIVITY": "ICUST"})
    assert catalogue.indicator("B12_IDEL").code == "B12"


def test_business_indicators(catalogue):
    for i in range(1, 13):
        ind = catalogue.indicators[f"B{i}"]
        assert ind.owner == "UNCTAD"
        assert ind.unit == "PT"
        assert {"SIZE_CLASS", "ACTIVITY"} <= set(ind.breakdowns)
    assert "INTERNET_ACCESS" in catalogue.indicators["B9"].breakdowns
    assert "INTERNET_ACTIVITY" in catalogue.indicators["B12"].breakdowns
    # B2 and B4 are shares of persons employed, the others shares of businesses.
    for code in ("B2", "B4"):
        assert "employed" in catalogue.indicators[code].denominator["en"]
    # E-commerce is defined by how the order is made, not by payment or delivery.
    for code in ("B7", "B8"):
        text = catalogue.indicators[code].definition["en"].lower()
        assert "placed over the internet" in text
        assert "payment" in text and "delivery" in text


def test_b2c_index_entries(catalogue):
    index = catalogue.indicators["UNCTAD.B2C.INDEX"]
    assert index.recipe == "unctad-b2c-2020"
    assert index.decimals == 1
    for part in ("INTERNET", "ACCOUNT", "SERVERS", "POSTAL"):
        component = catalogue.indicators[f"UNCTAD.B2C.{part}"]
        assert component.decimals == 0
        assert component.recipe is None


def test_digital_trade_entries(catalogue):
    for code in ("UNCTAD.DDS.EXP", "UNCTAD.DDS.IMP"):
        ind = catalogue.indicators[code]
        assert (ind.unit, ind.unit_multiplier, ind.valid_min) == ("USD", 6, 0)
        assert set(ind.breakdowns) == {"PARTNER", "SERVICE"}
        for ebops in ("SF", "SG", "SH", "SI", "SJ", "SK"):
            assert ebops in ind.definition["en"]


def test_population_is_counted_in_persons(catalogue):
    pop = catalogue.indicators["SP.POP.TOTL"]
    assert (pop.unit, pop.unit_multiplier, pop.decimals, pop.valid_min) == ("PS", 0, 0, 0)


def test_office_indicators_are_added(tmp_path):
    folder = tmp_path / "indicators"
    folder.mkdir()
    (folder / "national.toml").write_text(
        '[[indicator]]\ncode = "NSO.ECOM.SHARE"\nowner = "NSO"\nsource = "National survey"\n'
        'unit = "PT"\nname = { en = "E-commerce share" }\n'
        'definition = { en = "Share of turnover from e-commerce." }\n',
        encoding="utf-8",
    )
    cat = get_catalogue(tmp_path)
    assert "NSO.ECOM.SHARE" in cat.indicators
    assert "B1" in cat.indicators
