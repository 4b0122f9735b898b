"""The strategy and reform tracker's tables (deo.track.schema), and an append-only audit
trail: the database itself refuses to update or delete an audit record.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True)


def _fk(name: str, table: str, nullable: bool = False, index: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer, sa.ForeignKey(f"{table}.id"), nullable=nullable,
                     index=index)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text, nullable=False)


def upgrade() -> None:
    op.create_table(
        "track_organisations", _id(),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        _text("name"), sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("area", sa.String(16)),
    )
    op.create_table(
        "track_users", _id(),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        _text("name"), _text("password_hash"), sa.Column("role", sa.String(16), nullable=False),
        _fk("organisation_id", "track_organisations", nullable=True),
        sa.Column("active", sa.Boolean, nullable=False), _when("created_at"),
    )
    op.create_table(
        "track_sessions", _id(),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        _fk("user_id", "track_users"), sa.Column("csrf_token", sa.String(64), nullable=False),
        _when("created_at"), _when("expires_at"),
    )
    op.create_table(
        "track_login_failures", _id(),
        sa.Column("email", sa.String(254), nullable=False, index=True),
        sa.Column("address", sa.String(64), nullable=False), _when("at"),
    )
    op.create_table(
        "track_strategies", _id(),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False), _text("title"),
        sa.Column("area", sa.String(16), nullable=False),
        sa.Column("start_year", sa.Integer, nullable=False),
        sa.Column("end_year", sa.Integer, nullable=False),
        _text("vision"), _text("goals"), sa.Column("status", sa.String(16), nullable=False),
        sa.Column("published", sa.Boolean, nullable=False),
        sa.Column("illustrative", sa.Boolean, nullable=False),
        _fk("lead_organisation_id", "track_organisations", nullable=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "track_policy_areas", _id(), _fk("strategy_id", "track_strategies"),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.JSON, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.UniqueConstraint("strategy_id", "code"),
    )
    op.create_table(
        "track_objectives", _id(), _fk("strategy_id", "track_strategies"),
        sa.Column("code", sa.String(32), nullable=False), _text("pillar"), _text("title"),
        sa.UniqueConstraint("strategy_id", "code"),
    )
    op.create_table(
        "track_measures", _id(), _fk("strategy_id", "track_strategies"),
        sa.Column("code", sa.String(32), nullable=False), _text("title"), _text("description"),
        _fk("policy_area_id", "track_policy_areas"),
        _fk("objective_id", "track_objectives", nullable=True),
        sa.Column("priority", sa.String(8), nullable=False),
        _fk("lead_organisation_id", "track_organisations"),
        sa.Column("start_date", sa.Date), sa.Column("due_date", sa.Date),
        sa.Column("budget", sa.Float), sa.Column("currency", sa.String(3)),
        _text("recommendation"), sa.Column("member_area", sa.String(16)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.UniqueConstraint("strategy_id", "code"),
    )
    op.create_table(
        "track_measure_organisations", _id(), _fk("measure_id", "track_measures"),
        _fk("organisation_id", "track_organisations"),
        sa.Column("role", sa.String(16), nullable=False),
        _text("support_requested"), _text("support_secured"),
        sa.UniqueConstraint("measure_id", "organisation_id", "role"),
    )
    op.create_table(
        "track_milestones", _id(), _fk("measure_id", "track_measures"), _text("title"),
        sa.Column("due_date", sa.Date), sa.Column("done_date", sa.Date),
    )
    op.create_table(
        "track_updates", _id(), _fk("measure_id", "track_measures", index=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("percent", sa.Float, nullable=False), _text("narrative"),
        sa.Column("links", sa.JSON, nullable=False), _fk("author_id", "track_users"),
        _when("submitted_at"), sa.Column("state", sa.String(16), nullable=False),
        _fk("reviewer_id", "track_users", nullable=True), _when("reviewed_at", nullable=True),
        _text("review_comment"),
    )
    op.create_table(
        "track_evidence", _id(), _fk("update_id", "track_updates"), _text("file_name"),
        sa.Column("media_type", sa.String(128), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "track_comments", _id(), _fk("measure_id", "track_measures"),
        _fk("author_id", "track_users"), _when("at"), _text("text"),
    )
    op.create_table(
        "track_targets", _id(), _fk("strategy_id", "track_strategies"),
        _fk("measure_id", "track_measures", nullable=True),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("area", sa.String(16), nullable=False),
        sa.Column("baseline_value", sa.Float, nullable=False),
        sa.Column("baseline_year", sa.Integer, nullable=False),
        sa.Column("target_value", sa.Float, nullable=False),
        sa.Column("target_year", sa.Integer, nullable=False),
    )
    op.create_table(
        "track_audit", _id(), _when("at"), sa.Column("actor_id", sa.Integer), _text("actor"),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.Integer), sa.Column("before", sa.JSON),
        sa.Column("after", sa.JSON),
    )
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)


#: DDL that makes the database refuse UPDATE and DELETE on the audit trail.
APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER track_audit_no_update BEFORE UPDATE ON track_audit "
        "BEGIN SELECT RAISE(ABORT, 'track_audit is append-only'); END",
        "CREATE TRIGGER track_audit_no_delete BEFORE DELETE ON track_audit "
        "BEGIN SELECT RAISE(ABORT, 'track_audit is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION track_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'track_audit is append-only'; END $$",
        "CREATE TRIGGER track_audit_append_only BEFORE UPDATE OR DELETE ON track_audit "
        "FOR EACH ROW EXECUTE FUNCTION track_audit_append_only()",
    ],
}


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS track_audit_append_only ON track_audit")
        op.execute("DROP FUNCTION IF EXISTS track_audit_append_only()")
    for table in ("track_audit", "track_targets", "track_comments", "track_evidence",
                  "track_updates", "track_milestones", "track_measure_organisations",
                  "track_measures", "track_objectives", "track_policy_areas",
                  "track_strategies", "track_login_failures", "track_sessions", "track_users",
                  "track_organisations"):
        op.drop_table(table)
