"""Fixtures for the survey tests: R's survey package as the oracle, and sample data."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest


def _r_ready() -> str | None:
    """Why R cannot be the oracle here, or None when it can."""
    if shutil.which("Rscript") is None:
        return "Rscript not found (install Debian's r-base-core and r-cran-survey; .ci/run does)"
    found = subprocess.run(
        ["Rscript", "-e", "quit(status = !requireNamespace('survey', quietly = TRUE))"],
        capture_output=True, timeout=120,
    )
    if found.returncode != 0:
        return "R's survey package is not installed (Debian package r-cran-survey)"
    return None


@pytest.fixture(scope="session")
def run_r():
    """``run_r(script, tmp_path, **frames) -> DataFrame``: write the frames as CSV files
    (``<name>.csv`` in ``tmp_path``), run the script there with Rscript and read the CSV
    it writes to ``out.csv`` (columns name, estimate, se)."""
    why = _r_ready()
    if why:
        pytest.skip(why)

    def run(script: str, folder: Path, **frames: pd.DataFrame) -> pd.DataFrame:
        for name, frame in frames.items():
            frame.to_csv(folder / f"{name}.csv", index=False)
        header = (
            "suppressMessages(library(survey))\n"
            "rows <- list()\n"
            "keep <- function(name, est, se) rows[[length(rows) + 1]] <<- "
            "data.frame(name = name, estimate = as.numeric(est), se = as.numeric(se))\n"
        )
        footer = (
            "\nout <- do.call(rbind, rows)\n"
            "out$estimate <- sprintf('%.17g', out$estimate)\n"
            "out$se <- sprintf('%.17g', out$se)\n"
            "write.csv(out, 'out.csv', row.names = FALSE)\n"
        )
        (folder / "script.R").write_text(header + script + footer, encoding="utf-8")
        done = subprocess.run(["Rscript", "script.R"], cwd=folder, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
        return pd.read_csv(folder / "out.csv", dtype={"name": str})

    return run


@pytest.fixture(scope="session")
def register():
    from deo.measure.surveys.synthetic import business_register

    return business_register(6000, seed=11, districts=60)
