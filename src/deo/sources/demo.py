"""Demonstration data for ``deo demo``, loaded through the ordinary loaders.

Three sources, tried in order, and the report says which was used:

1. **reference data**: the published tables shipped in ``data/reference`` (or
   ``$DEO_REFERENCE_DATA``), loaded file by file exactly as a user would load them;
2. **World Bank API**: when the reference data are absent and the API answers, the
   World Bank ICT indicators are pulled (and cached for offline use);
3. **synthetic**: otherwise, made-up values generated here, flagged ``synthetic`` in
   their release and so in every output (tables, CSV, JSON, exports, the portal).

The summary is in the current message language; what is stored with a release (its
source and note) stays English, as provenance data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from deo.config import deo_home, reference_data_dir
from deo.core import DeoError
from deo.i18n import _, ngettext
from deo.sources.connectors import FetchFailed
from deo.sources.connectors.cache import is_offline
from deo.sources.load import LoadProgress, load_files, load_pulled
from deo.store import LoadResult, Store

UNCTAD_TERMS = "UNCTADstat terms of use"

#: Reference files and how a user would load each (``deo load FILE --column ... --set ...``).
REFERENCE_LOADS: tuple[dict, ...] = (
    {"file": "wdi_digital.csv", "source": "World Bank WDI (via the reference data folder)",
     "licence": "CC-BY-4.0"},
    {"file": "unctad_ict_business_core_indicators.csv",
     "source": "UNCTAD core indicators on ICT use by businesses", "licence": UNCTAD_TERMS,
     # The published table holds a few impossible percentages (PHL B10 2017 = 115.26):
     # they go to the rejects file, the rest loads.
     "columns": {"value": "value_pct"}, "skip_invalid": True},
    {"file": "unctad_dds_trade_2019_2023.csv",
     "source": "UNCTAD digitally deliverable services exports", "licence": UNCTAD_TERMS,
     "columns": {"value": "dds_exports_musd", "status": "obs_status_exp"},
     # Rows such as WLD and SSF are World Bank aggregates, areas of the catalogue too.
     "constants": {"indicator": "UNCTAD.DDS.EXP"}, "skip_empty": True},
    {"file": "unctad_dds_trade_2019_2023.csv",
     "source": "UNCTAD digitally deliverable services imports", "licence": UNCTAD_TERMS,
     "columns": {"value": "dds_imports_musd", "status": "obs_status_imp"},
     "constants": {"indicator": "UNCTAD.DDS.IMP"}, "skip_empty": True},
    *(
        {"file": "b2c_index_2020_published.csv",
         "source": "UNCTAD B2C E-commerce Index 2020 (TN/UNCTAD/ICT4D/17), annex",
         "licence": UNCTAD_TERMS, "columns": {"value": column},
         "constants": {"indicator": f"UNCTAD.B2C.{name}", "period": "2020"}}
        for name, column in (
            ("INTERNET", "internet_users_pct_2019_or_latest"),
            ("ACCOUNT", "account_ownership_pct_15plus_2017"),
            ("SERVERS", "secure_servers_normalized_2019"),
            ("POSTAL", "upu_postal_reliability_2019_or_latest"),
        )
    ),
)
#: Index recipes `deo demo` builds for 2020 once the reference data are loaded.
DEMO_INDICES = ("unctad-b2c-2020-published", "unctad-b2c-2020")

WORLDBANK_INDICATORS = ("IT.NET.USER.ZS", "IT.NET.BBND.P2", "IT.CEL.SETS.P2",
                        "IT.NET.SECR.P6", "FX.OWN.TOTL.ZS", "SP.POP.TOTL")


@dataclass
class DemoReport:
    kind: str  # "reference", "worldbank" or "synthetic"
    results: list[LoadResult] = field(default_factory=list)
    summary: str = ""


def build_demo(store: Store, progress: LoadProgress | None = None) -> DemoReport:
    """Fill ``store`` with demonstration data; returns which kind was used."""
    folder = reference_data_dir()
    if (folder / REFERENCE_LOADS[0]["file"]).exists():
        return _from_reference(store, folder, progress)
    if not is_offline() and not os.environ.get("DEO_DEMO_SYNTHETIC"):
        try:
            return _from_worldbank(store, progress)
        except (FetchFailed, DeoError):
            pass  # no usable connection: fall through to synthetic data
    return _synthetic(store, progress)


def _from_reference(store: Store, folder: Path, progress: LoadProgress | None) -> DemoReport:
    results, rejected = [], []
    for spec in REFERENCE_LOADS:
        report = load_files(
            store,
            [folder / spec["file"]],
            source=spec["source"],
            licence=spec["licence"],
            columns=spec.get("columns"),
            constants=spec.get("constants"),
            skip_empty=spec.get("skip_empty", False),
            skip_invalid=spec.get("skip_invalid", False),
            note="deo demo: reference data",
            progress=progress,
        )
        results.extend(report.results)
        if report.rejects_path:
            count = sum(len(f.validated.rejected) for f in report.files)
            rejected.append(
                ngettext("{n} invalid record of {file} in {path}",
                         "{n} invalid records of {file} in {path}", count)
                .format(n=count, file=spec["file"], path=report.rejects_path)
            )
    summary = _("Demo data: the published reference tables in {folder} ({counts}).").format(
        folder=folder.resolve(), counts=_counted(results))
    if rejected:
        # TRANSLATORS: {records} is a list separated by semicolons.
        summary += " " + _("Not loaded: {records}.").format(records="; ".join(rejected))
    return DemoReport("reference", results, summary)


def _from_worldbank(store: Store, progress: LoadProgress | None) -> DemoReport:
    from deo.sources.connectors.worldbank import pull_worldbank

    pulled = pull_worldbank(
        list(WORLDBANK_INDICATORS), start=2000, retries=1, backoff=0.5,
        progress=(lambda done, total: progress("fetch", done, total)) if progress else None,
    )
    result = load_pulled(store, pulled, progress=progress)
    return DemoReport(
        "worldbank",
        [result],
        _("Demo data: pulled from the World Bank Indicators API ({counts}); cached under "
          "{folder} for offline use.").format(counts=_counted([result]),
                                              folder=deo_home().resolve() / "cache"),
    )


def _synthetic(store: Store, progress: LoadProgress | None) -> DemoReport:
    path = deo_home() / "demo" / "synthetic-demo-data.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    synthetic_frame().to_csv(path, index=False)
    report = load_files(
        store,
        [path],
        source="SYNTHETIC demonstration data generated by deo (not official statistics)",
        licence="CC0-1.0",
        synthetic=True,
        note="deo demo: synthetic data (no reference data folder and no connection)",
        progress=progress,
    )
    return DemoReport(
        "synthetic",
        report.results,
        _("Demo data: SYNTHETIC values generated by deo, because neither the reference data "
          "folder ({folder}) nor the World Bank API could be reached ({counts}). They are "
          "flagged as synthetic in every output.").format(folder=reference_data_dir(),
                                                          counts=_counted(report.results)),
    )


def _counted(results: list[LoadResult]) -> str:
    new = sum(r.inserted + r.revised for r in results)
    again = sum(1 for r in results if r.duplicate_of is not None)
    text = ngettext("{n} observation stored", "{n} observations stored", new).format(n=new)
    if again:
        text += "; " + ngettext("{n} file was already loaded", "{n} files were already loaded",
                                again).format(n=again)
    return text


#: Economies in the synthetic data set: a spread of regions and income levels.
SYNTHETIC_ECONOMIES = (
    "KEN", "UGA", "TZA", "RWA", "ETH", "NGA", "GHA", "SEN", "CIV", "ZAF", "EGY", "MAR",
    "BGD", "IND", "PAK", "LKA", "NPL", "IDN", "VNM", "PHL", "THA", "MYS", "KHM", "LAO",
    "BRA", "MEX", "COL", "PER", "CHL", "BOL", "JAM", "HTI", "FJI", "PNG", "WSM", "TON",
    "DEU", "FRA", "NLD", "SWE", "POL", "ROU", "USA", "CAN", "JPN", "KOR", "AUS", "NZL",
)


def synthetic_frame(seed: int = 20261123) -> pd.DataFrame:
    """Plausible but made-up annual values, 2005-2023, for :data:`SYNTHETIC_ECONOMIES`.

    Internet use follows a logistic diffusion curve per economy; broadband, mobile,
    account ownership and secure servers are tied to it with noise; population grows
    at a steady rate. Deterministic for a given ``seed``.
    """
    rng = np.random.default_rng(seed)
    years = np.arange(2005, 2024)
    rows = []
    for area in SYNTHETIC_ECONOMIES:
        ceiling = rng.uniform(60, 98)
        midpoint = rng.uniform(2004, 2022)
        speed = rng.uniform(0.2, 0.45)
        population = rng.uniform(0.2, 300) * 1e6
        growth = rng.uniform(-0.003, 0.03)
        for year in years:
            internet = ceiling / (1 + np.exp(-speed * (year - midpoint)))
            values = {
                "IT.NET.USER.ZS": internet,
                "IT.NET.BBND.P2": max(0.0, internet * rng.uniform(0.15, 0.45) - 2),
                "IT.CEL.SETS.P2": min(180.0, 20 + internet * rng.uniform(0.9, 1.5)),
                "SP.POP.TOTL": round(population * (1 + growth) ** (year - 2005)),
            }
            if year in (2011, 2014, 2017, 2021):
                values["FX.OWN.TOTL.ZS"] = min(99.0, internet * rng.uniform(0.7, 1.2) + 5)
            if year >= 2017:
                values["IT.NET.SECR.P6"] = internet**2.2 * rng.uniform(0.5, 2.0)
            for indicator, value in values.items():
                rows.append((indicator, area, str(year), round(float(value), 4)))
    return pd.DataFrame(rows, columns=["indicator", "area", "period", "value"])
