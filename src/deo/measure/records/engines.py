"""Engines the records pipeline runs on, by name: ``duckdb`` (the default: one machine, files
under the data directory, bounded memory) and ``spark`` (local mode, or a cluster when run
under ``spark-submit``). The pipeline is written once in Ibis; an engine only connects,
reads files and writes Parquet."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

import ibis
import ibis.expr.types as ir
import pandas as pd

from deo.config import deo_home
from deo.core import DeoError
from deo.i18n import _
from deo.registry import Registry


@dataclass(frozen=True)
class EngineOptions:
    """``memory``: DuckDB's memory limit ("4GB"; default half the machine's memory);
    ``cores``: threads (DuckDB) or local cores (Spark; default all); ``workdir``: where an
    engine spills (default ``$DEO_HOME/records``)."""

    memory: str | None = None
    cores: int | None = None
    workdir: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)


class Session(Protocol):
    """A connected engine: an Ibis backend plus the file operations Ibis leaves to each."""

    con: ibis.BaseBackend

    def cache(self, table: ir.Table) -> ir.Table: ...
    def lookup(self, frame: pd.DataFrame) -> ir.Table: ...
    def read_csv(self, paths: Sequence[Path]) -> ir.Table: ...
    def read_parquet(self, paths: Sequence[Path]) -> ir.Table: ...
    def write_parquet(self, table: ir.Table, path: Path) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Engine:
    name: str
    description: str
    connect: type  # a Session class taking EngineOptions


ENGINES: Registry[Engine] = Registry("engine", ("deo.measure.records.engines",))


def _half_memory() -> str:
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return f"{max(1, pages // 2 // 1024**3)}GB"


def _jvm_size(size: str) -> str:
    """"4GB" (DuckDB's spelling) as the JVM writes it ("4g")."""
    return size.strip().upper().removesuffix("B").removesuffix("I").lower()


def _parquet_files(paths: Sequence[Path]) -> list[str]:
    """Parquet files named, or found under named folders (partitioned datasets)."""
    files: list[str] = []
    for path in paths:
        if path.is_dir():
            found = sorted(str(p) for p in path.rglob("*.parquet"))
            if not found:
                raise DeoError(_("{path}: no .parquet file in this folder").format(path=path))
            files.extend(found)
        elif path.is_file():
            files.append(str(path))
        else:
            raise DeoError(_("{path}: no such file or folder").format(path=path))
    return files


class _Caching:
    """Cached (materialised) tables, released when the session closes."""

    con: ibis.BaseBackend

    def cache(self, table: ir.Table) -> ir.Table:
        cached = table.cache()
        self.__dict__.setdefault("_cached", []).append(cached)
        return cached

    def lookup(self, frame: pd.DataFrame) -> ir.Table:
        """A small pandas table registered with the engine (dates as dates)."""
        name = ibis.util.gen_name("deo_lookup")
        frame = frame.copy()
        for column in frame.columns:
            if frame[column].map(lambda v: isinstance(v, date)).any():
                frame[column] = pd.to_datetime(frame[column])
        schema = ibis.memtable(frame).schema()
        schema = ibis.schema({c: ("date" if t.is_timestamp() else t) for c, t in schema.items()})
        return self._register_frame(name, frame, schema)

    def _register_frame(self, name: str, frame: pd.DataFrame, schema) -> ir.Table:
        return self.con.create_table(name, frame, schema=schema, temp=True, overwrite=True)

    def release(self) -> None:
        for cached in reversed(self.__dict__.pop("_cached", [])):
            cached.release()


class DuckDBSession(_Caching):
    """DuckDB in memory, spilling to ``workdir`` beyond ``memory``."""

    def __init__(self, options: EngineOptions):
        workdir = options.workdir or deo_home() / "records"
        (workdir / "duckdb-tmp").mkdir(parents=True, exist_ok=True)
        config = {"memory_limit": options.memory or _half_memory(),
                  "temp_directory": str(workdir / "duckdb-tmp"),
                  "preserve_insertion_order": False}
        if options.cores:
            config["threads"] = options.cores
        self.con = ibis.duckdb.connect(**config, **options.extra)

    def read_csv(self, paths: Sequence[Path]) -> ir.Table:
        # Text in, typed by the contract: a reader that guesses types would turn a bad
        # value into a read error instead of a reject.
        table = self.con.read_csv([str(p) for p in paths], all_varchar=True, header=True,
                                  filename=True)
        return table.rename(_file="filename")

    def read_parquet(self, paths: Sequence[Path]) -> ir.Table:
        table = self.con.read_parquet(_parquet_files(paths), filename=True)
        return table.rename(_file="filename")

    def write_parquet(self, table: ir.Table, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.con.to_parquet(table, str(path))

    def close(self) -> None:
        self.release()
        self.con.disconnect()


class SparkSession_(_Caching):
    """PySpark: the active session (``spark-submit`` makes one for a cluster) or a local one."""

    def __init__(self, options: EngineOptions):
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:
            raise DeoError(_("the spark engine needs pyspark: pip install 'deo[spark]'")) from exc
        if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
            raise DeoError(_("the spark engine needs Java (a JRE 17 or newer) on the PATH"))
        active = SparkSession.getActiveSession()
        self._own = active is None
        if active is None:
            cores = options.cores or os.cpu_count() or 1
            builder = (
                SparkSession.builder.master(f"local[{cores}]").appName("deo-records")
                .config("spark.sql.shuffle.partitions", str(max(2, 2 * cores)))
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.memory", _jvm_size(options.memory or _half_memory()))
            )
            for key, value in options.extra.items():
                builder = builder.config(key, value)
            active = builder.getOrCreate()
            active.sparkContext.setLogLevel("ERROR")
        # Dates must not move with the machine's time zone, nor partition values be guessed.
        active.conf.set("spark.sql.session.timeZone", "UTC")
        active.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        self.spark = active
        self.con = ibis.pyspark.connect(active)

    def read_csv(self, paths: Sequence[Path]) -> ir.Table:
        frame = self.spark.read.csv([str(p) for p in paths], header=True, inferSchema=False)
        return self._register(frame)

    def read_parquet(self, paths: Sequence[Path]) -> ir.Table:
        _parquet_files(paths)  # the same errors as DuckDB for a missing or empty folder
        frame = self.spark.read.parquet(*(str(p) for p in paths))
        return self._register(frame)

    def _register(self, frame) -> ir.Table:
        from pyspark.sql.functions import input_file_name

        frame = frame.withColumn("_file", input_file_name())
        name = ibis.util.gen_name("deo_records")
        frame.createOrReplaceTempView(name)
        return self.con.table(name)

    def _register_frame(self, name: str, frame: pd.DataFrame, schema) -> ir.Table:
        # A session-scoped view: the PySpark backend has no temporary tables.
        self.con.create_view(name, ibis.memtable(frame, schema=schema))
        return self.con.table(name)

    def write_parquet(self, table: ir.Table, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.con.to_parquet(table, str(path), mode="overwrite")

    def close(self) -> None:
        self.release()
        if self._own:  # a session spark-submit or a test made is theirs to stop
            self.spark.stop()


ENGINES.register(Engine("duckdb", "DuckDB on this machine (default)", DuckDBSession))
ENGINES.register(Engine("spark", "Apache Spark: local mode, or a cluster via spark-submit",
                        SparkSession_))


def connect(name: str, options: EngineOptions | None = None) -> Session:
    """A session of the engine called ``name``."""
    return ENGINES.get(name).connect(options or EngineOptions())
