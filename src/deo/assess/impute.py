"""Imputation of missing component values, in two kinds that share one registry.

*Panel* imputers fill the value of one component at the index ``year`` from other years of
the same area: ``fn(panel, *, year, ...) -> (values, used)``, where ``panel`` is a
DataFrame of areas (index) x years (int columns). ``values`` is the float value at
``year`` per area (NaN where none can be had); ``used`` says where it came from, as an
object Series holding the int year read or a description such as ``"2014-2017 CAGR"``,
None where nothing was found.

*Cross-section* imputers fill gaps at one year from other areas:
``fn(values, *, groups) -> values`` with ``values`` indexed by area and ``groups`` mapping
area -> group label (one label per area; areas without a group are left as they are).

The engine tells them apart by the parameters a step accepts: panel imputers take
``year`` (see :func:`is_panel`), cross-section imputers take ``groups``. Both are
engine-supplied; the remaining ``params`` (such as ``window``) come from the recipe.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deo.assess.steps import Step, StepRegistry
from deo.core import DeoError

IMPUTERS = StepRegistry("imputation")

#: The keyword that marks a panel imputer.
PANEL_PARAM = "year"


def is_panel(step: Step) -> bool:
    """Whether ``step`` imputes along years (panel) rather than across areas."""
    return PANEL_PARAM in step.params


def _years_matrix(panel: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The panel's years (ascending int array) and its values (areas x years, float64)."""
    try:
        years = np.array([int(c) for c in panel.columns], dtype=np.int64)
    except (TypeError, ValueError) as error:
        raise DeoError(
            f"a panel needs one column per year (integers), got columns {list(panel.columns)}"
        ) from error
    order = np.argsort(years, kind="stable")
    return years[order], panel.to_numpy(dtype=np.float64)[:, order]


def _used(index: pd.Index, labels: np.ndarray, found: np.ndarray) -> pd.Series:
    """An object Series: the label where something was found, None elsewhere."""
    return pd.Series(
        [label if ok else None for label, ok in zip(labels.tolist(), found, strict=True)],
        index=index,
        dtype=object,
    )


def _nothing(index: pd.Index) -> tuple[pd.Series, pd.Series]:
    """The answer for a panel without any year: all missing."""
    return (
        pd.Series(np.nan, index=index, dtype=np.float64),
        pd.Series(None, index=index, dtype=object),
    )


@IMPUTERS.register("carry_forward", params=("year", "window"))
def carry_forward(panel: pd.DataFrame, *, year: int, window: int) -> tuple[pd.Series, pd.Series]:
    """Latest non-missing value in ``[year - window, year]`` (years); ``used`` is that year.

    Carrying the latest value forward is how the UNCTAD index fills components that are not
    measured every year; ``window`` bounds how stale a value may be.
    """
    if window < 0:
        raise DeoError(f"carry_forward needs a window of 0 years or more, got {window}")
    years, values = _years_matrix(panel)
    n_areas, n_years = values.shape
    rows = np.arange(n_areas)
    if n_years == 0:
        return _nothing(panel.index)
    present = ~np.isnan(values) & (years >= year - window) & (years <= year)
    found = present.any(axis=1)
    # The latest present column is the first one found scanning from the right.
    latest = n_years - 1 - np.argmax(present[:, ::-1], axis=1)
    value = np.where(found, values[rows, latest], np.nan)
    used_year = years[latest]
    return (
        pd.Series(value, index=panel.index, dtype=np.float64),
        _used(panel.index, used_year, found),
    )


@IMPUTERS.register("cagr", params=("year",))
def cagr(panel: pd.DataFrame, *, year: int) -> tuple[pd.Series, pd.Series]:
    """Value at ``year`` interpolated between the nearest rounds before and after it.

    With ``a`` at ``ya`` and ``b`` at ``yb``: ``a*(b/a)**((year-ya)/(yb-ya))`` (constant
    annual growth, as survey rounds grow) when both are positive, straight-line otherwise
    (a growth rate is undefined through zero or a sign change). The value itself where
    ``year`` is present; NaN where no round lies on one side. ``used`` is the year, or
    ``"ya-yb CAGR"`` / ``"ya-yb linear"``.
    """
    years, values = _years_matrix(panel)
    present = ~np.isnan(values)
    n_areas, n_years = values.shape
    rows = np.arange(n_areas)
    if n_years == 0:
        return _nothing(panel.index)

    before = present & (years < year)
    after = present & (years > year)
    exact = present & (years == year)
    has_exact = exact.any(axis=1)
    bracketed = before.any(axis=1) & after.any(axis=1) & ~has_exact

    i_before = n_years - 1 - np.argmax(before[:, ::-1], axis=1)
    i_after = np.argmax(after, axis=1)
    a, b = values[rows, i_before], values[rows, i_after]
    ya, yb = years[i_before], years[i_after]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (year - ya) / (yb - ya)
        growth = (a > 0) & (b > 0)
        interpolated = np.where(growth, a * (b / a) ** share, a + (b - a) * share)

    value = np.where(bracketed, interpolated, np.nan)
    value = np.where(has_exact, values[rows, np.argmax(exact, axis=1)], value)
    labels = np.array(
        [
            int(year) if ok_exact else f"{lo}-{hi} {'CAGR' if g else 'linear'}"
            for ok_exact, lo, hi, g in zip(has_exact, ya.tolist(), yb.tolist(), growth, strict=True)
        ],
        dtype=object,
    )
    return (
        pd.Series(value, index=panel.index, dtype=np.float64),
        _used(panel.index, labels, has_exact | bracketed),
    )


def _group_fill(values: pd.Series, groups: pd.Series, how: str) -> pd.Series:
    if not groups.index.is_unique:
        duplicated = sorted(set(groups.index[groups.index.duplicated()]))
        raise DeoError(f"each area must belong to one group; several for {duplicated}")
    filled = values.astype(np.float64)
    by_group = groups.reindex(filled.index)
    # Areas without a group fall out of the groupby (NaN key) and so get no fill value.
    fill = filled.groupby(by_group, dropna=True).transform(how)
    return filled.fillna(fill)


@IMPUTERS.register("group_mean", params=("groups",))
def group_mean(values: pd.Series, *, groups: pd.Series) -> pd.Series:
    """Fill a missing area with the mean of its group's non-missing areas.

    Areas whose group has no data, or that have no group, stay NaN.
    """
    return _group_fill(values, groups, "mean")


@IMPUTERS.register("group_median", params=("groups",))
def group_median(values: pd.Series, *, groups: pd.Series) -> pd.Series:
    """Fill a missing area with the median of its group's non-missing areas.

    Areas whose group has no data, or that have no group, stay NaN.
    """
    return _group_fill(values, groups, "median")


@IMPUTERS.register("none", params=("groups",))
def none(values: pd.Series, *, groups: pd.Series | None = None) -> pd.Series:
    """Impute nothing: missing stays missing (the engine then drops or reports the area)."""
    return values.astype(np.float64)
