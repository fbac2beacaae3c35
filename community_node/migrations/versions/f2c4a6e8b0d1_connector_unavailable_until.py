"""a connector can pause until a date: unavailable_until

Revision ID: f2c4a6e8b0d1
Revises: e8b3d5f1a9c2
Create Date: 2026-12-04 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f2c4a6e8b0d1'
down_revision = 'e8b3d5f1a9c2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('connectors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unavailable_until', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('connectors', schema=None) as batch_op:
        batch_op.drop_column('unavailable_until')
