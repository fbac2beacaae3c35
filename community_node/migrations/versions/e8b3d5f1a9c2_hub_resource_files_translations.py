"""hub resources: files, translations, versions; pull the feed again to fill them

Revision ID: e8b3d5f1a9c2
Revises: d7e2f9a1b3c5
Create Date: 2026-12-03 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'e8b3d5f1a9c2'
down_revision = 'd7e2f9a1b3c5'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def upgrade():
    with op.batch_alter_table('hub_resources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translations', JSON, nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('file_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('file_media_type', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('file_size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('file_sha256', sa.String(length=64), nullable=True))
    # The copy holds none of the new fields yet: the next sync pulls the feed from the start.
    op.execute("UPDATE sync_state SET resource_cursor = 0, resource_etag = NULL")


def downgrade():
    with op.batch_alter_table('hub_resources', schema=None) as batch_op:
        batch_op.drop_column('file_sha256')
        batch_op.drop_column('file_size')
        batch_op.drop_column('file_media_type')
        batch_op.drop_column('file_name')
        batch_op.drop_column('version')
        batch_op.drop_column('translations')
