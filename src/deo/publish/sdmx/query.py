"""SDMX REST data queries: a flow reference and a key become a selection of observations.

The key syntax is SDMX REST 2.1's: one position per key dimension, separated by dots;
a position is empty (every code) or codes joined by ``+``; ``all`` selects everything.
``IT_NET_USER_ZS.KEN+UGA`` on ``ICT_ACCESS`` is Internet use in Kenya and Uganda, every
age, sex and urbanisation breakdown; ``IT_NET_USER_ZS.KEN._T._T._T`` only the totals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from deo.catalogue import Catalogue
from deo.core import DeoError
from deo.core.breakdown import DIMENSIONS, TOTAL, parse_breakdown_key
from deo.publish.api.problems import NotFound
from deo.publish.sdmx.flows import VERSION, Dataflow, indicator_codes
from deo.sources.formats.sdmx_common import AGENCY, INDICATOR, REF_AREA
from deo.store.selection import Selection

#: Version spellings that mean the one version we publish.
VERSIONS = {VERSION, "latest", "all", "~", "+", "*", ""}


@dataclass(frozen=True)
class DataQuery:
    """What a data query selects: per key dimension the codes asked for (absent: all)."""

    flow: Dataflow
    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def selection(self, period: str | None, vintage: int | None) -> Selection:
        indicators = self.codes.get(INDICATOR) or self.flow.indicators
        return Selection(indicators=list(indicators), areas=list(self.codes.get(REF_AREA, ())),
                         period=period, vintage=vintage)

    def keep(self, frame: pd.DataFrame) -> pd.Series:
        """Rows of ``frame`` that belong to the flow and match the key's breakdown codes."""
        wanted = {d: set(c) for d, c in self.codes.items() if d in self.flow.breakdowns}
        allowed = set(self.flow.breakdowns)

        def matches(key: str) -> bool:
            parsed = parse_breakdown_key(key)
            if not parsed.keys() <= allowed:
                return False  # a dimension the structure lacks cannot be published in it
            return all(parsed.get(d, TOTAL) in codes for d, codes in wanted.items())

        by_key = {key: matches(key) for key in frame["breakdown"].unique()}
        return frame["breakdown"].map(by_key).astype(bool)


def parse_flow_ref(text: str, flows: dict[str, Dataflow]) -> Dataflow:
    """``ICT_ACCESS``, ``DEO,ICT_ACCESS`` or ``DEO,ICT_ACCESS,1.0``."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 1:
        parts = [AGENCY, parts[0], "latest"]
    elif len(parts) == 2:
        parts.append("latest")
    if len(parts) != 3:
        raise DeoError(f"dataflow {text!r}: expected FLOW, AGENCY,FLOW or AGENCY,FLOW,VERSION")
    agency, flow_id, version = parts
    flow = flows.get(flow_id.upper())
    if agency.upper() not in (AGENCY, "ALL") or flow is None or version not in VERSIONS:
        raise NotFound(f"no dataflow {text!r}; published: "
                       + ", ".join(f"{AGENCY},{f},{VERSION}" for f in flows))
    return flow


def parse_key(text: str | None, flow: Dataflow, catalogue: Catalogue) -> DataQuery:
    """The key of a data query, every code checked against the flow's structure."""
    if text is None or text.strip() in ("", "all", "ALL"):
        return DataQuery(flow)
    dims = flow.key_dimensions
    positions = text.split(".")
    if len(positions) != len(dims):
        raise DeoError(
            f"key {text!r} has {len(positions)} position(s); dataflow {flow.id} expects "
            f"{len(dims)}: {'.'.join(dims)} (leave a position empty for every code)"
        )
    codes = {}
    for dim, position in zip(dims, positions, strict=True):
        if position.strip():
            codes[dim] = tuple(_code(dim, c.strip(), flow, catalogue)
                               for c in position.split("+") if c.strip())
    return DataQuery(flow, codes)


def _code(dim: str, code: str, flow: Dataflow, catalogue: Catalogue) -> str:
    """The catalogue's code for ``code`` in dimension ``dim``, or a clear error."""
    if dim == INDICATOR:
        spellings = indicator_codes(flow)
        found = spellings.get(code) or (code if code in flow.indicators else None)
        if found is None:
            raise NotFound(f"indicator {code} is not in dataflow {flow.id}; its indicators: "
                           + ", ".join(spellings))
        return found
    if dim in (REF_AREA, "PARTNER"):
        return catalogue.area(code).code
    codelist = catalogue.codelists.get(DIMENSIONS[dim])
    if codelist is None:
        return code
    resolved = codelist.resolve(code)
    if resolved is None:
        raise DeoError(f"key: {dim} {code!r}: expected {codelist.expected()}")
    return resolved


def period_range(start: str | None, end: str | None) -> str | None:
    """``startPeriod``/``endPeriod`` as a deo period range (``2015:2020``, ``2015:``)."""
    if not start and not end:
        return None
    return f"{start or ''}:{end or ''}"


def first_last(frame: pd.DataFrame, first: int | None, last: int | None) -> pd.DataFrame:
    """The first and/or last N observations of each series (same key but time), as
    SDMX's ``firstNObservations``/``lastNObservations``. ``frame`` is in the store's
    order, which is time order within a series."""
    if not first and not last:
        return frame
    grouped = frame.groupby(["indicator", "area", "breakdown"], sort=False)
    keep = pd.Series(False, index=frame.index)
    if first:
        keep |= grouped.cumcount() < first
    if last:
        keep |= grouped.cumcount(ascending=False) < last
    return frame[keep].reset_index(drop=True)
