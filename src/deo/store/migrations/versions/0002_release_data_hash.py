"""Releases record a hash of the observations they hold, to recognise repeated loads.

``content_hash`` stays the sha256 of the file as received, so anyone can check it (for
an API pull, the connector's hash of the records fetched); ``data_hash`` identifies the
observations, whatever the format or options they were read with.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("releases") as batch:
        batch.add_column(sa.Column("data_hash", sa.String(64)))
        batch.create_index("ix_releases_data_hash", ["data_hash"])


def downgrade() -> None:
    with op.batch_alter_table("releases") as batch:
        batch.drop_index("ix_releases_data_hash")
        batch.drop_column("data_hash")
