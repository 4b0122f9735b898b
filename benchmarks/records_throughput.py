"""Claim: the records pipeline on DuckDB (`deo records aggregate customs-ecommerce`: contract
checks, rejects, duplicates, amendments, currency conversion, outliers, six tables with
disclosure statistics) keeps at least 0.8 of the throughput of one hand-written DuckDB SQL
query that produces the same cells from the same files (the floor, which writes no rejects
and counts nothing else); pandas on the 10M set is the peer most offices would reach for.

Generates synthetic customs declarations (Parquet, partitioned by month) of each size in
``--rows`` (default 10M and 100M), runs each contender in its own process (so that its peak
memory is its own), checks the contenders' cells agree, and prints rows/second and peak
memory; ``--spark-cores 1 2`` also times the spark engine in local mode on the smallest set.
The last line is ``ratio deo/duckdb-sql`` (deo's throughput / the SQL's) on the largest set.
Data goes to ``--workdir`` (default bench-out/records, git-ignored); ``--keep`` keeps it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

DEFAULT_ROWS = [10_000_000, 100_000_000]
PANDAS_MAX_ROWS = 10_000_000  # the peer runs on the 10M set only (it holds it all in memory)
REPORTER = "CHN"


def peak_mb() -> float:
    """Peak resident memory of this process and its finished children (MB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def run_deo(folder: Path, engine: str, cores: int | None) -> pd.DataFrame:
    from deo.measure.records import run_recipe
    from deo.measure.records.engines import EngineOptions
    from deo.measure.records.generate import monthly_rates

    report = run_recipe("customs-ecommerce", [folder], engine=engine, reporter=REPORTER,
                        rates=monthly_rates(2024, 0), save=False,
                        options=EngineOptions(cores=cores))
    assert report.accounting.balanced
    return report.cells


def _lists() -> dict[str, str]:
    """SQL lists of the codes the contract accepts (the same code tables deo uses)."""
    from deo.measure.records.codes import code_tables

    codes = code_tables()

    def quoted(values) -> str:
        return ", ".join(f"'{v}'" for v in sorted(values))

    return {"currencies": quoted(codes.currencies), "areas": quoted(codes.economies),
            "chapters": quoted(codes.chapters), "regimes": quoted(codes.regimes),
            "hs2022": quoted(codes.subheadings["HS2022"])}


SQL = """
WITH raw AS (SELECT * FROM read_parquet('{glob}')),
valid AS (
  SELECT trim(declaration_id) AS id, nullif(trim(amendment_of), '') AS amends,
         declaration_date AS day, upper(trim(regime)) AS regime,
         CASE WHEN upper(trim(direction)) IN ('I', 'IM', 'IMP', 'IMPORT', 'M') THEN 'IMP'
              ELSE 'EXP' END AS direction,
         upper(trim(origin)) AS origin, upper(trim(destination)) AS destination,
         trim(hs_code) AS hs_code, declared_value AS amount, upper(trim(currency)) AS currency,
         quantity, weight_kg, upper(trim(customer)) AS customer, nullif(trim(platform), '')
         AS platform, hs_version
  FROM raw
  WHERE nullif(trim(declaration_id), '') IS NOT NULL
    AND declaration_date BETWEEN DATE '1990-01-01' AND DATE '2099-12-31'
    AND upper(trim(regime)) IN ({regimes})
    AND upper(trim(direction)) IN ('I', 'IM', 'IMP', 'IMPORT', 'M', 'E', 'EX', 'EXP',
                                   'EXPORT', 'X')
    AND upper(trim(origin)) IN ({areas}) AND upper(trim(destination)) IN ({areas})
    AND regexp_matches(trim(hs_code), '^\\d{{6}}$') AND left(trim(hs_code), 2) IN ({chapters})
    AND (hs_version IS NULL OR upper(trim(hs_version)) IN ('HS2012', 'HS2017', 'HS2022'))
    AND NOT (upper(trim(hs_version)) = 'HS2022' AND trim(hs_code) NOT IN ({hs2022}))
    AND declared_value >= 0 AND isfinite(declared_value)
    AND upper(trim(currency)) IN ({currencies})
    AND (quantity IS NULL OR quantity >= 0) AND (weight_kg IS NULL OR weight_kg >= 0)
    AND upper(trim(customer)) IN ('B2B', 'B2C', 'BUSINESS', 'CONSUMER')
),
records AS (SELECT DISTINCT * FROM valid),
keyed AS (SELECT *, count(*) OVER (PARTITION BY id) AS copies FROM records),
-- Money exactly as deo does it: the amount to the millionth (halves away from zero), times
-- the rate fraction num/den, in cents rounded half up, in 128-bit integers.
priced AS (
  SELECT k.*, c.product,
         CASE WHEN k.currency = 'USD' THEN (2 * m + 10000) // 20000
              ELSE (2 * m * f.num + 10000 * CAST(f.den AS HUGEINT)) // (20000 * f.den)
         END AS cents
  FROM (SELECT *, CAST(round(amount * 1000000) AS HUGEINT) AS m FROM keyed
        WHERE copies = 1 AND (amends IS NULL OR amends <> id)) k
  LEFT JOIN factors f ON k.currency = f.currency AND date_trunc('month', k.day) = f.month
  LEFT JOIN chapters c ON left(k.hs_code, 2) = c.chapter
),
passing AS (
  SELECT * FROM priced
  WHERE cents IS NOT NULL AND amount < 1e12 AND cents <= 100000000
    AND NOT (weight_kg > 0 AND cents / 100.0 / weight_kg > 50000)
),
-- An amendment that passes every check replaces its declaration, unless two do (then
-- neither counts and the declaration stays): deo's rule on the generator's amendments.
standing AS (SELECT amends, count(*) AS n FROM passing WHERE amends IS NOT NULL GROUP BY amends),
kept AS (
  SELECT p.* FROM passing p
  LEFT JOIN standing s ON p.id = s.amends
  LEFT JOIN standing c ON p.amends = c.amends
  WHERE coalesce(s.n, 0) <> 1 AND (p.amends IS NULL OR c.n = 1)
    AND CASE WHEN p.direction = 'IMP' THEN p.destination ELSE p.origin END = '{reporter}'
),
counted AS (
  SELECT date_trunc('month', day) AS period_start, direction,
         CASE WHEN direction = 'IMP' THEN origin ELSE destination END AS partner, product,
         CASE WHEN customer IN ('B2B', 'BUSINESS') THEN 'B2B' ELSE 'B2C' END AS customer,
         CASE regime {channels} END AS channel, coalesce(platform, 'record:' || id)
         AS contributor, CAST(cents AS BIGINT) AS cents
  FROM kept
),
fine AS (
  SELECT period_start, direction, partner, product, customer, channel, contributor,
         count(*) AS records, sum(cents) AS cents
  FROM counted GROUP BY ALL
)
{tables}
"""

TABLE_SQL = """
SELECT '{name}' AS "table", period_start, direction, {columns}, sum(records) AS records,
       sum(cents) AS cents, count(*) AS contributors,
       sum(cents) FILTER (WHERE rank = 1) AS top_cents
FROM (
  SELECT {by}, contributor, sum(records) AS records, sum(cents) AS cents,
         row_number() OVER (PARTITION BY {by} ORDER BY sum(cents) DESC) AS rank
  FROM fine GROUP BY {by}, contributor
) GROUP BY {by}
"""


def run_sql(folder: Path, cores: int | None) -> pd.DataFrame:
    """The floor: one hand-written DuckDB query over the same files."""
    import duckdb

    from deo.measure.records.codes import code_tables
    from deo.measure.records.generate import monthly_rates
    from deo.measure.records.rates import conversion_factors
    from deo.measure.records.recipe import load_recipe

    recipe = load_recipe("customs-ecommerce")
    con = duckdb.connect()
    if cores:
        con.execute(f"SET threads = {int(cores)}")
    factors = conversion_factors(monthly_rates(2024, 0), "USD", 3)
    codes = code_tables()
    chapters = pd.DataFrame({"chapter": list(codes.chapters),
                             "product": list(codes.chapters.values())})
    con.register("factors", factors)
    con.register("chapters", chapters)
    columns = {"PARTNER": "partner", "PRODUCT": "product", "CUSTOMER": "customer",
               "CHANNEL": "channel"}
    tables = []
    for dims in recipe.tables:
        chosen = [columns[d] for d in dims]
        shown = ", ".join(c if c in chosen else f"NULL AS {c}" for c in columns.values())
        by = ", ".join(["period_start", "direction", *chosen])
        where = " AND ".join(f"{c} IS NOT NULL" for c in chosen)
        part = TABLE_SQL.format(name="+".join(dims), columns=shown, by=by)
        if where:
            part = part.replace("FROM fine GROUP BY", f"FROM fine WHERE {where} GROUP BY")
        tables.append(part)
    channels = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in codes.regimes.items())
    query = SQL.format(glob=f"{folder}/**/*.parquet", reporter=REPORTER, channels=channels,
                       tables="\nUNION ALL\n".join(tables), **_lists())
    return con.execute(query).df()


