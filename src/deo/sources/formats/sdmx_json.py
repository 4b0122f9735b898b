"""SDMX-JSON 1.0 data messages (the SDMX 2.1 flavour of SDMX-JSON).

Reading goes through sdmx1 (``sdmx.read_sdmx``). Writing is done here with the ``json``
module because sdmx1 (2.28) has no SDMX-JSON writer (only SDMX-ML, SDMX-CSV and, in
part, protobuf). The message holds ``header``, ``structure`` (written before the data, so
format detection sees it in the first bytes) and one data set of flat observations
(all dimensions at observation level, as with ``dimensionAtObservation=AllDimensions``),
in frame order, keyed by dimension value indices ``"0:2:1:0"``. Each observation is
``[value, status index, standard error index, ...]``; a missing value is ``null``. Numbers
are JSON numbers written with ``repr``, so they read back exactly.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from deo.core import DeoError, Period, PeriodError
from deo.core.status import OBS_STATUS as STATUS_NAMES
from deo.sources.formats import FileFormat, register
from deo.sources.formats.sdmx_common import (
    AGENCY,
    DATAFLOW,
    OBS_STATUS,
    OBS_VALUE,
    TIME_PERIOD,
    VERSION,
    component_table,
    message_id,
    message_to_raw,
    read_message,
)

_NAMES = {
    "INDICATOR": "Indicator",
    "REF_AREA": "Reference area",
    "TIME_PERIOD": "Time period",
    "SEX": "Sex",
    "AGE": "Age",
    "SIZE_CLASS": "Size class (persons employed)",
    "ACTIVITY": "Economic activity (ISIC Rev.4)",
    "URBANISATION": "Degree of urbanisation",
    "PARTNER": "Partner area",
    "SERVICE": "Service (EBOPS 2010)",
    "OBS_STATUS": "Observation status",
    "STD_ERR": "Standard error",
    "CONF_INT_LOWER": "Lower bound of the 95% confidence interval",
    "CONF_INT_UPPER": "Upper bound of the 95% confidence interval",
}


def write(
    frame: pd.DataFrame,
    path: Path,
    agency: str = AGENCY,
    dataflow: str = DATAFLOW,
    version: str = VERSION,
    breakdowns: Sequence[str] | None = None,
    **_options,
) -> None:
    """Write an observation frame as an SDMX-JSON 1.0 data message."""
    message = build_message(frame, path.name, agency=agency, dataflow=dataflow, version=version,
                            breakdowns=breakdowns)
    with path.open("w", encoding="utf-8") as fh:
        json.dump(message, fh, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        fh.write("\n")


def build_message(
    frame: pd.DataFrame,
    file: str = "output",
    *,
    agency: str = AGENCY,
    dataflow: str = DATAFLOW,
    version: str = VERSION,
    prepared: datetime | None = None,
    breakdowns: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The SDMX-JSON 1.0 message for an observation frame, as plain Python objects."""
    components = component_table(frame, file, breakdowns)
    table = components.table
    prepared = prepared or datetime.now(UTC).replace(microsecond=0)

    # Codes are numbered in order of first appearance; a key is "i:j:k" of those numbers.
    dimensions = []
    key_parts = []
    for position, dim in enumerate(components.dimensions):
        numbers, codes = pd.factorize(table[dim], use_na_sentinel=False)
        component: dict[str, Any] = {
            "id": dim,
            "name": _NAMES.get(dim, dim),
            "keyPosition": position,
        }
        if dim == TIME_PERIOD:
            component["role"] = "time"
            component["values"] = [_period_value(code) for code in codes]
        else:
            component["values"] = [{"id": code, "name": code} for code in codes]
        dimensions.append(component)
        key_parts.append(numbers.astype(str))
    keys = [":".join(parts) for parts in zip(*key_parts, strict=True)] if key_parts else []

    attributes = []
    attr_numbers = []
    for attr in components.attributes:
        present = table[attr].notna().to_numpy()
        numbers, codes = pd.factorize(table[attr])  # None -> -1
        if not len(codes):
            continue  # sdmx1 discards (and warns about) an attribute without values
        names = STATUS_NAMES if attr == OBS_STATUS else {}
        attributes.append(
            {
                "id": attr,
                "name": _NAMES.get(attr, attr),
                "relationship": {"primaryMeasure": OBS_VALUE},
                "values": [{"id": c, "name": names.get(c, c)} for c in codes],
            }
        )
        attr_numbers.append([int(n) if p else None for n, p in zip(numbers, present, strict=True)])

    values = [_json_number(v) for v in table[OBS_VALUE]]
    observations = {
        key: [value, *attrs] for key, value, *attrs in zip(keys, values, *attr_numbers, strict=True)
    }

    urn = f"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow={agency}:{dataflow}({version})"
    return {
        "header": {
            "id": message_id(dataflow, prepared),
            "test": False,
            "prepared": prepared.isoformat().replace("+00:00", "Z"),
            "sender": {"id": agency, "name": agency},
        },
        "structure": {
            "links": [{"rel": "dataflow", "urn": urn}],
            "name": dataflow,
            "dimensions": {"dataSet": [], "series": [], "observation": dimensions},
            "attributes": {"dataSet": [], "series": [], "observation": attributes},
        },
        "dataSets": [{"action": "Information", "observations": observations}],
    }


