"""Claim: on 1,000,000 sampled businesses, deo estimates 12 ICT indicators by 4 breakdowns
with linearised standard errors at least 10 times faster than R's survey package
(``svyby``), with the same numbers.

Both run in one go on the same synthetic stratified sample (size class x industry, with
FPC): ten proportions (B1, B3, B5-B12) and two ratios (B2, B4: persons employed using
computers / the Internet over persons employed), each by SIZE_CLASS, ACTIVITY,
URBANISATION and SEX. Timed: building the design and estimating (reading the file is
not timed, for either). Prints ``ratio R/deo`` last.

    python benchmarks/survey_estimation.py            # 1,000,000 businesses
    python benchmarks/survey_estimation.py --rows 100000

Without Rscript and R's survey package, deo is timed alone and the ratio is skipped
(with the reason printed).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

from deo.measure.surveys import DesignSpec, Microdata, Target, build_design, estimate
from deo.measure.surveys.estimators import domain_codes
from deo.measure.surveys.synthetic import SampleSpec, business_register, draw_sample

PROPORTIONS = {
    "B1": "uses_computers", "B3": "uses_internet", "B5": "web_presence", "B6": "intranet",
    "B7": "received_orders_internet", "B8": "placed_orders_internet",
    "B9": "fixed_broadband", "B10": "lan", "B11": "extranet", "B12": "internet_for_banking",
}
RATIOS = {"B2": "persons_using_computers", "B4": "persons_using_internet"}
BREAKDOWNS = ("size_class", "activity", "urbanisation", "owner_sex")
SPEC = DesignSpec(strata=("stratum",), weights="weight", fpc=("population",))

R_SCRIPT = """
suppressMessages(library(survey))
d <- read.csv('sample.csv')
started <- proc.time()[['elapsed']]
des <- svydesign(ids=~1, strata=~stratum, weights=~weight, fpc=~population, data=d)
rows <- list()
for (b in c({breakdowns})) {{
  by <- as.formula(paste0('~', b))
  m <- svyby(~{proportions}, by, des, svymean)
  r <- svyby(~{ratios}, by, denominator=~employees, des, svyratio)
  for (e in list(m, r)) rows[[length(rows) + 1]] <- data.frame(
    breakdown = b, domain = sub(':.*', '', names(coef(e))),
    name = sub('^[^:]*:', '', names(coef(e))), estimate = coef(e), se = as.numeric(unlist(SE(e))))
}}
elapsed <- proc.time()[['elapsed']] - started
out <- do.call(rbind, rows)
out$estimate <- sprintf('%.17g', out$estimate); out$se <- sprintf('%.17g', out$se)
write.csv(out, 'r_estimates.csv', row.names = FALSE)
cat(sprintf('%.3f\\n', elapsed))
"""


def make_sample(rows: int, seed: int = 1) -> pd.DataFrame:
    """About ``rows`` sampled businesses (the register is sized to give that many)."""
    register = business_register(int(rows / 0.4155) + 50, seed=seed, districts=500)
    sample = draw_sample(register, SampleSpec(fractions=(0.35, 0.6, 1.0)), seed=seed + 1)
    return sample


def run_deo(sample: pd.DataFrame) -> tuple[float, dict[tuple[str, str, str], tuple]]:
    """Seconds to build the design and estimate everything, and the estimates."""
    started = time.perf_counter()
    design = build_design(Microdata.from_frame(sample, "sample"), SPEC)
    found = {}
    for by in BREAKDOWNS:
        codes = domain_codes(design, by)
        targets = [(c, Target("proportion", v, yes=("1",))) for c, v in PROPORTIONS.items()]
        targets += [(c, Target("ratio", v, "employees")) for c, v in RATIOS.items()]
        for code, target in targets:
            for e in estimate(design, target, codes=codes):
                found[(by, e.domain.split("=", 1)[1], code)] = (e.estimate, e.se)
    return time.perf_counter() - started, found


def r_missing() -> str | None:
    if shutil.which("Rscript") is None:
        return "Rscript not found (Debian: apt-get install r-base-core r-cran-survey)"
    probe = subprocess.run(["Rscript", "-e", "quit(status = !requireNamespace('survey', "
                            "quietly = TRUE))"], capture_output=True)
    return None if probe.returncode == 0 else "R's survey package is not installed"


def run_r(sample: pd.DataFrame, work: Path) -> tuple[float, pd.DataFrame]:
    """Seconds R's survey takes for the same work, and its estimates."""
    frame = sample[["stratum", "weight", "population", "employees", *BREAKDOWNS,
                    *RATIOS.values()]].copy()
    for column in PROPORTIONS.values():  # R estimates a proportion as a mean of 0/1
        frame[column] = (sample[column] == 1).astype(int)
    frame.to_csv(work / "sample.csv", index=False)
    script = R_SCRIPT.format(
        breakdowns=", ".join(f"'{b}'" for b in BREAKDOWNS),
        proportions="+".join(PROPORTIONS.values()), ratios="+".join(RATIOS.values()))
    (work / "bench.R").write_text(script, encoding="utf-8")
    done = subprocess.run(["Rscript", "bench.R"], cwd=work, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"R failed:\n{done.stderr[-3000:]}")
    return float(done.stdout.strip().splitlines()[-1]), pd.read_csv(work / "r_estimates.csv")


def compare(ours: dict, theirs: pd.DataFrame) -> float:
    """Largest relative difference between deo's and R's estimates and SEs."""
    names = {v: k for k, v in PROPORTIONS.items()}
    names |= {f"{v}/employees": k for k, v in RATIOS.items()}
    worst = 0.0
    for row in theirs.itertuples(index=False):
        code = names[row.name]
        estimate, se = ours[(row.breakdown, str(row.domain), code)]
        for mine, r_value in ((estimate, row.estimate), (se, row.se)):
            worst = max(worst, abs(mine - r_value) / max(abs(r_value), 1e-300))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="Sampled businesses.")
    args = parser.parse_args()
    sample = make_sample(args.rows)
    cells = sum(sample[b].nunique() for b in BREAKDOWNS) * (len(PROPORTIONS) + len(RATIOS))
    print(f"{len(sample):,} sampled businesses, {sample['stratum'].nunique()} strata; "
          f"{len(PROPORTIONS) + len(RATIOS)} indicators by {len(BREAKDOWNS)} breakdowns "
          f"= {cells} estimates with linearised SEs")
    deo_s, ours = run_deo(sample)
    print(f"deo:          {deo_s:8.2f} s")
    why = r_missing()
    if why:
        print(f"R's survey not run: {why}; no ratio")
        return
    work = Path(tempfile.mkdtemp(prefix="deo-survey-bench-"))
    try:
        r_s, theirs = run_r(sample, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"R survey svyby: {r_s:8.2f} s")
    print(f"largest relative difference deo vs R (estimates and SEs): "
          f"{compare(ours, theirs):.1e} over {len(theirs)} estimates")
    print(f"ratio R/deo {r_s / deo_s:.1f}")


if __name__ == "__main__":
    main()
