"""meetings keep the coordinator's notes

Revision ID: c3a1d9e7f206
Revises: f2c4a6e8b0d1
Create Date: 2026-12-04 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c3a1d9e7f206'
down_revision = 'f2c4a6e8b0d1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notes', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('notes')
