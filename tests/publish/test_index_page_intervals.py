"""The portal's index page shows the same rank intervals as the API, to the decimal."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from deo.publish.app import create_app
from deo.sources.load import load_files
from deo.store import Store

RECIPE = "unctad-b2c-2020-published"


def test_the_page_shows_the_apis_rank_intervals_untruncated(tmp_path, reference_data,
                                                            monkeypatch):
    import deo.assess.sensitivity as sensitivity
    import deo.publish.api.indices as api_indices

    real = sensitivity.analyse

    def fractional(*args):
        # Percentiles of ranks interpolate (p05 of 37 runs can be 2.8); this recipe's runs
        # agree, so shift them by a fraction to see what the page makes of one.
        found = real(*args)
        found.ranks["p05"] = found.ranks["p05"] - 0.35
        found.ranks["p95"] = found.ranks["p95"] + 0.45
        return found

    monkeypatch.setattr(sensitivity, "analyse", fractional)
    monkeypatch.setattr(api_indices, "analyse", fractional)
    store = Store.open(f"sqlite:///{tmp_path / 'b2c.sqlite'}")
    for name, column in {"INTERNET": "internet_users_pct_2019_or_latest",
                         "ACCOUNT": "account_ownership_pct_15plus_2017",
                         "SERVERS": "secure_servers_normalized_2019",
                         "POSTAL": "upu_postal_reliability_2019_or_latest"}.items():
        load_files(store, [reference_data / "b2c_index_2020_published.csv"],
                   columns={"value": column},
                   constants={"indicator": f"UNCTAD.B2C.{name}", "period": "2020"})
    client = TestClient(create_app(store))
    html = client.get(f"/en/indices/{RECIPE}", params={"year": 2020}).text
    shown = dict(re.findall(r'<a href="/en/areas/(\w+)">[^<]*</a></td><td class="n">[^<]*</td>'
                            r'<td class="n">([^<]*)</td>', html))
    api = client.get(f"/api/v1/indices/{RECIPE}/ranking",
                     params={"year": 2020, "intervals": True}).json()["data"]
    assert len(shown) == len(api) == 152
    for row in api:
        low, high = (float(x) for x in shown[row["area"]].split("–"))
        assert (low, high) == (round(row["p05"], 1), round(row["p95"], 1)), row["area"]
        assert not float(row["p05"]).is_integer()  # the case a truncation got wrong
