"""Sign-in throttling counted atomically per account, client address and their pair
(``track_sign_in_counts`` replaces ``track_login_failures``), and the idle timeout of a
session (``track_sessions.last_seen_at``).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "track_sign_in_counts",
        sa.Column("subject", sa.String(400), primary_key=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
    )
    op.drop_table("track_login_failures")
    with op.batch_alter_table("track_sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("track_sessions") as batch:
        batch.drop_column("last_seen_at")
    op.create_table(
        "track_login_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, index=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.drop_table("track_sign_in_counts")
