"""communities.profiles_version

Revision ID: 9b3e6f2c1d47
Revises: 5d0c8e41b7a2
Create Date: 2026-11-25 22:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b3e6f2c1d47'
down_revision = '5d0c8e41b7a2'
branch_labels = None
depends_on = None


def upgrade():
    # A change counter per community, bumped by every transaction that writes its
    # profiles: the directory's freshness check reads it, since the newest updated_at
    # misses a sync that commits after a later-stamped one.
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('profiles_version', sa.Integer(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('profiles_version')