def run_pandas(folder: Path, cores: int | None) -> pd.DataFrame:
    """The peer: the same steps in pandas (totals and partner tables only)."""
    import numpy as np

    from deo.measure.records.codes import code_tables
    from deo.measure.records.generate import monthly_rates
    from deo.measure.records.rates import conversion_factors

    codes = code_tables()
    raw = pd.read_parquet(folder)
    raw = raw.drop(columns=["month"], errors="ignore")
    raw["declaration_date"] = pd.to_datetime(raw["declaration_date"])
    ok = (raw["declaration_id"].notna() & (raw["declaration_date"] >= pd.Timestamp("1990-01-01"))
          & raw["currency"].isin(codes.currencies) & (raw["declared_value"] >= 0)
          & raw["hs_code"].str[:2].isin(list(codes.chapters))
          & raw["origin"].isin(list(codes.economies))
          & raw["destination"].isin(list(codes.economies)))
    records = raw[ok].drop_duplicates()
    copies = records.groupby("declaration_id")["declaration_id"].transform("size")
    unique = records[(copies == 1)
                     & (records["amendment_of"] != records["declaration_id"])].copy()
    unique["month"] = unique["declaration_date"].dt.to_period("M").dt.start_time
    factors = conversion_factors(monthly_rates(2024, 0), "USD", 3)
    factors["month"] = pd.to_datetime(factors["month"])
    unique = unique.merge(factors, on=["currency", "month"], how="left")
    usd = unique["currency"] == "USD"
    unique, usd = unique[usd | unique["num"].notna()], usd[usd | unique["num"].notna()]
    # Exact money, as deo: millionths (halves away from zero), then Python's integers.
    micro = np.floor(unique["declared_value"].to_numpy() * 1e6 + 0.5).astype("int64")
    num = np.where(usd, 1, unique["num"]).astype("int64").astype(object)
    den = np.where(usd, 1, unique["den"]).astype("int64").astype(object)
    unique["cents"] = ((2 * micro.astype(object) * num + 10_000 * den)
                       // (20_000 * den)).astype("int64")
    value = unique["cents"] / 100
    kept = unique[(unique["declared_value"] < 1e12) & (value <= 1e6)
                  & ~((unique["weight_kg"] > 0) & (value / unique["weight_kg"] > 50000))]
    # An amendment that passes every check replaces its declaration, unless two do.
    standing = kept.loc[kept["amendment_of"].notna(), "amendment_of"].value_counts()
    replaced = set(standing.index[standing == 1])
    conflicting = set(standing.index[standing > 1])
    kept = kept[~kept["declaration_id"].isin(replaced)
                & ~kept["amendment_of"].isin(conflicting)].copy()
    kept["direction"] = np.where(kept["direction"] == "I", "IMP", "EXP")
    kept["partner"] = np.where(kept["direction"] == "IMP", kept["origin"], kept["destination"])
    total = kept.groupby(["month", "direction"]).agg(records=("cents", "size"),
                                                     cents=("cents", "sum")).reset_index()
    kept.groupby(["month", "direction", "partner"])["cents"].agg(["size", "sum"])
    return total.rename(columns={"month": "period_start"}).assign(table="")


CONTENDERS = {"deo-duckdb": lambda f, c: run_deo(f, "duckdb", c), "duckdb-sql": run_sql,
              "pandas": run_pandas, "deo-spark": lambda f, c: run_deo(f, "spark", c)}


def child(name: str, folder: Path, cores: int | None, cells_out: Path) -> None:
    start = time.perf_counter()
    cells = CONTENDERS[name](folder, cores)
    seconds = time.perf_counter() - start
    totals = cells[cells["table"] == ""][["period_start", "direction", "records", "cents"]]
    totals.assign(period_start=pd.to_datetime(totals["period_start"])).to_parquet(cells_out)
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "cells": len(cells)}))


