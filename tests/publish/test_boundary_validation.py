"""Item 20 of issue 13: ordinary bad input is refused at the boundary with a 4xx and a
message, never a server error, on SQLite and PostgreSQL: wrong types, budgets and
targets beyond any plan (1e28, 1e30), NaN, unknown measure ids, unsafe codes (non-ASCII,
CR/LF, quotes, a slash), NUL characters and over-long strings."""

from __future__ import annotations

import pytest
from boundary_world import PASSWORD, make_world
from sqlalchemy import func, select

from deo.core import DeoError
from deo.store import Store
from deo.track import plan
from deo.track.access import SYSTEM
from deo.track.schema import Comment, Measure, Target


@pytest.fixture(scope="module")
def world(module_store_url):
    store = Store.open(module_store_url)
    yield make_world(store)
    store.close()


def count(world, table) -> int:
    with world.store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def refused(response, status: int = 422, says: str = "") -> None:
    assert response.status_code == status, (response.status_code, response.text[:400])
    assert says in response.text


def test_a_measure_edit_with_wrong_types_is_422(world):
    coordinator = world.clients["coordinator"]
    version = plan.measure(world.store.engine, world.measure_id)["version"]
    url = f"/api/v1/track/measures/{world.measure_id}"
    for changes, field in [({"budget": "lots"}, "changes.budget"),
                           ({"title": 5}, "changes.title"),
                           ({"priority": ["high"]}, "changes.priority"),
                           ({"due_date": "next year"}, "changes.due_date"),
                           ({"code": "M9"}, "changes.code")]:
        refused(coordinator.patch(url, json={"version": version, "changes": changes}),
                says=field)
    refused(coordinator.patch(url, json={"version": 10**30, "changes": {}}), says="version")
    # The portal's form too (SQLite could not even compare it: a server error).
    refused(coordinator.post("/en/track/KEN/measures/M1/edit", data={
        "csrf": coordinator.headers["X-CSRF-Token"], "version": str(10**30), "title": "x"}),
        says="version")
    with pytest.raises(DeoError, match="version"):
        plan.edit_measure(world.store.engine, SYSTEM, world.measure_id, 10**30, {"title": "x"})
    assert plan.measure(world.store.engine, world.measure_id)["version"] == version
    # A well-typed edit still works, clearing a date with null.
    done = coordinator.patch(url, json={"version": version,
                                        "changes": {"budget": 250000.5, "due_date": None}})
    assert done.status_code == 200, done.text


@pytest.mark.parametrize("budget", [1e28, -1e28, "NaN", "Infinity"])
def test_a_budget_beyond_any_plan_is_refused_and_the_page_still_renders(world, budget):
    coordinator = world.clients["coordinator"]
    before = count(world, Measure)
    body = ('{"code": "B1", "title": "Big", "policy_area": "ICT", "lead_agency": "ICTA", '
            f'"budget": {budget}}}')
    refused(coordinator.post("/api/v1/track/strategies/KEN/measures", content=body,
                             headers={"content-type": "application/json"}), says="budget")
    version = plan.measure(world.store.engine, world.measure_id)["version"]
    refused(coordinator.patch(
        f"/api/v1/track/measures/{world.measure_id}", headers={
            "content-type": "application/json"},
        content=f'{{"version": {version}, "changes": {{"budget": {budget}}}}}'), says="budget")
    assert count(world, Measure) == before
    # Through the core (the command line and the import) too.
    with pytest.raises(DeoError, match="budget .*expected a finite number of at most 1e"):
        plan.add_measure(world.store.engine, SYSTEM, "KEN", plan.MeasureFields(
            "B2", "Big", "ICT", "ICTA", budget=float(budget)))
    assert world.clients["public"].get("/api/v1/track/strategies/KEN").status_code in (200, 404)
    assert coordinator.get("/en/track/KEN").status_code == 200


TARGET = {"indicator": "IT.NET.USER.ZS", "area": "KEN", "baseline_value": 20,
          "baseline_year": 2020, "target_value": 40, "target_year": 2028}


