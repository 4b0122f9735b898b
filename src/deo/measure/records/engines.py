"""Engines the records pipeline runs on, by name: ``duckdb`` (the default: one machine, files
under the data directory, bounded memory) and ``spark`` (local mode, or a cluster when run
under ``spark-submit``). The pipeline is written once in Ibis; an engine only connects,
reads files and writes Parquet."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from deo.config import deo_home
from deo.core import DeoError
from deo.i18n import _
from deo.measure.records import csv_files
from deo.registry import Registry
from deo.sources.formats import parquet


@dataclass(frozen=True)
class EngineOptions:
    """``memory``: DuckDB's memory limit ("4GB"; default half the machine's memory);
    ``cores``: threads (DuckDB) or local cores (Spark; default all); ``workdir``: where an
    engine spills (default ``$DEO_HOME/records``)."""

    memory: str | None = None
    cores: int | None = None
    workdir: Path | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.memory is not None:
            memory_bytes(self.memory)  # a size neither engine can read is refused here
        if self.cores is not None and self.cores < 1:
            raise DeoError(_("--cores must be at least 1"))


class Session(Protocol):
    """A connected engine: an Ibis backend plus the file operations Ibis leaves to each."""

    con: ibis.BaseBackend

    def cache(self, table: ir.Table) -> ir.Table: ...
    def release_reads(self) -> None: ...
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


#: Units of a memory size, in bytes, as DuckDB reads them (KB = 1000 bytes, KiB = 1024).
SIZE_UNITS = {"B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
              "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3, "TIB": 1024**4}
SIZE_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$")
#: The least memory an engine is given (bytes): below it neither engine starts.
MIN_MEMORY = 64 * 1024**2


def memory_bytes(size: str) -> int:
    """A memory size such as "4GB", "512MB" or "1.5GiB" in bytes; anything else is refused
    with the form expected."""
    match = SIZE_PATTERN.match(size)
    unit = match and SIZE_UNITS.get(match.group(2).upper())
    if not match or not unit:
        raise DeoError(_("--memory {value!r}: expected a size with its unit, such as 4GB, "
                         "512MB or 1.5GiB").format(value=size))
    value = int(float(match.group(1)) * unit)
    if value < MIN_MEMORY:
        raise DeoError(_("--memory {value}: too little for an engine; give at least 64MiB")
                       .format(value=size))
    return value


def _jvm_size(size: str) -> str:
    """A size in DuckDB's spelling ("4GB") as the JVM reads it (whole MiB: "3814m")."""
    return f"{memory_bytes(size) // 1024**2}m"


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
    for file in files:
        _check_parquet_file(Path(file))
    return files


def _check_parquet_file(path: Path) -> None:
    """Refuse a file that is not Parquet, or whose footer is damaged, before an engine
    reads it (Spark would answer with a Java stack trace)."""
    with path.open("rb") as fh:
        head = fh.read(4)
        size = fh.seek(0, os.SEEK_END)
        fh.seek(max(0, size - 4))
        tail = fh.read(4)
    # A Parquet file begins and ends with the same four bytes.
    if size < 12 or not parquet.sniff(head) or not parquet.sniff(tail):
        raise DeoError(_("{path}: not a Parquet file (a Parquet file begins and ends with the "
                         "bytes PAR1; this one is empty, cut short or in another format); "
                         "if it is CSV, name it .csv or give --format csv").format(path=path))
    try:  # the footer (schema, row groups): a few kilobytes
        names = pq.read_metadata(path).schema.names
    except (OSError, pa.ArrowException) as exc:
        raise DeoError(_("{path}: a damaged Parquet file: its footer cannot be read ({error})")
                       .format(path=path, error=csv_files.first_line(str(exc)))) from None
    csv_files.refuse_reserved(path, names)


