"""Synthetic customs declarations of e-commerce parcels, for demos, tests and benchmarks:
up to hundreds of millions of rows as Parquet partitioned by month (``month=2024-11/``),
written chunk by chunk so memory stays bounded (about 1 GB per million-row chunk).

What makes them look real: weekly and yearly seasonality with Double 11 (11 November),
Black Friday and Cyber Monday peaks; heavy-tailed values (log-normal parcels, Pareto tail,
larger B2B consignments); partners and platforms with Zipf-like shares; several currencies.
And what makes them look like an extract: amendments, exact duplicates and a share of broken
records (bad date, unknown currency, negative value, unknown HS code, missing key).
Also writes ``rates.csv``: monthly exchange rates in the tidy form ``deo load`` reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

#: Partner economies and their relative weights (a long tail, as in real parcel flows).
PARTNERS = ["USA", "DEU", "GBR", "FRA", "JPN", "KOR", "RUS", "BRA", "MEX", "ESP", "ITA",
            "NLD", "CAN", "AUS", "POL", "SAU", "ARE", "ISR", "CHL", "TUR", "IND", "IDN",
            "THA", "VNM", "MYS", "PHL", "SGP", "NGA", "KEN", "ZAF", "EGY", "MAR", "COL",
            "PER", "ARG", "UKR", "KAZ", "NZL", "SWE", "BEL"]
#: HS 6-digit codes of goods typical of parcels, with relative weights.
PRODUCTS = {"610910": 9, "620462": 5, "640399": 5, "420222": 4, "950300": 6, "330499": 6,
            "851830": 7, "847130": 3, "851712": 6, "852872": 1, "711719": 5, "392690": 6,
            "940540": 3, "630260": 2, "900490": 2, "491199": 1, "850440": 4, "854231": 1,
            "847330": 3, "846721": 1, "871200": 1, "611030": 4, "960390": 2, "401110": 1}
#: Monthly exchange rates (units per US dollar) start here and walk a little.
BASE_RATES = {"EUR": 0.92, "CNY": 7.20, "GBP": 0.79, "JPY": 150.0, "KRW": 1330.0}
CURRENCY_SHARES = {"USD": 0.70, "EUR": 0.10, "CNY": 0.10, "GBP": 0.05, "JPY": 0.05}
DEFECTS = ("bad-date", "unknown-currency", "negative-value", "unknown-hs-code", "missing-key")

Progress = Callable[[int, int], None]
#: One schema for every chunk (a chunk without amendments must not make amendment_of null-typed).
SCHEMA = pa.schema(
    [(name, pa.string()) for name in ("declaration_id", "amendment_of")]
    + [("declaration_date", pa.date32())]
    + [(name, pa.string()) for name in ("regime", "direction", "origin", "destination",
                                         "hs_code", "hs_version")]
    + [("declared_value", pa.float64()), ("currency", pa.string()), ("quantity", pa.float64()),
       ("weight_kg", pa.float64()), ("customer", pa.string()), ("platform", pa.string()),
       ("month", pa.string())]
)


@dataclass(frozen=True)
class Generated:
    rows: int
    folder: Path
    rates_path: Path
    rates: pd.DataFrame  # currency, period, value


def day_weights(year: int) -> tuple[list[date], np.ndarray]:
    """Every day of ``year`` and its share of parcels: a Q4 high season, quieter weekends,
    and the shopping festivals (Double 11 x6, Black Friday x4, Cyber Monday x2.5, 618 x2)."""
    days = [date(year, 1, 1) + timedelta(d) for d in range((date(year + 1, 1, 1)
                                                             - date(year, 1, 1)).days)]
    doy = np.arange(len(days))
    weights = 1 + 0.35 * np.cos(2 * np.pi * (doy - 330) / len(days))
    weights *= np.array([0.8 if d.weekday() >= 5 else 1.0 for d in days])
    november = [d for d in days if d.month == 11]
    black_friday = [d for d in november if d.weekday() == 4][3]
    peaks = {date(year, 11, 11): 6.0, black_friday: 4.0,
             black_friday + timedelta(3): 2.5, date(year, 6, 18): 2.0}
    for day, factor in peaks.items():
        weights[days.index(day)] *= factor
    return days, weights / weights.sum()


def monthly_rates(year: int, seed: int) -> pd.DataFrame:
    """(currency, period, value): a small random walk from :data:`BASE_RATES`."""
    rng = np.random.default_rng([seed, 99])
    rows = []
    for currency, base in BASE_RATES.items():
        walk = base * np.exp(np.cumsum(rng.normal(0, 0.01, 12)))
        rows += [(currency, f"{year}-{m:02d}", round(float(v), 6))
                 for m, v in enumerate(walk, 1)]
    return pd.DataFrame(rows, columns=["currency", "period", "value"])


def _zipf(n: int, s: float = 1.1) -> np.ndarray:
    weights = 1 / np.arange(1, n + 1) ** s
    return weights / weights.sum()


def _chunk(rng: np.random.Generator, chunk: int, n: int, year: int, reporter: str,
           rates: dict[tuple[str, int], float], shares: tuple[float, float, float]) -> pa.Table:
    """One chunk: ``n`` declarations plus their amendments and duplicates."""
    amend_share, dup_share, broken_share = shares
    days, weights = day_weights(year)
    day = np.array(days, dtype="datetime64[D]")[rng.choice(len(days), n, p=weights)]
    exports = rng.random(n) < 0.65
    partner = np.array(PARTNERS)[rng.choice(len(PARTNERS), n, p=_zipf(len(PARTNERS)))]
    regime = np.where(exports, rng.choice(["9610", "9710", "9810"], n, p=[0.6, 0.25, 0.15]),
                      rng.choice(["9610", "1210"], n, p=[0.55, 0.45]))
    b2b = np.isin(regime, ["9710", "9810"]) | (rng.random(n) < 0.05)
    usd = np.where(b2b, rng.lognormal(np.log(2500), 1.3, n), rng.lognormal(np.log(35), 1.1, n))
    tail = rng.random(n) < 0.005  # the heavy tail: a few very large consignments
    usd = np.where(tail, usd + 500 * rng.pareto(1.5, n), usd)
    codes = list(PRODUCTS)
    hs = np.array(codes)[rng.choice(len(codes), n, p=np.array(list(PRODUCTS.values()))
                                    / sum(PRODUCTS.values()))]
    currency = rng.choice(list(CURRENCY_SHARES), n, p=list(CURRENCY_SHARES.values()))
    month = day.astype("datetime64[M]").astype(int) % 12 + 1
    factor = np.array([rates.get((c, m), 1.0) for c, m in zip(currency, month, strict=True)])
    platforms = np.array([f"PLT{i:02d}" for i in range(1, 31)])
    platform = platforms[rng.choice(30, n, p=_zipf(30, 1.3))].astype(object)
    platform[rng.random(n) < 0.03] = None
    ids = pc.binary_join_element_wise(
        f"D{chunk:05d}", pc.utf8_lpad(pc.cast(pa.array(np.arange(n)), pa.string()), 8, "0"), ""
    )
    table = pd.DataFrame({
        "declaration_id": ids.to_numpy(zero_copy_only=False).astype(object),
        "amendment_of": None,
        "declaration_date": day,
        "regime": regime,
        "direction": np.where(exports, "E", "I"),
        "origin": np.where(exports, reporter, partner),
        "destination": np.where(exports, partner, reporter),
        "hs_code": hs,
        "hs_version": "HS2017",
        "declared_value": np.round(usd * factor, 2),
        "currency": currency,
        "quantity": (1 + rng.poisson(1, n)).astype(float),
        "weight_kg": np.round(rng.lognormal(np.log(0.6), 0.8, n) * np.where(b2b, 20, 1), 3),
        "customer": np.where(b2b, "B2B", "B2C"),
        "platform": platform,
    })
    amended = rng.choice(n, int(n * amend_share), replace=False)
    amendments = table.iloc[amended].copy()
    amendments["amendment_of"] = amendments["declaration_id"]
    amendments["declaration_id"] = "A" + amendments["declaration_id"].str[1:]
    amendments["declared_value"] = np.round(
        amendments["declared_value"] * rng.uniform(0.8, 1.2, len(amendments)), 2)
    _break(rng, table, broken_share)
    copies = table.iloc[rng.choice(n, int(n * dup_share), replace=False)]
    out = pd.concat([table, amendments, copies], ignore_index=True)
    out["month"] = out["declaration_date"].dt.strftime("%Y-%m")
    out["declaration_date"] = out["declaration_date"].dt.date
    return pa.Table.from_pandas(out, schema=SCHEMA, preserve_index=False)


def _break(rng: np.random.Generator, table: pd.DataFrame, share: float) -> None:
    """Give ``share`` of the records one defect each, in place (spread over the five)."""
    broken = rng.choice(len(table), int(len(table) * share), replace=False)
    kinds = np.array(DEFECTS)[np.arange(len(broken)) % len(DEFECTS)]
    for kind in DEFECTS:
        rows = table.index[broken[kinds == kind]]
        if kind == "bad-date":
            table.loc[rows, "declaration_date"] = pd.Timestamp("1900-01-01")
        elif kind == "unknown-currency":
            table.loc[rows, "currency"] = "ZZZ"
        elif kind == "negative-value":
            table.loc[rows, "declared_value"] = -table.loc[rows, "declared_value"]
        elif kind == "unknown-hs-code":
            table.loc[rows, "hs_code"] = "990000"
        else:
            table.loc[rows, "declaration_id"] = None


def generate_customs(
    folder: Path,
    rows: int,
    *,
    year: int = 2024,
    reporter: str = "CHN",
    seed: int = 0,
    chunk_rows: int = 1_000_000,
    amendments: float = 0.01,
    duplicates: float = 0.005,
    broken: float = 0.003,
    progress: Progress | None = None,
) -> Generated:
    """Write about ``rows`` declarations (amendments and duplicates included) under
    ``folder`` as Parquet partitioned by month, and ``folder/../rates.csv``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rates = monthly_rates(year, seed)
    by_month = {(c, int(p[-2:])): v for c, p, v in rates.itertuples(index=False)}
    written, chunk = 0, 0
    while written < rows:
        total = min(chunk_rows, rows - written)
        base = max(1, round(total / (1 + amendments + duplicates)))
        rng = np.random.default_rng([seed, chunk])
        table = _chunk(rng, chunk, base, year, reporter, by_month,
                       (amendments, duplicates, broken))
        ds.write_dataset(
            table, folder, format="parquet", partitioning=["month"], partitioning_flavor="hive",
            basename_template=f"part-{chunk:05d}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
        )
        written += table.num_rows
        chunk += 1
        if progress:
            progress(min(written, rows), rows)
    rates_path = folder.parent / f"{folder.name}-rates.csv"
    tidy = rates.assign(indicator="DEO.XR.USD", area="WLD").rename(
        columns={"currency": "CURRENCY"})
    tidy[["indicator", "area", "period", "CURRENCY", "value"]].to_csv(rates_path, index=False)
    return Generated(written, folder, rates_path, rates)
