"""Tables of the store (SQLAlchemy 2 declarative models). Change them only with a migration."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Release(Base):
    """One load: a file, an API pull or a computed result, with what is needed to trust it."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    file_name: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(String(32))
    #: sha256 of the file or API answer as received (provenance: anyone can check it).
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    #: Hash of the observations themselves, to recognise a repeated load (migration 0002).
    data_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    licence: Mapped[str | None] = mapped_column(Text)
    row_count: Mapped[int] = mapped_column(Integer, nullable=False)
    inserted_count: Mapped[int] = mapped_column(Integer, nullable=False)
    revised_count: Mapped[int] = mapped_column(Integer, nullable=False)
    as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    note: Mapped[str | None] = mapped_column(Text)


class ObservationRow(Base):
    """(indicator, area, period, breakdown) -> value in one release."""

    __tablename__ = "observations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), nullable=False)
    indicator: Mapped[str] = mapped_column(String(64), nullable=False)
    area: Mapped[str] = mapped_column(String(16), nullable=False)
    period: Mapped[str] = mapped_column(String(16), nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    breakdown: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    value: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(1), nullable=False, default="A")
    se: Mapped[float | None] = mapped_column(Float)
    ci_lower: Mapped[float | None] = mapped_column(Float)
    ci_upper: Mapped[float | None] = mapped_column(Float)
    method: Mapped[str | None] = mapped_column(Text)
    #: Empty while this version is current (one current row per key, migration 0004).
    superseded_by: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ux_observations_current", "indicator", "area", "period", "breakdown",
              unique=True, sqlite_where=text("superseded_by IS NULL"),
              postgresql_where=text("superseded_by IS NULL")),
        Index("ix_observations_key", "indicator", "area", "period", "breakdown", "release_id"),
        Index("ix_observations_area", "area", "indicator"),
        Index("ix_observations_release", "release_id"),
    )
