"""Check a raw frame against the catalogue and turn it into an observation frame.

Every rule is checked on every row, so one report lists all problems at once. Rules:
unknown-indicator, unknown-area, bad-period, not-a-number, missing-value, bad-status,
bad-uncertainty, bad-breakdown, unknown-dimension, unknown-code, breakdown-not-allowed,
out-of-range, duplicate-key.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from deo.catalogue import Catalogue
from deo.core import MISSING_STATUSES, OBS_STATUS, TOTAL, Period, PeriodError, Problem
from deo.core.breakdown import DIMENSIONS
from deo.core.observation import OBSERVATION_COLUMNS, ROW_COLUMN
from deo.core.period import EXPECTED as PERIOD_EXPECTED

PROBLEM_COLUMNS = ["row", "column", "value", "expected", "rule"]
#: Raw-frame columns that are not breakdowns. FREQ (an SDMX key dimension) is implied by
#: the period's own form, so it is dropped rather than reported.
KNOWN_COLUMNS = frozenset(
    {"indicator", "area", "period", "value", "status", "se", "ci_lower", "ci_upper",
     ROW_COLUMN, "FREQ"}
)
DIMENSION_LIST = ", ".join(DIMENSIONS)
#: How files write "no value" in a value cell (compared case-insensitively).
MISSING_MARKERS = frozenset({"", "nan", "na", "n/a", "..", "-"})
UNCERTAINTY = ("se", "ci_lower", "ci_upper")
AREA_EXPECTED = (
    "an ISO 3166-1 alpha-3 code, an M49 region, a group or an aggregate code (see `deo areas`)"
)


@dataclass
class Validated:
    """The outcome of validation: a clean frame, or problems (and the records they hit)."""

    frame: pd.DataFrame  # observation frame with period_start/period_end, valid rows only
    problems: pd.DataFrame  # PROBLEM_COLUMNS, one row per problem, in file order
    rejected: pd.DataFrame  # the raw records that have at least one problem, with reasons
    file: str

    @property
    def ok(self) -> bool:
        return self.problems.empty

    def problem_list(self, limit: int | None = None) -> list[Problem]:
        rows = self.problems if limit is None else self.problems.head(limit)
        return [
            Problem(
                file=self.file,
                row=None if pd.isna(r.row) else int(r.row),
                column=r.column,
                value=None if r.value is None or pd.isna(r.value) else str(r.value),
                expected=r.expected,
                rule=r.rule,
            )
            for r in rows.itertuples(index=False)
        ]


class _Collector:
    def __init__(self, raw: pd.DataFrame):
        self.rows = raw[ROW_COLUMN]
        self.source_columns: dict[str, str] = raw.attrs.get("source_columns", {})
        self.parts: list[pd.DataFrame] = []
        self.bad = pd.Series(False, index=raw.index)

    def add(self, mask: pd.Series, column: str, values, expected, rule: str) -> None:
        """Record a problem on every row where ``mask`` is true."""
        if not mask.any():
            return
        idx = mask[mask].index
        vals = values.loc[idx] if isinstance(values, pd.Series) else values
        exp = expected.loc[idx] if isinstance(expected, pd.Series) else expected
        self.parts.append(
            pd.DataFrame(
                {
                    "row": self.rows.loc[idx],
                    "column": self.source_columns.get(column, column),
                    "value": vals,
                    "expected": exp,
                    "rule": rule,
                    "_order": idx,
                }
            )
        )
        self.bad |= mask

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(columns=PROBLEM_COLUMNS)
        out = pd.concat(self.parts, ignore_index=True)
        out = out.sort_values(["_order", "column"], kind="stable").drop(columns="_order")
        return out.reset_index(drop=True)[PROBLEM_COLUMNS]


def _text(raw: pd.DataFrame, column: str) -> pd.Series:
    if column not in raw:
        return pd.Series("", index=raw.index, dtype=object)
    col = raw[column]
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        return col.fillna("").astype(str).str.strip()
    return col.astype(object).where(col.notna(), "").astype(str)


def _numbers(raw: pd.DataFrame, column: str) -> tuple[pd.Series, pd.Series]:
    """(numeric values, text shown in errors). Empty cells are NaN and not an error."""
    if column not in raw:
        return pd.Series(np.nan, index=raw.index), pd.Series("", index=raw.index)
    col = raw[column]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return col.astype(float), col.astype(object).where(col.notna(), "").astype(str)
    text = _text(raw, column)
    return pd.to_numeric(text, errors="coerce").astype(float), text


def _map_unique(text: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` once per distinct value (files repeat codes a lot)."""
    uniques = pd.unique(text)
    return text.map(dict(zip(uniques, map(fn, uniques), strict=True)))


