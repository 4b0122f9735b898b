"""Areas and groups in the catalogue, checked against the published country metadata.

Oracle: ``countries.csv`` in the reference data (World Bank API metadata via the R package
WDI 2.7.8 for iso2/region/income group; Gapminder systema_globalis for M49 code, UN SDG
region, LDC and landlocked flags). Each file has its own vintage, so where the catalogue and
the reference differ for a documented reason the difference is listed below *and checked*:
an exception that the reference no longer needs makes the test fail, so lists cannot rot.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from deo.catalogue import Catalogue
from deo.core import DeoError


@pytest.fixture(scope="module")
def countries(reference_data: Path) -> dict[str, dict[str, str]]:
    path = reference_data / "countries.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = {row["iso3"]: row for row in csv.DictReader(fh)}
    assert len(rows) > 200, f"{path} looks truncated ({len(rows)} rows)"
    return rows


def _where(countries: dict[str, dict[str, str]], column: str, value: str) -> set[str]:
    return {iso3 for iso3, row in countries.items() if row[column] == value}


# -- economies ---------------------------------------------------------------------------


def test_every_iso_entity_is_an_economy_with_the_same_m49_and_iso2(catalogue, countries):
    # ISO 3166-1 entities are the rows with an M49 code; XKX and CHI (World Bank codes) have none.
    iso_rows = {iso3: row for iso3, row in countries.items() if row["m49"]}
    assert len(iso_rows) >= 240
    wrong = {}
    for iso3, row in iso_rows.items():
        area = catalogue.areas.get(iso3)
        got = (area.kind, area.m49, area.iso2) if area else None
        if got != ("economy", row["m49"], row["iso2"]):
            wrong[iso3] = (got, ("economy", row["m49"], row["iso2"]))
    assert not wrong, f"economies differing from countries.csv (ours, reference): {wrong}"


def test_world_bank_codes_without_iso_entry(catalogue, countries):
    for iso3 in ("XKX", "CHI"):
        assert countries[iso3]["m49"] == "", iso3  # the reference agrees they have no M49
        area = catalogue.area(iso3)
        assert area.kind == "economy"
        assert area.m49 is None
    assert catalogue.area("XKX").iso2 == countries["XKX"]["iso2"] == "XK"
    # countries.csv gives CHI the World Bank's own two-letter code JG, which is not an ISO
    # alpha-2 code; the catalogue gives CHI none (see the report on catalogue data).
    assert countries["CHI"]["iso2"] == "JG"
    assert catalogue.area("CHI").iso2 is None


def test_economy_names_in_every_language(catalogue):
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for area in catalogue.economies():
        for lang in ("en", "fr", "es", "zh"):
            assert area.name.get(lang, "").strip(), f"{area.code} has no {lang} name"
        # A missing translation falls back to the English text; Chinese names never look so.
        assert cjk.search(area.name["zh"]), f"{area.code}: zh name {area.name['zh']!r}"


@pytest.mark.parametrize(
    ("code", "fr", "es", "zh"),
    [
        ("DEU", "Allemagne", "Alemania", "德国"),
        ("JPN", "Japon", "Japón", "日本"),
        ("EGY", "Égypte", "Egipto", "埃及"),
        ("ZAF", "Afrique du Sud", "Sudáfrica", "南非"),
        ("USA", "États-Unis", "Estados Unidos", "美国"),
        ("MAR", "Maroc", "Marruecos", "摩洛哥"),
    ],
)
def test_known_country_names(catalogue, code, fr, es, zh):
    area = catalogue.area(code)
    assert (area.label("fr"), area.label("es"), area.label("zh")) == (fr, es, zh)


# -- LDC ---------------------------------------------------------------------------------

#: UN graduations from the LDC category (UN CDP / UN DESA): the first day *off* the list.
LDC_GRADUATIONS = {
    "GNQ": date(2017, 6, 4),
    "VUT": date(2020, 12, 4),
    "BTN": date(2023, 12, 13),
    "STP": date(2024, 12, 13),
}


def test_ldc_matches_the_reference_at_its_vintage(catalogue, countries):
    # The reference's LDC flag (Gapminder) still lists Equatorial Guinea and Vanuatu, and no
    # longer Samoa: it is the UN list as it stood between Samoa's graduation (1 January 2014)
    # and Equatorial Guinea's (4 June 2017). Compare at both ends of that window.
    reference = _where(countries, "un_ldc", "un_least_developed")
    assert {"GNQ", "VUT"} <= reference and "WSM" not in reference
    for day in (date(2014, 1, 1), date(2017, 6, 3)):
        assert set(catalogue.members("LDC", on=day)) == reference, day


def test_ldc_today_is_the_reference_less_later_graduations(catalogue, countries):
    reference = _where(countries, "un_ldc", "un_least_developed")
    # 2025-06-30: after Sao Tome and Principe; before the graduations scheduled for 2026.
    assert set(catalogue.members("LDC", on=date(2025, 6, 30))) == reference - set(LDC_GRADUATIONS)
    assert len(catalogue.members("LDC", on=date(2025, 6, 30))) == 44


@pytest.mark.parametrize(("iso3", "first_day_off"), sorted(LDC_GRADUATIONS.items()))
def test_ldc_graduation_dates(catalogue, iso3, first_day_off):
    last_day_on = date.fromordinal(first_day_off.toordinal() - 1)
    assert iso3 in catalogue.members("LDC", on=last_day_on)
    assert iso3 not in catalogue.members("LDC", on=first_day_off)


# -- LLDC --------------------------------------------------------------------------------

#: Where countries.csv's landlocked flag is wrong. Ethiopia has had no coast since Eritrea's
#: independence (1993) but is flagged "coastline"; the DR Congo has an Atlantic coast at the
#: Congo estuary but is flagged "landlocked".
LANDLOCKED_ERRATA = {"ETH": "coastline", "COD": "landlocked"}


def _landlocked(countries: dict[str, dict[str, str]]) -> set[str]:
    """Landlocked countries per the reference, with its errata corrected."""
    flagged = _where(countries, "landlocked", "landlocked")
    wrongly_flagged = {iso3 for iso3, flag in LANDLOCKED_ERRATA.items() if flag == "landlocked"}
    missed = {iso3 for iso3, flag in LANDLOCKED_ERRATA.items() if flag == "coastline"}
    return flagged - wrongly_flagged | missed


def test_reference_errata_are_still_present(countries):
    for iso3, flag in LANDLOCKED_ERRATA.items():
        assert countries[iso3]["landlocked"] == flag, f"{iso3} fixed upstream: drop the erratum"


def test_lldc_members_are_landlocked(catalogue, countries):
    lldc = set(catalogue.members("LLDC", on=date(2025, 6, 30)))
    assert len(lldc) == 32  # UN-OHRLLS lists 32 landlocked developing countries
    landlocked = _landlocked(countries)
    assert lldc <= landlocked, f"LLDC members not landlocked: {sorted(lldc - landlocked)}"


def test_every_landlocked_country_outside_europe_is_an_lldc(catalogue, countries):
    # The LLDC list is developing countries only; the landlocked states it leaves out are all
    # European (Austria, Switzerland, Hungary, Serbia, Belarus, the micro-states...).
    lldc = set(catalogue.members("LLDC", on=date(2025, 6, 30)))
    landlocked = _landlocked(countries)
    europe = _where(countries, "un_sdg_region", "un_europe_and_northern_america")
    assert landlocked - europe == lldc - europe
    # The two European LLDCs (UN-OHRLLS): Moldova and North Macedonia.
    assert lldc & europe == {"MDA", "MKD"}


# -- World Bank income groups ------------------------------------------------------------

INCOME_GROUPS = {
    "WB_HIC": "High income",
    "WB_UMC": "Upper middle income",
    "WB_LMC": "Lower middle income",
    "WB_LIC": "Low income",
}

#: Reclassifications between the reference and the catalogue. countries.csv carries the
#: World Bank classification of FY2022 or FY2023 (Venezuela already unclassified, American
#: Samoa not yet high income); the catalogue holds FY2026 (1 July 2025 - 30 June 2026).
#: iso3 -> (reference group, FY2026 group).
RECLASSIFIED = {
    # FY2024 (1 July 2023): American Samoa up to high income; Jordan down.
    "ASM": ("Upper middle income", "High income"),
    "JOR": ("Upper middle income", "Lower middle income"),
    # FY2025 (1 July 2024).
    "BGR": ("Upper middle income", "High income"),
    "PLW": ("Upper middle income", "High income"),
    "RUS": ("Upper middle income", "High income"),
    "DZA": ("Lower middle income", "Upper middle income"),
    "IRN": ("Lower middle income", "Upper middle income"),
    "MNG": ("Lower middle income", "Upper middle income"),
    "UKR": ("Lower middle income", "Upper middle income"),
    # FY2026 (1 July 2025): Costa Rica and Cabo Verde up, Namibia down.
    "CRI": ("Upper middle income", "High income"),
    "CPV": ("Lower middle income", "Upper middle income"),
    "NAM": ("Upper middle income", "Lower middle income"),
    # Other moves between the reference's vintage and FY2026.
    "GUY": ("Upper middle income", "High income"),
    "IDN": ("Lower middle income", "Upper middle income"),
    "SLV": ("Lower middle income", "Upper middle income"),
    "WSM": ("Lower middle income", "Upper middle income"),
    "GIN": ("Low income", "Lower middle income"),
    "ZMB": ("Low income", "Lower middle income"),
}


@pytest.fixture(scope="module")
def income_of(catalogue) -> dict[str, str]:
    out: dict[str, str] = {}
    for group, label in INCOME_GROUPS.items():
        for iso3 in catalogue.members(group, on=date(2026, 1, 1)):
            assert iso3 not in out, f"{iso3} is in {group} and in the {out[iso3]} group"
            out[iso3] = label
    return out


def test_income_groups_are_fy2026(catalogue):
    for group in INCOME_GROUPS:
        assert "FY2026" in catalogue.groups[group].source, group


def test_income_groups_match_the_reference_but_for_known_reclassifications(income_of, countries):
    reference = {
        iso3: row["wb_income_group"]
        for iso3, row in countries.items()
        if row["wb_income_group"] in INCOME_GROUPS.values()
    }
    expected = dict(reference)
    for iso3, (before, after) in RECLASSIFIED.items():
        assert reference[iso3] == before, f"{iso3}: the reference says {reference[iso3]}"
        expected[iso3] = after
    differ = {
        iso3: (income_of.get(iso3), expected.get(iso3))
        for iso3 in set(expected) | set(income_of)
        if income_of.get(iso3) != expected.get(iso3)
    }
    assert not differ, f"income group (ours, expected): {differ}"


def test_unclassified_economies_are_in_no_income_group(income_of, countries):
    unclassified = {
        iso3
        for iso3, row in countries.items()
        if row["wb_income_group"] not in INCOME_GROUPS.values()
    }
    assert countries["VEN"]["wb_income_group"] == "Not classified"
    assert "VEN" in unclassified
    assert not unclassified & set(income_of), sorted(unclassified & set(income_of))


# -- M49 regions -------------------------------------------------------------------------

#: UN SDG regional groupings as unions of M49 regions (UN Statistics Division, SDG
#: regional groupings): where the mapping is exact.
SDG_REGIONS = {
    "un_sub_saharan_africa": ["202"],
    "un_northern_africa_and_western_asia": ["015", "145"],
    "un_central_and_southern_asia": ["143", "034"],
    "un_eastern_and_south_eastern_asia": ["030", "035"],
    "un_latin_america_and_the_caribbean": ["419"],
    "un_australia_and_new_zealand": ["053"],
    "un_oceania_exc_australia_and_new_zealand": ["054", "057", "061"],
    "un_europe_and_northern_america": ["150", "021"],
}

#: Taiwan is an ISO 3166-1 entity that M49 does not list; the reference still gives it an
#: SDG region, the catalogue (following M49) none.
NOT_IN_M49 = {"TWN"}


@pytest.mark.parametrize("sdg_region", sorted(SDG_REGIONS))
def test_m49_regions_match_sdg_regions(catalogue, countries, sdg_region):
    ours = set().union(*(catalogue.members(code) for code in SDG_REGIONS[sdg_region]))
    reference = _where(countries, "un_sdg_region", sdg_region) - NOT_IN_M49
    # Compare on the reference's ISO rows: it has no row for ATF and BES, and gives the World
    # Bank's CHI no SDG region (the catalogue puts CHI in Northern Europe beside GGY and JEY).
    iso = {iso3 for iso3, row in countries.items() if row["m49"]}
    assert ours & iso == reference
    assert reference


def test_taiwan_has_an_sdg_region_but_no_m49_region(catalogue, countries):
    assert countries["TWN"]["un_sdg_region"] == "un_eastern_and_south_eastern_asia"
    assert catalogue.regions_of("TWN") == []
    assert "TWN" not in catalogue.members("001")


def test_africa_is_its_two_subregions(catalogue, countries):
    africa = set(catalogue.members("002"))
    assert africa == set(catalogue.members("015")) | set(catalogue.members("202"))
    assert africa & set(countries) == (
        _where(countries, "un_sdg_region", "un_sub_saharan_africa")
        | {"DZA", "EGY", "LBY", "MAR", "SDN", "TUN", "ESH"}  # M49 015 Northern Africa
    )


def test_world_holds_every_reference_row_with_an_sdg_region(catalogue, countries):
    world = set(catalogue.members("001"))
    with_region = {iso3 for iso3, row in countries.items() if row["un_sdg_region"]}
    assert with_region - NOT_IN_M49 <= world
    assert "ATA" in world  # in no region, only the World


def test_regions_of_an_economy_smallest_first(catalogue):
    assert catalogue.regions_of("KEN") == ["014", "202", "002", "001"]
    assert catalogue.regions_of("FRA") == ["155", "150", "001"]


# -- hints for codes that are not ours ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("KE", "alpha-3 code is KEN"),
        ("ke", "alpha-3 code is KEN"),
        ("Fr", "alpha-3 code is FRA"),
        ("XK", "alpha-3 code is XKX"),
        ("ken", "did you mean KEN?"),
        ("ldc", "did you mean LDC?"),
        ("404", "M49 404 is KEN"),
        ("4", "M49 4 is AFG"),
        (" 840 ", "M49 840 is USA"),
    ],
)
def test_area_hint(catalogue, text, hint):
    assert hint in catalogue.area_hint(text)


def test_area_hint_for_every_reference_alpha2(catalogue, countries):
    for iso3, row in countries.items():
        if row["iso2"] and iso3 != "CHI":  # CHI's JG is a World Bank code, not ISO alpha-2
            assert catalogue.area_hint(row["iso2"].lower()).endswith(f"is {iso3})"), iso3


def test_area_hint_for_every_reference_m49(catalogue, countries):
    for iso3, row in countries.items():
        if row["m49"]:
            number = str(int(row["m49"]))  # as a spreadsheet shows it: 4, not 004
            assert catalogue.area_hint(number) == f" (M49 {number} is {iso3})"


def test_unknown_area_error_carries_the_hint(catalogue):
    with pytest.raises(DeoError, match="alpha-3 code is KEN"):
        catalogue.area("KE")


def test_no_hint_for_nonsense(catalogue: Catalogue):
    assert catalogue.area_hint("QQQQQ") == ""
