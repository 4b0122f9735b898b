"""SDMX-CSV data files, versions 1.0 and 2.0.

Writing goes through sdmx1's ``to_csv`` and produces **SDMX-CSV 1.0** by default
(``DATAFLOW`` first, then the dimensions, ``OBS_VALUE`` and the observation attributes;
missing values are empty cells); ``csv_version="2.0"`` writes SDMX-CSV 2.0 (``STRUCTURE``,
``STRUCTURE_ID``, ``ACTION``...). 1.0 is the default: it is the SDMX 2.1 flavour that
most SDMX tools and web services exchange, while SDMX-CSV 2.0 belongs to SDMX 3.0.

Reading uses pandas, not sdmx1's CSV reader, because that reader (2.28) only reads
SDMX-CSV 2.x (it refuses a ``DATAFLOW`` header), needs the data structure definition in
hand, files observations into one data set per ``ACTION``/structure (losing the row each
came from, which error messages need), and fails on a UTF-8 byte-order mark, which
spreadsheet programs add. SDMX-CSV is a plain CSV with a fixed header, so we read its
columns directly: the fixed leading columns, then dimensions up to ``OBS_VALUE``, then
attributes. ``_row`` is the row number in the file (the header is row 1).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from deo.core import DeoError
from deo.core.breakdown import DIMENSIONS
from deo.sources.formats import FileFormat, register
from deo.sources.formats.sdmx_common import (
    AGENCY,
    DATAFLOW,
    OBS_VALUE,
    VERSION,
    component_table,
    data_message,
    raw_frame,
)

#: Leading columns of each version (all but the first optional in 2.0).
FIXED_COLUMNS = {
    "1.0": ("DATAFLOW",),
    "2.0": ("STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION", "SERIES_KEY", "OBS_KEY"),
}
_FIRST_FIELD = re.compile(r"^(?:\ufeff)?\"?(DATAFLOW|STRUCTURE)(\[.\])?\"?(?=$|[,;\t|:])")
_DELETE_ACTION = "D"


def write(
    frame: pd.DataFrame,
    path: Path,
    agency: str = AGENCY,
    dataflow: str = DATAFLOW,
    version: str = VERSION,
    csv_version: str = "1.0",
    breakdowns: Sequence[str] | None = None,
    **_options,
) -> None:
    """Write an observation frame as SDMX-CSV (1.0 unless ``csv_version="2.0"``)."""
    import sdmx
    from sdmx.format import csv as sdmx_csv

    formats = {"1.0": sdmx_csv.v1.FormatOptions, "2.0": sdmx_csv.v2.FormatOptions}
    if str(csv_version) not in formats:
        raise DeoError(f"SDMX-CSV version {csv_version!r}: we write 1.0 or 2.0")
    components = component_table(frame, path.name, breakdowns)
    message = data_message(
        components, agency=agency, dataflow=dataflow, version=version, missing_value=None
    )
    # attributes="o": observation-level attributes get columns; dtype=None keeps our
    # repr(float) text instead of re-parsing OBS_VALUE as float64.
    sdmx.to_csv(
        message,
        path=path,
        format_options=formats[str(csv_version)](),
        attributes="o",
        dtype=None,
    )


def read(path: Path, columns=None, constants=None, **_options) -> pd.DataFrame:
    """Read SDMX-CSV 1.0 or 2.0 into a raw frame."""
    file = path.name
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            first = fh.readline()
    except UnicodeDecodeError:
        raise DeoError(f"{file}: not a readable UTF-8 CSV file") from None
    except OSError as exc:
        raise DeoError(f"{file}: cannot read the file ({exc.strerror})") from None
    if not first.strip():
        raise DeoError(f"{file}: the file is empty")
    match = _FIRST_FIELD.match(first)
    if not match:
        found = next(csv.reader([first]), [""])[0] if first else ""
        raise DeoError(
            f"{file}: not SDMX-CSV (first column is {found!r}; expected DATAFLOW for "
            "SDMX-CSV 1.0 or STRUCTURE for 2.0)"
        )
    version = "1.0" if match.group(1) == "DATAFLOW" else "2.0"
    delimiter = first[match.end()] if match.end() < len(first.rstrip("\r\n")) else ","
    if delimiter == ":":  # labels=both spells the first column "DATAFLOW: Dataflow"
        delimiter = _delimiter_after_label(first)
    try:
        table = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,  # "NA" is Namibia
            encoding="utf-8-sig",
            sep=delimiter,
        )
    except (UnicodeDecodeError, pd.errors.ParserError, csv.Error) as exc:
        raise DeoError(f"{file}: not a readable SDMX-CSV file ({exc})") from None

    header = [str(c) for c in table.columns]
    labels_both = any(": " in h for h in header)
    ids = [h.split(":", 1)[0].strip() if labels_both else h.strip() for h in header]
    fixed = FIXED_COLUMNS[version]
    keep = [i for i, c in enumerate(ids) if c not in fixed and ids.index(c) == i]
    components = table.iloc[:, keep].copy()
    components.columns = [ids[i] for i in keep]
    if labels_both:
        # Cells read "CODE: Name"; the code is what identifies the value.
        for column in components.columns:
            if column != OBS_VALUE:
                components[column] = components[column].str.split(": ", n=1).str[0]

    if "ACTION" in ids:
        actions = table.iloc[:, ids.index("ACTION")].str.strip().str.upper()
        deleting = actions == _DELETE_ACTION
        if deleting.any():
            row = int(deleting.to_numpy().nonzero()[0][0]) + 2
            raise DeoError(
                f"{file}, row {row}: ACTION D (delete) records cannot be loaded as "
                "observations; remove them or load a file of I, A or R records"
            )

    if OBS_VALUE not in components.columns:
        raise DeoError(
            f"{file}: no {OBS_VALUE} column in this SDMX-CSV {version} file "
            f"(columns: {', '.join(header)})"
        )
    measure_at = list(components.columns).index(OBS_VALUE)
    dimensions = list(components.columns[:measure_at]) + [
        c for c in components.columns[measure_at + 1 :] if c.upper() in DIMENSIONS
    ]
    return raw_frame(components, dimensions, file, range(2, len(table) + 2), columns, constants)


def _delimiter_after_label(first: str) -> str:
    for candidate in (",", ";", "\t", "|"):
        if candidate in first:
            return candidate
    return ","


def sniff(head: bytes) -> bool:
    """The first field of the first line is DATAFLOW (1.0) or STRUCTURE (2.0)."""
    try:
        text = head.decode("utf-8-sig", errors="ignore")
    except UnicodeDecodeError:  # pragma: no cover - errors="ignore" never raises
        return False
    return bool(_FIRST_FIELD.match(text.lstrip("\ufeff")))


register(
    FileFormat(
        name="sdmx-csv",
        description="SDMX-CSV (writes 1.0, or 2.0 with csv_version=2.0; reads both)",
        extensions=(".sdmx.csv",),
        read=read,
        write=write,
        sniff=sniff,
        options={"agency": AGENCY, "dataflow": DATAFLOW, "version": VERSION, "csv_version": "1.0"},
    )
)
