"""Apache Parquet files (tidy columns, typed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from deo.core import DeoError
from deo.sources.formats import FileFormat, register
from deo.sources.formats.common import with_dimension_columns
from deo.sources.formats.tidy_csv import to_raw


def read(path: Path, columns=None, constants=None, sheet=None) -> pd.DataFrame:
    try:
        table = pq.read_table(path).to_pandas()
    except (pa.ArrowInvalid, OSError) as exc:
        raise DeoError(f"{path.name}: not a readable Parquet file ({exc})") from exc
    # Parquet has no header line: row numbers count records from 1.
    return to_raw(table, path.name, 1, columns, constants)


def write(frame: pd.DataFrame, path: Path, **_options) -> None:
    out = with_dimension_columns(frame)
    out["value"] = out["value"].astype("float64")
    for column in ("se", "ci_lower", "ci_upper"):
        out[column] = out[column].astype("float64")
    out.to_parquet(path, index=False, engine="pyarrow")


def sniff(head: bytes) -> bool:
    return head[:4] == b"PAR1"


register(
    FileFormat(
        name="parquet",
        description="Apache Parquet, tidy columns",
        extensions=(".parquet", ".pq"),
        read=read,
        write=write,
        sniff=sniff,
    )
)
