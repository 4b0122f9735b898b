"""apistrat (R's stratified sample of California schools): deo against R's survey
package, run live through Rscript, and against the published golden table."""

from __future__ import annotations

import pandas as pd
import pytest
from survey_oracle import assert_parity

from deo.measure.surveys import (
    DesignSpec,
    build_design,
    read_microdata,
    survey_mean,
    survey_proportion,
    survey_ratio,
    survey_total,
)

DESIGNS = {"stratified_fpc": ("fpc",), "stratified_nofpc": ()}


def _ours(path, fpc: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    design = build_design(read_microdata(path),
                          DesignSpec(strata=("stype",), weights="pw", fpc=fpc))
    found = {
        "mean api00": survey_mean(design, "api00")[0],
        "total enroll": survey_total(design, "enroll")[0],
        "ratio api.stu/enroll": survey_ratio(design, "api.stu", "enroll")[0],
        "proportion awards==Yes": survey_proportion(design, "awards", ("Yes",))[0],
    }
    for e in survey_mean(design, "api00", by="stype"):
        found[f"mean_by_{e.domain} api00"] = e
    for e in survey_total(design, "enroll", by="stype"):
        found[f"total_by_{e.domain} enroll"] = e
    for e in survey_ratio(design, "api.stu", "enroll", by="stype"):
        found[f"ratio_by_{e.domain} api.stu/enroll"] = e
    return {name: (e.estimate, e.se) for name, e in found.items()}


def test_golden_table(reference_data):
    """The published R 4.2.2 / survey 4.1 figures (12 significant digits)."""
    golden = pd.read_csv(reference_data / "apistrat_golden_R.csv")
    assert len(golden) == 14
    for design, fpc in DESIGNS.items():
        ours = _ours(reference_data / "apistrat.csv", fpc)
        for row in golden[golden["design"] == design].itertuples(index=False):
            name = f"{row.statistic} {row.variable}"
            estimate, se = ours[name]
            # The file rounds to 12 significant digits.
            assert estimate == pytest.approx(row.estimate, rel=2e-11), name
            assert se == pytest.approx(row.se, rel=2e-11), name


R_SCRIPT = """
d <- read.csv('apistrat.csv')
for (design in c('fpc', 'nofpc')) {
  if (design == 'fpc') des <- svydesign(ids=~1, strata=~stype, weights=~pw, fpc=~fpc, data=d)
  else des <- svydesign(ids=~1, strata=~stype, weights=~pw, data=d)
  m <- svymean(~api00, des); keep(paste(design, 'mean api00'), coef(m), SE(m))
  t <- svytotal(~enroll, des); keep(paste(design, 'total enroll'), coef(t), SE(t))
  r <- svyratio(~api.stu, ~enroll, des)
  keep(paste(design, 'ratio api.stu/enroll'), coef(r), SE(r))
  p <- svymean(~I(awards == 'Yes'), des)
  keep(paste(design, 'proportion awards==Yes'), coef(p)[2], SE(p)[2])
  b <- svyby(~api00, ~stype, des, svymean)
  keep(paste0(design, ' mean_by_stype=', b$stype, ' api00'), coef(b), SE(b))
  b <- svyby(~enroll, ~stype, des, svytotal)
  keep(paste0(design, ' total_by_stype=', b$stype, ' enroll'), coef(b), SE(b))
  b <- svyby(~api.stu, ~stype, denominator=~enroll, des, svyratio)
  keep(paste0(design, ' ratio_by_stype=', b$stype, ' api.stu/enroll'), coef(b), SE(b))
}
"""


def test_live_r(run_r, reference_data, tmp_path):
    source = pd.read_csv(reference_data / "apistrat.csv")
    theirs = run_r(R_SCRIPT, tmp_path, apistrat=source)
    ours = {}
    for label, fpc in (("fpc", ("fpc",)), ("nofpc", ())):
        for name, value in _ours(reference_data / "apistrat.csv", fpc).items():
            ours[f"{label} {name}"] = value
    assert len(theirs) == 26
    assert_parity(ours, theirs)