@pytest.mark.parametrize("value", ["1e30", "-1e30", "NaN", "Infinity"])
def test_a_target_beyond_any_indicator_is_refused(world, value):
    coordinator = world.clients["coordinator"]
    before = count(world, Target)
    for field in ("target_value", "baseline_value"):
        body = ", ".join(f'"{k}": {value if k == field else repr(v).replace(chr(39), chr(34))}'
                         for k, v in TARGET.items())
        refused(coordinator.post("/api/v1/track/strategies/KEN/targets", content="{" + body + "}",
                                 headers={"content-type": "application/json"}), says=field)
    with pytest.raises(DeoError, match="target value"):
        plan.add_target(world.store.engine, SYSTEM, "KEN", "IT.NET.USER.ZS", "KEN",
                        (20.0, 2020), (float(value), 2028))
    assert count(world, Target) == before
    assert coordinator.get("/en/track/KEN").status_code == 200


def test_a_target_for_an_unknown_measure_is_404(world):
    coordinator = world.clients["coordinator"]
    before = count(world, Target)
    for measure_id in (999_999, 2**31 - 1):
        refused(coordinator.post("/api/v1/track/strategies/KEN/targets",
                                 json={**TARGET, "measure_id": measure_id}), 404,
                f"no measure {measure_id} in strategy KEN")
    refused(coordinator.post("/api/v1/track/strategies/KEN/targets",
                             json={**TARGET, "measure_id": 2**63}), says="measure_id")
    assert count(world, Target) == before


@pytest.mark.parametrize("code", ["KÉN", "A\r\nSet-Cookie: x=1", 'A"B', "A/B", "../x", "",
                                  "A" * 33, "A B", "A\x00B"])
def test_unsafe_strategy_codes_are_refused(world, code):
    coordinator = world.clients["coordinator"]
    refused(coordinator.post("/api/v1/track/strategies", json={
        "code": code, "title": "T", "area": "KEN", "start_year": 2025, "end_year": 2026}),
        says="code")
    with pytest.raises(DeoError, match="strategy code"):
        plan.create_strategy(world.store.engine, SYSTEM, code, "T", "KEN", 2025, 2026)
    with pytest.raises(DeoError, match="organisation code"):
        plan.add_organisation(world.store.engine, SYSTEM, code, "Agency")


def test_nul_characters_and_over_long_strings_are_422(world):
    coordinator, partner = world.clients["coordinator"], world.clients["partner"]
    before = count(world, Comment)
    url = f"/api/v1/track/measures/{world.measure_id}/comments"
    refused(partner.post(url, json={"text": "a\x00b"}), says="NUL")
    refused(partner.post(url, json={"text": "x" * 20_001}), says="text")
    refused(coordinator.post("/api/v1/track/organisations", json={
        "code": "LONG", "name": "Long", "area": "K" * 17}), says="area")
    refused(coordinator.post("/api/v1/track/organisations", json={
        "code": "NUL", "name": "Nul\x00"}), says="NUL")
    refused(coordinator.post(f"/api/v1/track/measures/{world.measure_id}/updates", json={
        "status": "in_progress", "narrative": "\x00"}), says="NUL")
    refused(world.clients["public"].post("/api/v1/track/session", json={
        "email": "a\x00@x.org", "password": PASSWORD}), says="NUL")
    refused(world.clients["public"].post("/api/v1/track/session", json={
        "email": "a" * 300 + "@x.org", "password": PASSWORD}), says="email")
    # The portal's forms: the page again, with the message, not a server error.
    token = partner.headers["X-CSRF-Token"]
    refused(partner.post("/en/track/KEN/measures/M1/comments",
                         data={"csrf": token, "text": "a\x00b"}), says="NUL")
    version = plan.measure(world.store.engine, world.measure_id)["version"]
    refused(coordinator.post("/en/track/KEN/measures/M1/edit", data={
        "csrf": coordinator.headers["X-CSRF-Token"], "version": str(version),
        "title": "t" * 501}), says="at most 500")
    assert count(world, Comment) == before
    assert plan.measure(world.store.engine, world.measure_id)["version"] == version
    # In addresses too (PostgreSQL refused a NUL in a query: a server error).
    public = world.clients["public"]
    refused(public.get("/api/v1/track/strategies/K%00N"), says="code")
    assert public.get("/en/track/K%00N").status_code in (404, 422)
    assert public.get("/en/track/KEN/measures/M%00").status_code in (404, 422)


def test_a_strategy_with_undated_measures_renders(world):
    # M1 has no start or due date: the dashboard's overdue and silent lists skip it.
    page = world.clients["coordinator"].get("/en/track/KEN")
    assert page.status_code == 200, page.text[-500:]
