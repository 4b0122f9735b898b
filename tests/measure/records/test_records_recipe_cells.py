"""No two recipes write the same cells, and every published breakdown partitions its total
(issue 13, item 13: customs-ecommerce and customs-ict-goods wrote the same indicators, so
each run overwrote the other's cells, and one PRODUCT breakdown held HS sections and ICT
categories side by side, so summing it counted every record twice)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from deo.core import DeoError
from deo.measure.records import run_recipe
from deo.measure.records.generate import generate_customs, generate_payments, generate_platform
from deo.measure.records.observations import raw_observations
from deo.measure.records.recipe import RECIPES_DIR, load_recipe, recipe_paths, shared_cells

REPORTER = "CHN"


def test_no_two_shipped_recipes_share_a_cell():
    recipes = [load_recipe(p.stem) for p in recipe_paths()]
    assert len(recipes) >= 4
    for one, other in itertools.combinations(recipes, 2):
        assert shared_cells(one, other) == [], (one.id, other.id)


def _copy(tmp_path: Path, source: str, edits: dict[str, str]) -> Path:
    text = (RECIPES_DIR / f"{source}.toml").read_text(encoding="utf-8")
    for old, new in edits.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_copy_under_another_id_is_refused_naming_both_recipes(tmp_path):
    path = _copy(tmp_path, "customs-ecommerce", {'id = "customs-ecommerce"': 'id = "my-customs"'})
    with pytest.raises(DeoError) as caught:
        load_recipe(path)
    message = str(caught.value)
    assert "my-customs" in message and "customs-ecommerce" in message
    assert "DEO.ECOM.REC.EXP totals" in message and "replaces" in message
    # ... unless it says it is a new methodology for the same figures
    path = _copy(tmp_path, "customs-ecommerce", {
        'id = "customs-ecommerce"': 'id = "my-customs"\nreplaces = ["customs-ecommerce"]'})
    assert load_recipe(path).replaces == ("customs-ecommerce",)
    # a new version under the same id is the same recipe
    path = _copy(tmp_path, "customs-ecommerce", {'version = "2024.1"': 'version = "2025.1"'})
    assert load_recipe(path).version == "2025.1"


def test_one_indicator_product_breakdown_in_two_classifications_is_refused(tmp_path):
    """ICT categories into the HS-section indicator, by a table no other recipe has."""
    path = _copy(tmp_path, "customs-ict-goods", {
        'id = "customs-ict-goods"': 'id = "ict-by-partner"',
        '"DEO.ECOM.REC.ICT.': '"DEO.ECOM.REC.',
        '[[table]]\ndimensions = []\n\n[[table]]\ndimensions = ["PRODUCT"]\n\n': ""})
    with pytest.raises(DeoError, match=r"DEO\.ECOM\.REC\.EXP by PRODUCT in ict_goods and in "
                                       r"hs_section"):
        load_recipe(path)


def test_an_indicator_named_twice_in_one_recipe_is_refused(tmp_path):
    path = _copy(tmp_path, "customs-ecommerce", {
        'IMP = "DEO.ECOM.REC.IMP.N"': 'IMP = "DEO.ECOM.REC.IMP"'})
    with pytest.raises(DeoError, match="DEO.ECOM.REC.IMP is named for two measures"):
        load_recipe(path)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> pd.DataFrame:
    """The observations every shipped recipe publishes from generated records, as one
    store would hold them (before suppression, so that every value is there to add)."""
    root = tmp_path_factory.mktemp("all-recipes")
    made = {"customs": generate_customs(root / "customs", 4000, seed=3, reporter=REPORTER),
            "payments": generate_payments(root / "payments", 4000, seed=3, reporter=REPORTER),
            "platform": generate_platform(root / "platform", 3000, seed=3, reporter=REPORTER)}
    frames = []
    for path in recipe_paths():
        recipe = load_recipe(path.stem)
        data = made[recipe.record_type]
        report = run_recipe(recipe, [data.folder], reporter=REPORTER, rates=data.rates,
                            save=False, rejects_folder=root / "rejects")
        cells = report.cells
        frames.append(raw_observations(cells, pd.Series(False, index=cells.index), recipe,
                                       REPORTER).assign(recipe=recipe.id))
    return pd.concat(frames, ignore_index=True)


DIMENSIONS = ["PARTNER", "PRODUCT", "CUSTOMER", "CHANNEL"]


def test_no_cell_is_written_by_two_recipes(published):
    key = ["indicator", "period", *DIMENSIONS]
    writers = published.groupby(key)["recipe"].nunique()
    assert (writers == 1).all(), writers[writers > 1].head()


def test_each_published_breakdown_sums_to_its_total(published):
    """For every indicator, period and breakdown: the cells add up to the total, exactly
    (each PRODUCT code list is one classification: HS sections or ICT categories)."""
    checked = 0
    given = published[DIMENSIONS].ne("")
    totals = published[~given.any(axis=1)].set_index(["indicator", "period"])["value"]
    breakdowns = published[given.any(axis=1)]
    for dims, cells in breakdowns.groupby(given.loc[breakdowns.index].apply(tuple, axis=1)):
        sums = cells.groupby(["indicator", "period"])["value"].sum()
        for (indicator, period), value in sums.items():
            assert value == pytest.approx(totals[(indicator, period)], abs=1e-6), (
                indicator, period, [d for d, on in zip(DIMENSIONS, dims, strict=True) if on])
            checked += 1
    assert checked > 100
    products = published[published["PRODUCT"] != ""].groupby("indicator")["PRODUCT"]
    for indicator, codes in products:
        kinds = {code[:2] if code.startswith(("HS", "IC")) else code for code in codes}
        assert not ({"HS", "IC"} <= kinds), indicator


def _payments_csv(folder: Path) -> Path:
    """30 domestic card payments of 2 USD at 4 merchants, in March 2024."""
    rows = [[f"T{i}", "2024-03-15", "1", "5999", f"M{i % 4}", "KEN", "KEN", "2", "USD"]
            for i in range(30)]
    path = folder / "payments.csv"
    pd.DataFrame(rows, columns=[
        "transaction_id", "transaction_date", "online", "merchant_category_code", "merchant_id",
        "merchant_country", "cardholder_country", "amount", "currency"]).to_csv(path, index=False)
    return path


def test_the_store_refuses_cells_another_recipe_wrote(tmp_path):
    """Two recipes that are not shipped (so not checked against each other when read) are
    caught when the second saves: its cells are current values of the first."""
    from dataclasses import replace

    from deo.store import Store

    store = Store.open()
    rates = pd.DataFrame([("KES", "2024-03", 125.0)], columns=["currency", "period", "value"])
    path = _payments_csv(tmp_path)
    office = replace(load_recipe("payments-cnp"), id="office-cards")
    run_recipe(office, [path], reporter="KEN", rates=rates, store=store,
               rejects_folder=tmp_path)
    copy = replace(office, id="office-cards-copy")
    with pytest.raises(DeoError, match=r"recipe office-cards-copy would overwrite 2 cells "
                                       r"that records:office-cards@2024\.2 wrote"):
        run_recipe(copy, [path], reporter="KEN", rates=rates, store=store,
                   rejects_folder=tmp_path)
    before = store.query(indicators=["DEO.ECOM.REC.PAY.DOM"])
    assert set(before["method"]) == {"records:office-cards@2024.2"}  # nothing was saved
    declared = replace(copy, replaces=("office-cards",))
    run_recipe(declared, [path], reporter="KEN", rates=rates, store=store,
               rejects_folder=tmp_path)
    assert set(store.query(indicators=["DEO.ECOM.REC.PAY.DOM"])["method"]) == {
        "records:office-cards-copy@2024.2"}
    # the same recipe again is no clash; the replaced one may not take its cells back
    run_recipe(declared, [path], reporter="KEN", rates=rates, store=store,
               rejects_folder=tmp_path)
    with pytest.raises(DeoError, match="that records:office-cards-copy@2024.2 wrote"):
        run_recipe(office, [path], reporter="KEN", rates=rates, store=store,
                   rejects_folder=tmp_path)
