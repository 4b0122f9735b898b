"""Load files into the store: read, validate against the catalogue, write as releases.

A load is all or nothing: every file is read and validated first; if any has a problem,
the rejected records of every file go to a rejects CSV (with the reason for each) and
nothing is written. Otherwise each file becomes one release, all in one transaction.
A file holding exactly the observations of an earlier release, all still current, is
recognised and skipped; loaded after some of them were revised, it restores them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from deo.catalogue import Catalogue, get_catalogue
from deo.config import rejects_dir
from deo.core import DeoError, LoadRejected
from deo.sources.connectors import Pulled
from deo.sources.formats import FileFormat, canonical_options, detect_format, get_format
from deo.sources.validation import MISSING_MARKERS, Validated, validate
from deo.store import LoadResult, ReleaseBatch, Store
from deo.store.store import observations_hash

#: ``progress(step, done, total)``: step is "read", "validate" or "write".
LoadProgress = Callable[[str, int, int], None]

#: Files larger than this are refused (bytes); a guard against loading the wrong thing.
MAX_FILE_BYTES = 2 * 1024**3


@dataclass
class FileLoad:
    """One file prepared for loading: where it came from and its validated rows."""

    path: Path
    format: FileFormat
    content_hash: str
    validated: Validated
    skipped_empty: int = 0
    #: The file's columns that no reader option used (labels, notes... or a mistake).
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    """What a load did, one result per file, in the order given."""

    files: list[FileLoad]
    results: list[LoadResult] = field(default_factory=list)
    #: Where invalid records went, when ``skip_invalid`` let the valid ones load.
    rejects_path: str | None = None


def file_hash(path: Path) -> str:
    """sha256 (hex) of the file's bytes, as ``sha256sum`` prints it."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def drop_empty(raw: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Rows with no value (empty, "..", "-"...) and no status removed (files that leave
    gaps), and how many."""
    value = raw["value"].astype(str).str.strip().str.casefold()
    status = raw["status"].astype(str).str.strip() if "status" in raw else ""
    empty = value.isin(MISSING_MARKERS) & ((status == "") | (status == "nan"))
    kept = raw[~empty]
    kept.attrs = raw.attrs
    return kept, int(empty.sum())


def read_file(
    path: Path,
    format: str | None = None,
    columns: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
    sheet: str | None = None,
) -> tuple[pd.DataFrame, FileFormat]:
    """A file as a raw frame (see :mod:`deo.sources.formats`), and the format used."""
    if not path.exists():
        raise DeoError(f"{path}: no such file")
    if path.is_dir():
        raise DeoError(f"{path}: is a folder; name the files to load")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DeoError(
            f"{path}: {size / 1024**3:.1f} GiB is over the {MAX_FILE_BYTES / 1024**3:.0f} GiB "
            "limit for one file; split it"
        )
    fmt = get_format(format) if format else detect_format(path)
    if fmt.read is None:
        raise DeoError(f"{path.name}: the {fmt.name} format can be written but not read")
    options = {
        "columns": canonical_options(columns, "--column"),
        "constants": canonical_options(constants, "--set"),
    }
    if sheet:
        options["sheet"] = sheet
    return fmt.read(path, **options), fmt


def prepare(
    paths: Sequence[Path],
    *,
    format: str | None = None,
    columns: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
    sheet: str | None = None,
    skip_empty: bool = False,
    catalogue: Catalogue | None = None,
    progress: LoadProgress | None = None,
) -> list[FileLoad]:
    """Read and validate every file; nothing is written.

    ``skip_empty`` drops records with an empty value and no status instead of reporting
    them (the count is kept in :attr:`FileLoad.skipped_empty`).
    """
    catalogue = catalogue or get_catalogue()
    prepared: list[FileLoad] = []
    for done, path in enumerate(paths):
        if progress:
            progress("read", done, len(paths))
        raw, fmt = read_file(Path(path), format, columns, constants, sheet)
        skipped = 0
        if skip_empty:
            raw, skipped = drop_empty(raw)
        if progress:
            progress("validate", done, len(paths))
        checked = validate(raw, Path(path).name, catalogue)
        prepared.append(
            FileLoad(Path(path), fmt, file_hash(Path(path)), checked, skipped,
                     list(raw.attrs.get("ignored_columns", [])))
        )
    return prepared


def write_rejects(parts: Sequence[tuple[str, Validated]], folder: Path | None = None) -> Path:
    """The rejected records of each (file name, validation) in one CSV: file, reason,
    the record's fields, and its row in the file."""
    folder = folder or rejects_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"rejects-{stamp}.csv"
    frames = []
    for name, checked in parts:
        if checked.ok:
            continue
        records = checked.rejected.rename(columns={"_row": "row"})
        records.insert(0, "file", name)
        frames.append(records)
    pd.concat(frames, ignore_index=True).to_csv(target, index=False)
    return target


