"""A user's question ("internet use in EAC, 2015 to 2023") turned into a store query.

The CLI, the API and exports all select observations the same way: indicator codes or
aliases, areas (economies, regions, groups expanded to their members), a period range,
a breakdown and a vintage. The catalogue is passed in, so the store does not depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from deo.catalogue import Catalogue
from deo.core import TOTAL, DeoError, Membership, Period
from deo.core.breakdown import DIMENSIONS, breakdown_key, parse_breakdown_key
from deo.core.period import parse_range
from deo.store.store import Store

#: Spellings of "totals only" for a breakdown filter.
TOTAL_SPELLINGS = {"", TOTAL.casefold(), "total", "totals", "none"}


@dataclass
class Selection:
    """What to read. Empty lists mean "all"; ``breakdown`` None means every breakdown."""

    indicators: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    period: str | None = None
    breakdown: str | None = None
    vintage: int | None = None


def resolve_breakdown(text: str | None, catalogue: Catalogue) -> str | None:
    """The canonical breakdown key for ``"SEX=F;SIZE_CLASS=10-49"`` or "total"; None = all."""
    if text is None or text.strip().casefold() == "all":
        return None
    if text.strip().casefold() in TOTAL_SPELLINGS:
        return ""
    try:
        parts = parse_breakdown_key(text)
    except ValueError as exc:
        raise DeoError(
            f"breakdown {text!r}: {exc}; write DIMENSION=CODE;..., 'total' or 'all'"
        ) from None
    canonical: dict[str, str] = {}
    for dim, code in parts.items():
        if dim not in DIMENSIONS:
            raise DeoError(f"unknown breakdown dimension {dim!r}; known: {', '.join(DIMENSIONS)}")
        codelist = catalogue.codelists.get(DIMENSIONS[dim])
        resolved = codelist.resolve(code) if codelist else code
        if resolved is None:
            raise DeoError(f"{dim}={code}: expected {codelist.expected()}")
        canonical[dim] = resolved
    return breakdown_key(canonical)


def resolve(selection: Selection, catalogue: Catalogue) -> dict:
    """Keyword arguments for :meth:`Store.query`, with every code checked.

    A group's economies are all that belonged to it at some time; :func:`select` then
    keeps each of their observations only for periods in which they were members.
    """
    indicators = [catalogue.indicator(code).code for code in selection.indicators]
    areas = [catalogue.area(code).code for code in selection.areas]
    areas += list(group_memberships(selection, catalogue))
    first, last = parse_range(selection.period) if selection.period else (None, None)
    return {
        "indicators": indicators or None,
        "areas": sorted(set(areas)) or None,
        "start": first.start if first else None,
        "end": last.end if last else None,
        "breakdown": resolve_breakdown(selection.breakdown, catalogue),
        "vintage": selection.vintage,
    }


def select(
    store: Store,
    catalogue: Catalogue,
    selection: Selection,
    provenance: bool = False,
    after: tuple | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Observations matching ``selection`` (see :meth:`Store.query` for the columns).

    An economy selected through a group counts for the periods it was a member, judged
    on the last day of each period (the UK is in the EU's 2019 but not its 2020). An
    indicator alias that fixes a breakdown (``B12_IDEL``) selects only that breakdown.
    ``after``/``limit`` page through the rows (see :meth:`Store.query`); a page can hold
    fewer than ``limit`` rows when group membership leaves some out.
    """
    try:
        frame = store.query(**resolve(selection, catalogue), provenance=provenance,
                            after=after, limit=limit)
    except ValueError as exc:  # a malformed period range
        raise DeoError(str(exc)) from None
    if frame.empty:
        return frame
    keep = pd.Series(True, index=frame.index)
    if selection.groups:
        keep &= _in_groups_then(frame, selection, catalogue)
    for code in selection.indicators:
        resolved, fixed = catalogue.resolve_indicator(code) or (code, {})
        if fixed and selection.breakdown is None:
            has_fixed = frame["breakdown"].map(
                lambda key, f=fixed: f.items() <= parse_breakdown_key(key).items()
            )
            keep &= (frame["indicator"] != resolved) | has_fixed
    return frame[keep].reset_index(drop=True)


def group_memberships(
    selection: Selection, catalogue: Catalogue
) -> dict[str, list[Membership | None]]:
    """Economy -> its spells in the selected groups (None: a region's, without dates)."""
    memberships: dict[str, list[Membership | None]] = {}
    for code in selection.groups:
        area = catalogue.area(code)
        if area.kind == "group":
            for m in catalogue.groups[area.code].memberships:
                memberships.setdefault(m.member, []).append(m)
        else:  # a region (or an aggregate, which members() refuses with a clear error)
            for member in catalogue.members(code):
                memberships.setdefault(member, []).append(None)
    return memberships


def _in_groups_then(frame: pd.DataFrame, selection: Selection, catalogue: Catalogue) -> pd.Series:
    """Rows whose economy was named with --area, or was in a selected group then."""
    named = {catalogue.area(code).code for code in selection.areas}
    ends = frame["period"].map({p: Period.parse(p).end for p in frame["period"].unique()})
    memberships = group_memberships(selection, catalogue)

    def member_then(area: str, end: date) -> bool:
        spells = memberships.get(area, ())
        return area in named or any(m is None or m.active_on(end) for m in spells)

    return pd.Series(
        [member_then(a, e) for a, e in zip(frame["area"], ends, strict=True)], index=frame.index
    )
