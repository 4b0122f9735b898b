"""The expected results of the customs recipe, computed record by record in plain Python
from the generated Parquet files (no Ibis, no SQL): the test oracle for both engines."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pyarrow.dataset as ds
import pycountry

FIELDS = ["declaration_id", "amendment_of", "declaration_date", "regime", "direction",
          "origin", "destination", "hs_code", "hs_version", "declared_value", "currency",
          "quantity", "weight_kg", "customer", "platform"]
CURRENCIES = {c.alpha_3 for c in pycountry.currencies}


def records(folder: Path) -> list[dict]:
    table = ds.dataset(folder, format="parquet", partitioning="hive").to_table(columns=FIELDS)
    return table.to_pylist()


def first_rule(r: dict) -> str | None:
    """The rule a generated record breaks (each broken one has a single defect)."""
    if r["declaration_id"] is None:
        return "missing-key"
    if r["declaration_date"] < date(1990, 1, 1):
        return "bad-date"
    chapter = int(r["hs_code"][:2])
    if not 1 <= chapter <= 97 or chapter == 77:
        return "unknown-hs-code"
    if r["declared_value"] < 0:
        return "negative-value"
    if r["currency"] not in CURRENCIES:
        return "unknown-currency"
    return None


def expected(folder: Path, rates: dict[tuple[str, str], float], reporter: str) -> dict:
    """Counts by outcome, and per (month, direction) and (month, direction, partner):
    [records, cents]."""
    rows = records(folder)
    out = {"read": len(rows), "rejected": Counter(), "total": defaultdict(lambda: [0, 0]),
           "partner": defaultdict(lambda: [0, 0])}
    valid = [r for r in rows if not _reject(out, r)]
    distinct = {tuple(r[f] for f in FIELDS): r for r in valid}
    out["duplicates"] = len(valid) - len(distinct)
    per_key = Counter(r["declaration_id"] for r in distinct.values())
    # An amendment replaces its declaration only if it is accepted itself (the generator
    # makes neither chains nor two amendments of one declaration).
    amended = Counter(r["amendment_of"] for r in distinct.values()
                      if r["amendment_of"] and per_key[r["declaration_id"]] == 1
                      and _priced(r, rates)[0] is None)
    assert all(n == 1 for n in amended.values())
    out["amended"] = 0
    for r in distinct.values():
        if r["declaration_id"] in amended:
            out["amended"] += 1
        elif per_key[r["declaration_id"]] > 1:
            out["rejected"]["conflicting-duplicate"] += 1
        else:
            _count(out, r, rates)
    out["counted"] = sum(n for n, _c in out["total"].values())
    return out


def _reject(out: dict, r: dict) -> bool:
    rule = first_rule(r)
    if rule:
        out["rejected"][rule] += 1
    return rule is not None


def _cents(amount: float, rate: float) -> int:
    """USD cents of ``amount`` at ``rate`` units per USD, exactly, rounded half up."""
    value = Decimal(repr(amount)) / Decimal(repr(rate))
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _priced(r: dict, rates: dict[tuple[str, str], float]) -> tuple[str | None, int]:
    """(the outlier rule the record breaks or None, its USD cents)."""
    month = r["declaration_date"].replace(day=1)
    currency = r["currency"]
    rate = 1.0 if currency == "USD" else rates[(currency, month.strftime("%Y-%m"))]
    cents = _cents(r["declared_value"], rate)
    value = cents / 100  # outlier rules judge the value to the cent
    weight = r["weight_kg"]
    if value > 1_000_000:
        return "outlier:value-above-1m", cents
    if weight and weight > 0 and value / weight > 50_000:
        return "outlier:value-per-kg-above-50k", cents
    return None, cents


def _count(out: dict, r: dict, rates: dict[tuple[str, str], float]) -> None:
    rule, cents = _priced(r, rates)
    if rule:
        out["rejected"][rule] += 1
        return
    month = r["declaration_date"].replace(day=1)
    direction = "IMP" if r["direction"] == "I" else "EXP"
    partner = r["origin"] if direction == "IMP" else r["destination"]
    for key, table in (((month, direction), "total"), ((month, direction, partner), "partner")):
        out[table][key][0] += 1
        out[table][key][1] += cents
