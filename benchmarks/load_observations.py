"""Claim: `deo load` of 1,000,000 observations into SQLite takes at most twice as long as
`sqlite-utils insert --csv` of the same file (which neither validates nor versions), and
a query of one indicator for all areas and years then answers in under 50 ms.

Runs both in one go on the same generated CSV and prints ``ratio deo/sqlite-utils`` last.
Set ``BENCH_ROWS`` for a smaller run, ``BENCH_KEEP=1`` to keep the files for a look.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

BIN = Path(sys.executable).parent
ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
YEARS = range(1960, 2024)


def office_catalogue(home: Path, count: int) -> list[str]:
    """``count`` national indicators (percentages) in the office catalogue of ``home``.

    A store of a million annual observations holds many indicators (WDI has ~1,500):
    the shipped catalogue has too few, so the benchmark defines its own, as an office would.
    """
    codes = [f"NSO.BENCH.{i:03d}" for i in range(count)]
    folder = home / "catalogue" / "indicators"
    folder.mkdir(parents=True)
    entries = [
        f'[[indicator]]\ncode = "{code}"\nowner = "NSO"\nsource = "benchmark"\n'
        f'unit = "PT"\nvalid_min = 0\nvalid_max = 100\n'
        f'name = {{ en = "Benchmark indicator {code}" }}\n'
        f'definition = {{ en = "A generated percentage." }}\n'
        for code in codes
    ]
    (folder / "benchmark.toml").write_text("\n".join(entries), encoding="utf-8")
    return codes


def generate(path: Path, home: Path, rows: int) -> None:
    """Unique (indicator, economy, year) keys with percentages, as a tidy CSV."""
    import pycountry

    areas = sorted(c.alpha_3 for c in pycountry.countries)
    per_indicator = len(areas) * len(YEARS)
    indicators = office_catalogue(home, -(-rows // per_indicator))
    grid = pd.MultiIndex.from_product([indicators, areas, [str(y) for y in YEARS]])
    frame = grid.to_frame(index=False, name=["indicator", "area", "period"]).head(rows)
    frame["value"] = np.random.default_rng(1).uniform(0, 100, len(frame)).round(3)
    frame.to_csv(path, index=False)


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="deo-bench-"))
    try:
        csv_path = work / "observations.csv"
        home = work / "deo-home"
        generate(csv_path, home, ROWS)
        size = csv_path.stat().st_size / 1e6
        print(f"{ROWS} annual observations, {size:.0f} MB of CSV")

        env = {**os.environ, "DEO_HOME": str(home)}
        env.pop("DEO_DATABASE_URL", None)
        deo_s = timed([str(BIN / "deo"), "load", str(csv_path)], env)
        print(f"deo load:                 {deo_s:7.2f} s  ({ROWS / deo_s:,.0f} rows/s)")

        peer_db = work / "peer.sqlite"
        peer_s = timed(
            [str(BIN / "sqlite-utils"), "insert", str(peer_db), "observations", str(csv_path),
             "--csv"],
            env,
        )
        print(f"sqlite-utils insert --csv: {peer_s:6.2f} s  ({ROWS / peer_s:,.0f} rows/s)")

        os.environ["DEO_HOME"] = env["DEO_HOME"]
        from deo.store import Store

        store = Store.open()
        one = "NSO.BENCH.007"
        store.query(indicators=[one])  # warm the connection and the page cache
        times = []
        for _ in range(20):
            start = time.perf_counter()
            result = store.query(indicators=[one])
            times.append(time.perf_counter() - start)
        print(
            f"query one indicator, all areas and periods: {len(result)} rows, "
            f"median {statistics.median(times) * 1000:.1f} ms (target < 50 ms)"
        )
        print(f"ratio deo/sqlite-utils {deo_s / peer_s:.2f}")
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
