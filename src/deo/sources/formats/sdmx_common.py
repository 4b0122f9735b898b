"""Pieces shared by the SDMX formats (SDMX-CSV, SDMX-ML, SDMX-JSON).

Writing: an observation frame becomes a :class:`ComponentTable` (one text column per SDMX
component) and, from it, an sdmx1 ``DataMessage`` whose data structure is built on the
fly: dimensions ``INDICATOR``, ``REF_AREA``, then every breakdown dimension used by any
row (alphabetical; rows without it get ``_T``), then ``TIME_PERIOD``; the measure
``OBS_VALUE``; observation-level attributes ``OBS_STATUS`` and, where any row has them,
``STD_ERR``, ``CONF_INT_LOWER`` and ``CONF_INT_UPPER``. Numbers are written as
``repr(float)`` text, so they read back bit for bit.

Reading: SDMX data from any producer (ours or another's) becomes a component table and
then a raw frame (see :mod:`deo.sources.formats`). Components are matched to canonical
columns by their usual SDMX ids (``INDICATOR``/``SERIES``, ``REF_AREA``/``GEO``...);
``columns={"indicator": "THEIR_ID"}`` names others, ``constants={"indicator": "CODE"}``
fills one the file lacks.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from deo.core import DeoError
from deo.core.breakdown import DIMENSIONS, TOTAL, parse_breakdown_key
from deo.core.indicator import sdmx_id
from deo.core.observation import OBSERVATION_COLUMNS, ROW_COLUMN

AGENCY = "DEO"
DATAFLOW = "DEO_OBS"
VERSION = "1.0"

INDICATOR = "INDICATOR"
REF_AREA = "REF_AREA"
TIME_PERIOD = "TIME_PERIOD"
OBS_VALUE = "OBS_VALUE"
OBS_STATUS = "OBS_STATUS"

#: Observation attributes we write, by canonical column.
ATTRIBUTES: dict[str, str] = {
    "status": OBS_STATUS,
    "se": "STD_ERR",
    "ci_lower": "CONF_INT_LOWER",
    "ci_upper": "CONF_INT_UPPER",
}

#: Canonical column -> SDMX component ids that mean it (compared case-insensitively),
#: ours first. Other producers' ids: SERIES (UN SDG, World Bank), GEO (Eurostat)...
COMPONENT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "indicator": (INDICATOR, "SERIES", "SERIES_CODE", "INDICATOR_CODE"),
    "area": (REF_AREA, "GEO", "COUNTRY", "AREA", "REF_AREA_CODE"),
    "period": (TIME_PERIOD, "TIME", "PERIOD"),
    "value": (OBS_VALUE,),
    "status": (OBS_STATUS,),
    "se": ("STD_ERR", "STD_ERROR", "STANDARD_ERROR"),
    "ci_lower": ("CONF_INT_LOWER", "LOWER_BOUND", "CI_LOWER"),
    "ci_upper": ("CONF_INT_UPPER", "UPPER_BOUND", "CI_UPPER"),
}
REQUIRED = ("indicator", "area", "period", "value")
RAW_COLUMNS = ("indicator", "area", "period", "value", "status", "se", "ci_lower", "ci_upper")

#: SDMX cross-domain attributes. When a message carries no structure (structure-specific
#: SDMX-ML read without its DSD, SDMX-CSV), these are never taken for breakdown dimensions.
KNOWN_ATTRIBUTES = frozenset(
    {
        *(s for c in ("status", "se", "ci_lower", "ci_upper") for s in COMPONENT_SPELLINGS[c]),
        "OBS_CONF", "OBS_PRE_BREAK", "OBS_COMMENT", "COMMENT_OBS", "COMMENT_TS",
        "COMMENT_DSET", "UNIT_MEASURE", "UNIT_MULT", "DECIMALS", "TITLE", "TITLE_COMPL",
        "TIME_FORMAT", "TIME_PER_COLLECT", "SOURCE_DETAIL", "COMPILATION", "DATA_COMP",
        "BASE_PER", "EMBARGO_TIME", "NATURE", "CONF_STATUS", "REF_PERIOD_DETAIL",
        "NOTE", "NOTES", "FOOTNOTE", "SOURCE", "UNIT", "UNIT_MEASURE_TYPE",
    }
)  # fmt: skip


# ---------------------------------------------------------------------------------------
# Writing


def format_number(x: Any) -> str | None:
    """Text for a float that reads back exactly; ``None`` for NaN/empty.

    ``repr`` of a Python float is the shortest text that round-trips; infinities use the
    XML Schema spellings (``INF``/``-INF``).
    """
    if x is None:
        return None
    number = float(x)
    if math.isnan(number):
        return None
    if math.isinf(number):
        return "INF" if number > 0 else "-INF"
    return repr(number)


@dataclass
class ComponentTable:
    """Observations as text, one column per SDMX component (``None`` where absent).

    ``dimensions`` lists the key in order (``TIME_PERIOD`` last); ``attributes`` the
    observation attributes that appear in at least one row.
    """

    table: pd.DataFrame
    dimensions: list[str]
    attributes: list[str]


def component_table(
    frame: pd.DataFrame, file: str = "output", breakdowns: Sequence[str] | None = None
) -> ComponentTable:
    """An observation frame (``OBSERVATION_COLUMNS``) as SDMX components.

    ``breakdowns`` fixes the breakdown dimensions of the key, in order (a published
    dataflow's structure); by default they are those used by any row, alphabetically.
    """
    missing = [c for c in OBSERVATION_COLUMNS if c not in frame.columns]
    if missing:
        raise DeoError(
            f"{file}: cannot write SDMX: the observation frame lacks column(s) "
            + ", ".join(missing)
        )
    keys = frame["breakdown"].fillna("").astype(str).tolist()
    try:
        by_key = {k: parse_breakdown_key(k) for k in dict.fromkeys(keys)}
    except ValueError as exc:
        raise DeoError(f"{file}: cannot write SDMX: bad breakdown key ({exc})") from None
    parsed = [by_key[k] for k in keys]
    used = {d for p in by_key.values() for d in p}
    if breakdowns is None:
        breakdown_dims = sorted(used)
    else:
        breakdown_dims = list(breakdowns)
        outside = sorted(used - set(breakdown_dims))
        if outside:
            raise DeoError(
                f"{file}: cannot write SDMX: breakdown dimension(s) {', '.join(outside)} "
                f"not in the data structure ({', '.join(breakdown_dims) or 'none'})"
            )
    clash = {INDICATOR, REF_AREA, TIME_PERIOD} & set(breakdown_dims)
    if clash:
        raise DeoError(f"{file}: cannot write SDMX: breakdown uses reserved id(s) {clash}")
    dimensions = [INDICATOR, REF_AREA, *breakdown_dims, TIME_PERIOD]

    columns: dict[str, list[str | None]] = {
        INDICATOR: [sdmx_id(code) for code in _text_list(frame["indicator"])],
        REF_AREA: _text_list(frame["area"]),
    }
    for dim in breakdown_dims:
        columns[dim] = [p.get(dim, TOTAL) for p in parsed]
    columns[TIME_PERIOD] = _text_list(frame["period"])
    columns[OBS_VALUE] = [format_number(v) for v in frame["value"]]

    attributes = []
    status = [s or None for s in _text_list(frame["status"])]
    columns[OBS_STATUS] = status
    attributes.append(OBS_STATUS)
    for canonical in ("se", "ci_lower", "ci_upper"):
        values = [format_number(v) for v in frame[canonical]]
        if any(v is not None for v in values):
            columns[ATTRIBUTES[canonical]] = values
            attributes.append(ATTRIBUTES[canonical])
    for dim in (INDICATOR, REF_AREA, TIME_PERIOD):
        if any(not v for v in columns[dim]):
            raise DeoError(f"{file}: cannot write SDMX: empty {dim} in the observation frame")
    table = pd.DataFrame(columns, index=range(len(frame)), dtype=object)
    return ComponentTable(table, dimensions, attributes)


def _text_list(series: pd.Series) -> list[str]:
    return ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in series]


def data_message(
    components: ComponentTable,
    *,
    agency: str = AGENCY,
    dataflow: str = DATAFLOW,
    version: str = VERSION,
    missing_value: str | None = None,
    prepared: datetime | None = None,
):
    """An sdmx1 SDMX 2.1 ``DataMessage`` holding one ``GenericDataSet``.

    Observations are flat (``dimensionAtObservation=AllDimensions``), in frame order.
    ``missing_value`` is what an empty ``OBS_VALUE`` becomes (``"NaN"`` for SDMX-ML,
    ``None``, an empty cell, for SDMX-CSV).
    """
    from sdmx.message import DataMessage, Header
    from sdmx.model import common, v21

    maintainer = common.Agency(id=agency)
    dsd = v21.DataStructureDefinition(id=dataflow, maintainer=maintainer, version=version)
    for order, dim_id in enumerate(components.dimensions, start=1):
        cls = v21.TimeDimension if dim_id == TIME_PERIOD else v21.Dimension
        dsd.dimensions.getdefault(id=dim_id, cls=cls, order=order)
    measure = dsd.measures.getdefault(id=OBS_VALUE)
    for attr_id in components.attributes:
        dsd.attributes.getdefault(
            id=attr_id,
            related_to=v21.PrimaryMeasureRelationship(),
            usage_status=common.UsageStatus.conditional,
        )
    dfd = v21.DataflowDefinition(id=dataflow, maintainer=maintainer, version=version, structure=dsd)

    dims = [dsd.dimensions.get(d) for d in components.dimensions]
    attrs = [dsd.attributes.get(a) for a in components.attributes]
    table = components.table
    observations = []
    for row in zip(
        *(table[d] for d in components.dimensions),
        table[OBS_VALUE],
        *(table[a] for a in components.attributes),
        strict=True,
    ):
        key_values = row[: len(dims)]
        value = row[len(dims)]
        attr_values = row[len(dims) + 1 :]
        key = common.Key(
            [
                common.KeyValue(id=d.id, value=v, value_for=d)
                for d, v in zip(dims, key_values, strict=True)
            ],
            described_by=dsd.dimensions,
        )
        attached = {
            a.id: v21.AttributeValue(value=v, value_for=a)
            for a, v in zip(attrs, attr_values, strict=True)
            if v is not None
        }
        observations.append(
            v21.Observation(
                dimension=key,
                value=missing_value if value is None else value,
                value_for=measure,
                attached_attribute=attached,
            )
        )
    # No ``action``: it defaults to Information, and sdmx1 2.28 would write the enum's
    # Python repr ("ActionType.information") into the XML.
    dataset = v21.GenericDataSet(structured_by=dsd, described_by=dfd)
    dataset.add_obs(observations)
    prepared = prepared or datetime.now(UTC).replace(microsecond=0)
    header = Header(
        id=message_id(dataflow, prepared), prepared=prepared, sender=maintainer, test=False
    )
    return DataMessage(
        header=header,
        data=[dataset],
        dataflow=dfd,
        observation_dimension=v21.AllDimensions,
    )


def message_id(dataflow: str, prepared: datetime) -> str:
    """A message ID (SDMX IDType) naming the flow and the time it was prepared."""
    return f"{dataflow}_{prepared:%Y%m%dT%H%M%S}"


# ---------------------------------------------------------------------------------------
# Reading


def read_message(data: bytes, file: str, kind: str, **kwargs):
    """``sdmx.read_sdmx`` on ``data``, any failure turned into a :class:`DeoError`.

    sdmx1 prints parser diagnostics to stdout when it fails; they are kept off the
    user's terminal (the DeoError says what went wrong).
    """
    import sdmx

    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink):
            return sdmx.read_sdmx(io.BytesIO(data), **kwargs)
    except Exception as exc:  # sdmx1 raises anything from KeyError to XMLParseError
        cause = exc.__cause__ or exc
        detail = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
        raise DeoError(f"{file}: not a valid {kind} data message ({detail})") from exc


def _text(value: Any) -> str:
    """Text of a key, attribute or observation value read by sdmx1."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    value = getattr(value, "value", value)  # KeyValue / AttributeValue
    value = getattr(value, "id", value)  # Code
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def message_table(message: Any, file: str) -> tuple[pd.DataFrame, list[str]]:
    """(component table, dimension ids in key order) of every observation in a message.

    Data-set, series and group attributes are copied onto each observation, as SDMX
    attaches them. Rows follow the document: row ``i`` is the ``i``-th observation.
    """
    datasets = list(getattr(message, "data", []) or [])
    dims: dict[str, None] = {}
    for ds in datasets:
        dsd = getattr(ds, "structured_by", None)
        for d in getattr(getattr(dsd, "dimensions", None), "components", []) or []:
            dims[d.id] = None
    records: list[dict[str, str]] = []
    for ds in datasets:
        ds_attrib = {k: _text(v) for k, v in (getattr(ds, "attrib", {}) or {}).items()}
        for obs in ds.obs:
            record = dict(ds_attrib)
            for key_id, kv in obs.key.values.items():
                dims.setdefault(key_id, None)
                record[key_id] = _text(kv)
            for attr_id, av in obs.attrib.items():
                record[attr_id] = _text(av)
            record[OBS_VALUE] = _text(obs.value)
            records.append(record)
    table = pd.DataFrame.from_records(records, index=range(len(records)))
    return table.astype(object).where(table.notna(), ""), list(dims)


def raw_frame(
    table: pd.DataFrame,
    dimensions: Sequence[str],
    file: str,
    rows: Iterable[int],
    columns: Mapping[str, str] | None = None,
    constants: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A raw frame from a component table (cells are text; ``""`` is empty).

    ``dimensions`` are the table's key columns; those that are not the indicator, area or
    period become breakdown columns named by their SDMX id (upper-cased where it is one of
    ours, so ``sex`` is ``SEX``). Other attributes than status and uncertainty are dropped.
    """
    found = _match_components(list(table.columns), dimensions, file, columns, constants)
    n = len(table)
    raw = pd.DataFrame(index=range(n))
    for canonical in RAW_COLUMNS:
        if canonical in found:
            raw[canonical] = table[found[canonical]].to_numpy()
        else:
            raw[canonical] = pd.Series([""] * n, dtype=object)
    source = {c: found[c] for c in RAW_COLUMNS if c in found}
    taken = set(found.values())
    # A constant replaces the component it names (--set indicator=X: the INDICATOR dimension).
    for canonical in constants or {}:
        taken |= {p for p in table.columns
                  if p.casefold() in {x.casefold() for x in COMPONENT_SPELLINGS.get(canonical, ())}}
    # Breakdown dimensions named by the user (--column SEX=GENDER) or by their SDMX id.
    named = {theirs.casefold(): ours for ours, theirs in (columns or {}).items()
             if ours in DIMENSIONS}
    for dim in dimensions:
        if dim in taken or dim.upper() in KNOWN_ATTRIBUTES or dim not in table:
            continue
        name = named.get(dim.casefold()) or (dim.upper() if dim.upper() in DIMENSIONS else dim)
        # Unknown dimensions stay under their own id: validation reports them.
        raw[name] = table[dim].to_numpy()
        source[name] = dim
    for name, value in (constants or {}).items():  # after the dimensions: constants win
        raw[name] = value
        source[name] = f"--set {name}"
    raw[ROW_COLUMN] = list(rows)
    raw.attrs["source_columns"] = source
    return raw


def _match_components(
    present: list[str],
    dimensions: Sequence[str],
    file: str,
    columns: Mapping[str, str] | None,
    constants: Mapping[str, str] | None,
) -> dict[str, str]:
    by_fold = {p.casefold(): p for p in present}
    found: dict[str, str] = {}
    for canonical, spellings in COMPONENT_SPELLINGS.items():
        explicit = (columns or {}).get(canonical)
        if explicit:
            if explicit not in present and explicit.casefold() not in by_fold:
                raise DeoError(
                    f"{file}: no SDMX component {explicit!r} for {canonical} "
                    f"(components: {', '.join(present)})"
                )
            found[canonical] = by_fold.get(explicit.casefold(), explicit)
            continue
        if canonical in (constants or {}):
            continue
        for spelling in spellings:
            if spelling.casefold() in by_fold:
                found[canonical] = by_fold[spelling.casefold()]
                break
    missing = [c for c in REQUIRED if c not in found and c not in (constants or {})]
    if missing:
        hints = "; ".join(f"{c}: one of {', '.join(COMPONENT_SPELLINGS[c])}" for c in missing)
        raise DeoError(
            f"{file}: no SDMX component for {', '.join(missing)} ({hints}). Dimensions "
            f"found: {', '.join(dimensions) or 'none'}. Name it with --column "
            "CANONICAL=THEIR_ID, or give a constant with --set indicator=CODE."
        )
    return found


def message_to_raw(message: Any, file: str, columns=None, constants=None) -> pd.DataFrame:
    """A raw frame from an sdmx1 ``DataMessage``; ``_row`` numbers observations from 1."""
    table, dimensions = message_table(message, file)
    if table.empty:
        return empty_raw_frame()
    return raw_frame(table, dimensions, file, range(1, len(table) + 1), columns, constants)


def empty_raw_frame() -> pd.DataFrame:
    """The raw frame of a message without observations."""
    raw = pd.DataFrame({c: pd.Series([], dtype=object) for c in RAW_COLUMNS})
    raw[ROW_COLUMN] = pd.Series([], dtype="int64")
    raw.attrs["source_columns"] = {}
    return raw
