"""profiles.updated_at index

Revision ID: 5d0c8e41b7a2
Revises: 0a12a71e096e
Create Date: 2026-11-25 20:15:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d0c8e41b7a2'
down_revision = '0a12a71e096e'
branch_labels = None
depends_on = None


def upgrade():
    # Each hub worker checks max(updated_at) to know whether its search matrix is stale:
    # without the index that read scanned the whole table (25-35 ms at 100,000 profiles).
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.create_index('ix_profiles_updated_at', ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.drop_index('ix_profiles_updated_at')