def _unreadable_parquet(files: Sequence[str], message: str) -> DeoError:
    """An engine's error reading Parquet files as a user's error naming them."""
    return DeoError(_("{path}: cannot be read as Parquet ({error})")
                    .format(path=", ".join(files), error=csv_files.first_line(message)))


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

    def _cache_read(self, table: ir.Table) -> ir.Table:
        """``table`` cached until :meth:`release_reads` (a reader's copy of a file)."""
        cached = self.cache(table)
        self.__dict__.setdefault("_reads", []).append(cached)
        return cached

    def release_reads(self) -> None:
        """Drop the copies readers made of files, once what was read from them is cached."""
        for cached in self.__dict__.pop("_reads", []):
            self._cached.remove(cached)
            cached.release()

    def release(self) -> None:
        self.__dict__.pop("_reads", None)
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
        """Each file numbered on its own (``_row``: the header is line 1), then stacked."""
        import duckdb

        tables = []
        for path in paths:
            # Text in, typed by the contract: a reader that guesses types would turn a bad
            # value into a read error instead of a reject. The columns and the dialect are
            # given, not sniffed: the sniffer, meeting a line with a field too many, takes
            # the whole line for one column instead of refusing the file.
            header = csv_files.read_header(path)
            raw = self.con.read_csv(
                str(path), columns={name: "VARCHAR" for name in header}, header=True,
                auto_detect=False, delim=csv_files.DELIMITER, quote=csv_files.QUOTE,
                escape=csv_files.ESCAPE, strict_mode=True, filename="_file")
            numbered = raw.mutate(
                _row=(ibis.row_number().over() + 2).cast("int64"))
            # DuckDB's CSV reader has no row number, and row_number() OVER () numbers rows as
            # they arrive. It is sound here: a window with an empty OVER is DuckDB's streaming
            # window, whose order is fixed (FIXED_ORDER), so DuckDB runs the scan in one
            # thread, in file order, whatever preserve_insertion_order says. Kept to the scan
            # and the numbering (a copy, dropped once the checked records are cached), so
            # that the contract checks still run on all cores.
            try:
                tables.append(self._cache_read(numbered))
            except duckdb.Error as exc:  # not UTF-8, a line with too many or few fields
                raise csv_files.describe_fault(path, str(exc)) from None
        return _stack(tables, paths)

    def read_parquet(self, paths: Sequence[Path]) -> ir.Table:
        import duckdb

        files = _parquet_files(paths)
        try:
            # file_row_number (0-based) comes from the reader's own row-group bookkeeping.
            table = self.con.read_parquet(files, filename="_file", file_row_number=True)
        except duckdb.Error as exc:
            raise _unreadable_parquet(files, str(exc)) from None
        return table.mutate(_row=table.file_row_number + 1).drop("file_row_number")

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
        if active is not None and (options.memory or options.cores or options.extra):
            # The running session's memory, cores and settings are fixed: they would be
            # ignored.
            raise DeoError(_("--memory, --cores and engine settings do not apply to a Spark "
                             "session that is already running (spark-submit): give "
                             "spark-submit --driver-memory, --executor-memory, "
                             "--executor-cores and --conf"))
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
        # CSV line numbers need a file split the same way on every read of it (see
        # _number_csv_lines); the splits follow the cores at hand unless this is fixed, and
        # on a cluster executors may come and go between two reads.
        if active.conf.get("spark.sql.files.minPartitionNum", None) is None:
            active.conf.set("spark.sql.files.minPartitionNum",
                            str(active.sparkContext.defaultParallelism))
        self.spark = active
        self.con = ibis.pyspark.connect(active)

    def read_csv(self, paths: Sequence[Path]) -> ir.Table:
        """Each file read on its own, with the columns of its own header (Spark would apply
        the first file's header to every file, by position), then stacked."""
        from pyspark.sql import functions as F
        from pyspark.sql.types import StringType, StructField, StructType

        tables = []
        for path in paths:
            header = csv_files.read_header(path)
            # A line with too many or too few fields lands in MALFORMED (Spark would drop
            # the extra fields, or pad with nulls, and say nothing).
            schema = StructType([StructField(n, StringType()) for n in header]
                                + [StructField(MALFORMED, StringType())])
            frame = self.spark.read.csv(
                str(path), schema=schema, header=True, enforceSchema=True, mode="PERMISSIVE",
                columnNameOfCorruptRecord=MALFORMED, sep=csv_files.DELIMITER,
                quote=csv_files.QUOTE, escape=csv_files.ESCAPE, encoding="UTF-8")
            frame = frame.select("*", F.input_file_name().alias("_file"))
            tables.append(self._register(_number_csv_lines(self.spark, frame, path, header)))
        return _stack(tables, paths)

    def read_parquet(self, paths: Sequence[Path]) -> ir.Table:
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException
        from pyspark.sql import functions as F

        files = _parquet_files(paths)  # the same errors as DuckDB's for a bad file
        try:
            frame = self.spark.read.parquet(*(str(p) for p in paths))
        except (PySparkException, Py4JJavaError) as exc:
            raise _unreadable_parquet(files, str(exc)) from None
        # _metadata.row_index: the record's 0-based position in its file, from the reader.
        return self._register(frame.select(
            "*", F.input_file_name().alias("_file"),
            (F.col("_metadata.row_index") + 1).alias("_row")))

    def _register(self, frame) -> ir.Table:
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


