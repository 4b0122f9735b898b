"""Survey microdata from CSV, XLSX, Parquet, SPSS (.sav) or Stata (.dta) files.

Readers are looked up by name or extension in a registry; each returns every column
as found (codes stay as the file has them). A record's row is where the user finds it:
in CSV and XLSX files the header is row 1, so the first record is row 2; in Parquet,
SPSS and Stata files records are numbered from 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from deo.core import DeoError, LoadRejected, Problem
from deo.i18n import _
from deo.registry import Registry


@dataclass(frozen=True)
class MicrodataReader:
    """A registered microdata format. ``first_row`` is the row number of record 1."""

    name: str
    extensions: tuple[str, ...]
    read: Callable[[Path], pd.DataFrame]
    first_row: int


READERS: Registry[MicrodataReader] = Registry("microdata format", ())


def _read_csv(path: Path) -> pd.DataFrame:
    # Everything as text: the codes and numbers are checked column by column later,
    # so that a bad cell is reported with its row instead of silently becoming NaN.
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _read_xlsx(path: Path) -> pd.DataFrame:
    return pd.read_excel(path, dtype=object)


def _read_spss(path: Path) -> pd.DataFrame:
    try:
        import pyreadstat  # noqa: F401  (pandas reads SPSS through it)
    except ImportError as exc:  # a declared dependency; missing only in a broken install
        raise DeoError(_("reading SPSS files needs the pyreadstat package")) from exc
    return pd.read_spss(path, convert_categoricals=False)


def _read_stata(path: Path) -> pd.DataFrame:
    return pd.read_stata(path, convert_categoricals=False)


for _reader in (
    MicrodataReader("csv", (".csv", ".txt"), _read_csv, 2),
    MicrodataReader("xlsx", (".xlsx", ".xlsm"), _read_xlsx, 2),
    MicrodataReader("parquet", (".parquet", ".pq"), pd.read_parquet, 1),
    MicrodataReader("spss", (".sav", ".zsav"), _read_spss, 1),
    MicrodataReader("stata", (".dta",), _read_stata, 1),
):
    READERS.register(_reader)


@dataclass(frozen=True, eq=False)
class Microdata:
    """Survey records as read, with where each came from (for messages)."""

    frame: pd.DataFrame
    source: str  # the file's name
    rows: np.ndarray  # (n,) each record's row in the file
    #: Parsed columns, kept: a column is read once however many estimates use it.
    parsed: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, source: str = "microdata",
                   first_row: int = 1) -> Microdata:
        frame = frame.reset_index(drop=True)
        return cls(frame, source, np.arange(first_row, first_row + len(frame)))

    def take(self, keep: np.ndarray) -> Microdata:
        return Microdata(self.frame[keep].reset_index(drop=True), self.source, self.rows[keep])

    def text(self, i: int, column: str) -> str:
        value = self.frame[column].iloc[i]
        return "" if value is None or (isinstance(value, float) and np.isnan(value)) \
            else str(value)

    def problem(self, i: int, column: str, value: str, expected: str, rule: str) -> Problem:
        return Problem(self.source, int(self.rows[i]), column, value, expected, rule)


def read_microdata(path: Path, format: str | None = None) -> Microdata:
    """Read a microdata file; the format from ``format`` or the file's extension."""
    path = Path(path)
    if not path.is_file():
        raise DeoError(_("{path}: no such file").format(path=path))
    if format:
        reader = READERS.get(format)
    else:
        suffix = path.suffix.lower()
        found = [r for r in READERS.all().values() if suffix in r.extensions]
        if not found:
            known = ", ".join(e for r in READERS.all().values() for e in r.extensions)
            raise DeoError(_("{file}: unknown microdata format {suffix!r}; known: {known} "
                             "(or name one with --format)")
                           .format(file=path.name, suffix=suffix, known=known))
        reader = found[0]
    try:
        frame = reader.read(path)
    except DeoError:
        raise
    except Exception as exc:  # a damaged or mislabelled file: say which, not a traceback
        raise DeoError(_("{file}: cannot be read as {format}: {error}")
                       .format(file=path.name, format=reader.name, error=exc)) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return Microdata.from_frame(frame, path.name, reader.first_row)


def numeric_column(microdata: Microdata, column: str, expected: str | None = None
                   ) -> np.ndarray:
    """``column`` as float64, NaN where empty; :class:`LoadRejected` lists non-numbers."""
    if ("number", column) in microdata.parsed:
        return microdata.parsed[("number", column)]
    numbers = _numbers(microdata, column, expected)
    numbers.setflags(write=False)
    microdata.parsed[("number", column)] = numbers
    return numbers


def _numbers(microdata: Microdata, column: str, expected: str | None) -> np.ndarray:
    if column not in microdata.frame.columns:
        raise DeoError(_("{file}: no column {column!r}; its columns are: {columns}").format(
            file=microdata.source, column=column,
            columns=", ".join(map(str, microdata.frame.columns))))
    values = microdata.frame[column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.flatnonzero(np.isnan(numbers) & (text != "").to_numpy())
    if len(bad):
        what = expected or _("a number (decimal point '.')")
        raise LoadRejected([microdata.problem(i, column, text.iloc[i], what, "not-a-number")
                            for i in bad[:200]])
    return numbers


def code_factors(microdata: Microdata, column: str) -> tuple[np.ndarray, list[str]]:
    """``column`` as answer codes: per record an index into the returned codes, whose
    last entry is "" (empty). Codes are text, stripped; whole numbers lose a zero
    decimal part (an XLSX or SPSS 1.0 is the code "1")."""
    if ("codes", column) in microdata.parsed:
        return microdata.parsed[("codes", column)]
    if column not in microdata.frame.columns:
        numeric_column(microdata, column)  # raises the no-such-column error
    index, uniques = pd.factorize(microdata.frame[column], use_na_sentinel=True)
    codes = [_code_text(u) for u in uniques] + [""]
    found = np.where(index < 0, len(codes) - 1, index), codes
    microdata.parsed[("codes", column)] = found
    return found


def _code_text(value: object) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    text = str(value).strip()
    if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
        return text[:-2]
    return "" if text.casefold() == "nan" else text


def code_column(microdata: Microdata, column: str) -> np.ndarray:
    """``column`` as answer codes (see :func:`code_factors`), "" where empty."""
    index, codes = code_factors(microdata, column)
    return np.array(codes, dtype=object)[index]
