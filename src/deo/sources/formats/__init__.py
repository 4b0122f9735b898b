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

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from deo.core import DeoError

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


_REGISTRY: dict[str, FileFormat] = {}

#: Modules that register formats; imported on first use so start-up stays light.
_MODULES = (
    "deo.sources.formats.tidy_csv",
    "deo.sources.formats.wide_csv",
    "deo.sources.formats.xlsx",
    "deo.sources.formats.parquet",
    "deo.sources.formats.sdmx_csv",
    "deo.sources.formats.sdmx_ml",
    "deo.sources.formats.sdmx_json",
)
_loaded = False


def register(fmt: FileFormat) -> FileFormat:
    _REGISTRY[fmt.name] = fmt
    return fmt


def _ensure_loaded() -> None:
    global _loaded
    if not _loaded:
        for module in _MODULES:
            importlib.import_module(module)
        _loaded = True


def formats() -> dict[str, FileFormat]:
    _ensure_loaded()
    return dict(_REGISTRY)


def get_format(name: str) -> FileFormat:
    _ensure_loaded()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise DeoError(f"unknown format {name!r}; known formats: {known}") from None


def detect_format(path: Path) -> FileFormat:
    """Pick a format from the file's content first, then its extension."""
    _ensure_loaded()
    head = b""
    if path.exists():
        with path.open("rb") as fh:
            head = fh.read(4096)
    for fmt in _REGISTRY.values():
        if fmt.sniff and head and fmt.sniff(head):
            return fmt
    suffix = "".join(path.suffixes[-2:]).lower() if len(path.suffixes) > 1 else ""
    for candidate in (suffix, path.suffix.lower()):
        for fmt in _REGISTRY.values():
            if candidate and candidate in fmt.extensions:
                return fmt
    known = ", ".join(sorted(_REGISTRY))
    raise DeoError(f"{path}: cannot tell the file format; pass --format (one of {known})")
