"""The code lists records are checked and classified against: currencies (ISO 4217), economies
(ISO 3166-1, alpha-2 spellings mapped to alpha-3), HS chapters and their sections, the HS 2022
subheadings, the ICT goods list by HS edition and customs regimes. Read from package data we
ship (``catalogue/records/codes``) and from the catalogue; no I/O beyond that."""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pycountry

from deo.catalogue import Catalogue, get_catalogue

CODES_DIR = Path(__file__).resolve().parents[2] / "catalogue" / "records" / "codes"
#: HS editions whose ICT goods list we ship (ict_goods.csv) and a record may name.
HS_VERSIONS = ("HS2012", "HS2017", "HS2022")
#: Spellings of a declaration's direction, as customs systems write it.
TRADE_DIRECTIONS = {"I": "IMP", "IM": "IMP", "IMP": "IMP", "IMPORT": "IMP", "M": "IMP",
                    "E": "EXP", "EX": "EXP", "EXP": "EXP", "EXPORT": "EXP", "X": "EXP"}
CUSTOMERS = {"B2B": "B2B", "B2C": "B2C", "BUSINESS": "B2B", "CONSUMER": "B2C"}
FLAGS = {"1": True, "TRUE": True, "T": True, "Y": True, "YES": True,
         "0": False, "FALSE": False, "F": False, "N": False, "NO": False}


def _rows(name: str) -> list[dict[str, str]]:
    with (CODES_DIR / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


@dataclass(frozen=True)
class CodeTables:
    """Everything a contract check or a classification looks codes up in."""

    currencies: frozenset[str]
    #: Economy codes a record may use (alpha-3, and alpha-2 spellings) -> alpha-3.
    economies: dict[str, str]
    #: HS chapter ("01".."97") -> PRODUCT code of its HS section ("HS01".."HS21").
    chapters: dict[str, str]
    #: (HS edition, HS 6-digit code) -> PRODUCT code of its ICT goods category.
    ict_goods: dict[tuple[str, str], str]
    #: Customs regime code -> CHANNEL code.
    regimes: dict[str, str]
    #: HS edition -> all its subheadings, for the editions whose full list we ship (HS2022);
    #: codes of other editions are checked against :attr:`chapters` only.
    subheadings: dict[str, frozenset[str]]


@cache
def _static() -> tuple[dict[str, str], dict[tuple[str, str], str], dict[str, str],
                       dict[str, frozenset[str]]]:
    chapters = {r["chapter"]: r["product"] for r in _rows("hs_chapters.csv")}
    ict = {(r["hs_version"], r["hs6"]): r["product"] for r in _rows("ict_goods.csv")}
    with (CODES_DIR / "customs_regimes.toml").open("rb") as fh:
        regimes = {str(k).upper(): v for k, v in tomllib.load(fh)["regime"].items()}
    subheadings = {"HS2022": frozenset(r["hs6"] for r in _rows("hs2022_subheadings.csv"))}
    return chapters, ict, regimes, subheadings


def code_tables(catalogue: Catalogue | None = None) -> CodeTables:
    """The code tables, with economies from ``catalogue`` (default: the shipped one)."""
    catalogue = catalogue or get_catalogue()
    alpha3 = {a.code for a in catalogue.economies()}
    economies = {code: code for code in alpha3}
    for country in pycountry.countries:
        if country.alpha_3 in alpha3:
            economies.setdefault(country.alpha_2, country.alpha_3)
    chapters, ict, regimes, subheadings = _static()
    currencies = frozenset(c.alpha_3 for c in pycountry.currencies)
    return CodeTables(currencies, economies, chapters, ict, regimes, subheadings)
