"""Engines for the records tests: every pipeline test runs on DuckDB and on Spark (local
mode, one session shared by the whole test run), and Spark skips with the reason when Java
or pyspark is missing."""

from __future__ import annotations

import os
import shutil

import pytest


def _spark_missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'deo[spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (the spark engine needs a JRE 17+; .ci/run installs one)"
    return None


@pytest.fixture(scope="session")
def spark_session():
    """One local SparkSession (2 cores, few shuffle partitions) for every Spark test."""
    reason = _spark_missing()
    if reason:
        pytest.skip(reason)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]").appName("deo-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module", params=["duckdb", "spark"])
def engine(request: pytest.FixtureRequest) -> str:
    """The name of each engine; Spark's session is started (once) when first needed."""
    if request.param == "spark":
        request.getfixturevalue("spark_session")
    return request.param
