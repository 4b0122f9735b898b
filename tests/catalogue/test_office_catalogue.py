"""An office's own indicators and code lists under $DEO_HOME/catalogue: used when right,
refused with a clear message when wrong (never an internal error)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deo.catalogue import get_catalogue
from deo.core import DeoError

NATIONAL = """
[[indicator]]
code = "KE.MPESA.USERS"
owner = "KNBS"
source = "Kenya National Bureau of Statistics"
unit = "PT"
valid_min = {low}
valid_max = 100
breakdowns = ["SEX"]
aliases = [{alias}]
name = {{ en = "Mobile money users (% of adults)", fr = "Utilisateurs de monnaie mobile" }}
definition = {{ en = "Adults who used mobile money in the last 90 days." }}
"""


def office(tmp_path: Path, low: str = "0", alias: str = '"mpesa"') -> Path:
    folder = tmp_path / "catalogue"
    (folder / "indicators").mkdir(parents=True)
    (folder / "indicators" / "national.toml").write_text(NATIONAL.format(low=low, alias=alias))
    return folder


def test_an_office_indicator_joins_the_shipped_ones(tmp_path):
    catalogue = get_catalogue(office(tmp_path))
    ind = catalogue.indicator("mpesa")
    assert ind.code == "KE.MPESA.USERS" and ind.valid_max == 100 and ind.breakdowns == ("SEX",)
    assert "IT.NET.USER.ZS" in catalogue.indicators


def test_a_quoted_number_is_a_clear_error(tmp_path):
    with pytest.raises(DeoError, match=r"valid_min = '0' must be a number"):
        get_catalogue(office(tmp_path, low='"0"'))


def test_an_alias_taken_by_a_shipped_indicator_is_refused(tmp_path):
    with pytest.raises(DeoError, match="FB_BNK_ACCSS of KE.MPESA.USERS is already FX.OWN"):
        get_catalogue(office(tmp_path, alias='"FB_BNK_ACCSS"'))


def test_a_code_list_without_its_header_is_a_clear_error(tmp_path):
    folder = office(tmp_path)
    (folder / "codelists").mkdir()
    (folder / "codelists" / "county.toml").write_text('[[code]]\nid = "047"\nname = "Nairobi"\n')
    with pytest.raises(DeoError, match=r"county.toml: a code list file needs a \[codelist\]"):
        get_catalogue(folder)


def test_a_code_list_that_repeats_a_shipped_one_is_refused(tmp_path):
    folder = office(tmp_path)
    (folder / "codelists").mkdir()
    (folder / "codelists" / "sex.toml").write_text(
        '[codelist]\nid = "SEX"\nname = "Sex"\n[[code]]\nid = "X"\nname = "Other"\n'
    )
    with pytest.raises(DeoError, match="code list SEX is defined twice"):
        get_catalogue(folder)
