"""File formats, looked up by name or file extension in a registry.

A *reader* turns a file into a **raw frame**: a pandas DataFrame with the columns
``indicator, area, period, value`` (as found in the file, not yet validated), optional
``status, se, ci_lower, ci_upper``, one column per breakdown dimension present (named by
its SDMX id: ``SEX``, ``SIZE_CLASS``...; ``_T`` or empty means total), and ``_row``: the
record's row number as the user would find it in the source. ``frame.attrs`` carries
``source_columns`` (canonical column -> the file's own column name, for error messages).

A *writer* takes a validated **observation frame** (``deo.core.OBSERVATION_COLUMNS``) and
writes it to a path.

Adding a format is adding one module that calls :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from deo.core import DeoError
from deo.core.breakdown import DIMENSIONS
from deo.registry import Registry

Reader = Callable[..., pd.DataFrame]
Writer = Callable[..., None]


@dataclass(frozen=True)
class FileFormat:
    """A registered file format. ``sniff`` looks at the first bytes to claim a file."""

    name: str
    description: str
    extensions: tuple[str, ...]
    read: Reader | None = None
    write: Writer | None = None
    sniff: Callable[[bytes], bool] | None = None
    options: dict[str, Any] = field(default_factory=dict)


#: Modules that register formats; imported on first use so start-up stays light.
REGISTRY: Registry[FileFormat] = Registry(
    "format",
    (
        "deo.sources.formats.tidy_csv",
        "deo.sources.formats.wide_csv",
        "deo.sources.formats.xlsx",
        "deo.sources.formats.parquet",
        "deo.sources.formats.sdmx_csv",
        "deo.sources.formats.sdmx_ml",
        "deo.sources.formats.sdmx_json",
    ),
)
register = REGISTRY.register
formats = REGISTRY.all
get_format = REGISTRY.get


#: Names that ``--column`` and ``--set`` accept, besides the breakdown dimensions.
OPTION_NAMES = (
    "indicator", "area", "period", "value", "status", "se", "ci_lower", "ci_upper", "breakdown",
)


def canonical_options(options: dict[str, str] | None, flag: str) -> dict[str, str]:
    """Reader options (``--column``, ``--set``) keyed by canonical names.

    ``Value`` becomes ``value`` and ``sex`` becomes ``SEX``; a name that is neither is an
    error, never silently ignored.
    """
    out: dict[str, str] = {}
    for name, value in (options or {}).items():
        key = name.strip()
        if key.casefold() in OPTION_NAMES:
            key = key.casefold()
        elif key.upper() in DIMENSIONS:
            key = key.upper()
        else:
            raise DeoError(
                f"{flag} {name}={value}: {name!r} is not a column deo knows; use one of "
                f"{', '.join(OPTION_NAMES)} or a breakdown dimension ({', '.join(DIMENSIONS)})"
            )
        out[key] = value
    return out


def detect_format(path: Path) -> FileFormat:
    """Pick a format from the file's content first, then its extension."""
    registered = formats().values()
    head = b""
    if path.exists():
        with path.open("rb") as fh:
            head = fh.read(4096)
    for fmt in registered:
        if fmt.sniff and head and fmt.sniff(head):
            return fmt
    suffix = "".join(path.suffixes[-2:]).lower() if len(path.suffixes) > 1 else ""
    for candidate in (suffix, path.suffix.lower()):
        for fmt in registered:
            if candidate and candidate in fmt.extensions:
                return fmt
    known = ", ".join(sorted(formats()))
    raise DeoError(f"{path}: cannot tell the file format; pass --format (one of {known})")
