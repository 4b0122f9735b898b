"""Calibration and design checks that must refuse, with the margin, category or record named,
rather than do nothing, produce impossible weights, or blame the wrong rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from deo.core import DeoError, LoadRejected
from deo.measure.surveys import (
    DesignSpec,
    Margin,
    Microdata,
    Target,
    build_design,
    calibrate,
    estimate,
)
from deo.measure.surveys.recipe import read_design


def _design(frame: pd.DataFrame, **spec):
    return build_design(Microdata.from_frame(frame, "survey.csv"), DesignSpec(**spec))


@pytest.fixture
def small() -> pd.DataFrame:
    """Twelve firms: four size classes' worth of codes, an employment count, weights 10."""
    return pd.DataFrame({
        "size": ["S"] * 6 + ["M"] * 4 + ["L"] * 2,
        "employees": [5, 8, 9, 12, 6, 7, 60, 80, 70, 55, 400, 900],
        "web": [1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1],
        "w": [10.0] * 12,
    })


def _write(tmp_path, text: str):
    path = tmp_path / "design.toml"
    path.write_text('[design]\nweights = "w"\n' + text, encoding="utf-8")
    return path


def test_a_calibration_table_without_margins_is_refused(tmp_path):
    # Before: read as "no calibration", so raking was silently skipped.
    path = _write(tmp_path, '[calibration]\nmethod = "raking"\n')
    with pytest.raises(DeoError, match=r"has no \[\[calibration.margin\]\]"):
        read_design(path)


def test_a_margin_written_as_a_single_table_is_explained(tmp_path):
    path = _write(tmp_path, '[calibration]\nmethod = "raking"\n[calibration.margin]\n'
                            'variable = "size"\ntotals = { S = 100, M = 40, L = 20 }\n')
    with pytest.raises(DeoError) as raised:
        read_design(path)
    assert "[[calibration.margin]]" in str(raised.value)
    assert "double brackets" in str(raised.value)


@pytest.mark.parametrize(("entry", "expected"), [
    ('variable = "size"\n', "either totals"),
    ('variable = "size"\ntotals = { S = "many" }\n', "table of category = count"),
    ('variable = "employees"\ntotal = "lots"\n', "total must be a number"),
])
def test_a_malformed_margin_names_itself(tmp_path, entry, expected):
    path = _write(tmp_path, "[calibration]\n[[calibration.margin]]\n" + entry)
    with pytest.raises(DeoError, match=expected):
        read_design(path)


def test_iteration_limit_and_tolerance_are_read_and_checked(tmp_path):
    margin = '[[calibration.margin]]\nvariable = "size"\ntotals = { S = 100, M = 40, L = 20 }\n'
    recipe = read_design(_write(tmp_path, "[calibration]\nmax_iter = 7\ntolerance = 1e-6\n"
                                + margin))
    assert (recipe.max_iter, recipe.tolerance) == (7, 1e-6)
    with pytest.raises(DeoError, match="max_iter must be a whole number"):
        read_design(_write(tmp_path, "[calibration]\nmax_iter = 0\n" + margin))
    with pytest.raises(DeoError, match="tolerance must be a number from 1e-15"):
        read_design(_write(tmp_path, "[calibration]\ntolerance = 2\n" + margin))


def test_the_iteration_limit_is_used(small):
    design = _design(small, weights="w")
    margins = [Margin("size", {"S": 100, "M": 30, "L": 10}), Margin("employees", total=9000)]
    calibrate(design, margins, "raking")  # converges with the default limit
    with pytest.raises(DeoError, match="did not converge in 1 steps"):
        calibrate(design, margins, "raking", max_iter=1)


def test_linear_calibration_refuses_negative_weights_unless_allowed(small):
    design = _design(small, weights="w")
    # Far fewer employees than the sample's big firms carry: GREG pushes weights below zero.
    margins = [Margin("size", {"S": 100, "M": 30, "L": 10}), Margin("employees", total=1500)]
    with pytest.raises(DeoError, match=r"weight of zero or below") as raised:
        calibrate(design, margins, "linear")
    assert "allow_negative_weights" in str(raised.value)
    kept = calibrate(design, margins, "linear", allow_negative=True)
    assert (kept.weights < 0).any()
    assert np.isclose(kept.weights @ small["employees"], 1500)


def test_a_category_with_a_total_but_no_record_is_named(small):
    design = _design(small, weights="w")
    with pytest.raises(DeoError, match=r"margin size, category XL: its population count is 50 "
                                       r"but no record"):
        calibrate(design, [Margin("size", {"S": 100, "M": 30, "L": 10, "XL": 50})], "raking")


def test_a_zero_total_with_records_is_named(small):
    design = _design(small, weights="w")
    with pytest.raises(DeoError, match=r"category L: its population count is 0 but 2 records"):
        calibrate(design, [Margin("size", {"S": 100, "M": 30, "L": 0})], "raking")