def contender(name: str, folder: Path, cores: int | None, work: Path) -> dict:
    cells_out = work / f"cells-{name}-{cores}.parquet"
    command = [sys.executable, __file__, "--child", name, "--folder", str(folder),
               "--cells", str(cells_out)] + (["--cores", str(cores)] if cores else [])
    done = subprocess.run(command, check=True, capture_output=True, text=True,
                          env={**os.environ, "DEO_HOME": str(work / "home")})
    result = json.loads(done.stdout.strip().splitlines()[-1])
    totals = pd.read_parquet(cells_out).sort_values(["period_start", "direction"])
    result["totals"] = totals.reset_index(drop=True).astype({"records": "int64", "cents": "int64"})
    return result


def generate(folder: Path, rows: int) -> None:
    from deo.measure.records.generate import generate_customs

    marker = folder / ".complete"
    if marker.exists() and marker.read_text() == str(rows):
        return
    shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()

    def progress(done: int, total: int) -> None:
        print(f"\r  generating {done:,}/{total:,} rows", end="", file=sys.stderr, flush=True)

    generate_customs(folder, rows, progress=progress)
    marker.write_text(str(rows))
    size = sum(p.stat().st_size for p in folder.rglob("*.parquet")) / 1e9
    print(f"\n  {rows:,} rows, {size:.1f} GB of Parquet in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=DEFAULT_ROWS)
    parser.add_argument("--spark-cores", type=int, nargs="*", default=[],
                        help="also time the spark engine (local mode) with these core counts")
    parser.add_argument("--workdir", type=Path, default=Path("bench-out/records"))
    parser.add_argument("--keep", action="store_true", help="keep the generated data")
    parser.add_argument("--child"), parser.add_argument("--folder", type=Path)
    parser.add_argument("--cells", type=Path), parser.add_argument("--cores", type=int)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.folder, args.cores, args.cells)
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=args.workdir))
    ratio = None
    try:
        for rows in sorted(args.rows):
            folder = args.workdir / f"customs-{rows}"
            generate(folder, rows)
            names = ["deo-duckdb", "duckdb-sql"] + (["pandas"] if rows <= PANDAS_MAX_ROWS else [])
            runs = [(name, None) for name in names]
            if rows == min(args.rows):
                runs += [("deo-spark", cores) for cores in args.spark_cores]
            results = {}
            for name, cores in runs:
                label = f"{name} ({cores} cores)" if cores else name
                results[label] = result = contender(name, folder, cores, work)
                speed = rows / result["seconds"]
                print(f"{rows:>11,} rows  {label:<22} {result['seconds']:8.1f} s "
                      f"{speed:>12,.0f} rows/s  peak {result['peak_mb']:7,.0f} MB", flush=True)
            reference = results["duckdb-sql"]["totals"]
            for label, result in results.items():  # the same aggregates, or the race is void
                pd.testing.assert_frame_equal(result["totals"][reference.columns], reference,
                                              check_dtype=False, obj=label)
            ratio = results["duckdb-sql"]["seconds"] / results["deo-duckdb"]["seconds"]
            print(f"{rows:>11,} rows  ratio deo/duckdb-sql {ratio:.2f}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep:
            for rows in args.rows:
                shutil.rmtree(args.workdir / f"customs-{rows}", ignore_errors=True)
    print(f"ratio deo/duckdb-sql {ratio:.2f}")


if __name__ == "__main__":
    main()
