"""Record file formats by name (CSV, Parquet files or partitioned Parquet folders); each
reads through an engine session and adds ``_file``, the file each record came from, and
``_row``, its row there (see :data:`deo.measure.records.contract.ROW_COLUMN`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ibis.expr.types as ir

from deo.core import DeoError
from deo.i18n import _
from deo.measure.records.engines import Session
from deo.registry import Registry


@dataclass(frozen=True)
class RecordFormat:
    name: str
    extensions: tuple[str, ...]
    read: Callable[[Session, Sequence[Path]], ir.Table]


FORMATS: Registry[RecordFormat] = Registry("record format", ("deo.measure.records.readers",))
FORMATS.register(RecordFormat("csv", (".csv", ".csv.gz"), lambda s, p: s.read_csv(p)))
FORMATS.register(RecordFormat("parquet", (".parquet",), lambda s, p: s.read_parquet(p)))


def detect(paths: Sequence[Path]) -> RecordFormat:
    """The format of ``paths`` by extension; a folder is a partitioned Parquet dataset."""
    found = set()
    for path in paths:
        if path.is_dir():
            found.add("parquet")
            continue
        name = path.name.lower()
        match = [f.name for f in FORMATS.all().values() if name.endswith(f.extensions)]
        if not match:
            raise DeoError(_("{path}: unknown record file type; expected .csv, .parquet or a "
                             "folder of .parquet files (or name one with --format)")
                           .format(path=path))
        found.add(match[0])
    if len(found) != 1:
        raise DeoError(_("give files of one format at a time (got {formats})")
                       .format(formats=", ".join(sorted(found))))
    return FORMATS.get(found.pop())


def read_records(session: Session, paths: Sequence[Path], format: str | None = None) -> ir.Table:
    """The records of ``paths`` as one table."""
    if not paths:
        raise DeoError(_("no record file given"))
    for path in paths:
        if not path.exists():
            raise DeoError(_("{path}: no such file or folder").format(path=path))
    fmt = FORMATS.get(format) if format else detect(paths)
    return fmt.read(session, paths)
