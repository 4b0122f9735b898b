"""Tables of the strategy and reform tracker (migration 0003). Change them only with a
migration; ``tests/track/test_schema.py`` checks that the migrations build these tables.

A strategy (national, or a regional body's across its member states) has policy areas,
objectives and measures; a measure has a lead agency, supporting agencies and partners,
milestones, indicator targets and status updates. Updates count once validated. Every
write leaves a row in ``track_audit``, which the database refuses to change or delete.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from deo.store.schema import Base


class Organisation(Base):
    """A ministry, an agency, a development partner or a regional body."""

    __tablename__ = "track_organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    #: ministry, agency, partner, regional-body, private-sector, other
    kind: Mapped[str] = mapped_column(String(32), nullable=False, default="agency")
    #: The economy (ISO alpha-3) or group it belongs to, if any.
    area: Mapped[str | None] = mapped_column(String(16))


class User(Base):
    """A person who signs in; ``role`` is administrator, coordinator, focal_point, partner."""

    __tablename__ = "track_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(Text, nullable=False)
    #: argon2id hash (never the password).
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("track_organisations.id"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class Session(Base):
    """A signed-in browser or client; only the sha256 of its token is kept."""

    __tablename__ = "track_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("track_users.id"), nullable=False)
    csrf_token: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    #: The session's last request (for the idle timeout; migration 0005).
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignInCount(Base):
    """Sign-in attempts counted per subject (an account, a client address, or the pair)
    in a fixed window, for throttling (migration 0005). One row per subject, raised by a
    single atomic statement, so parallel guesses cannot all pass the check; kept in the
    database so that every instance of a load-balanced portal counts the same."""

    __tablename__ = "track_sign_in_counts"

    subject: Mapped[str] = mapped_column(String(400), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)


class Strategy(Base):
    """An e-commerce strategy and action plan, or an assessment's action matrix."""

    __tablename__ = "track_strategies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    #: strategy or assessment
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="strategy")
    title: Mapped[str] = mapped_column(Text, nullable=False)
    #: An economy (ISO alpha-3) or a regional body's group code (ECOWAS, EAC...).
    area: Mapped[str] = mapped_column(String(16), nullable=False)
    start_year: Mapped[int] = mapped_column(Integer, nullable=False)
    end_year: Mapped[int] = mapped_column(Integer, nullable=False)
    vision: Mapped[str] = mapped_column(Text, nullable=False, default="")
    goals: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: draft, adopted, implementing, completed
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    illustrative: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    lead_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("track_organisations.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class PolicyArea(Base):
    """A policy area of a strategy (by default UNCTAD's seven eTrade Readiness areas)."""

    __tablename__ = "track_policy_areas"
    __table_args__ = (UniqueConstraint("strategy_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("track_strategies.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    #: Names by language: {"en": ..., "fr": ...}
    name: Mapped[dict] = mapped_column(JSON, nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Objective(Base):
    """A pillar's objective within a strategy."""

    __tablename__ = "track_objectives"
    __table_args__ = (UniqueConstraint("strategy_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("track_strategies.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    pillar: Mapped[str] = mapped_column(Text, nullable=False, default="")
    title: Mapped[str] = mapped_column(Text, nullable=False)


class Measure(Base):
    """One measure of the action plan. ``version`` grows with every edit (optimistic
    concurrency: an edit names the version it was made from)."""

    __tablename__ = "track_measures"
    __table_args__ = (UniqueConstraint("strategy_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("track_strategies.id"), nullable=False)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    policy_area_id: Mapped[int] = mapped_column(ForeignKey("track_policy_areas.id"),
                                                nullable=False)
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("track_objectives.id"))
    #: high, medium, low
    priority: Mapped[str] = mapped_column(String(8), nullable=False, default="medium")
    lead_organisation_id: Mapped[int] = mapped_column(ForeignKey("track_organisations.id"),
                                                      nullable=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    budget: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    #: The assessment recommendation the measure answers.
    recommendation: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: For a regional strategy: the member state that implements it (None: regional).
    member_area: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class MeasureOrganisation(Base):
    """A supporting agency or a partner of a measure, with the support it asked for."""

    __tablename__ = "track_measure_organisations"
    __table_args__ = (UniqueConstraint("measure_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("track_measures.id"), nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("track_organisations.id"),
                                                 nullable=False)
    #: supporting or partner
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    support_requested: Mapped[str] = mapped_column(Text, nullable=False, default="")
    support_secured: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Milestone(Base):
    __tablename__ = "track_milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("track_measures.id"), nullable=False)
    title: Mapped[str] = mapped_column(Text, nullable=False)
    due_date: Mapped[date | None] = mapped_column(Date)
    done_date: Mapped[date | None] = mapped_column(Date)


class StatusUpdate(Base):
    """A focal point's report on a measure; it counts once a coordinator validates it."""

    __tablename__ = "track_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("track_measures.id"), nullable=False,
                                            index=True)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    percent: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    narrative: Mapped[str] = mapped_column(Text, nullable=False, default="")
    links: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    author_id: Mapped[int] = mapped_column(ForeignKey("track_users.id"), nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    #: submitted, validated, returned
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="submitted")
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("track_users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    review_comment: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Evidence(Base):
    """A file attached to a status update (size-limited at upload)."""

    __tablename__ = "track_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("track_updates.id"), nullable=False)
    file_name: Mapped[str] = mapped_column(Text, nullable=False)
    media_type: Mapped[str] = mapped_column(String(128), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)


class Comment(Base):
    __tablename__ = "track_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("track_measures.id"), nullable=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("track_users.id"), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)


class Target(Base):
    """An indicator target of a strategy (or of one measure); the actual comes from the
    store's observations of ``indicator`` for ``area``."""

    __tablename__ = "track_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("track_strategies.id"), nullable=False)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("track_measures.id"))
    indicator: Mapped[str] = mapped_column(String(64), nullable=False)
    area: Mapped[str] = mapped_column(String(16), nullable=False)
    baseline_value: Mapped[float] = mapped_column(Float, nullable=False)
    baseline_year: Mapped[int] = mapped_column(Integer, nullable=False)
    target_value: Mapped[float] = mapped_column(Float, nullable=False)
    target_year: Mapped[int] = mapped_column(Integer, nullable=False)


class AuditRecord(Base):
    """One change: who, when, what, and the record before and after. Append-only."""

    __tablename__ = "track_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    entity: Mapped[str] = mapped_column(String(32), nullable=False)
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