def keep_rejects(
    files: Sequence[FileLoad], folder: Path | None = None, refuse: bool = True
) -> str | None:
    """Write the rejected records of ``files`` to a rejects file and return its path
    (None when there are none); with ``refuse``, raise :class:`LoadRejected` instead."""
    problems = [p for item in files for p in item.validated.problem_list()]
    if not problems:
        return None
    path = str(write_rejects([(item.path.name, item.validated) for item in files], folder))
    if refuse:
        raise LoadRejected(problems, path)
    return path


def refuse_empty(files: Sequence[FileLoad], rejects_path: str | None = None) -> None:
    """Raise :class:`DeoError` if a file has no valid record to load."""
    empty = [item.path.name for item in files if item.validated.frame.empty]
    if empty:
        raise DeoError(
            f"nothing to load from {', '.join(empty)}: no valid record"
            + (f"; the rejected ones, with reasons, are in {rejects_path}" if rejects_path else "")
        )


def load_files(
    store: Store,
    paths: Sequence[Path],
    *,
    source: str | None = None,
    licence: str | None = None,
    format: str | None = None,
    columns: dict[str, str] | None = None,
    constants: dict[str, str] | None = None,
    sheet: str | None = None,
    skip_empty: bool = False,
    skip_invalid: bool = False,
    synthetic: bool = False,
    note: str | None = None,
    catalogue: Catalogue | None = None,
    rejects_folder: Path | None = None,
    progress: LoadProgress | None = None,
) -> LoadReport:
    """Validate ``paths`` and load them as one release each, all or nothing.

    Raises :class:`LoadRejected` (listing every problem, with a rejects file) when any
    file has a problem; the store is then unchanged. With ``skip_invalid`` the valid
    records are loaded instead, and the invalid ones are kept in the rejects file (the
    release's note says how many and where).
    """
    if not paths:
        raise DeoError("no file to load")
    files = prepare(
        paths,
        format=format,
        columns=columns,
        constants=constants,
        sheet=sheet,
        skip_empty=skip_empty,
        catalogue=catalogue,
        progress=progress,
    )
    # A file whose valid records were all loaded before and are all still current is
    # skipped by the store: its problems are not news (and `deo demo` run twice writes no
    # second rejects file). One whose values were revised since is loaded again.
    hashes = [observations_hash(f.validated.frame) for f in files]
    new = [f for f, h in zip(files, hashes, strict=True)
           if store.recognised(f.validated.frame, h) is None]
    rejects_path = keep_rejects(new, rejects_folder, refuse=not skip_invalid)
    refuse_empty(new, rejects_path)
    batches = [
        ReleaseBatch(
            frame=item.validated.frame,
            source=source or f"file {item.path.name}",
            content_hash=item.content_hash,
            file_name=item.path.name,
            format=item.format.name,
            licence=licence,
            synthetic=synthetic,
            note=_release_note(note, item, rejects_path),
            data_hash=digest,
        )
        for item, digest in zip(files, hashes, strict=True)
    ]
    write_progress = (lambda done, total: progress("write", done, total)) if progress else None
    results = store.load_releases(batches, progress=write_progress)
    return LoadReport(files, results, rejects_path)


def _release_note(note: str | None, item: FileLoad, rejects_path: str | None) -> str | None:
    parts = [note] if note else []
    rejected = len(item.validated.rejected) if rejects_path else 0
    if rejected:
        parts.append(f"{rejected} invalid record(s) not loaded; see {rejects_path}")
    if item.skipped_empty:
        parts.append(f"{item.skipped_empty} record(s) with empty value and status skipped")
    return "; ".join(parts) or None


def load_pulled(
    store: Store,
    pulled: Pulled,
    *,
    catalogue: Catalogue | None = None,
    rejects_folder: Path | None = None,
    progress: LoadProgress | None = None,
) -> LoadResult:
    """Validate what a connector fetched and load it as one release, all or nothing."""
    label = pulled.url.split()[0] if pulled.url else pulled.source
    checked = validate(pulled.frame, label, catalogue or get_catalogue())
    if not checked.ok:
        rejects = write_rejects([(label, checked)], rejects_folder)
        raise LoadRejected(checked.problem_list(), str(rejects))
    if checked.frame.empty:
        raise DeoError(f"nothing to load: {pulled.source} returned no observation")
    batch = ReleaseBatch(
        frame=checked.frame,
        source=pulled.source,
        content_hash=pulled.content_hash,
        file_name=None,
        format="api",
        licence=pulled.licence,
        as_of=pulled.as_of,
        note="; ".join(pulled.notes) or None,
    )
    write_progress = (lambda done, total: progress("write", done, total)) if progress else None
    return store.load_releases([batch], progress=write_progress)[0]
