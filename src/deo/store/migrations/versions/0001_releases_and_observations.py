"""Releases and observations.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text()),
        sa.Column("format", sa.String(32)),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("licence", sa.Text()),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("inserted_count", sa.Integer(), nullable=False),
        sa.Column("revised_count", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True)),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text()),
    )
    op.create_index("ix_releases_content_hash", "releases", ["content_hash"])
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("release_id", sa.Integer(), sa.ForeignKey("releases.id"), nullable=False),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("area", sa.String(16), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("breakdown", sa.String(255), nullable=False),
        sa.Column("value", sa.Float()),
        sa.Column("status", sa.String(1), nullable=False),
        sa.Column("se", sa.Float()),
        sa.Column("ci_lower", sa.Float()),
        sa.Column("ci_upper", sa.Float()),
        sa.Column("method", sa.Text()),
        sa.Column("superseded_by", sa.Integer()),
    )
    op.create_index(
        "ix_observations_key",
        "observations",
        ["indicator", "area", "period", "breakdown", "release_id"],
    )
    op.create_index("ix_observations_area", "observations", ["area", "indicator"])
    op.create_index("ix_observations_release", "observations", ["release_id"])


def downgrade() -> None:
    op.drop_table("observations")
    op.drop_table("releases")
