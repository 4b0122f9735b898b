"""Statistics from administrative and transaction records (customs parcel declarations,
card payments, platform sales): contracts, standardisation, aggregation recipes and
disclosure control, written once in Ibis and run on DuckDB or Spark (docs/records.md)."""

from deo.measure.records.pipeline import (
    Accounting,
    CheckReport,
    RunReport,
    check_records,
    run_recipe,
)

__all__ = ["Accounting", "CheckReport", "RunReport", "check_records", "run_recipe"]
