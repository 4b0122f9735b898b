"""SDMX REST 2.1 paths (``/api/v1/sdmx``), so that SDMX clients (sdmx1, rsdmx, .Stat,
Excel add-ins...) read the published dataflows as they read any statistical agency's.

- ``/sdmx/dataflow|datastructure|codelist|conceptscheme/{agency}/{id}/{version}``: SDMX-ML
  2.1 structure messages, with ``references`` (none, parents, children, descendants, all).
- ``/sdmx/data/{flow}/{key}/{provider}``: data as SDMX-ML 2.1 generic data (default),
  SDMX-JSON 1.0 or SDMX-CSV 1.0, chosen by the ``Accept`` header or ``format``.

Differences from the standard are stated in docs/api.md: observations always come flat
(``dimensionAtObservation=AllDimensions``), and ``detail`` accepts ``full`` and
``dataonly``. What is not supported answers 501, as the standard asks.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from deo.catalogue import Catalogue, get_catalogue
from deo.core import DeoError
from deo.publish.api.output import sdmx_data
from deo.publish.api.problems import NotFound, problem
from deo.publish.sdmx.flows import VERSION, Dataflow, dataflows
from deo.publish.sdmx.query import (
    VERSIONS,
    first_last,
    parse_flow_ref,
    parse_key,
    period_range,
)
from deo.publish.sdmx.structure import (
    CONCEPT_SCHEME,
    StructureBuilder,
    codelist_ids,
    structure_message,
    to_xml,
)
from deo.sources.formats.sdmx_common import AGENCY
from deo.store.selection import select

router = APIRouter(prefix="/sdmx", tags=["sdmx"])

STRUCTURE_MEDIA = "application/vnd.sdmx.structure+xml; version=2.1"
#: Our data formats and the media type each answers with.
DATA_MEDIA = {
    "sdmx-ml": "application/vnd.sdmx.genericdata+xml; version=2.1",
    "sdmx-json": "application/vnd.sdmx.data+json; version=1.0.0",
    "sdmx-csv": "application/vnd.sdmx.data+csv; version=1.0.0",
    # SDMX-CSV 2.0 (the SDMX 3.0 flavour, which sdmx1 reads), on request.
    "sdmx-csv-2.0": "application/vnd.sdmx.data+csv; version=2.0.0",
}
#: ``format=`` values (ours and the ones .Stat Suite and others use) -> data format.
FORMAT_NAMES = {
    "sdmx-ml": "sdmx-ml", "genericdata": "sdmx-ml", "xml": "sdmx-ml",
    "sdmx-json": "sdmx-json", "jsondata": "sdmx-json", "json": "sdmx-json",
    "sdmx-csv": "sdmx-csv", "csvfile": "sdmx-csv", "csv": "sdmx-csv",
    "sdmx-csv-2.0": "sdmx-csv-2.0",
}
#: Accept media types (without parameters) -> data format.
ACCEPTED = {
    "application/vnd.sdmx.genericdata+xml": "sdmx-ml", "application/xml": "sdmx-ml",
    "text/xml": "sdmx-ml", "application/vnd.sdmx.data+json": "sdmx-json",
    "application/json": "sdmx-json", "application/vnd.sdmx.data+csv": "sdmx-csv",
    "text/csv": "sdmx-csv", "*/*": "sdmx-ml", "application/*": "sdmx-ml",
}
#: Writer and its options for each data format.
WRITERS: dict[str, tuple[str, dict]] = {
    "sdmx-ml": ("sdmx-ml", {}), "sdmx-json": ("sdmx-json", {}), "sdmx-csv": ("sdmx-csv", {}),
    "sdmx-csv-2.0": ("sdmx-csv", {"csv_version": "2.0"}),
}
#: Answers documented in the OpenAPI description, beside 200 and 422.
PROBLEMS = {
    404: {"description": "No such dataflow or structure, or NoResultsFound."},
    406: {"description": "No acceptable format in the Accept header."},
    501: {"description": "A valid SDMX REST request this service does not support."},
}
STRUCTURE_RESOURCES = ("dataflow", "datastructure", "codelist", "conceptscheme")
#: Resources of SDMX REST 2.1 that we do not publish: 501 rather than 404.
UNPUBLISHED = frozenset({
    "metadatastructure", "metadataflow", "categoryscheme", "categorisation",
    "contentconstraint", "actualconstraint", "allowedconstraint", "attachmentconstraint",
    "agencyscheme", "dataproviderscheme", "dataconsumerscheme", "organisationunitscheme",
    "hierarchicalcodelist", "structureset", "process", "reportingtaxonomy", "provisionagreement",
    "structure", "schema", "availableconstraint", "organisationscheme",
})
REFERENCES = ("none", "parents", "parentsandsiblings", "children", "descendants", "all",
              *STRUCTURE_RESOURCES)


def _not_implemented(detail: str) -> Response:
    return problem(501, "Not Implemented", detail)


# -- data ---------------------------------------------------------------------------


@router.get("/data/{flow}", include_in_schema=False)
@router.get("/data/{flow}/{key}", include_in_schema=False)
@router.get("/data/{flow}/{key}/{provider}", summary="SDMX data query (SDMX REST 2.1)",
            responses=PROBLEMS)
def data(
    request: Request,
    flow: str,
    key: str = "all",
    provider: str = "all",
    start_period: str | None = Query(None, alias="startPeriod",
                                     description="First period, e.g. 2015 or 2020-Q1."),
    end_period: str | None = Query(None, alias="endPeriod", description="Last period."),
    first_n: int | None = Query(None, alias="firstNObservations", ge=1,
                                description="The first N observations of each series."),
    last_n: int | None = Query(None, alias="lastNObservations", ge=1,
                               description="The last N observations of each series."),
    dimension_at_observation: str = Query(
        "AllDimensions", alias="dimensionAtObservation",
        description="Accepted; observations always come flat (AllDimensions)."),
    detail: str = Query("full", description="full or dataonly (no attributes)."),
    updated_after: datetime | None = Query(
        None, alias="updatedAfter",
        description="Only observations loaded after this time (ISO 8601)."),
    include_history: bool = Query(False, alias="includeHistory",
                                  description="Not supported: use `vintage`."),
    vintage: int | None = Query(None, ge=1, description="The store as it was after release N."),
    format: str | None = Query(
        None, description="sdmx-ml (genericdata), sdmx-json (jsondata), sdmx-csv "
        "(csvfile) or sdmx-csv-2.0; overrides the Accept header."),
) -> Response:
    """Observations of a dataflow selected by an SDMX key (``IT_NET_USER_ZS.KEN+UGA``)."""
    fmt = _data_format(format, request.headers.get("accept"))
    if fmt is None:
        return problem(406, "Not Acceptable",
                       "this service answers data queries in " + ", ".join(DATA_MEDIA.values()))
    if detail not in ("full", "dataonly"):
        if detail in ("serieskeysonly", "nodata"):
            return _not_implemented(f"detail={detail} is not supported; use full or dataonly")
        raise DeoError(f"detail {detail!r}: expected full, dataonly, serieskeysonly or nodata")
    if include_history:
        return _not_implemented("includeHistory is not supported; read a past release with "
                                "vintage=N (see /api/v1/releases)")
    if provider.upper() not in ("ALL", AGENCY):
        raise NotFound(f"no data provider {provider!r}; the provider is {AGENCY}")
    catalogue = get_catalogue()
    flows = dataflows(catalogue)
    query = parse_key(key, parse_flow_ref(flow, flows), catalogue)
    if dimension_at_observation not in ("AllDimensions", "TIME_PERIOD",
                                        *query.flow.key_dimensions):
        raise DeoError(f"dimensionAtObservation {dimension_at_observation!r}: expected "
                       "AllDimensions or a dimension of " + query.flow.id)
    frame = select(request.app.state.store, catalogue,
                   query.selection(period_range(start_period, end_period), vintage),
                   provenance=updated_after is not None)
    if not frame.empty:
        frame = frame[query.keep(frame)]
    if updated_after is not None and not frame.empty:
        frame = frame[_loaded_after(frame["loaded_at"], updated_after)]
    frame = first_last(frame.reset_index(drop=True), first_n, last_n)
    if frame.empty:
        raise NotFound(f"NoResultsFound: no observations of {query.flow.id} match key {key!r}"
                       + (f" in {start_period or '…'}–{end_period or '…'}"
                          if start_period or end_period else ""))
    if detail == "dataonly":
        frame = frame.assign(status=None, se=None, ci_lower=None, ci_upper=None)
    writer, options = WRITERS[fmt]
    body = sdmx_data(frame, writer, dataflow=query.flow.id, version=VERSION,
                     breakdowns=query.flow.breakdowns, **options)
    headers = {"Vary": "Accept"}
    if frame["synthetic"].any():
        headers["X-DEO-Note"] = "includes SYNTHETIC demonstration data, not official statistics"
    if writer == "sdmx-csv":
        headers["Content-Disposition"] = f'attachment; filename="{query.flow.id}.csv"'
    return Response(body, media_type=DATA_MEDIA[fmt], headers=headers)


def _data_format(format: str | None, accept: str | None) -> str | None:
    """Our data format from ``format=`` or the Accept header (by q-value); None: 406."""
    if format:
        name = FORMAT_NAMES.get(format.strip().lower())
        if name is None:
            raise DeoError(f"format {format!r}: expected one of {', '.join(FORMAT_NAMES)}")
        return name
    if not accept:
        return "sdmx-ml"
    ranked = []
    for order, item in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in item.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        version = next((p.partition("=")[2].strip() for p in params
                        if p.partition("=")[0].strip() == "version"), "")
        ranked.append((-q, order, media.lower(), version))
    for minus_q, _, media, version in sorted(ranked):
        if minus_q < 0 and media in ACCEPTED:
            if ACCEPTED[media] == "sdmx-csv" and version.startswith("2"):
                return "sdmx-csv-2.0"
            return ACCEPTED[media]
    return None


def _loaded_after(loaded_at: pd.Series, after: datetime) -> pd.Series:
    stamps = pd.to_datetime(loaded_at, utc=True)
    limit = pd.Timestamp(after)
    limit = limit.tz_localize("UTC") if limit.tzinfo is None else limit.tz_convert("UTC")
    return stamps > limit


# -- structure ----------------------------------------------------------------------


@router.get("/{resource}", include_in_schema=False)
@router.get("/{resource}/{agency}", include_in_schema=False)
@router.get("/{resource}/{agency}/{resource_id}", include_in_schema=False)
@router.get("/{resource}/{agency}/{resource_id}/{version}",
            summary="SDMX structure query (SDMX REST 2.1)", responses=PROBLEMS)
def structure(
    resource: str,
    agency: str = "all",
    resource_id: str = "all",
    version: str = "latest",
    references: str = Query("none", description="none, parents, parentsandsiblings, "
                            "children, descendants, all, or a resource type."),
    detail: str = Query("full", description="full (the only detail served)."),
) -> Response:
    """Dataflows, data structures, code lists or the concept scheme, as SDMX-ML 2.1."""
    if resource not in STRUCTURE_RESOURCES:
        if resource in UNPUBLISHED:
            return _not_implemented(f"{resource} is not published by this service")
        raise NotFound(f"no SDMX resource {resource!r}; published: "
                       + ", ".join(STRUCTURE_RESOURCES))
    if references not in REFERENCES:
        raise DeoError(f"references {references!r}: expected one of {', '.join(REFERENCES)}")
    if detail != "full":
        return _not_implemented(f"detail={detail} is not supported; use full")
    if agency.upper() not in ("ALL", AGENCY) or version not in VERSIONS:
        raise NotFound(f"no {resource} {agency},{resource_id},{version}; this service "
                       f"publishes agency {AGENCY}, version {VERSION}")
    body = _structure_xml(get_catalogue(), resource, resource_id, references)
    return Response(body, media_type=STRUCTURE_MEDIA)


@lru_cache(maxsize=256)
def _structure_xml(catalogue: Catalogue, resource: str, resource_id: str,
                   references: str) -> bytes:
    # A catalogue does not change once built (get_catalogue caches it), so neither do the
    # messages made from it: the code list of areas alone takes tens of milliseconds.
    artefacts = _artefacts(catalogue, resource, resource_id, references)
    return to_xml(structure_message(artefacts))


def _artefacts(catalogue: Catalogue, resource: str, resource_id: str, references: str) -> list:
    flows = dataflows(catalogue)
    build = StructureBuilder(catalogue)
    wanted = None if resource_id.lower() == "all" else resource_id
    children = references in ("children", "descendants", "all")
    descendants = references in ("descendants", "all")
    parents = references in ("parents", "parentsandsiblings", "all")

    def flows_using(list_id: str | None) -> list[Dataflow]:
        if list_id == CONCEPT_SCHEME:
            return list(flows.values())
        return [f for f in flows.values() if list_id in codelist_ids(f)]

    out: list = []
    if resource in ("dataflow", "datastructure"):
        chosen = [f for f in flows.values() if wanted in (None, f.id)]
        if not chosen:
            raise NotFound(f"no {resource} {resource_id}; published: {', '.join(flows)}")
        own = build.dataflow if resource == "dataflow" else build.datastructure
        out += [own(f, flows) for f in chosen]
        with_dsd = (resource == "datastructure" or children or references == "datastructure")
        with_flows = resource == "dataflow" or parents or references == "dataflow"
        with_lists = (descendants or references == "codelist"
                      or (resource == "datastructure" and children))
        with_concepts = (descendants or references == "conceptscheme"
                         or (resource == "datastructure" and children))
        if with_dsd:
            out += [build.datastructure(f, flows) for f in chosen]
        if with_flows:
            out += [build.dataflow(f, flows) for f in chosen]
        if with_lists:
            out += [build.codelist(i, flows) for f in chosen for i in codelist_ids(f)]
        if with_concepts:
            out.append(build.concepts)
        return out
    if resource == "conceptscheme":
        if wanted not in (None, CONCEPT_SCHEME):
            raise NotFound(f"no concept scheme {resource_id}; published: {CONCEPT_SCHEME}")
        out.append(build.concepts)
        users = flows_using(CONCEPT_SCHEME)
    else:
        ids = ([wanted] if wanted else
               list(dict.fromkeys(i for f in flows.values() for i in codelist_ids(f))))
        lists = [build.codelist(i, flows) for i in ids]
        if any(c is None for c in lists):
            raise NotFound(f"no code list {resource_id}")
        out += lists
        users = [f for i in ids for f in flows_using(i)]
    if parents or references == "datastructure":
        out += [build.datastructure(f, flows) for f in users]
    if references in ("all", "dataflow"):
        out += [build.dataflow(f, flows) for f in users]
    return out
