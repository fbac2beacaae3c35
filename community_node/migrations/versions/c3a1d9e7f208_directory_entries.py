"""directory entries: each listable connector's anonymization input, kept

A connector's change now recomputes that connector's directory profile alone; the others'
facts are read from this table. It starts empty and ``hub_connection.directory_cached``
false, so the next directory refresh after the upgrade is a full one, which fills it.

Revision ID: c3a1d9e7f208
Revises: c3a1d9e7f207
Create Date: 2026-12-04 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'c3a1d9e7f208'
down_revision = 'c3a1d9e7f207'
branch_labels = None
depends_on = None


def upgrade():
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')
    op.create_table(
        'sync_directory_entries',
        sa.Column('connector_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('occupation', sa.String(length=7), nullable=True),
        sa.Column('years_in_field', sa.Integer(), nullable=True),
        sa.Column('facts', json_type, nullable=False),
        sa.Column('paused_until', sa.Date(), nullable=True),
        sa.Column('published_occupation', sa.String(length=7), nullable=True),
        sa.Column('published_level', sa.String(length=20), nullable=True),
        sa.Column('published_band', sa.String(length=10), nullable=True),
        sa.PrimaryKeyConstraint('connector_id', name=op.f('pk_sync_directory_entries')),
    )
    with op.batch_alter_table('sync_directory_entries', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_sync_directory_entries_paused_until'), ['paused_until'], unique=False
        )
    with op.batch_alter_table('hub_connection', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('directory_cached', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('hub_connection', schema=None) as batch_op:
        batch_op.drop_column('directory_cached')
    with op.batch_alter_table('sync_directory_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_directory_entries_paused_until'))
    op.drop_table('sync_directory_entries')
