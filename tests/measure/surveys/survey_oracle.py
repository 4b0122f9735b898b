"""Comparing deo's estimates with R's (the oracle)."""

from __future__ import annotations

import pandas as pd


def assert_parity(ours: dict[str, tuple[float, float]], theirs: pd.DataFrame,
                  rtol: float = 1e-8) -> float:
    """Every (estimate, se) of R's table matches ours to ``rtol``; returns the largest
    relative difference seen."""
    worst = 0.0
    assert set(theirs["name"]) == set(ours), set(theirs["name"]) ^ set(ours)
    for row in theirs.itertuples(index=False):
        estimate, se = ours[row.name]
        # A standard error under a millionth of its estimate is zero up to rounding (a
        # mean of a calibration variable): compare it on the estimate's scale.
        for mine, r_value, floor in ((estimate, row.estimate, 1e-300),
                                     (se, row.se, 1e-6 * abs(row.estimate))):
            diff = abs(mine - r_value) / max(abs(r_value), floor)
            worst = max(worst, diff)
            assert diff <= rtol, f"{row.name}: deo {mine!r} vs R {r_value!r}"
    print(f"parity: {len(theirs)} R estimates, largest relative difference {worst:.1e}")
    return worst