def _stack(tables: list[ir.Table], paths: Sequence[Path]) -> ir.Table:
    """The records of every file as one table; the files must have the same columns (in
    any order)."""
    first = tables[0]
    for table, path in zip(tables[1:], paths[1:], strict=True):
        if set(table.columns) != set(first.columns):
            raise DeoError(_("{path}: its columns ({found}) differ from those of {first} "
                             "({expected}); check files with different columns apart")
                           .format(path=path, found=", ".join(table.columns[:-2]),
                                   first=paths[0], expected=", ".join(first.columns[:-2])))
    return ibis.union(first, *(t.select(*first.columns) for t in tables[1:]))


MALFORMED = csv_files.MALFORMED
#: What Spark's UTF-8 decoder puts in place of a byte that is not UTF-8, silently.
REPLACEMENT = "\ufffd"


def _number_csv_lines(spark, frame, path: Path, header: list[str]):
    """``frame`` (a Spark CSV read of ``path`` with ``_file`` and :data:`MALFORMED`) with
    ``_row``, the line of each record in its file (the header is line 1), as DuckDB numbers
    them; a file with a line whose fields do not match the header, or that is not UTF-8, is
    refused as DuckDB refuses it.

    Spark's CSV reader has no row index. Each split of a file (``_metadata.file_block_start``)
    is read in order by one task, and monotonically_increasing_id() counts the records a task
    reads; so one small aggregation (records and first id per split) gives on the driver,
    split after split, the line of each split's first record, and a broadcast join numbers
    every record: RDD.zipWithIndex, without taking rows through Python. The ids are the same
    in both passes: the same files read the same way (the session fixes the split size) give
    the same splits and tasks."""
    from pyspark.sql import functions as F

    frame = frame.select("*", F.col("_metadata.file_block_start").alias("_split"),
                         F.monotonically_increasing_id().alias("_id"))
    # The same pass counts malformed lines and values holding U+FFFD, which may be a byte
    # that was not UTF-8 (Spark's reader replaces those without a word). Every column is
    # read: Spark parses only the columns a query needs, and finds no fault in the others.
    replaced = F.concat_ws("", *(_spark_column(name) for name in header)).contains(REPLACEMENT)
    splits = (frame.groupBy("_file", "_split")
              .agg(F.count(F.lit(1)).alias("n"), F.min("_id").alias("first"),
                   F.count(MALFORMED).alias("malformed"),
                   F.count(F.when(replaced, 1)).alias("replaced")).collect())
    if any(split["malformed"] for split in splits):
        raise csv_files.wrong_field_count(path, line_breaks=True) or csv_files.describe_fault(
            path, "a line whose fields do not match the header")
    if any(split["replaced"] for split in splits):
        bad = csv_files.first_bad_byte(path)
        if bad is not None:  # else U+FFFD is in the file itself, as UTF-8: a character
            raise csv_files.not_utf8(path, bad)
    offsets, seen = [], {}
    for split in sorted(splits, key=lambda s: (s["_file"], s["_split"])):
        before = seen.get(split["_file"], 0)
        offsets.append((split["_file"], split["_split"], before + 2 - split["first"]))
        seen[split["_file"]] = before + split["n"]
    shifts = spark.createDataFrame(offsets, "_file string, _split long, _shift long")
    # A left join: a record is never lost, even were a split missing from the counts.
    numbered = frame.join(F.broadcast(shifts), ["_file", "_split"], "left")
    columns = [c for c in frame.columns if c not in ("_file", "_split", "_id", MALFORMED)]
    return numbered.select(*(_spark_column(c) for c in columns), "_file",
                           (F.col("_id") + F.col("_shift")).alias("_row"))


def _spark_column(name: str):
    """The column called ``name``, whatever it holds (a dot would otherwise name a field
    of a struct, a backtick end a quoted name)."""
    from pyspark.sql import functions as F

    return F.col("`{}`".format(name.replace("`", "``")))


ENGINES.register(Engine("duckdb", "DuckDB on this machine (default)", DuckDBSession))
ENGINES.register(Engine("spark", "Apache Spark: local mode, or a cluster via spark-submit",
                        SparkSession_))


def connect(name: str, options: EngineOptions | None = None) -> Session:
    """A session of the engine called ``name``."""
    return ENGINES.get(name).connect(options or EngineOptions())