def _json_number(text: str | None) -> float | str | None:
    if text is None:
        return None
    number = float(text)
    # JSON has no infinities; keep the XML Schema spelling as a string.
    return text if number in (float("inf"), float("-inf")) else number


def _period_value(code: str) -> dict[str, str]:
    value = {"id": code, "name": code}
    try:
        period = Period.parse(code)
    except PeriodError:
        return value
    value["start"] = f"{period.start.isoformat()}T00:00:00Z"
    value["end"] = f"{period.end.isoformat()}T23:59:59Z"
    return value


def read(path: Path, columns=None, constants=None, **_options) -> pd.DataFrame:
    """Read an SDMX-JSON 1.0 data message into a raw frame (``_row``: observation number)."""
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DeoError(f"{file}: cannot read the file ({exc.strerror})") from None
    data = data.removeprefix(b"\xef\xbb\xbf").strip()
    if not data:
        raise DeoError(f"{file}: the file is empty")
    try:
        tree = json.loads(data)
    except UnicodeDecodeError:
        raise DeoError(f"{file}: not an SDMX-JSON data message (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise DeoError(
            f"{file}: not an SDMX-JSON data message (invalid JSON at line {exc.lineno}, "
            f"column {exc.colno}: {exc.msg})"
        ) from None
    _check_tree(tree, file)
    message = read_message(data, file, "SDMX-JSON", format="JSON")
    return message_to_raw(message, file, columns, constants)


def _check_tree(tree: Any, file: str) -> None:
    if not isinstance(tree, dict):
        raise DeoError(f"{file}: not an SDMX-JSON data message (expected a JSON object)")
    if "dataSets" in tree and "structure" in tree:
        return
    if tree.get("errors") and "dataSets" not in tree:
        errors = tree["errors"]
        text = "; ".join(str(e.get("detail") or e.get("title") or e) for e in errors[:3])
        raise DeoError(f"{file}: the file is an SDMX-JSON error message, not data: {text}")
    if isinstance(tree.get("data"), dict) and "dataSets" in tree["data"]:
        raise DeoError(
            f"{file}: SDMX-JSON 2.0 (SDMX 3.0) data messages are not supported; ask for "
            "SDMX-JSON 1.0, SDMX-ML 2.1 or SDMX-CSV"
        )
    found = ", ".join(sorted(map(str, tree))) or "nothing"
    raise DeoError(
        f'{file}: not an SDMX-JSON data message (expected "dataSets" and "structure"; '
        f"found {found})"
    )


def sniff(head: bytes) -> bool:
    """A JSON object that looks like an SDMX-JSON data message."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{"):
        return False
    if b'"dataSets"' in text:
        return True
    if b'"structure"' in text and (b'"header"' in text or b'"data"' in text):
        return True
    return b"sdmx-json" in text.lower()


register(
    FileFormat(
        name="sdmx-json",
        description="SDMX-JSON 1.0 data message",
        extensions=(".sdmx.json", ".json"),
        read=read,
        write=write,
        sniff=sniff,
        options={"agency": AGENCY, "dataflow": DATAFLOW, "version": VERSION},
    )
)
