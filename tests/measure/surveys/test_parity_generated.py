"""Generated surveys: deo against R's survey package (run through Rscript) for strata,
two-stage clusters, FPC, domains, ratios, lonely PSUs, calibration and replicate weights.
Estimates and standard errors agree to 1e-8 relative."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from survey_oracle import assert_parity

from deo.measure.surveys import (
    DesignSpec,
    Margin,
    Microdata,
    Target,
    build_design,
    calibrate,
    estimate,
    given_replicates,
    with_replicates,
)
from deo.measure.surveys.synthetic import SampleSpec, draw_cluster_sample, draw_sample

#: What each case estimates, as (name, deo target, by, R expression).
STATISTICS = [
    ("total web_sales_value", Target("total", "web_sales_value"), None,
     "svytotal(~web_sales_value, des)"),
    ("mean employees", Target("mean", "employees"), None, "svymean(~employees, des)"),
    ("proportion orders", Target("proportion", "received_orders_internet", yes=("1",)), None,
     "svymean(~I(as.numeric(received_orders_internet == 1)), des)"),
    ("ratio computers", Target("ratio", "persons_using_computers", "employees"), None,
     "svyratio(~persons_using_computers, ~employees, des)"),
    ("proportion orders by size", Target("proportion", "received_orders_internet"),
     "size_class",
     "svyby(~I(as.numeric(received_orders_internet == 1)), ~size_class, des, svymean)"),
    ("ratio computers by urbanisation", Target("ratio", "persons_using_computers", "employees"),
     "urbanisation",
     "svyby(~persons_using_computers, ~urbanisation, denominator=~employees, des, svyratio)"),
    ("total web_sales_value by sex", Target("total", "web_sales_value"), "owner_sex",
     "svyby(~web_sales_value, ~owner_sex, des, svytotal)"),
]


def _r_estimates(prefix: str) -> str:
    lines = []
    for name, _target, by, expression in STATISTICS:
        if by is None:
            lines.append(f"e <- {expression}; keep('{prefix} {name}', coef(e), SE(e))")
        else:
            lines.append(f"e <- {expression}; "
                         f"keep(paste0('{prefix} {name} {by}=', e[[1]]), coef(e), SE(e))")
    return "\n".join(lines) + "\n"


def _ours(design, prefix: str) -> dict[str, tuple[float, float]]:
    out = {}
    for name, target, by, _expression in STATISTICS:
        for e in estimate(design, target, by):
            key = f"{prefix} {name}" + (f" {e.domain}" if by else "")
            out[key] = (e.estimate, e.se)
    return out


@pytest.fixture(scope="module")
def stratified(register):
    return draw_sample(register, SampleSpec(fractions=(0.05, 0.2, 0.6)), seed=5)


@pytest.fixture(scope="module")
def clustered(register):
    return draw_cluster_sample(register, regions=4, districts_per_region=5, per_district=7)


def test_two_stage_clusters_with_fpc(run_r, clustered, tmp_path):
    script = (
        "d <- read.csv('sample.csv')\n"
        "des <- svydesign(ids=~district+business_id, strata=~region, "
        "fpc=~districts+district_size, data=d, nest=TRUE)\n" + _r_estimates("two-stage")
        + "des <- svydesign(ids=~district, strata=~region, fpc=~districts, weights=~weight, "
        "data=d, nest=TRUE)\n" + _r_estimates("ultimate")
    )
    theirs = run_r(script, tmp_path, sample=clustered)
    data = Microdata.from_frame(clustered, "sample.csv")
    two_stage = build_design(data, DesignSpec(
        ids=("district", "business_id"), strata=("region",),
        fpc=("districts", "district_size")))
    ultimate = build_design(data, DesignSpec(
        ids=("district",), strata=("region",), weights="weight", fpc=("districts",)))
    ours = {**_ours(two_stage, "two-stage"), **_ours(ultimate, "ultimate")}
    assert_parity(ours, theirs)
    # The second stage adds variance: the two designs really differ.
    assert ours["two-stage mean employees"][1] != ours["ultimate mean employees"][1]


@pytest.mark.parametrize("rule", ["remove", "certainty", "adjust", "average"])
def test_lonely_psu_rules(run_r, stratified, tmp_path, rule):
    # Keep one business of one stratum (not a take-all one): a lonely PSU.
    lonely = stratified["stratum"] == "10-49|L"
    sample = pd.concat([stratified[~lonely], stratified[lonely].head(1)]).reset_index(drop=True)
    script = (
        f"options(survey.lonely.psu='{rule}')\nd <- read.csv('sample.csv')\n"
        "des <- svydesign(ids=~1, strata=~stratum, weights=~weight, fpc=~population, "
        "data=d)\n" + _r_estimates(rule)
    )
    theirs = run_r(script, tmp_path, sample=sample)
    design = build_design(Microdata.from_frame(sample), DesignSpec(
        strata=("stratum",), weights="weight", fpc=("population",), lonely_psu=rule))
    assert_parity(_ours(design, rule), theirs)


def _margins(register: pd.DataFrame) -> list[Margin]:
    sizes = register["size_class"].value_counts().sort_index()
    activities = register["activity"].value_counts().sort_index()
    return [
        Margin("size_class", {k: float(v) for k, v in sizes.items()}),
        Margin("activity", {k: float(v) for k, v in activities.items()}),
        Margin("employees", total=float(register["employees"].sum())),
    ]


def _r_population(margins: list[Margin]) -> str:
    parts = [f"`(Intercept)`={sum(margins[0].totals.values())!r}"]
    for margin in margins:
        if margin.totals is None:
            parts.append(f"{margin.variable}={margin.total!r}")
        else:
            parts += [f"`{margin.variable}{code}`={value!r}"
                      for code, value in list(margin.totals.items())[1:]]
    return "c(" + ", ".join(parts) + ")"


CALIBRATIONS = [("linear", None), ("raking", None), ("linear", (0.97, 1.03)),
                ("raking", (0.975, 1.04))]


def test_calibration(run_r, register, stratified, tmp_path):
    margins = _margins(register)
    script = (
        "d <- read.csv('sample.csv')\n"
        "des0 <- svydesign(ids=~1, strata=~stratum, weights=~weight, fpc=~population, "
        "data=d)\n"
    )
    design0 = build_design(Microdata.from_frame(stratified), DesignSpec(
        strata=("stratum",), weights="weight", fpc=("population",)))
    ours = {}
    for method, bounds in CALIBRATIONS:
        label = f"{method}{'-bounded' if bounds else ''}"
        r_bounds = f", bounds=c({bounds[0]}, {bounds[1]})" if bounds else ""
        script += (
            f"des <- calibrate(des0, ~size_class + activity + employees, "
            f"population={_r_population(margins)}, calfun='{method}'{r_bounds}, "
            "epsilon=1e-13, maxit=500)\n" + _r_estimates(label)
        )
        design = calibrate(design0, margins, method, bounds or (-np.inf, np.inf))
        ours.update(_ours(design, label))
        if bounds:  # the bounds bind (else this case tests nothing new) and hold
            ratio = design.weights / design0.weights
            assert ratio.min() == pytest.approx(bounds[0]) or ratio.max() == pytest.approx(
                bounds[1])
    theirs = run_r(script, tmp_path, sample=stratified)
    assert_parity(ours, theirs)
    # Calibration reproduces the register's counts exactly.
    size_counts = pd.Series(design.weights).groupby(stratified["size_class"]).sum()
    assert size_counts.to_dict() == pytest.approx(dict(margins[0].totals))


def test_replicate_weights(run_r, register, stratified, clustered, tmp_path):
    data = Microdata.from_frame(stratified)
    spec = DesignSpec(strata=("stratum",), weights="weight", fpc=("population",))
    design = build_design(data, spec)
    jkn = with_replicates(design, "jkn")
    jkn_mse = with_replicates(design, "jkn", mse=True)
    boot = with_replicates(design, "bootstrap", replicates=60, seed=7)
    one_stage = build_design(Microdata.from_frame(clustered),
                             DesignSpec(ids=("district",), weights="weight"))
    jk1 = with_replicates(one_stage, "jk1")
    margins = _margins(register)
    jkn_calibrated = calibrate(jkn, margins[:2], "raking")
    pd.DataFrame(boot.replicates.weights).to_csv(tmp_path / "boot.csv", index=False)
    script = (
        "d <- read.csv('sample.csv')\nc <- read.csv('clusters.csv')\n"
        "des0 <- svydesign(ids=~1, strata=~stratum, weights=~weight, fpc=~population, "
        "data=d)\n"
        "des <- as.svrepdesign(des0, type='JKn')\n" + _r_estimates("jkn")
        + "des <- as.svrepdesign(des0, type='JKn', mse=TRUE)\n" + _r_estimates("jkn-mse")
        + "des <- svrepdesign(data=d, repweights=as.matrix(read.csv('boot.csv')), "
        "weights=~weight, type='bootstrap', combined.weights=TRUE)\n" + _r_estimates("boot")
        + "des <- as.svrepdesign(svydesign(ids=~district, weights=~weight, data=c), "
        "type='JK1')\n" + _r_estimates("jk1")
        + "des <- calibrate(as.svrepdesign(des0, type='JKn'), ~size_class + activity, "
        f"population={_r_population(margins[:2])}, calfun='raking', epsilon=1e-13, "
        "maxit=500)\n" + _r_estimates("jkn-raked")
    )
    theirs = run_r(script, tmp_path, sample=stratified, clusters=clustered)
    ours = {**_ours(jkn, "jkn"), **_ours(jkn_mse, "jkn-mse"), **_ours(boot, "boot"),
            **_ours(jk1, "jk1"),
            **_ours(jkn_calibrated, "jkn-raked")}
    assert_parity(ours, theirs)
    # Supplied replicate weights give what the generated ones give.
    again = given_replicates(design, boot.replicates.weights, 1 / 59)
    assert _ours(again, "boot") == _ours(boot, "boot")


def test_design_effect(run_r, stratified, tmp_path):
    script = (
        "d <- read.csv('sample.csv')\n"
        "des <- svydesign(ids=~1, strata=~stratum, weights=~weight, fpc=~population, "
        "data=d)\n"
        "m <- svymean(~employees, des, deff=TRUE); keep('mean', deff(m), SE(m))\n"
        "t <- svytotal(~web_sales_value, des, deff=TRUE); keep('total', deff(t), SE(t))\n"
    )
    theirs = run_r(script, tmp_path, sample=stratified)
    design = build_design(Microdata.from_frame(stratified), DesignSpec(
        strata=("stratum",), weights="weight", fpc=("population",)))
    mean = estimate(design, Target("mean", "employees"))[0]
    total = estimate(design, Target("total", "web_sales_value"))[0]
    assert_parity({"mean": (mean.deff, mean.se), "total": (total.deff, total.se)}, theirs)
