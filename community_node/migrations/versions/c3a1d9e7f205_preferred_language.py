"""each connectee's and connector's preferred language for pages and messages

Revision ID: c3a1d9e7f205
Revises: f2c4a6e8b0d1
Create Date: 2026-12-04 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c3a1d9e7f205'
down_revision = 'f2c4a6e8b0d1'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('connectees', 'connectors'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('preferred_language', sa.String(length=8), nullable=True))


def downgrade():
    for table in ('connectees', 'connectors'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('preferred_language')
