"""Claim: the open API answers "one indicator, all areas and years" under load at least as
fast as `datasette` serving the same data: with 32 concurrent connections on loopback, the
p99 latency of ``GET /api/v1/observations?indicator=X&limit=20000`` is at most that of
``GET /peer/observations.json?indicator=X&_size=max&_shape=array`` (ratio deo/datasette <= 1.0).

Both hold the same 1,000,000 generated annual observations (249 economies x 64 years per
indicator, as in ``load_observations.py``) and both return all 15,936 rows of the indicator,
which the benchmark checks (same count, same values) before timing. Both servers are
single-process: deo under uvicorn with one worker, as ``deo serve`` runs it; datasette with
its defaults (one process, 3 SQL threads) plus two settings raised: ``max_returned_rows``, so
that one page holds the whole indicator, and ``sql_time_limit_ms`` (1 s by default), which
under this load cuts queries off ("SQL query took too long", HTTP 400) as they wait for the
interpreter lock. The peer's table has an index on ``indicator``. Both listen on
127.0.0.1 only.

The client is one asyncio process (httpx, at most 32 connections) that keeps 32 requests
in flight until a fixed number has been answered, after a warm-up, one server at a time;
latency is per request, from sending to the last byte of the body. p50 and p99 of both are
printed, and ``ratio deo/datasette`` of the p99s last.

Set ``BENCH_ROWS`` for a smaller store, ``BENCH_REQUESTS`` (default 500) and
``BENCH_WARMUP`` (default 64) for a shorter or longer load, ``BENCH_KEEP=1`` to keep the
files for a look. The default run takes about 3 minutes on 2 cores, most of it under load
(each server answers one request at a time for most of its work, so 32 in flight means
queueing: p50 is roughly 32 service times).
"""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_observations import YEARS, generate

BIN = Path(sys.executable).parent
ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "500"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "64"))
CONCURRENCY = 32
MAX_ROWS = 20_000
HOST = "127.0.0.1"


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports on the loopback address."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def load_both(csv_path: Path, peer_db: Path, env: dict[str, str]) -> None:
    """``deo load`` and ``sqlite-utils insert`` of the same CSV, side by side."""
    sqlite_utils = str(BIN / "sqlite-utils")
    # Column types first, so that sqlite-utils 3 (no type detection) and 4 store the same.
    subprocess.run([sqlite_utils, "create-table", str(peer_db), "observations",
                    "indicator", "text", "area", "text", "period", "text", "value", "float"],
                   check=True)
    start = time.perf_counter()
    deo = subprocess.Popen([str(BIN / "deo"), "load", str(csv_path)], env=env,
                           stdout=subprocess.DEVNULL)
    peer = subprocess.Popen([sqlite_utils, "insert", str(peer_db), "observations",
                             str(csv_path), "--csv"], stdout=subprocess.DEVNULL)
    if deo.wait() or peer.wait():
        raise SystemExit(f"loading failed: deo load {deo.returncode}, "
                         f"sqlite-utils insert {peer.returncode}")
    subprocess.run([sqlite_utils, "create-index", str(peer_db), "observations", "indicator"],
                   check=True)
    print(f"loaded both stores in {time.perf_counter() - start:.0f} s (side by side)")


def start(name: str, command: list[str], env: dict[str, str], log: Path,
          url: str) -> subprocess.Popen:
    """Start a server and wait until ``url`` answers 200."""
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=30).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"{name} did not answer {url} within 60 s:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def rows_of(frame: pd.DataFrame) -> list[tuple[str, str, float]]:
    return sorted(zip(frame["area"], frame["period"].astype(str), frame["value"], strict=True))


