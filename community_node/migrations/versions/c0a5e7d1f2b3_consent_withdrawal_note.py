"""keep the note a coordinator gives when withdrawing a consent

Revision ID: c0a5e7d1f2b3
Revises: 8c87f8158519
Create Date: 2026-12-03 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c0a5e7d1f2b3'
down_revision = '8c87f8158519'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawal_note', sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_column('withdrawal_note')