def validate(raw: pd.DataFrame, file: str, catalogue: Catalogue) -> Validated:
    """Validate ``raw`` (a reader's raw frame) against ``catalogue``."""
    if ROW_COLUMN not in raw:
        raw = raw.assign(**{ROW_COLUMN: np.arange(2, len(raw) + 2)})
    problems = _Collector(raw)

    # Indicator (codes or aliases; an alias may fix part of the breakdown).
    ind_text = _text(raw, "indicator")
    resolved = _map_unique(ind_text, catalogue.resolve_indicator)
    unknown = resolved.isna()
    problems.add(
        unknown,
        "indicator",
        ind_text,
        "an indicator code from the catalogue (see `deo indicators`)",
        "unknown-indicator",
    )
    # Built as an object Series so unknown indicators stay None: Series.map would turn them
    # into NaN (a truthy float), and the per-indicator lookups below would fail on it.
    indicator = pd.Series(
        [r[0] if isinstance(r, tuple) else None for r in resolved], index=raw.index, dtype=object
    )
    fixed = resolved.map(lambda r: r[1] if isinstance(r, tuple) else {})

    # Area.
    # Area (codes or aliases such as the World Bank's HIC for the group WB_HIC).
    area_text = _text(raw, "area")
    area = _map_unique(area_text, catalogue.resolve_area)
    bad_area = area.isna()
    if bad_area.any():
        hint = _map_unique(area_text[bad_area], catalogue.area_hint)
        problems.add(
            bad_area, "area", area_text, AREA_EXPECTED + hint.reindex(area.index).fillna(""),
            "unknown-area",
        )
    area = area.fillna(area_text)

    # Period.
    period_text = _text(raw, "period")

    def parse(text: str) -> Period | None:
        try:
            return Period.parse(text)
        except PeriodError:
            return None

    periods = _map_unique(period_text, parse)
    problems.add(periods.isna(), "period", period_text, PERIOD_EXPECTED, "bad-period")

    # Status.
    status = _text(raw, "status").str.upper().replace("", "A")
    problems.add(
        ~status.isin(OBS_STATUS.keys()),
        "status",
        _text(raw, "status"),
        "an SDMX OBS_STATUS code (A, E, P, F, M, O...)",
        "bad-status",
    )

    # Value.
    value, value_text = _numbers(raw, "value")
    not_number = value.isna() & ~value_text.str.casefold().isin(MISSING_MARKERS)
    problems.add(not_number, "value", value_text, "a number (decimal point '.')", "not-a-number")
    missing = value.isna() & ~not_number & ~status.isin(MISSING_STATUSES)
    problems.add(
        missing,
        "value",
        value_text,
        "a number, or an empty value with a missing-value status (M, O, L, Q or K)",
        "missing-value",
    )
    infinite = np.isinf(value)
    problems.add(infinite, "value", value_text, "a finite number", "not-a-number")

    # Uncertainty: standard error and confidence bounds.
    uncertainty: dict[str, pd.Series] = {}
    for column in UNCERTAINTY:
        num, num_text = _numbers(raw, column)
        bad = (num.isna() & (num_text != "")) | np.isinf(num)
        if column == "se":
            bad |= num < 0
        expected = "a finite non-negative number or empty" if column == "se" else (
            "a finite number or empty"
        )
        problems.add(bad, column, num_text, expected, "bad-uncertainty")
        uncertainty[column] = num
    crossed = uncertainty["ci_lower"] > uncertainty["ci_upper"]
    problems.add(
        crossed, "ci_lower", _text(raw, "ci_lower"), "ci_lower <= ci_upper", "bad-uncertainty"
    )

    # Columns that would be breakdowns but are not ours: never silently read as totals.
    for column in raw.columns:
        if column in KNOWN_COLUMNS or column in DIMENSIONS:
            continue
        text = _text(raw, column)
        used = ~text.isin(["", TOTAL])
        if column == "breakdown":
            expected = "a breakdown key DIMENSION=CODE;... with dimensions " + DIMENSION_LIST
            problems.add(used, column, text, expected, "bad-breakdown")
        else:
            theirs = raw.attrs.get("source_columns", {}).get(column, column)
            expected = f"a breakdown dimension deo knows ({DIMENSION_LIST})"
            if theirs != "breakdown":  # a column of its own, which --column can name
                expected += f"; name yours with --column DIMENSION={theirs}"
            problems.add(used, column, text, expected, "unknown-dimension")

    # Breakdowns: codes from each dimension's code list, allowed by the indicator.
    dims = [c for c in raw.columns if c in DIMENSIONS]
    codes: dict[str, pd.Series] = {}
    for dim in dims:
        text = _text(raw, dim)
        codelist = catalogue.codelists.get(DIMENSIONS[dim])
        if DIMENSIONS[dim] == "AREA":
            canon = _map_unique(
                text, lambda t: TOTAL if t in ("", TOTAL) else catalogue.resolve_area(t)
            )
            expected = "an area code for the partner"
        elif codelist is None:
            canon = text
            expected = ""
        else:
            canon = _map_unique(text, lambda t, cl=codelist: TOTAL if t == "" else cl.resolve(t))
            expected = codelist.expected()
        problems.add(canon.isna(), dim, text, expected, "unknown-code")
        canon = canon.fillna(TOTAL).replace("", TOTAL)
        codes[dim] = canon
    # Fixed breakdowns from aliases (B12_IDEL -> B12 with INTERNET_ACTIVITY=IDEL).
    if fixed.map(bool).any():
        for dim in sorted({d for f in fixed[fixed.map(bool)] for d in f}):
            from_alias = fixed.map(lambda f, d=dim: f.get(d))
            base = codes.get(dim, pd.Series(TOTAL, index=raw.index))
            codes[dim] = from_alias.where(from_alias.notna(), base)
    for dim, canon in codes.items():
        allowed = indicator.map(
            lambda code, d=dim: code is None or d in catalogue.indicators[code].breakdowns
        )
        not_allowed = (canon != TOTAL) & ~allowed.astype(bool)
        # Show the code as the file spells it ("small", not "10-49"); an alias's fixed code
        # has no cell in the file, so that one shows the canonical code.
        shown = _text(raw, dim)
        shown = shown.where(shown != "", canon)
        problems.add(
            not_allowed,
            dim,
            shown,
            indicator.map(
                lambda code, d=dim: f"no {d} breakdown: {code} allows "
                + (", ".join(catalogue.indicators[code].breakdowns) or "none")
                if code
                else ""
            ),
            "breakdown-not-allowed",
        )
    breakdown = _breakdown_keys(codes, raw.index)

    # Valid range per indicator.
    lo = indicator.map(lambda c: catalogue.indicators[c].valid_min if c else None).astype(float)
    hi = indicator.map(lambda c: catalogue.indicators[c].valid_max if c else None).astype(float)
    out_of_range = ((value < lo) | (value > hi)) & np.isfinite(value)
    problems.add(
        out_of_range,
        "value",
        value_text,
        indicator.map(lambda c: f"{catalogue.indicators[c].range_text()} for {c}" if c else ""),
        "out-of-range",
    )

    # Duplicate keys within the file (only among rows whose key parts are valid).
    period_code = periods.map(lambda p: p.code if p is not None else None)
    key = pd.DataFrame(
        {"indicator": indicator, "area": area, "period": period_code, "breakdown": breakdown}
    )
    # Rows already refused for their key (area, period, breakdown...) are not compared.
    key_ok = key["indicator"].notna() & key["period"].notna() & ~problems.bad
    dup = key.duplicated(keep="first") & key_ok
    if dup.any():
        first_row = (
            raw[ROW_COLUMN]
            .groupby([key[c] for c in key.columns], dropna=False)
            .transform("first")
        )
        problems.add(
            dup,
            "indicator",
            key["indicator"] + "/" + key["area"] + "/" + key["period"].fillna("")
            + key["breakdown"].where(key["breakdown"] == "", "/" + key["breakdown"]),
            "one value per indicator, area, period and breakdown (first given on row "
            + first_row.astype(str)
            + ")",
            "duplicate-key",
        )

    problem_frame = problems.frame()
    good = ~problems.bad
    frame = pd.DataFrame(
        {
            "indicator": indicator,
            "area": area,
            "period": period_code,
            "breakdown": breakdown,
            "value": value,
            "status": status,
            **uncertainty,
        }
    )[list(OBSERVATION_COLUMNS)][good]
    frame["period_start"] = periods[good].map(lambda p: p.start)
    frame["period_end"] = periods[good].map(lambda p: p.end)
    rejected = _rejected(raw, problems.bad, problem_frame)
    return Validated(frame.reset_index(drop=True), problem_frame, rejected, file)


def _breakdown_keys(codes: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    key = pd.Series("", index=index, dtype=object)
    for dim in sorted(codes):
        part = (dim + "=" + codes[dim]).where(codes[dim] != TOTAL, "")
        joiner = np.where((key != "") & (part != ""), ";", "")
        key = key + joiner + part
    return key


def _rejected(raw: pd.DataFrame, bad: pd.Series, problems: pd.DataFrame) -> pd.DataFrame:
    """The bad records with all of their reasons joined in one column."""
    if not bad.any():
        return raw.iloc[0:0]
    reasons = (
        problems.assign(
            reason=problems["rule"] + " in " + problems["column"].astype(str) + ": expected "
            + problems["expected"].astype(str)
        )
        .groupby("row", sort=False)["reason"]
        .agg("; ".join)
    )
    records = raw[bad].copy()
    records.insert(0, "reason", records[ROW_COLUMN].map(reasons))
    return records
