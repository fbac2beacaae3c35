"""what the hub last saw of each node: its version and how far its clock is off

Revision ID: b7d2e5f8a3c1
Revises: a1c4e8f2b7d3
Create Date: 2026-12-04 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import hub.database

# revision identifiers, used by Alembic.
revision = 'b7d2e5f8a3c1'
down_revision = 'a1c4e8f2b7d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('node_version', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('clock_skew_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('node_seen_at', hub.database.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('node_seen_at')
        batch_op.drop_column('clock_skew_seconds')
        batch_op.drop_column('node_version')
