"""Commands for composite indices: `deo index list | build | explain | diff`."""

from __future__ import annotations

import pandas as pd
import typer

from deo.assess.sensitivity import DEFAULT_RUNS, DEFAULT_SEED
from deo.cli.app import LANG, app, err, load_catalogue, open_store, out, use_language
from deo.cli.output import print_frame, print_release_results
from deo.core import DeoError
from deo.i18n import _, ngettext

index_app = typer.Typer(help="Composite indices: build, explain and compare them.")
app.add_typer(index_app, name="index")

RECIPE = typer.Argument(..., help="A shipped recipe id (see `deo index list`) or a .toml file.")
YEAR = typer.Option(..., "--year", "-y", help="Index year, e.g. 2020.")
VINTAGE = typer.Option(None, "--vintage", help="Read the inputs as they were after release N.")


@index_app.command("list")
def list_recipes(lang: str | None = LANG) -> None:
    """The shipped index recipes."""
    from deo.assess.recipe import load_recipe, recipe_paths

    lang = use_language(lang)
    catalogue = load_catalogue()
    rows = []
    for name in recipe_paths():
        recipe = load_recipe(name, catalogue)
        rows.append({
            "recipe": recipe.id, "version": recipe.version, "indicator": recipe.indicator,
            "name": recipe.name.get(lang) or recipe.name["en"],
            "components": ", ".join(c.id for c in recipe.components),
            "note": _("illustrative") if recipe.illustrative else "",
        })
    print_frame(out, pd.DataFrame(rows), title=_("Index recipes"))


@index_app.command("build")
def build(
    recipe: str = RECIPE,
    year: int = YEAR,
    vintage: int | None = VINTAGE,
    dry_run: bool = typer.Option(False, "--dry-run", help="Compute and show; store nothing."),
    top: int = typer.Option(20, help="Rows of the ranking to show."),
    lang: str | None = LANG,
) -> None:
    """Compute an index for a year from the store and store the result as a release."""
    from deo.assess.build import build_index

    lang = use_language(lang)
    catalogue = load_catalogue()
    done = build_index(open_store(), catalogue, recipe, year, vintage, save=not dry_run)
    result = done.result
    table = result.scores.head(top).reset_index()
    table.insert(1, "name", table["area"].map(lambda a: catalogue.areas[a].label(lang)))
    table["rank"] = table["rank"].astype(int)
    table["value"] = table["rounded"].map(f"{{:.{result.recipe.decimals}f}}".format)
    print_frame(out, table[["rank", "area", "name", "value"]],
                title=f"{result.recipe.label} {year}")
    out.print(
        ngettext("{n} area scored", "{n} areas scored", len(result.scores))
        .format(n=len(result.scores)), highlight=False,
    )
    if result.excluded:
        shown = "; ".join(f"{a}: {why}" for a, why in list(result.excluded.items())[:10])
        more = " ..." if len(result.excluded) > 10 else ""
        err.print(
            ngettext("{n} area excluded (no score): {areas}",
                     "{n} areas excluded (no score): {areas}", len(result.excluded))
            .format(n=len(result.excluded), areas=shown + more), highlight=False,
        )
    if done.stored:
        print_release_results(out, [f"{result.recipe.label} {year}"], [done.stored])


@index_app.command("explain")
def explain(
    recipe: str = RECIPE,
    area: str = typer.Argument(..., help="Economy code."),
    year: int = YEAR,
    vintage: int | None = VINTAGE,
    lang: str | None = LANG,
) -> None:
    """One area's score: inputs, years used, imputations, normalised values, contributions."""
    from deo.assess.build import build_index
    from deo.assess.engine import effective_weights

    use_language(lang)
    catalogue = load_catalogue()
    code = catalogue.area(area).code
    result = build_index(open_store(), catalogue, recipe, year, vintage, save=False).result
    if code in result.excluded:
        raise DeoError(_("{area} has no score: {reason}")
                       .format(area=code, reason=result.excluded[code]))
    if code not in result.scores.index:
        raise DeoError(_("{area} has no data for any component").format(area=code))
    score = result.scores.loc[code]
    out.print(
        f"[bold]{result.recipe.label} {year} {code}[/] = "
        f"{score['rounded']:.{result.recipe.decimals}f} ({score['value']:.4f}), "
        + _("rank {rank} of {n}").format(
            rank=int(score["rank"]), n=len(result.scores)),
        highlight=False,
    )
    weights = effective_weights(result.recipe)
    rows = [
        {
            "component": c.id, "indicator": c.indicator,
            "value": result.raw.at[code, c.id], "year": result.years.at[code, c.id],
            "imputed": "yes" if result.imputed.at[code, c.id] else "",
            "normalised": result.normalised.at[code, c.id],
            "weight": w, "contribution": result.contributions.at[code, c.id],
        }
        for c, w in zip(result.recipe.components, weights, strict=True)
    ]
    print_frame(out, pd.DataFrame(rows), title=_("Components"))
    if not result.pillars.empty:
        print_frame(out, result.pillars.loc[[code]].T.reset_index().set_axis(
            ["pillar", "score"], axis=1), title=_("Pillars"))


@index_app.command("diff")
def diff(
    recipe: str = RECIPE,
    year: int = YEAR,
    before: int | None = typer.Option(
        None, "--from", help="Release of the first build (a build of RECIPE for --year)."),
    after: int | None = typer.Option(
        None, "--to", help="Release of the second build (default: the last for --year)."),
    top: int = typer.Option(30, help="Rows to show, largest changes first."),
) -> None:
    """Compare two stored builds of an index for one year: value and rank changes per area."""
    from deo.assess.diff import compare_builds

    changes = compare_builds(open_store(), load_catalogue(), recipe, year, before, after)
    if changes.frame.empty:
        out.print(_("The two builds give the same values."))
        return
    print_frame(out, changes.frame.head(top).reset_index(),
                title=f"{changes.label}: {_('release')} {changes.before} -> {changes.after}")


@index_app.command("sensitivity")
def sensitivity(
    recipe: str = RECIPE,
    year: int = YEAR,
    runs: int = typer.Option(DEFAULT_RUNS, help="Monte Carlo runs."),
    seed: int = typer.Option(DEFAULT_SEED,
                             help="Random seed (the same seed gives the same runs)."),
    vintage: int | None = VINTAGE,
    top: int = typer.Option(30, help="Rows of the ranking to show."),
) -> None:
    """Rank intervals over Monte Carlo runs of the recipe's alternatives, and what
    leaving out each component does to the ranks."""
    from deo.assess.build import build_index
    from deo.assess.sensitivity import analyse

    if runs < 1:
        raise DeoError(_("--runs must be at least 1"))
    done = build_index(open_store(), load_catalogue(), recipe, year, vintage, save=False)
    found = analyse(done.result, runs, seed, done.inputs.panels, done.inputs.alternative_groups)
    print_frame(out, found.ranks.head(top).reset_index(),
                title=_("Rank and 5th–95th percentile interval over {runs} runs").format(runs=runs))
    print_frame(out, found.remove_one.reset_index(), title=_("Leaving out one component"))
