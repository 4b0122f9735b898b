"""A rebuild that scores nobody on today's data withdraws the earlier build's values of that
year (history kept), so the portal and the API do not go on publishing a stale index."""

from __future__ import annotations

import textwrap

from deo.cli import main
from deo.store import Store

RECIPE = """
[index]
id = "test-index"
version = "0.1"
indicator = "UNCTAD.B2C.SERVERS.SCORE"
name = "Test index"
source = "tests"
[[component]]
id = "internet"
indicator = "IT.NET.USER.ZS"
"""


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def current_index(year: str, vintage: int | None = None):
    store = Store.open()
    try:
        frame = store.query(indicators=["UNCTAD.B2C.SERVERS.SCORE"], vintage=vintage)
        return frame[frame["period"] == year].set_index("area")["value"].to_dict()
    finally:
        store.close()


def test_a_rebuild_that_scores_nobody_withdraws_the_earlier_values(tmp_path, capsys):
    recipe = tmp_path / "test.toml"
    recipe.write_text(textwrap.dedent(RECIPE))
    data = tmp_path / "internet.csv"
    data.write_text("indicator,area,period,value\nIT.NET.USER.ZS,KEN,2022,30\n"
                    "IT.NET.USER.ZS,UGA,2022,10\n")
    assert run(capsys, "load", str(data))[0] == 0
    code, out = run(capsys, "index", "build", str(recipe), "--year", "2022")
    assert code == 0, out
    built = current_index("2022")
    assert set(built) == {"KEN", "UGA"}
    store = Store.open()
    build_release = store.latest_release()
    store.close()

    # The office withdraws both inputs (status M, no value): nobody can be scored for 2022.
    data.write_text("indicator,area,period,value,status\nIT.NET.USER.ZS,KEN,2022,,M\n"
                    "IT.NET.USER.ZS,UGA,2022,,M\n")
    assert run(capsys, "load", str(data))[0] == 0
    code, out = run(capsys, "index", "build", str(recipe), "--year", "2022")
    assert code == 1
    assert "no economy has a score for 2022" in out
    assert "2 value(s) of earlier builds for 2022 no longer follow from the data" in out
    assert current_index("2022") == {}  # before: 30 and 10 stayed current
    assert current_index("2022", vintage=build_release) == built  # history kept

    # Nothing left to withdraw: the same failure adds no release.
    store = Store.open()
    releases = store.counts()["releases"]
    store.close()
    code, out = run(capsys, "index", "build", str(recipe), "--year", "2022")
    assert code == 1 and "withdrawn" not in out
    store = Store.open()
    assert store.counts()["releases"] == releases
    store.close()
