"""Record contracts: the declared schema of one record type (fields, their types, the key,
the field naming an amended record), read from versioned TOML files under
``catalogue/records/contracts``; and the check that types each record and marks it with the
first rule it breaks (``_problem`` = ``"rule:field"``, null for a good record)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir

from deo.core import DeoError
from deo.i18n import _
from deo.measure.records.codes import CodeTables
from deo.measure.records.fields import FIELD_TYPES, text

CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "catalogue" / "records" / "contracts"
#: The column holding "rule:field" for a record that breaks its contract.
PROBLEM = "_problem"
#: The column holding, for a record that breaks its contract, the field named in PROBLEM as
#: it was read (text).
VALUE = "_value"
#: The column naming the file a record came from (added by the readers).
FILE_COLUMN = "_file"
#: The column holding the record's row in its file (added by the readers, int64): in a CSV
#: file its line counting the header as line 1 (the first record is row 2), in a Parquet
#: file its 1-based position.
ROW_COLUMN = "_row"


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = False


@dataclass(frozen=True)
class Contract:
    """The schema of one record type. ``key`` identifies a record (duplicates share it);
    ``amends`` names the field that holds the key of the record an amendment replaces."""

    name: str
    version: str
    description: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    amends: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def rule_expected() -> dict[str, str]:
    """What each contract rule expects, in the current language (for reports)."""
    return {
        "missing-key": _("a value: the field identifies the record"),
        "missing-value": _("a value: the field is required"),
        "bad-date": _("a date YYYY-MM-DD between 1990-01-01 and 2099-12-31"),
        "bad-period": _("a month YYYY-MM from 1990 on"),
        "not-a-number": _("a number (decimal point '.')"),
        "negative-value": _("zero or more"),
        "unknown-currency": _("an ISO 4217 currency code such as USD, EUR, CNY"),
        "unknown-area": _("an ISO 3166-1 economy code (alpha-3 such as KEN, or alpha-2)"),
        "unknown-hs-code": _("a 6-digit HS code in an HS chapter (01-97, not 77); for HS2022, "
                             "one of its 5,612 subheadings"),
        "unknown-code": _("a code of the field's code list (see docs/records.md)"),
        "bad-flag": _("a yes/no flag: 1/0, true/false, Y/N"),
        "conflicting-duplicate": _("one version of each record key"),
        "no-exchange-rate": _("an exchange rate in the store for the currency and month"),
    }


def load_contract(name_or_path: str | Path) -> Contract:
    """A shipped contract by name (``customs``) or a contract TOML file."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = CONTRACTS_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in CONTRACTS_DIR.glob("*.toml")))
        raise DeoError(_("no record contract {name!r}; shipped contracts: {known}")
                       .format(name=str(name_or_path), known=known))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        head = data["record_type"]
        fields = tuple(
            Field(f["name"], FIELD_TYPES.get(f["type"]).name, bool(f.get("required", False)))
            for f in data["field"]
        )
        description = head.get("description", {})
        contract = Contract(
            name=head["name"],
            version=str(head["version"]),
            description=description.get("en", "") if isinstance(description, dict)
            else str(description),
            key=tuple(head["key"]),
            fields=fields,
            amends=head.get("amends"),
        )
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise DeoError(_("{path}: not a valid record contract ({error})")
                       .format(path=path, error=f"{type(exc).__name__}: {exc}")) from exc
    names = {f.name for f in fields}
    for name in (*contract.key, *([contract.amends] if contract.amends else [])):
        if name not in names:
            raise DeoError(_("{path}: key field {field!r} is not among the fields")
                           .format(path=path, field=name))
    return contract


def conform(raw: ir.Table, contract: Contract, file: str) -> ir.Table:
    """The contract's fields of ``raw``, in contract order; an optional field the file lacks
    is an empty column, a required one an error naming the file and the column, and a
    column stored in a type its field cannot hold (an HS code as a decimal number) an error
    naming the file, the column and its type."""
    columns_read = [c for c in raw.columns if c not in (FILE_COLUMN, ROW_COLUMN)]
    missing = [f.name for f in contract.fields if f.required and f.name not in raw.columns]
    if missing:
        raise DeoError(
            _("{file}: no column {columns} (required by the {contract} contract; the file "
              "has {found})").format(file=file, columns=", ".join(missing),
                                     contract=contract.label,
                                     found=", ".join(columns_read) or _("no column")))
    for f in contract.fields:
        kind = FIELD_TYPES.get(f.type)
        if f.name in raw.columns and not kind.stored_as(raw[f.name].type()):
            raise DeoError(
                _("{file}: column {column} is stored as {stored}, which cannot hold {field} "
                  "values as written (a number drops leading zeros: 010121 becomes 10121, "
                  "or 10121.0); store it as text").format(
                      file=file, column=f.name, stored=raw[f.name].type(), field=f.type))
    columns = [raw[f.name] if f.name in raw.columns else ibis.null("string").name(f.name)
               for f in contract.fields]
    columns += [raw[c] for c in (FILE_COLUMN, ROW_COLUMN) if c in raw.columns]
    return raw.select(columns)


def check_contract(raw: ir.Table, contract: Contract, codes: CodeTables) -> ir.Table:
    """Every record of ``raw`` (conformed) with its fields typed (the canonical value; what
    standardisation reads), :data:`PROBLEM`: the first rule the record breaks, as
    ``"rule:field"`` (in field order and, within a field, in the type's rule order; null for
    a good record), :data:`VALUE`: that field as it was read, and the file and row.

    Values are typed once, in the first projection, and the rules and the output read the
    typed columns: typing (regular expressions, casts) is the costliest part of the check."""
    typed_names = {f.name: f"_typed_{f.name}" for f in contract.fields}
    step = raw.mutate(**{typed_names[f.name]: FIELD_TYPES.get(f.type).typed(raw[f.name], codes)
                         for f in contract.fields})
    typed = {name: step[column] for name, column in typed_names.items()}
    # A check may need another field of the record, named by its type (the HS edition an
    # HS code belongs to); a contract without such a field gives the check None.
    by_type: dict[str, ir.Value] = {}
    for field in contract.fields:
        by_type.setdefault(field.type, typed[field.name])
    branches: list[tuple[ir.BooleanValue, str]] = []
    for field in contract.fields:
        kind = FIELD_TYPES.get(field.type)
        column = step[field.name]
        present = text(column).notnull() if column.type().is_string() else column.notnull()
        if field.required:
            rule = "missing-key" if field.name in contract.key else "missing-value"
            branches.append((~present, f"{rule}:{field.name}"))
        others = (by_type.get(name) for name in kind.uses)
        for failed, rule in kind.checks(typed[field.name], codes, *others):
            # An empty optional field breaks nothing: only present values are checked.
            branches.append((present & failed, f"{rule}:{field.name}"))
    marked = step.mutate(**{PROBLEM: ibis.cases(*branches, else_=ibis.null("string"))})
    broken = marked[PROBLEM].split(":")[1]
    value = ibis.cases(*((broken == f.name, marked[f.name].cast("string"))
                         for f in contract.fields), else_=ibis.null("string"))
    where = [c for c in (FILE_COLUMN, ROW_COLUMN) if c in raw.columns]
    return marked.select(*(marked[typed_names[f.name]].name(f.name) for f in contract.fields),
                         marked[PROBLEM], value.name(VALUE), *where)
