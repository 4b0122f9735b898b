"""Synthetic record sets for demos, tests and benchmarks, one generator per record type
(:data:`GENERATORS`): customs declarations of e-commerce parcels, card payment transactions
and platform sales reports. Up to hundreds of millions of rows as Parquet partitioned by
month (``month=2024-11/``), written chunk by chunk so memory stays bounded (about 1 GB per
million-row chunk).

What makes them look real: weekly and yearly seasonality with Double 11 (11 November),
Black Friday and Cyber Monday peaks; heavy-tailed values (log-normal, with a Pareto tail);
partners, platforms, merchants and sellers with Zipf-like shares; several currencies.
And what makes them look like an extract: exact duplicates, amendments where the record
type has them, and a share of broken records, each breaking one rule of its contract.
Also writes ``<folder>-rates.csv``: monthly exchange rates in the tidy form ``deo load``
reads.

A record type's generator is a small function making one chunk of good records; the driver
(:func:`generate`) sizes the chunks, adds amendments, breaks records, copies some and writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from deo.registry import Registry

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
#: Monthly exchange rates (units per US dollar) start here and walk a little. New currencies
#: go at the end: each walk draws from one stream in this order, so earlier ones stay put.
BASE_RATES = {"EUR": 0.92, "CNY": 7.20, "GBP": 0.79, "JPY": 150.0, "KRW": 1330.0,
              "INR": 83.0, "BRL": 5.0, "KES": 145.0, "AUD": 1.52, "CAD": 1.36, "ZAR": 18.6,
              "NGN": 1300.0, "MXN": 17.1, "TRY": 32.0, "SGD": 1.34}
CURRENCY_SHARES = {"USD": 0.70, "EUR": 0.10, "CNY": 0.10, "GBP": 0.05, "JPY": 0.05}
#: Economies' own currencies, where :data:`BASE_RATES` prices them (others trade in USD).
LOCAL_CURRENCIES = {
    "USA": "USD", "CHN": "CNY", "GBR": "GBP", "JPN": "JPY", "KOR": "KRW", "IND": "INR",
    "BRA": "BRL", "KEN": "KES", "AUS": "AUD", "CAN": "CAD", "ZAF": "ZAR", "NGA": "NGN",
    "MEX": "MXN", "TUR": "TRY", "SGP": "SGD",
    **dict.fromkeys(["DEU", "FRA", "ESP", "ITA", "NLD", "BEL", "AUT", "IRL", "FIN", "PRT",
                     "GRC", "LUX", "SVK", "SVN", "EST", "LVA", "LTU", "HRV", "CYP", "MLT"],
                    "EUR"),
}

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Generated:
    rows: int
    folder: Path
    rates_path: Path
    rates: pd.DataFrame  # currency, period, value
    record_type: str = "customs"


@dataclass(frozen=True)
class Plan:
    """What one chunk is made from: its random stream, its number (record ids are unique
    across chunks), how many good records to make, and the run's settings."""

    rng: np.random.Generator
    chunk: int
    n: int
    year: int
    reporter: str
    seed: int
    #: (currency, month 1-12) -> units per US dollar.
    rates: dict[tuple[str, int], float]


@dataclass(frozen=True)
class Defect:
    """One way to break a record: ``apply(records, rows)`` breaks ``rows`` (index labels)
    in place so that the contract check rejects them for ``rule``."""

    rule: str
    apply: Callable[[pd.DataFrame, pd.Index], None]


@dataclass(frozen=True)
class Shares:
    """Shares of a chunk's good records that get an amendment, an exact copy, a defect."""

    amendments: float = 0.0
    duplicates: float = 0.005
    broken: float = 0.003


@dataclass(frozen=True)
class RecordGenerator:
    """How to make records of one type (``name``, as in :data:`RECORD_TYPES`).

    ``make(plan)`` is ``plan.n`` good records; ``finish(records)`` adds the ``month``
    partition column ("YYYY-MM") once defects are in; ``amend(rng, records)`` turns copies
    of some records into their amendments (None: the type has none); ``schema`` is the
    Parquet schema, the same for every chunk (a chunk without amendments must not make
    their column null-typed)."""

    name: str
    make: Callable[[Plan], pd.DataFrame]
    finish: Callable[[pd.DataFrame], None]
    schema: pa.Schema
    defects: tuple[Defect, ...]
    shares: Shares
    amend: Callable[[np.random.Generator, pd.DataFrame], None] | None = None


