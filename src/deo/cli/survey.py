"""Commands for sample surveys: `deo survey estimate | maps | generate`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from deo.cli.app import LANG, app, err, load_catalogue, open_store, out, use_language
from deo.cli.output import load_progress, print_frame, print_release_results
from deo.core import DeoError
from deo.i18n import _, ngettext

survey_app = typer.Typer(help="Design-based estimates from sample surveys.")
app.add_typer(survey_app, name="survey")

#: Estimates shown on screen (all are in --output).
SHOWN = 40


@survey_app.command("estimate")
def estimate(
    microdata: Path = typer.Argument(..., help="Survey records: CSV, XLSX, Parquet, SPSS "
                                     "(.sav) or Stata (.dta)."),
    design: Path = typer.Option(..., "--design", "-d", help="The design file (TOML)."),
    map_: str = typer.Option(..., "--map", "-m", help="A shipped map id (see `deo survey "
                             "maps`) or a map file (TOML)."),
    area: str | None = typer.Option(None, "--area", "-a", help="The economy surveyed, e.g. KEN."),
    period: str | None = typer.Option(None, "--period", "-p", help="Reference period, e.g. "
                                      "2023."),
    format: str | None = typer.Option(None, "--format", "-f", help="Microdata format (csv, "
                                      "xlsx, parquet, spss, stata); from the extension if "
                                      "omitted."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Also write every "
                                       "estimate with CV, design effect, n and quality "
                                       "notes to this CSV."),
    source: str | None = typer.Option(None, help="Who produced the survey (kept in the "
                                      "release)."),
    note: str | None = typer.Option(None, help="A note kept with the release."),
    check: bool = typer.Option(False, "--check", help="Estimate and show; store nothing."),
    lang: str | None = LANG,
) -> None:
    """Estimate the map's indicators with standard errors and confidence intervals,
    overall and by breakdown, and store them as one release (all or nothing)."""
    from deo.measure.surveys.pipeline import run_survey, save_run

    use_language(lang)
    catalogue = load_catalogue()
    with load_progress(err) as progress:
        run = run_survey(microdata, design, map_, area, period, catalogue, format,
                         progress=lambda done, total: progress("estimate", done, total))
    table = _shown(run.estimates)
    print_frame(out, table.head(SHOWN), title=_("Survey estimates ({map}, {n} records)")
                .format(map=run.indicator_map.method, n=run.design.n))
    if len(table) > SHOWN:
        out.print(_("... and {n} more (write them all with --output)")
                  .format(n=len(table) - SHOWN), highlight=False)
    counts = run.estimates["status"].value_counts()
    flagged, suppressed = int(counts.get("U", 0)), int(counts.get("Q", 0))
    if flagged or suppressed:
        err.print(
            ngettext("{n} estimate flagged as of low reliability (status U)",
                     "{n} estimates flagged as of low reliability (status U)", flagged)
            .format(n=flagged) + "; "
            + ngettext("{n} suppressed (status Q, no value)",
                       "{n} suppressed (status Q, no value)", suppressed).format(n=suppressed),
            highlight=False)
    if output:
        run.estimates.drop(columns=["scale"]).to_csv(output, index=False)
        out.print(_("All estimates written to {path}").format(path=output), highlight=False)
    if check:
        out.print(_("Checked; nothing was stored (run without --check to store)."))
        return
    result = save_run(open_store(), run, source, note)
    print_release_results(out, [microdata.name], [result])


def _shown(estimates: pd.DataFrame) -> pd.DataFrame:
    from deo.core.breakdown import DIMENSIONS, breakdown_key

    dims = [d for d in DIMENSIONS if d in estimates.columns]
    breakdown = estimates[dims].apply(
        lambda row: breakdown_key({d: v for d, v in row.items() if isinstance(v, str)}),
        axis=1) if dims else ""
    return pd.DataFrame({
        "indicator": estimates["indicator"], "breakdown": breakdown,
        "value": estimates["estimate"].round(4), "se": estimates["se"].round(4),
        "ci_lower": estimates["ci_lower"].round(4), "ci_upper": estimates["ci_upper"].round(4),
        "cv": (estimates["cv"] * 100).round(1), "n": estimates["n"],
        "status": estimates["status"], "quality": estimates["quality"],
    })


@survey_app.command("maps")
def maps() -> None:
    """The shipped indicator maps (questionnaire variables -> catalogue indicators)."""
    from deo.measure.surveys.recipe import map_paths, read_map

    rows = []
    for name in map_paths():
        found = read_map(name)
        rows.append({"map": found.id, "version": found.version, "title": found.title,
                     "indicators": ", ".join(dict.fromkeys(r.code for r in found.indicators))})
    print_frame(out, pd.DataFrame(rows), title=_("Indicator maps"))


@survey_app.command("generate")
def generate(
    folder: Path = typer.Argument(..., help="Folder to write the synthetic survey to."),
    businesses: int = typer.Option(20_000, help="Businesses in the synthetic register."),
    seed: int = typer.Option(1, help="Random seed (the same seed gives the same data)."),
    response_rate: float = typer.Option(1.0, help="Share of small businesses that answer "
                                        "(below 1 adds a non-response adjustment)."),
) -> None:
    """Write a synthetic ICT survey (sample.csv, design.toml) and its population truth
    (truth.csv): made-up data for trying `deo survey estimate`."""
    from deo.measure.surveys.synthetic import (
        SampleSpec,
        business_register,
        draw_sample,
        population_truth,
        write_design_toml,
    )

    if businesses < 100:
        raise DeoError(_("--businesses must be at least 100"))
    if not 0 < response_rate <= 1:
        raise DeoError(_("--response-rate must be above 0 and at most 1"))
    folder.mkdir(parents=True, exist_ok=True)
    register = business_register(businesses, seed)
    sample = draw_sample(register, SampleSpec(response_rate=response_rate), seed + 1)
    sample.to_csv(folder / "sample.csv", index=False)
    write_design_toml(folder / "design.toml", with_nonresponse=response_rate < 1)
    population_truth(register).to_csv(folder / "truth.csv", index=False)
    out.print(_("{n} sampled businesses of {total} written to {folder} (sample.csv, "
                "design.toml, truth.csv); synthetic data, not real figures.")
              .format(n=len(sample), total=businesses, folder=folder), highlight=False)