def test_a_numeric_margin_the_sample_cannot_reach_is_named(small):
    design = _design(small.assign(zero=0.0), weights="w")
    with pytest.raises(DeoError, match=r"margin zero: the total is 5, but zero is 0 on every"):
        calibrate(design, [Margin("zero", total=5)], "linear")


def test_margins_that_repeat_each_other_agree_or_are_named(small):
    design = _design(small.assign(size_again=small["size"]), weights="w")
    counts = {"S": 100, "M": 30, "L": 10}
    # Repeated with the same totals: redundant, and the calibration meets both.
    same = calibrate(design, [Margin("size", counts), Margin("size_again", counts)], "raking")
    assert np.isclose(same.weights[small["size"].to_numpy() == "L"].sum(), 10)
    # Repeated with other totals: no weights meet both (before: "did not converge").
    with pytest.raises(DeoError, match=r"contradict.*size_again=M follows from the other "
                                       r"margins, which imply a total of 30, not 35"):
        calibrate(design, [Margin("size", counts),
                           Margin("size_again", {"S": 95, "M": 35, "L": 10})], "raking")


def test_non_convergence_names_the_margin_that_is_not_met(small):
    design = _design(small, weights="w")
    # Bounds [0.9, 1.1] cannot triple the large firms' weight.
    with pytest.raises(DeoError) as raised:
        calibrate(design, [Margin("size", {"S": 60, "M": 40, "L": 60})], "raking", (0.9, 1.1))
    text = str(raised.value)
    assert "size=L reaches 22" in text and "against a total of 60" in text


def test_fpc_varying_in_a_stratum_blames_the_odd_record(small):
    # Five records say 500, the first says 50: the first is the odd one out.
    frame = small.assign(stratum=["A"] * 6 + ["B"] * 6,
                         pop=[50] + [500] * 5 + [300] * 6).drop(columns="w")
    with pytest.raises(LoadRejected) as raised:
        _design(frame, strata=("stratum",), fpc=("pop",))
    blamed = [p for p in raised.value.problems if p.rule == "fpc-varies-in-stratum"]
    assert [p.row for p in blamed] == [1]  # the first record, not the five after it
    assert "its most common value is 500" in blamed[0].expected


def test_a_domain_without_respondents_has_no_standard_error(small):
    frame = small.assign(web=small["web"].astype(float))
    frame.loc[frame["size"] == "L", "web"] = np.nan  # the large firms did not answer
    design = _design(frame, weights="w")
    by_size = {e.domain: e for e in estimate(design, Target("proportion", "web"), "size")}
    large = by_size["size=L"]
    assert large.n == 0
    assert np.isnan(large.estimate) and np.isnan(large.se)  # before: se 0, a "certain" value
    assert np.isnan(large.ci_lower) and np.isnan(large.ci_upper)
    assert by_size["size=S"].se > 0


def test_a_domain_without_respondents_is_stored_as_missing(tmp_path):
    from deo.measure.surveys.pipeline import run_survey
    from deo.measure.surveys.synthetic import business_register, draw_sample, write_design_toml

    sample = draw_sample(business_register(3000, seed=4), seed=5)
    large = sample["size_class"] == sample["size_class"].iloc[-1]
    sample["web_presence"] = sample["web_presence"].astype(object)
    sample.loc[large, "web_presence"] = ""  # no large firm answered the question
    sample.to_csv(tmp_path / "survey.csv", index=False)
    write_design_toml(tmp_path / "design.toml")
    run = run_survey(tmp_path / "survey.csv", tmp_path / "design.toml",
                     "unctad-model-questionnaire", "KEN", "2023")
    cells = run.estimates
    cell = cells[(cells["variable"] == "web_presence") & (cells["n"] == 0)]
    assert len(cell) == 1
    assert cell["status"].iloc[0] == "M"
    assert "no respondent in the domain" in cell["quality"].iloc[0]
    stored = run.observations
    missing = stored[stored["status"] == "M"]
    assert len(missing) == 1 and missing[["value", "se"]].isna().all(axis=None)


@pytest.mark.parametrize("method", ["linear", "raking"])
def test_a_money_total_beside_counts_converges(method):
    # Counts of ~100 beside a turnover of ~1e10: before, the ill-conditioned Newton step lost
    # the counts' directions and a feasible calibration "did not converge".
    from deo.measure.surveys.synthetic import business_register, draw_sample

    sample = draw_sample(business_register(3000, seed=1), seed=2)
    design = _design(sample, weights="weight")
    turnover = float(sample["turnover"] @ sample["weight"])
    sizes = sample.groupby("size_class")["weight"].sum()
    counts = {code: float(round(total * 1.03)) for code, total in sizes.items()}
    calibrated = calibrate(design, [Margin("size_class", counts),
                                    Margin("turnover", total=turnover * 1.05)], method)
    for code, total in counts.items():
        assert np.isclose(calibrated.weights[sample["size_class"] == code].sum(), total,
                          rtol=1e-10)
    assert np.isclose(calibrated.weights @ sample["turnover"], turnover * 1.05, rtol=1e-10)

