"""A synthetic business register and ICT-use survey, with known population truth.

For demos, tests and benchmarks: nothing here is real data. The register holds
businesses with size class, ISIC section, urbanisation, the owner's sex, a district
(a geographic cluster), persons employed, turnover and the answers each would give to
the UNCTAD model questionnaire (codes 1 = yes, 2 = no), with the chance of "yes"
growing with size. A sample is stratified by size class and industry, drawn without
replacement, with take-all strata for the largest businesses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

SIZE_CLASSES = ("10-49", "50-249", "GE250")
SIZE_SHARES = (0.80, 0.16, 0.04)
EMPLOYEES = {"10-49": (10, 49), "50-249": (50, 249), "GE250": (250, 2000)}
ACTIVITIES = ("C", "F", "G", "H", "I", "J", "L", "M", "N")
ACTIVITY_SHARES = (0.16, 0.12, 0.28, 0.08, 0.10, 0.06, 0.05, 0.09, 0.06)
#: Yes/no questions: (column, base log-odds, size effect per class step, ICT-sector lift).
QUESTIONS = (
    ("uses_computers", 2.2, 1.0, 1.5),
    ("uses_internet", 1.8, 1.0, 1.5),
    ("web_presence", -0.2, 0.8, 1.2),
    ("intranet", -1.0, 0.9, 1.0),
    ("received_orders_internet", -1.6, 0.6, 0.8),
    ("placed_orders_internet", -0.6, 0.6, 0.8),
    ("fixed_broadband", 1.0, 0.8, 1.0),
    ("mobile_broadband", 0.6, 0.5, 0.8),
    ("lan", 0.2, 0.9, 1.2),
    ("extranet", -2.0, 0.9, 1.0),
    ("internet_for_banking", 0.5, 0.7, 0.8),
)


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def business_register(businesses: int = 20_000, seed: int = 1, districts: int = 200
                      ) -> pd.DataFrame:
    """A register of ``businesses`` with their (normally unobserved) survey answers."""
    rng = np.random.default_rng(seed)
    size = rng.choice(len(SIZE_CLASSES), businesses, p=SIZE_SHARES)
    activity = rng.choice(len(ACTIVITIES), businesses, p=ACTIVITY_SHARES)
    low = np.array([EMPLOYEES[s][0] for s in SIZE_CLASSES])[size]
    high = np.array([EMPLOYEES[s][1] for s in SIZE_CLASSES])[size]
    # Log-uniform within the band: most businesses sit near its lower end.
    employees = np.floor(np.exp(rng.uniform(np.log(low), np.log(high + 1)))).astype(int)
    urban = rng.random(businesses) < 0.55 + 0.1 * size
    female = rng.random(businesses) < 0.3
    district = rng.integers(0, districts, businesses)
    ict = np.array(ACTIVITIES)[activity] == "J"
    frame = pd.DataFrame({
        "business_id": np.arange(1, businesses + 1),
        "size_class": np.array(SIZE_CLASSES)[size],
        "activity": np.array(ACTIVITIES)[activity],
        "urbanisation": np.where(urban, "U", "R"),
        "owner_sex": np.where(female, "F", "M"),
        "district": district + 1,
        "employees": employees,
    })
    frame["turnover"] = np.round(employees * rng.lognormal(11.0, 0.6, businesses), 0)
    lift = rng.normal(0.0, 0.5, businesses)  # a business's own taste for ICT
    for column, base, per_size, sector in QUESTIONS:
        p = _logistic(base + per_size * size + sector * ict + 0.3 * urban + lift)
        frame[column] = np.where(rng.random(businesses) < p, 1, 2)
    # Persons employed using computers / the Internet: a share of employees, only where
    # the business uses them at all.
    share = _logistic(-0.3 + 0.4 * size + 1.0 * ict + lift)
    frame["persons_using_computers"] = np.where(
        frame["uses_computers"] == 1, rng.binomial(employees, share), 0)
    frame["persons_using_internet"] = np.where(
        frame["uses_internet"] == 1,
        rng.binomial(frame["persons_using_computers"], 0.9), 0)
    sells = frame["received_orders_internet"] == 1
    frame["web_sales_value"] = np.where(
        sells, np.round(frame["turnover"] * rng.beta(2, 8, businesses), 0), 0)
    return frame


@dataclass(frozen=True)
class SampleSpec:
    """How many businesses to draw per stratum: a sampling fraction per size class."""

    fractions: tuple[float, ...] = (0.04, 0.15, 1.0)
    minimum: int = 3  # at least this many per stratum (all when fewer exist)
    response_rate: float = 1.0  # chance that a sampled business answers


def draw_sample(register: pd.DataFrame, spec: SampleSpec = SampleSpec(), seed: int = 2
                ) -> pd.DataFrame:
    """A stratified (size class x activity) simple random sample without replacement,
    with ``stratum``, ``weight`` (N_h / n_h), ``population`` (N_h) and ``responded``."""
    rng = np.random.default_rng(seed)
    stratum = register["size_class"] + "|" + register["activity"]
    codes, names = pd.factorize(stratum, sort=True)
    sizes = np.bincount(codes)
    fraction = np.array([spec.fractions[SIZE_CLASSES.index(n.split("|")[0])] for n in names])
    wanted = np.minimum(sizes, np.maximum(np.ceil(sizes * fraction), spec.minimum)).astype(int)
    # A random key per business; the n_h smallest keys of each stratum are drawn.
    key = rng.random(len(register))
    order = np.lexsort((key, codes))
    rank = np.empty(len(register), dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    rank[order] = np.arange(len(register)) - np.repeat(starts, sizes)
    chosen = rank < wanted[codes]
    sample = register[chosen].copy()
    picked = codes[chosen]
    sample.insert(1, "stratum", names[picked])
    sample["population"] = sizes[picked]
    sample["weight"] = sizes[picked] / wanted[picked]
    propensity = spec.response_rate + (1 - spec.response_rate) * 0.5 * (
        sample["size_class"] != SIZE_CLASSES[0])
    sample["responded"] = np.where(rng.random(len(sample)) < propensity, 1, 2)
    return sample.reset_index(drop=True)


def population_truth(register: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """The true population value of each yes/no question (share answering 1) and of
    the ratios and totals the shipped maps estimate, overall or by ``by``."""
    groups = register.groupby(by) if by else register.groupby(lambda _i: "")
    rows = {column: groups[column].apply(lambda s: float((s == 1).mean()))
            for column, *_rest in QUESTIONS}
    rows["computer_users_share"] = (groups["persons_using_computers"].sum()
                                    / groups["employees"].sum())
    rows["web_sales_value"] = groups["web_sales_value"].sum().astype(float)
    rows["businesses"] = groups.size().astype(float)
    return pd.DataFrame(rows)


def write_design_toml(path, with_nonresponse: bool = False) -> None:
    """A design file for samples from :func:`draw_sample`."""
    text = (
        '[design]\nid = "synthetic-ict-business"\nversion = "1"\n'
        'strata = ["stratum"]\nweights = "weight"\nfpc = ["population"]\n'
        'lonely_psu = "fail"\n'
    )
    if with_nonresponse:
        text += '\n[nonresponse]\nresponded = "responded"\nclasses = ["stratum"]\n'
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def draw_cluster_sample(register: pd.DataFrame, regions: int = 4, districts_per_region: int = 6,
                        per_district: int = 8, seed: int = 3) -> pd.DataFrame:
    """A two-stage sample: regions as strata, districts (PSUs) drawn by simple random
    sampling in each region, then businesses (SSUs) in each drawn district.

    Adds ``region``, ``districts`` (N1: districts in the region), ``district_size``
    (N2: businesses in the district) and ``weight``."""
    rng = np.random.default_rng(seed)
    frame = register.copy()
    frame["region"] = (frame["district"] - 1) % regions + 1
    per_region = frame.groupby("region")["district"].nunique()
    chosen = []
    for region, count in per_region.items():
        pool = np.sort(frame.loc[frame["region"] == region, "district"].unique())
        take = rng.choice(pool, size=min(districts_per_region, count), replace=False)
        for district in take:
            members = frame.index[frame["district"] == district].to_numpy()
            drawn = rng.choice(members, size=min(per_district, len(members)), replace=False)
            chosen.append((drawn, len(pool), len(take), len(members)))
    parts = []
    for drawn, n_pool, n_take, n_members in chosen:
        part = frame.loc[drawn].copy()
        part["districts"] = n_pool
        part["district_size"] = n_members
        part["weight"] = (n_pool / n_take) * (n_members / len(drawn))
        parts.append(part)
    return pd.concat(parts).reset_index(drop=True)
