"""Quality rules for published estimates: flag low reliability, suppress what is too
unreliable or would disclose a respondent.

A flagged estimate keeps its value with SDMX status U (low reliability); a suppressed
one loses value, standard error and interval and gets status Q (suppressed). Magnitude
statistics (totals, ratios) also pass disclosure rules: enough contributors, and no
single record dominating the cell. A domain where nobody answered has no estimate at
all: status M (missing), whatever the rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from deo.i18n import _
from deo.measure.surveys.recipe import Quality

#: Statistics whose cells are sums of respondents' values (subject to dominance rules).
MAGNITUDE = frozenset({"total", "ratio"})


def apply_quality(table: pd.DataFrame, rules: Quality) -> pd.DataFrame:
    """``table`` (columns statistic, estimate, se, cv, n, contributors, top_share) with
    ``status`` (A, U or Q) and ``quality`` (the reasons, in words) added."""
    table = table.copy()
    reasons: list[list[str]] = [[] for _row in range(len(table))]
    suppress = np.zeros(len(table), dtype=bool)
    flag = np.zeros(len(table), dtype=bool)
    cv = table["cv"].to_numpy(dtype=float)
    magnitude = table["statistic"].isin(MAGNITUDE).to_numpy()

    def mark(mask: np.ndarray, target: np.ndarray, text: str, values: np.ndarray,
             limit: object = None) -> None:
        for i in np.flatnonzero(mask):
            target[i] = True
            reasons[i].append(text.format(value=values[i], limit=limit))

    # NaN compares false: a CV that cannot be computed (0 / 0) triggers nothing.
    above = _("CV {value:.0%} above {limit:.0%}")
    if rules.suppress_cv is not None:
        mark(cv > rules.suppress_cv, suppress, above, cv, rules.suppress_cv)
    if rules.flag_cv is not None:
        mark((cv > rules.flag_cv) & ~suppress, flag, above, cv, rules.flag_cv)
    n = table["n"].to_numpy()
    if rules.min_respondents is not None:
        mark(n < rules.min_respondents, suppress,
             _("{value} respondents, fewer than {limit}"), n, rules.min_respondents)
    contributors = table["contributors"].to_numpy()
    if rules.min_contributors is not None:
        mark(magnitude & (contributors > 0) & (contributors < rules.min_contributors),
             suppress, _("{value} contributors, fewer than {limit} (disclosure)"),
             contributors, rules.min_contributors)
    top = table["top_share"].to_numpy(dtype=float)
    if rules.max_top_share is not None:
        mark(magnitude & (contributors > 0) & (top > rules.max_top_share), suppress,
             _("one respondent makes {value:.0%} of the cell, over {limit:.0%} "
               "(disclosure)"), top, rules.max_top_share)
    nobody = n == 0
    for i in np.flatnonzero(nobody):
        reasons[i].append(_("no respondent in the domain"))
    table["status"] = np.where(nobody, "M", np.where(suppress, "Q", np.where(flag, "U", "A")))
    table["quality"] = ["; ".join(r) for r in reasons]
    return table