GENERATORS: Registry[RecordGenerator] = Registry(
    "record generator", ("deo.measure.records.generate",)
)


def day_weights(year: int, festivals: float = 1.0) -> tuple[list[date], np.ndarray]:
    """Every day of ``year`` and its share of records: a Q4 high season, quieter weekends,
    and the shopping festivals (Double 11 x6, Black Friday x4, Cyber Monday x2.5, 618 x2).
    ``festivals`` scales the festivals' extra (0: none; shops see less of them than the web)."""
    days = [date(year, 1, 1) + timedelta(d) for d in range((date(year + 1, 1, 1)
                                                             - date(year, 1, 1)).days)]
    doy = np.arange(len(days))
    weights = 1 + 0.35 * np.cos(2 * np.pi * (doy - 330) / len(days))
    weights *= np.array([0.8 if d.weekday() >= 5 else 1.0 for d in days])
    # The day after Thanksgiving (the fourth Thursday): not always the fourth Friday.
    black_friday = [d for d in days if d.month == 11 and d.weekday() == 3][3] + timedelta(1)
    peaks = {date(year, 11, 11): 6.0, black_friday: 4.0,
             black_friday + timedelta(3): 2.5, date(year, 6, 18): 2.0}
    for day, factor in peaks.items():
        weights[days.index(day)] *= 1 + (factor - 1) * festivals
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


def _ids(prefix: str, chunk: int, n: int) -> np.ndarray:
    """``n`` record ids unique across chunks: prefix, chunk number, 8-digit row number."""
    ids = pc.binary_join_element_wise(
        f"{prefix}{chunk:05d}", pc.utf8_lpad(pc.cast(pa.array(np.arange(n)), pa.string()), 8, "0"),
        "",
    )
    return ids.to_numpy(zero_copy_only=False).astype(object)


def _factors(currency: np.ndarray, month: np.ndarray,
             rates: dict[tuple[str, int], float]) -> np.ndarray:
    """Units of ``currency`` per US dollar in ``month`` (1-12); 1 where no rate (USD)."""
    factor = np.ones(len(currency))
    for code in np.unique(currency):
        rows = currency == code
        factor[rows] = np.array([rates.get((code, m), 1.0) for m in range(13)])[month[rows]]
    return factor


def _local(country: str) -> str:
    return LOCAL_CURRENCIES.get(country, "USD")


def _foreign(reporter: str) -> list[str]:
    """Economies other than the reporter's, largest e-commerce partners first."""
    return [c for c in ["CHN", *PARTNERS] if c != reporter]