def check_same(deo_url: str, peer_url: str, expected: pd.DataFrame) -> int:
    """Both answers hold every row of the indicator, with the same values; fail otherwise."""
    body = httpx.get(deo_url, timeout=60).raise_for_status().json()
    if body["next"] is not None:
        raise SystemExit(f"deo paginated the answer ({body['count']} rows and a next page)")
    deo = pd.DataFrame(body["data"])
    peer = pd.DataFrame(httpx.get(peer_url, timeout=60).raise_for_status().json())
    counts = {"CSV": len(expected), "deo": len(deo), "datasette": len(peer)}
    if len(set(counts.values())) != 1:
        raise SystemExit(f"row counts differ: {counts}")
    want = rows_of(expected)
    for name, frame in (("deo", deo), ("datasette", peer)):
        got = rows_of(frame)
        if got != want:
            first = next(i for i, (a, b) in enumerate(zip(got, want, strict=True)) if a != b)
            raise SystemExit(f"{name} differs from the CSV at row {first}: "
                             f"{got[first]} != {want[first]}")
    return len(want)


async def hammer(client: httpx.AsyncClient, url: str, count: int) -> tuple[list[float], float]:
    """``count`` GETs of ``url`` with CONCURRENCY in flight: latencies (s) and wall time."""
    latencies: list[float] = []
    left = iter(range(count))

    async def worker() -> None:
        for _ in left:
            begin = time.perf_counter()
            response = await client.get(url)  # reads the whole body
            latencies.append(time.perf_counter() - begin)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}: "
                                 f"{response.text[:300]}")

    begin = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies, time.perf_counter() - begin


async def measure(url: str) -> tuple[float, float, float]:
    """p50 and p99 latency (ms) and requests per second, after a warm-up."""
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:
        await hammer(client, url, WARMUP)
        latencies, wall = await hammer(client, url, REQUESTS)
    p50, p99 = np.percentile(np.array(latencies) * 1000, [50, 99])
    return float(p50), float(p99), REQUESTS / wall


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="deo-bench-"))
    servers: list[subprocess.Popen] = []
    try:
        csv_path = work / "observations.csv"
        home = work / "deo-home"
        generate(csv_path, home, ROWS)
        frame = pd.read_csv(csv_path, dtype={"period": str})
        indicators = sorted(frame["indicator"].unique())
        one = "NSO.BENCH.007" if "NSO.BENCH.007" in indicators else indicators[0]
        expected = frame[frame["indicator"] == one]
        del frame
        areas = math.ceil(len(expected) / len(YEARS))
        print(f"{ROWS} annual observations; {one}: {len(expected)} rows "
              f"({areas} economies x {len(YEARS)} years)")

        env = {**os.environ, "DEO_HOME": str(home)}
        env.pop("DEO_DATABASE_URL", None)
        peer_db = work / "peer.db"
        load_both(csv_path, peer_db, env)

        deo_port, peer_port = free_ports(2)
        deo_url = (f"http://{HOST}:{deo_port}/api/v1/observations"
                   f"?indicator={one}&limit={MAX_ROWS}")
        peer_url = (f"http://{HOST}:{peer_port}/peer/observations.json"
                    f"?indicator={one}&_size=max&_shape=array")
        servers.append(start(
            "deo serve",
            [str(BIN / "deo"), "serve", "--host", HOST, "--port", str(deo_port)],
            env, work / "deo.log", f"http://{HOST}:{deo_port}/api/v1/observations?limit=1",
        ))
        servers.append(start(
            "datasette",
            [str(BIN / "datasette"), "serve", str(peer_db), "--host", HOST,
             "--port", str(peer_port), "--setting", "max_returned_rows", str(MAX_ROWS),
             "--setting", "sql_time_limit_ms", "120000"],
            env, work / "datasette.log", f"http://{HOST}:{peer_port}/peer.json",
        ))
        rows = check_same(deo_url, peer_url, expected)
        print(f"both answer all {rows} rows with the same values")

        print(f"{REQUESTS} requests after {WARMUP} to warm up, {CONCURRENCY} in flight")
        results = {}
        for name, url in (("deo", deo_url), ("datasette", peer_url)):
            p50, p99, rate = asyncio.run(measure(url))
            results[name] = p99
            print(f"{name:10} p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   {rate:6.1f} requests/s")
        print(f"ratio deo/datasette {results['deo'] / results['datasette']:.2f}")
    finally:
        for process in servers:
            stop(process)
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
