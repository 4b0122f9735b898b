"""The shipped code tables agree with each other and with the HS nomenclature: the HS 2022
subheadings fall in the HS chapters we classify, and every HS 2022 row of the ICT goods
list is an HS 2022 subheading (the list once carried codes the 2022 edition had split)."""

from __future__ import annotations

import re

from deo.measure.records.codes import code_tables


def test_hs2022_has_its_5612_subheadings_in_the_chapters_we_classify():
    codes = code_tables()
    hs2022 = codes.subheadings["HS2022"]
    assert len(hs2022) == 5612  # WCO HS 2022: 5,612 six-digit subheadings
    assert all(re.fullmatch(r"\d{6}", code) for code in hs2022)
    assert {code[:2] for code in hs2022} == set(codes.chapters)  # 01-97 but 77
    assert {"851713", "851714", "850760"} <= hs2022  # created in 2022
    assert "851712" not in hs2022  # split into 8517.13 and 8517.14 in 2022


def test_every_hs2022_ict_good_is_an_hs2022_subheading():
    codes = code_tables()
    ict2022 = {hs6 for (edition, hs6) in codes.ict_goods if edition == "HS2022"}
    assert ict2022 - codes.subheadings["HS2022"] == set()
    # The 2022 splits are all there, in the category of the code they replaced.
    for old, new in [("851770", ("851771", "851779")), ("854150", ("854151", "854159"))]:
        assert {codes.ict_goods[("HS2022", code)] for code in new} == {
            codes.ict_goods[("HS2012", old)]}


def _declarations(folder):
    import pandas as pd

    # (HS edition, code, expected ICT goods category); 12 parcels of 10 USD each.
    plan = [("HS2012", "852841", "ICT01"),  # monitor for an ADP machine, 2012 wording
            ("HS2017", "852842", "ICT01"),  # the same after the 2017 amendment
            ("HS2022", "851713", "ICT02"),  # smartphone: 8517.12 was split in 2022
            ("HS2022", "852581", "ICT03"),  # camera: 8525.80 was split in 2022
            ("", "851712", "ICT02"),        # no edition: the recipe's (HS2017)
            ("HS2022", "610910", "NONICT")]  # T-shirts
    rows = [[f"D{n}-{i}", "2024-05-06", "9610", "E", "CHN", "USA", code, edition, "10", "USD",
             "B2C", f"P{i % 4}"] for n, (edition, code, _) in enumerate(plan) for i in range(12)]
    path = folder / "declarations.csv"
    pd.DataFrame(rows, columns=[
        "declaration_id", "declaration_date", "regime", "direction", "origin", "destination",
        "hs_code", "hs_version", "declared_value", "currency", "customer", "platform",
    ]).to_csv(path, index=False)
    expected: dict[str, int] = {}
    for _edition, _code, category in plan:
        expected[category] = expected.get(category, 0) + 12
    return path, expected


def test_ict_goods_recipe_classifies_each_hs_edition(engine, tmp_path):
    import pandas as pd

    from deo.measure.records import run_recipe

    path, expected = _declarations(tmp_path)
    rates = pd.DataFrame([("EUR", "2024-05", 0.9)], columns=["currency", "period", "value"])
    report = run_recipe("customs-ict-goods", [path], engine=engine, reporter="CHN",
                        rates=rates, save=False, rejects_folder=tmp_path / "rejects")
    products = report.cells[report.cells["table"] == "PRODUCT"]
    assert {r.product: int(r.records) for r in products.itertuples()} == expected
    assert set(products["cents"]) == {n * 1000 for n in expected.values()}


def test_hs2022_codes_must_be_hs2022_subheadings(engine, tmp_path):
    import pandas as pd

    from deo.measure.records import check_records

    # (id, HS edition, code, rejected?)
    plan = [("A", "HS2022", "851712", True),    # split in 2022: not an HS 2022 subheading
            ("B", "HS2022", "851713", False),
            ("C", "2022", "851799", True),      # "2022" spells HS2022; 8517.99 never existed
            ("D", "HS2017", "851712", False),   # a 2017 code declared as such
            ("E", "", "851799", False),         # no edition: checked at chapter level only
            ("F", "HS2022", "8517.13", False)]  # the dotted spelling of 851713
    rows = [[ident, "2024-05-06", "9610", "E", "CHN", "USA", code, edition, "10", "USD", "B2C"]
            for ident, edition, code, _ in plan]
    path = tmp_path / "declarations.csv"
    pd.DataFrame(rows, columns=[
        "declaration_id", "declaration_date", "regime", "direction", "origin", "destination",
        "hs_code", "hs_version", "declared_value", "currency", "customer",
    ]).to_csv(path, index=False)
    report = check_records([path], "customs", engine=engine, rejects_folder=tmp_path / "rej")
    rejects = pd.read_parquet(report.rejects_path / "contract.parquet")
    assert sorted(zip(rejects["declaration_id"], rejects["rule"], strict=True)) == [
        (ident, "unknown-hs-code") for ident, *_, rejected in plan if rejected]
    assert report.accounting.counted == sum(not rejected for *_, rejected in plan)
