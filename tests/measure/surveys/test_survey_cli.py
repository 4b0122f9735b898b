"""`deo survey`: from microdata to stored observations with SE, interval and status."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from deo.cli import main
from deo.measure.surveys import (
    DesignSpec,
    Microdata,
    adjust_nonresponse,
    build_design,
    read_microdata,
    survey_proportion,
)
from deo.measure.surveys.synthetic import business_register, draw_sample
from deo.store import Store

MAP = "unctad-model-questionnaire"


@pytest.fixture
def survey(tmp_path):
    assert main(["survey", "generate", str(tmp_path), "--businesses", "8000", "--seed",
                 "3"]) == 0
    return tmp_path


def _estimate(folder, *extra: str) -> int:
    return main(["survey", "estimate", str(folder / "sample.csv"), "--design",
                 str(folder / "design.toml"), "--map", MAP, "--area", "KEN", "--period",
                 "2023", *extra])


def _stored() -> pd.DataFrame:
    store = Store.open()
    try:
        return store.query()
    finally:
        store.close()


def test_estimates_are_stored_with_uncertainty(survey, capsys):
    assert _estimate(survey, "--output", str(survey / "all.csv")) == 0
    stored = _stored()
    table = pd.read_csv(survey / "all.csv")
    b7 = stored[(stored["indicator"] == "B7") & (stored["breakdown"] == "")].iloc[0]
    mine = table[(table["indicator"] == "B7") & table["SIZE_CLASS"].isna()
                 & table["ACTIVITY"].isna() & table["URBANISATION"].isna()
                 & table["SEX"].isna()].iloc[0]
    assert b7["value"] == pytest.approx(mine["estimate"])
    assert b7["se"] > 0 and b7["ci_lower"] < b7["value"] < b7["ci_upper"]
    # A 95% interval is the estimate plus or minus 1.96 standard errors.
    assert b7["ci_upper"] - b7["value"] == pytest.approx(1.959964 * b7["se"], rel=1e-6)
    keys = set(stored.loc[stored["indicator"] == "B7", "breakdown"])
    assert {"SIZE_CLASS=10-49", "ACTIVITY=G", "URBANISATION=R", "SEX=F"} <= keys
    assert "INTERNET_ACCESS=FBB;SIZE_CLASS=GE250" in set(
        stored.loc[stored["indicator"] == "B9", "breakdown"])
    # The percentages are estimates of the synthetic truth, within a few points.
    truth = pd.read_csv(survey / "truth.csv")
    assert b7["value"] == pytest.approx(100 * truth["received_orders_internet"][0], abs=6)
    # Running again finds the same release.
    assert _estimate(survey) == 0
    assert "already loaded" in capsys.readouterr().out


def test_check_stores_nothing(survey, capsys):
    assert _estimate(survey, "--check") == 0
    assert _stored().empty
    assert "nothing was stored" in capsys.readouterr().out


def test_quality_rules_flag_and_suppress(survey):
    design = (survey / "design.toml").read_text()
    (survey / "design.toml").write_text(
        design + "\n[quality]\nflag_cv = 0.05\nsuppress_cv = 0.5\nmin_respondents = 150\n",
        encoding="utf-8")
    assert _estimate(survey) == 0
    stored = _stored()
    suppressed = stored[stored["status"] == "Q"]
    flagged = stored[stored["status"] == "U"]
    assert len(suppressed) and len(flagged)
    assert suppressed["value"].isna().all() and suppressed["se"].isna().all()
    assert flagged["value"].notna().all()
    # Only the cells a rule hits: the overall B1 estimate stands.
    overall = stored[(stored["indicator"] == "B1") & (stored["breakdown"] == "")]
    assert overall["status"].tolist() == ["A"]


def test_disclosure_of_a_dominated_total(tmp_path):
    sample = draw_sample(business_register(4000, seed=8), seed=9)
    sample.loc[sample["activity"] == "L", "web_sales_value"] = 0.0
    first = sample.index[sample["activity"] == "L"][0]
    sample.loc[first, "web_sales_value"] = 5e6  # one seller in the cell
    sample.to_csv(tmp_path / "sample.csv", index=False)
    (tmp_path / "design.toml").write_text(
        '[design]\nstrata = "stratum"\nweights = "weight"\nfpc = "population"\n',
        encoding="utf-8")
    assert _estimate(tmp_path) == 0
    stored = _stored()
    cell = stored[(stored["indicator"] == "DEO.ECOM.WEB_SALES.VAL")
                  & (stored["breakdown"] == "ACTIVITY=L")].iloc[0]
    assert cell["status"] == "Q" and np.isnan(cell["value"])


def test_calibration_and_nonresponse_from_the_design_file(tmp_path):
    register = business_register(6000, seed=12)
    sample = draw_sample(register, seed=13)
    sample.to_csv(tmp_path / "sample.csv", index=False)
    counts = register["size_class"].value_counts()
    totals = ", ".join(f'"{k}" = {v}' for k, v in counts.items())
    (tmp_path / "design.toml").write_text(
        '[design]\nstrata = "stratum"\nweights = "weight"\nfpc = "population"\n'
        '[nonresponse]\nresponded = "responded"\nclasses = ["stratum"]\n'
        '[calibration]\nmethod = "raking"\nbounds = [0.5, 2.0]\n'
        f'[[calibration.margin]]\nvariable = "size_class"\ntotals = {{ {totals} }}\n'
        '[variance]\nmethod = "jkn"\nconfidence = 0.9\n', encoding="utf-8")
    assert _estimate(tmp_path) == 0
    stored = _stored()
    b1 = stored[(stored["indicator"] == "B1") & (stored["breakdown"] == "")].iloc[0]
    # A 90% interval: 1.645 standard errors each side.
    assert b1["ci_upper"] - b1["value"] == pytest.approx(1.644854 * b1["se"], rel=1e-6)


def test_nonresponse_adjustment_keeps_class_totals():
    sample = draw_sample(business_register(4000, seed=5), seed=6)
    sample["responded"] = np.where(np.arange(len(sample)) % 3 == 0, 2, 1)
    design = build_design(Microdata.from_frame(sample), DesignSpec(
        strata=("stratum",), weights="weight", fpc=("population",)))
    adjusted = adjust_nonresponse(design, "responded", ["stratum"])
    assert adjusted.n == int((sample["responded"] == 1).sum())
    before = pd.Series(design.weights).groupby(sample["stratum"]).sum()
    kept = sample[sample["responded"] == 1].reset_index(drop=True)
    after = pd.Series(adjusted.weights).groupby(kept["stratum"]).sum()
    assert after.to_dict() == pytest.approx(before.to_dict())


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".sav", ".dta"])
def test_every_microdata_format_gives_the_same_estimates(tmp_path, suffix):
    sample = draw_sample(business_register(2000, seed=2), seed=3)[
        ["stratum", "weight", "population", "size_class", "received_orders_internet"]]
    path = tmp_path / f"survey{suffix}"
    if suffix == ".xlsx":
        sample.to_excel(path, index=False)
    elif suffix == ".parquet":
        sample.to_parquet(path)
    elif suffix == ".sav":
        pyreadstat.write_sav(sample, str(path))
    else:
        sample.to_stata(path, write_index=False)
    spec = DesignSpec(strata=("stratum",), weights="weight", fpc=("population",))
    found = survey_proportion(build_design(read_microdata(path), spec),
                              "received_orders_internet", by="size_class")
    expected = survey_proportion(build_design(Microdata.from_frame(sample), spec),
                                 "received_orders_internet", by="size_class")
    assert [x for e in found for x in (e.estimate, e.se)] == pytest.approx(
        [x for e in expected for x in (e.estimate, e.se)], rel=1e-12)
    assert len(found) == 3


def test_maps_command_lists_the_shipped_maps(capsys):
    assert main(["survey", "maps"]) == 0
    shown = capsys.readouterr().out
    assert MAP in shown and "eurostat-ict-enterprises" in shown
