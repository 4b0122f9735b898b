"""The database itself keeps one current row per observation key.

A partial unique index on (indicator, area, period, breakdown) where ``superseded_by``
is null: a write that would leave two current values of one key fails instead of
corrupting the store. Keys that already have several current rows (stores written by
concurrent loads before writers were serialised) are repaired first, as if the loads had
run one after the other: the row of the latest release stays current, the others are
marked superseded by that release.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

KEY = ("indicator", "area", "period", "breakdown")


def _repair() -> sa.Update:
    """Each key's older current rows marked superseded by the newest one's release."""
    obs = sa.table("observations", *(sa.column(c) for c in
                                     ("id", "release_id", "superseded_by", *KEY)))
    o = obs.alias("o")
    same_key = sa.and_(*(o.c[k] == obs.c[k] for k in KEY), o.c.superseded_by.is_(None))
    newest = sa.select(sa.func.max(o.c.release_id)).where(same_key).scalar_subquery()
    newer = sa.exists().where(same_key, sa.or_(
        o.c.release_id > obs.c.release_id,
        sa.and_(o.c.release_id == obs.c.release_id, o.c.id > obs.c.id)))
    return sa.update(obs).where(obs.c.superseded_by.is_(None), newer).values(
        superseded_by=newest)


def upgrade() -> None:
    op.execute(_repair())
    current = sa.text("superseded_by IS NULL")
    op.create_index("ux_observations_current", "observations", list(KEY), unique=True,
                    sqlite_where=current, postgresql_where=current)


def downgrade() -> None:
    op.drop_index("ux_observations_current", table_name="observations")
