"""`deo index ...` as a user runs it."""

from __future__ import annotations

import pytest

from deo.cli import main

COMPONENTS = {
    "INTERNET": "internet_users_pct_2019_or_latest",
    "ACCOUNT": "account_ownership_pct_15plus_2017",
    "SERVERS": "secure_servers_normalized_2019",
    "POSTAL": "upu_postal_reliability_2019_or_latest",
}
RECIPE = "unctad-b2c-2020-published"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def components(reference_data, capsys):
    path = reference_data / "b2c_index_2020_published.csv"
    for name, column in COMPONENTS.items():
        code, _, _ = run(capsys, "load", str(path), "--column", f"value={column}",
                         "--set", f"indicator=UNCTAD.B2C.{name}", "--set", "period=2020")
        assert code == 0


def test_list_shows_the_shipped_recipes(capsys):
    code, out, _ = run(capsys, "index", "list")
    assert code == 0 and "unctad-b2c-2020" in out and "unctad-b2c-2016" in out


def test_build_explain_and_sensitivity(components, capsys):
    code, out, _ = run(capsys, "index", "build", RECIPE, "--year", "2020", "--top", "3")
    assert code == 0 and "CHE" in out and "152 areas scored" in out and "152 new" in out
    code, out, _ = run(capsys, "index", "explain", RECIPE, "KEN", "--year", "2020")
    assert code == 0 and "UNCTAD.B2C.POSTAL" in out and "contribution" in out
    code, out, _ = run(capsys, "index", "sensitivity", RECIPE, "--year", "2020",
                       "--runs", "100", "--top", "5")
    assert code == 0 and "p95" in out and "Leaving out one component" in out


def test_diff_between_two_builds(components, tmp_path, capsys):
    assert run(capsys, "index", "build", RECIPE, "--year", "2020")[0] == 0
    revised = tmp_path / "ken.csv"
    revised.write_text("indicator,area,period,value\nUNCTAD.B2C.INTERNET,KEN,2020,63\n")
    assert run(capsys, "load", str(revised))[0] == 0
    assert run(capsys, "index", "build", RECIPE, "--year", "2020")[0] == 0
    code, out, _ = run(capsys, "index", "diff", RECIPE, "--year", "2020")
    assert code == 0
    cells = [c.strip() for c in next(r for r in out.splitlines() if "KEN" in r).split("│")]
    before, after, change = (float(c) for c in cells[2:5])
    assert change == pytest.approx(10.0) and after - before == pytest.approx(10.0)  # 40/4


def test_missing_inputs_and_unknown_areas_are_user_errors(capsys):
    code, _, err = run(capsys, "index", "build", RECIPE, "--year", "2020")
    assert code == 1 and "holds no annual value" in err
    code, _, err = run(capsys, "index", "build", "no-such-recipe", "--year", "2020")
    assert code == 1 and "unknown recipe" in err
