"""profiles (community_id, updated_at) index

Revision ID: d5e8f1a2b3c4
Revises: 7c4f1e2a9d63
Create Date: 2026-12-05 04:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd5e8f1a2b3c4'
down_revision = '7c4f1e2a9d63'
branch_labels = None
depends_on = None


def upgrade():
    # Each hub worker reads, for a community that synced, its profiles stamped after the
    # newest it holds. Without this index that read walked every community's recent
    # changes (the updated_at index) or all of the community's rows (community_id, ref):
    # O(the network's changes), not O(the sync's).
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.create_index(
            'ix_profiles_community_updated', ['community_id', 'updated_at'], unique=False
        )


def downgrade():
    with op.batch_alter_table('profiles', schema=None) as batch_op:
        batch_op.drop_index('ix_profiles_community_updated')
