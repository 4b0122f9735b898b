"""Bad microdata gets a clear error naming file, row, column and value, or the documented
option; nothing is written to the store."""

from __future__ import annotations

import pandas as pd
import pytest

from deo.cli import main
from deo.core import DeoError
from deo.measure.surveys.pipeline import run_survey
from deo.measure.surveys.synthetic import business_register, draw_sample, write_design_toml
from deo.store import Store

MAP = "unctad-model-questionnaire"


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return draw_sample(business_register(3000, seed=4), seed=5)


def _run(tmp_path, frame: pd.DataFrame, capsys, design: str | None = None) -> tuple[int, str]:
    frame.to_csv(tmp_path / "survey.csv", index=False)
    if design is None:
        write_design_toml(tmp_path / "design.toml")
    else:
        (tmp_path / "design.toml").write_text(design, encoding="utf-8")
    code = main(["survey", "estimate", str(tmp_path / "survey.csv"), "--design",
                 str(tmp_path / "design.toml"), "--map", MAP, "--area", "KEN",
                 "--period", "2023"])
    shown = capsys.readouterr()
    assert "Traceback" not in shown.err + shown.out
    if code == 0:
        return code, shown.out
    # The CLI shows the problems as a table; the error itself says each in one line.
    with pytest.raises(DeoError) as raised:
        run_survey(tmp_path / "survey.csv", tmp_path / "design.toml", MAP, "KEN", "2023")
    return code, str(raised.value)


def _nothing_stored() -> bool:
    store = Store.open()
    try:
        return store.counts()["releases"] == 0
    finally:
        store.close()


def test_good_file_loads(tmp_path, sample, capsys):
    code, text = _run(tmp_path, sample, capsys)
    assert code == 0, text
    assert not _nothing_stored()


def test_missing_stratum(tmp_path, sample, capsys):
    bad = sample.astype({"stratum": object})
    bad.loc[3, "stratum"] = ""
    code, text = _run(tmp_path, bad, capsys)
    assert code == 1
    assert "survey.csv, row 5, column 'stratum'" in text and "missing-design-value" in text
    assert "Traceback" not in text
    assert _nothing_stored()


def test_missing_weight_column(tmp_path, sample, capsys):
    code, text = _run(tmp_path, sample.drop(columns="weight"), capsys)
    assert code == 1
    assert "not in the file: weight" in text
    assert _nothing_stored()


def test_negative_weight(tmp_path, sample, capsys):
    bad = sample.copy()
    bad.loc[0, "weight"] = -2.5
    code, text = _run(tmp_path, bad, capsys)
    assert code == 1
    assert "row 2, column 'weight': got '-2.5'" in text
    assert "non-negative sampling weight" in text
    assert _nothing_stored()


def test_lonely_stratum_fails_then_documented_option(tmp_path, sample, capsys):
    stratum = sample.loc[sample["size_class"] == "10-49", "stratum"].iloc[0]
    lonely = sample["stratum"] == stratum
    bad = pd.concat([sample[~lonely], sample[lonely].head(1)])
    code, text = _run(tmp_path, bad, capsys)
    assert code == 1
    assert f"stratum {stratum} has only one sampled unit" in text
    assert "remove, certainty, adjust or average" in text
    assert _nothing_stored()
    design = (tmp_path / "design.toml").read_text().replace('"fail"', '"certainty"')
    code, text = _run(tmp_path, bad, capsys, design)
    assert code == 0, text


def test_non_numeric_answer(tmp_path, sample, capsys):
    bad = sample.astype({"employees": object})
    bad.loc[6, "employees"] = "many"
    code, text = _run(tmp_path, bad, capsys)
    assert code == 1
    assert "row 8, column 'employees': got 'many'" in text and "not-a-number" in text
    assert _nothing_stored()


def test_unknown_answer_code(tmp_path, sample, capsys):
    bad = sample.copy()
    bad.loc[10, "received_orders_internet"] = 3
    code, text = _run(tmp_path, bad, capsys)
    assert code == 1
    assert "row 12, column 'received_orders_internet': got '3'" in text
    assert "one of 1, 2, 9" in text and "unknown-code" in text
    assert _nothing_stored()


def test_unknown_breakdown_code(tmp_path, sample, capsys):
    bad = sample.copy()
    bad.loc[1, "size_class"] = "huge"
    code, text = _run(tmp_path, bad, capsys)
    assert code == 1
    assert "row 3, column 'size_class': got 'huge'" in text and "SIZE_CLASS" in text
    assert _nothing_stored()


def test_population_size_below_sample(tmp_path, sample, capsys):
    bad = sample.copy()
    bad.loc[bad["stratum"] == bad.loc[0, "stratum"], "population"] = 1
    code, text = _run(tmp_path, bad, capsys)
    assert code == 1
    assert "column 'population'" in text and "fpc-below-sample" in text
    assert _nothing_stored()


def test_every_problem_is_listed_at_once(tmp_path, sample, capsys):
    bad = sample.astype({"employees": object, "turnover": object})
    bad.loc[0, "employees"] = "x"
    bad.loc[1, "turnover"] = "y"
    code, text = _run(tmp_path, bad, capsys)
    assert code == 1
    assert "column 'employees'" in text and "column 'turnover'" in text
