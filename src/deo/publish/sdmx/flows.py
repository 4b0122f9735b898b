"""Published dataflows: one per catalogue topic, with a structure fixed by the catalogue.

A dataflow's key is ``INDICATOR.REF_AREA.<breakdowns>`` (then ``TIME_PERIOD``), where the
breakdowns are every dimension that any of the topic's indicators allows, alphabetically.
The structure depends on the catalogue only, never on the data loaded, so a client may
keep it. A row without a breakdown dimension has the total code ``_T`` there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from deo.catalogue import Catalogue
from deo.core.indicator import sdmx_id
from deo.sources.formats.sdmx_common import AGENCY, INDICATOR, REF_AREA, TIME_PERIOD

#: Version of every published structure. Raise it when a structure changes shape.
VERSION = "1.0"


@dataclass(frozen=True)
class Dataflow:
    """A topic published as an SDMX dataflow; its data structure has the same id."""

    id: str
    topic: str
    name: dict[str, str]
    #: Catalogue codes of the topic's indicators, in catalogue order.
    indicators: tuple[str, ...]
    #: Breakdown dimensions of the key, alphabetical.
    breakdowns: tuple[str, ...]

    @property
    def key_dimensions(self) -> tuple[str, ...]:
        """The dimensions a data query's key names, in order (time is not one)."""
        return (INDICATOR, REF_AREA, *self.breakdowns)

    @property
    def dimensions(self) -> tuple[str, ...]:
        return (*self.key_dimensions, TIME_PERIOD)

    @property
    def urn(self) -> str:
        return (f"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow="
                f"{AGENCY}:{self.id}({VERSION})")


def flow_id(topic: str) -> str:
    """``business-ict`` -> ``BUSINESS_ICT``: an SDMX IDType."""
    return re.sub(r"[^A-Za-z0-9_]", "_", topic).upper()


@lru_cache(maxsize=8)
def dataflows(catalogue: Catalogue) -> dict[str, Dataflow]:
    """Every topic of the catalogue as a dataflow, by id (made once per catalogue: every
    SDMX request needs them; do not modify the answer)."""
    by_topic: dict[str, list] = {}
    for indicator in catalogue.indicators.values():
        by_topic.setdefault(indicator.topic, []).append(indicator)
    flows = {}
    for topic, indicators in sorted(by_topic.items()):
        flow = Dataflow(
            id=flow_id(topic),
            topic=topic,
            name=catalogue.topics.get(topic) or {"en": topic},
            indicators=tuple(i.code for i in indicators),
            breakdowns=tuple(sorted({d for i in indicators for d in i.breakdowns})),
        )
        flows[flow.id] = flow
    return flows


def indicator_codes(flow: Dataflow) -> dict[str, str]:
    """The flow's indicators: SDMX spelling (``IT_NET_USER_ZS``) -> catalogue code."""
    return {sdmx_id(code): code for code in flow.indicators}