def _month(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy().astype("datetime64[M]").astype(str)


def _set(column: str, value: object) -> Callable[[pd.DataFrame, pd.Index], None]:
    def apply(records: pd.DataFrame, rows: pd.Index) -> None:
        records.loc[rows, column] = value

    return apply


def _negate(column: str) -> Callable[[pd.DataFrame, pd.Index], None]:
    def apply(records: pd.DataFrame, rows: pd.Index) -> None:
        records.loc[rows, column] = -records.loc[rows, column]

    return apply


# Customs declarations -------------------------------------------------------------------

CUSTOMS_SCHEMA = pa.schema(
    [(name, pa.string()) for name in ("declaration_id", "amendment_of")]
    + [("declaration_date", pa.date32())]
    + [(name, pa.string()) for name in ("regime", "direction", "origin", "destination",
                                         "hs_code", "hs_version")]
    + [("declared_value", pa.float64()), ("currency", pa.string()), ("quantity", pa.float64()),
       ("weight_kg", pa.float64()), ("customer", pa.string()), ("platform", pa.string()),
       ("month", pa.string())]
)


def _customs(plan: Plan) -> pd.DataFrame:
    """Declarations: 65% exports; B2C parcels of ~35 USD, B2B consignments of ~2,500 USD."""
    rng, n, reporter = plan.rng, plan.n, plan.reporter
    days, weights = day_weights(plan.year)
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
    factor = _factors(currency, month, plan.rates)
    platforms = np.array([f"PLT{i:02d}" for i in range(1, 31)])
    platform = platforms[rng.choice(30, n, p=_zipf(30, 1.3))].astype(object)
    platform[rng.random(n) < 0.03] = None
    return pd.DataFrame({
        "declaration_id": _ids("D", plan.chunk, n),
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


def _amend_customs(rng: np.random.Generator, amendments: pd.DataFrame) -> None:
    """An amendment replaces its declaration: a new id, the old one in ``amendment_of``,
    the value corrected by up to 20%."""
    amendments["amendment_of"] = amendments["declaration_id"]
    amendments["declaration_id"] = "A" + amendments["declaration_id"].str[1:]
    amendments["declared_value"] = np.round(
        amendments["declared_value"] * rng.uniform(0.8, 1.2, len(amendments)), 2)


def _finish_customs(records: pd.DataFrame) -> None:
    records["month"] = _month(records["declaration_date"])


GENERATORS.register(RecordGenerator(
    "customs", _customs, _finish_customs, CUSTOMS_SCHEMA,
    # Only five rules, in this order: a new defect would change every seed's records.
    (Defect("bad-date", _set("declaration_date", pd.Timestamp("1900-01-01"))),
     Defect("unknown-currency", _set("currency", "ZZZ")),
     Defect("negative-value", _negate("declared_value")),
     Defect("unknown-hs-code", _set("hs_code", "990000")),
     Defect("missing-key", _set("declaration_id", None))),
    Shares(amendments=0.01, duplicates=0.005, broken=0.003),
    _amend_customs,
))


# Card payments ----------------------------------------------------------------------------

#: Merchant category codes (ISO 18245): (code, share of merchants, share of their
#: transactions card-not-present, median ticket in USD, log-sd of tickets).
MCCS = [
    ("5411", 14, 0.08, 35, 0.9),   # grocery stores, supermarkets
    ("5812", 14, 0.06, 22, 0.8),   # restaurants
    ("5814", 8, 0.10, 9, 0.6),     # fast food
    ("5541", 6, 0.02, 45, 0.5),    # service stations
    ("5912", 5, 0.12, 18, 0.8),    # drug stores
    ("5311", 5, 0.15, 60, 1.0),    # department stores
    ("5399", 8, 0.70, 40, 1.1),    # general merchandise: marketplaces
    ("5691", 7, 0.25, 55, 0.9),    # clothing
    ("5732", 4, 0.35, 180, 1.1),   # electronics
    ("5942", 2, 0.40, 20, 0.7),    # books
    ("5945", 2, 0.35, 30, 0.9),    # toys, games, hobbies
    ("5999", 8, 0.35, 35, 1.1),    # miscellaneous retail
    ("4722", 2, 0.80, 450, 1.0),   # travel agencies
    ("7011", 3, 0.45, 220, 0.9),   # hotels
    ("4511", 1, 0.90, 320, 0.9),   # airlines
    ("4121", 4, 0.50, 15, 0.6),    # taxis, ride-hailing
    ("4814", 3, 0.40, 30, 0.6),    # telecommunication services
    ("5815", 2, 1.00, 10, 0.8),    # digital media: books, films, music
    ("5816", 1, 1.00, 12, 1.0),    # digital games
    ("5817", 1, 1.00, 15, 1.0),    # software and apps
]
MERCHANTS = 100_000
PAYMENTS_SCHEMA = pa.schema(
    [("transaction_id", pa.string()), ("transaction_date", pa.date32())]
    + [(name, pa.string()) for name in ("online", "merchant_category_code", "merchant_id",
                                         "merchant_country", "cardholder_country")]
    + [("amount", pa.float64()), ("currency", pa.string()), ("month", pa.string())]
)


@dataclass(frozen=True)
class _Merchants:
    """The run's merchants (the same in every chunk): id, share of transactions (Zipf:
    a few marketplaces take much), index into :data:`MCCS`, country, pricing currency."""

    ids: np.ndarray
    weights: np.ndarray
    mcc: np.ndarray
    country: np.ndarray
    foreign: np.ndarray
    currency: np.ndarray


@cache
def _merchants(seed: int, reporter: str) -> _Merchants:
    rng = np.random.default_rng([seed, 1_000_001])
    n = MERCHANTS
    shares = np.array([m[1] for m in MCCS], dtype=float)
    mcc = rng.choice(len(MCCS), n, p=shares / shares.sum())
    foreign = rng.random(n) < 0.15
    # The three largest are the home marketplaces, whatever the seed.
    mcc[:3], foreign[:3] = [m[0] for m in MCCS].index("5399"), False
    abroad = _foreign(reporter)
    country = np.where(foreign, np.array(abroad)[rng.choice(len(abroad), n, p=_zipf(len(abroad)))],
                       reporter).astype(object)
    # Merchants abroad charge in their own currency, or in US dollars (a third of them).
    currency = np.array([_local(c) for c in country], dtype=object)
    currency[foreign & (rng.random(n) < 1 / 3)] = "USD"
    ids = np.array([f"M{i:07d}" for i in range(n)], dtype=object)
    return _Merchants(ids, _zipf(n, 1.0), mcc, country, foreign, currency)


@cache
def _day_cdfs(year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Days, and the cumulative day weights online (full festivals) and in shops."""
    days, online = day_weights(year)
    _days, shops = day_weights(year, festivals=0.25)
    return np.array(days, dtype="datetime64[D]"), np.cumsum(online), np.cumsum(shops)


def _payments(plan: Plan) -> pd.DataFrame:
    """Transactions at the run's merchants: online by the MCC's card-not-present share (85%
    at merchants abroad); resident cardholders but for 5% at home (tourists, foreign online
    buyers) and 10% abroad (the extract's foreign-only transactions)."""
    rng, n, reporter = plan.rng, plan.n, plan.reporter
    shops = _merchants(plan.seed, reporter)
    m = rng.choice(len(shops.ids), n, p=shops.weights)
    mcc, foreign = shops.mcc[m], shops.foreign[m]
    online = rng.random(n) < np.where(foreign, 0.85, np.array([x[2] for x in MCCS])[mcc])
    days, online_cdf, shop_cdf = _day_cdfs(plan.year)
    u = rng.random(n) * online_cdf[-1]
    day = days[np.minimum(np.where(online, np.searchsorted(online_cdf, u),
                                   np.searchsorted(shop_cdf, u)), len(days) - 1)]
    abroad = _foreign(reporter)
    other = np.array(abroad)[rng.choice(len(abroad), n, p=_zipf(len(abroad)))]
    resident = rng.random(n) < np.where(foreign, 0.90, 0.95)
    cardholder = np.where(resident, reporter, other)
    median = np.array([x[3] for x in MCCS], dtype=float)[mcc]
    sigma = np.array([x[4] for x in MCCS])[mcc]
    usd = median * np.exp(sigma * rng.standard_normal(n))
    tail = rng.random(n) < 0.002  # a few very large tickets: the recipe's outlier rule bites
    usd = np.where(tail, usd + 1000 * rng.pareto(1.2, n), usd)
    currency = shops.currency[m]
    month = day.astype("datetime64[M]").astype(int) % 12 + 1
    amount = np.maximum(np.round(usd * _factors(currency, month, plan.rates), 2), 0.01)
    return pd.DataFrame({
        "transaction_id": _ids("T", plan.chunk, n),
        "transaction_date": day,
        "online": np.where(online, "Y", "N"),
        "merchant_category_code": np.array([x[0] for x in MCCS])[mcc],
        "merchant_id": shops.ids[m],
        "merchant_country": shops.country[m],
        "cardholder_country": cardholder,
        "amount": amount,
        "currency": currency,
    })


def _finish_payments(records: pd.DataFrame) -> None:
    records["month"] = _month(records["transaction_date"])


GENERATORS.register(RecordGenerator(
    "payments", _payments, _finish_payments, PAYMENTS_SCHEMA,
    # One defect for every rule the payments contract can break.
    (Defect("missing-key", _set("transaction_id", None)),
     Defect("bad-date", _set("transaction_date", pd.Timestamp("1900-01-01"))),
     Defect("bad-flag", _set("online", "U")),  # "unknown" in some acquirers' extracts
     Defect("unknown-code", _set("merchant_category_code", "742")),  # 0742 lost its zero
     Defect("missing-value", _set("cardholder_country", None)),
     Defect("unknown-area", _set("merchant_country", "XX")),
     # Infinity, not NaN: pyarrow writes a pandas NaN as null (a missing value).
     Defect("not-a-number", _set("amount", np.inf)),
     Defect("negative-value", _negate("amount")),
     Defect("unknown-currency", _set("currency", "ZZZ"))),
    Shares(amendments=0.0, duplicates=0.005, broken=0.003),
))


# Platform sales ---------------------------------------------------------------------------

#: The platforms' own product categories and their shares of records; the platform-sales
#: recipe maps most to PRODUCT codes, the last four count as other (OTH).
CATEGORIES = {"electronics": 10, "phones": 6, "computers": 4, "clothing": 12, "fashion": 6,
              "shoes": 6, "beauty": 8, "toys": 5, "furniture": 4, "jewellery": 3, "food": 5,
              "books": 4, "home & garden": 8, "sports": 5, "pet supplies": 2, "automotive": 3}
PLATFORMS = 12
SELLERS = 50_000
PLATFORM_SCHEMA = pa.schema(
    [(name, pa.string()) for name in ("record_id", "period", "platform", "seller_id",
                                       "seller_country", "buyer_country", "category",
                                       "customer")]
    + [("gmv", pa.float64()), ("currency", pa.string()), ("month", pa.string())]
)


@dataclass(frozen=True)
class _Sellers:
    """The run's sellers: id, share of records (Zipf), size (multiplies the value of each
    record: large sellers sell more per market), platform, country, main category."""

    ids: np.ndarray
    weights: np.ndarray
    size: np.ndarray
    platform: np.ndarray
    country: np.ndarray
    foreign: np.ndarray
    category: np.ndarray


@cache
def _sellers(seed: int, reporter: str) -> _Sellers:
    rng = np.random.default_rng([seed, 1_000_002])
    n = SELLERS
    weights = _zipf(n, 0.8)
    size = (weights / np.median(weights)) ** 0.35
    # A few marketplaces host most sellers (so one platform dominates many cells).
    platform = rng.choice(PLATFORMS, n, p=_zipf(PLATFORMS, 1.2))
    foreign = rng.random(n) < 0.35
    abroad = _foreign(reporter)
    country = np.where(foreign, np.array(abroad)[rng.choice(len(abroad), n, p=_zipf(len(abroad)))],
                       reporter).astype(object)
    shares = np.array(list(CATEGORIES.values()), dtype=float)
    category = rng.choice(len(CATEGORIES), n, p=shares / shares.sum())
    ids = np.array([f"S{i:07d}" for i in range(n)], dtype=object)
    return _Sellers(ids, weights, size, platform, country, foreign, category)


def month_weights(year: int) -> np.ndarray:
    """Each month's share of a year's records (the sum of its days' :func:`day_weights`)."""
    days, weights = day_weights(year)
    return np.bincount([d.month - 1 for d in days], weights=weights, minlength=12)


def _platform(plan: Plan) -> pd.DataFrame:
    """Monthly GMV of a seller on a platform to buyers of one economy, in one category:
    35% of sellers abroad, selling mostly to residents (8% to other economies: out of
    scope); resident sellers export 15%. Each platform reports in one currency."""
    rng, n, reporter = plan.rng, plan.n, plan.reporter
    sellers = _sellers(plan.seed, reporter)
    s = rng.choice(len(sellers.ids), n, p=sellers.weights)
    month = rng.choice(12, n, p=month_weights(plan.year)) + 1
    foreign = sellers.foreign[s]
    abroad = _foreign(reporter)
    other = np.array(abroad)[rng.choice(len(abroad), n, p=_zipf(len(abroad)))]
    buyer = np.where(rng.random(n) < np.where(foreign, 0.92, 0.85), reporter, other)
    category = np.where(rng.random(n) < 0.8, sellers.category[s],
                        rng.choice(len(CATEGORIES), n))
    platform = sellers.platform[s]
    # Odd platforms spell categories in title case: the recipe's mapping ignores case.
    spellings = np.array([list(CATEGORIES), [c.title() for c in CATEGORIES]], dtype=object)
    customer = rng.choice(np.array(["B2C", "B2B", None], dtype=object), n,
                          p=[0.85, 0.12, 0.03])
    usd = sellers.size[s] * rng.lognormal(np.log(400), 1.3, n)
    tail = rng.random(n) < 0.002
    usd = np.where(tail, usd + 5000 * rng.pareto(1.3, n), usd)
    # Every fourth platform is international and reports in US dollars.
    currency = np.where(platform % 4 == 3, "USD", _local(reporter))
    seller_id = sellers.ids[s].copy()
    seller_id[rng.random(n) < 0.02] = None  # the platform's own (first-party) sales
    return pd.DataFrame({
        "record_id": _ids("P", plan.chunk, n),
        "period": np.array([f"{plan.year}-{m:02d}" for m in range(1, 13)])[month - 1],
        "platform": np.array([f"PLT{i:02d}" for i in range(1, PLATFORMS + 1)])[platform],
        "seller_id": seller_id,
        "seller_country": sellers.country[s],
        "buyer_country": buyer,
        "category": spellings[platform % 2, category],
        "customer": customer,
        "gmv": np.maximum(np.round(usd * _factors(currency, month, plan.rates), 2), 0.01),
        "currency": currency,
    })


def _finish_platform(records: pd.DataFrame) -> None:
    records["month"] = records["period"]


GENERATORS.register(RecordGenerator(
    "platform", _platform, _finish_platform, PLATFORM_SCHEMA,
    (Defect("missing-key", _set("record_id", None)),
     Defect("bad-period", _set("period", "1900-01")),
     Defect("missing-value", _set("category", "")),
     Defect("unknown-area", _set("buyer_country", "EU")),  # a region, not an economy
     Defect("unknown-code", _set("customer", "C2C")),
     Defect("not-a-number", _set("gmv", np.inf)),
     Defect("negative-value", _negate("gmv")),  # returns exceeding sales
     Defect("unknown-currency", _set("currency", "ZZZ"))),
    Shares(amendments=0.0, duplicates=0.005, broken=0.003),
))


# The driver -------------------------------------------------------------------------------

def _sizes(total: int, amendments: float, duplicates: float) -> tuple[int, int, int]:
    """(good records, amendments, copies): as near ``total`` rows as whole numbers of each
    allow, never more; the next chunk makes up the rest (a few rows at most)."""
    base = max(1, round(total / (1 + amendments + duplicates)))
    while base > 1 and base + int(base * amendments) + int(base * duplicates) > total:
        base -= 1
    return base, int(base * amendments), int(base * duplicates)


def _chunk(kind: RecordGenerator, plan: Plan, total: int, shares: Shares) -> pa.Table:
    """One chunk of ``total`` rows: good records, their amendments, defects, then copies
    (of broken records too: an extract copies what it holds)."""
    rng = plan.rng
    n, amended, copies = _sizes(total, shares.amendments if kind.amend else 0.0,
                                shares.duplicates)
    records = kind.make(replace(plan, n=n))
    parts = [records]
    if kind.amend:
        amendments = records.iloc[rng.choice(n, amended, replace=False)].copy()
        kind.amend(rng, amendments)
        parts.append(amendments)
    _break(rng, records, shares.broken, kind.defects)
    parts.append(records.iloc[rng.choice(n, copies, replace=False)])
    out = pd.concat(parts, ignore_index=True)
    kind.finish(out)
    # No pandas metadata in the files: they are for the engines, not for pandas round trips.
    return pa.Table.from_pandas(out, schema=kind.schema, preserve_index=False) \
        .replace_schema_metadata(None)


def _break(rng: np.random.Generator, records: pd.DataFrame, share: float,
           defects: tuple[Defect, ...]) -> None:
    """Give ``share`` of the records one defect each, in place, dealt out in turn."""
    broken = rng.choice(len(records), int(len(records) * share), replace=False)
    for i, defect in enumerate(defects):
        defect.apply(records, records.index[broken[i::len(defects)]])


def generate(
    record_type: str,
    folder: Path,
    rows: int,
    *,
    year: int = 2024,
    reporter: str = "CHN",
    seed: int = 0,
    chunk_rows: int = 1_000_000,
    amendments: float | None = None,
    duplicates: float | None = None,
    broken: float | None = None,
    progress: Progress | None = None,
) -> Generated:
    """Write ``rows`` synthetic records of ``record_type`` (amendments, duplicates and broken
    records included) under ``folder`` as Parquet partitioned by month, and
    ``<folder>-rates.csv`` beside it. Shares left as None are the type's defaults."""
    kind = GENERATORS.get(record_type)
    defaults = kind.shares
    shares = Shares(
        defaults.amendments if amendments is None else amendments,
        defaults.duplicates if duplicates is None else duplicates,
        defaults.broken if broken is None else broken,
    )
    if shares.amendments and not kind.amend:
        raise ValueError(f"{record_type} records have no amendments")
    if not all(0 <= s < 1 for s in (shares.amendments, shares.duplicates, shares.broken)):
        raise ValueError(f"shares must be in [0, 1): {shares}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rates = monthly_rates(year, seed)
    by_month = {(c, int(p[-2:])): v for c, p, v in rates.itertuples(index=False)}
    written, chunk = 0, 0
    while written < rows:
        total = min(chunk_rows, rows - written)
        plan = Plan(np.random.default_rng([seed, chunk]), chunk, 0, year, reporter, seed,
                    by_month)
        table = _chunk(kind, plan, total, shares)
        ds.write_dataset(
            table, folder, format="parquet", partitioning=["month"], partitioning_flavor="hive",
            basename_template=f"part-{chunk:05d}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
            preserve_order=True,  # rows in the order made: the same seed, the same files
        )
        written += table.num_rows
        chunk += 1
        if progress:
            progress(written, rows)
    rates_path = folder.parent / f"{folder.name}-rates.csv"
    tidy = rates.assign(indicator="DEO.XR.USD", area="WLD").rename(
        columns={"currency": "CURRENCY"})
    tidy[["indicator", "area", "period", "CURRENCY", "value"]].to_csv(rates_path, index=False)
    return Generated(written, folder, rates_path, rates, kind.name)


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
    """Customs declarations of e-commerce parcels (see :func:`generate`): 65% exports,
    B2C parcels and B2B consignments, HS codes of goods typical of parcels, 30 platforms;
    ``amendments`` (corrected values), exact ``duplicates``, ``broken`` records (bad date,
    unknown currency, negative value, unknown HS code, missing key)."""
    return generate("customs", folder, rows, year=year, reporter=reporter, seed=seed,
                    chunk_rows=chunk_rows, amendments=amendments, duplicates=duplicates,
                    broken=broken, progress=progress)


def generate_payments(
    folder: Path,
    rows: int,
    *,
    year: int = 2024,
    reporter: str = "CHN",
    seed: int = 0,
    chunk_rows: int = 1_000_000,
    duplicates: float = 0.005,
    broken: float = 0.003,
    progress: Progress | None = None,
) -> Generated:
    """Card transactions (see :func:`generate`) at 100,000 merchants of Zipf-like sizes,
    20 MCCs each with its card-not-present share and ticket size; domestic mostly, imports
    from merchants abroad, exports to foreign cards, 1-2% foreign-only; online ones peak on
    the festivals, those in shops a quarter as much. No amendments (the contract has none);
    exact ``duplicates``, ``broken`` records spread over every rule of the contract."""
    return generate("payments", folder, rows, year=year, reporter=reporter, seed=seed,
                    chunk_rows=chunk_rows, duplicates=duplicates, broken=broken,
                    progress=progress)


def generate_platform(
    folder: Path,
    rows: int,
    *,
    year: int = 2024,
    reporter: str = "CHN",
    seed: int = 0,
    chunk_rows: int = 1_000_000,
    duplicates: float = 0.005,
    broken: float = 0.003,
    progress: Progress | None = None,
) -> Generated:
    """Monthly platform sales reports (see :func:`generate`): GMV by platform, seller,
    buyer economy, category and customer; 50,000 sellers with Zipf-like record counts and
    sizes on 12 platforms of Zipf-like reach (work for the dominance rule); November holds
    the most records. Exact ``duplicates``, ``broken`` records over every contract rule."""
    return generate("platform", folder, rows, year=year, reporter=reporter, seed=seed,
                    chunk_rows=chunk_rows, duplicates=duplicates, broken=broken,
                    progress=progress)
