"""connectees' CV files, kept on the node

Revision ID: c3a1d9e7f207
Revises: 5e9d3b1a7c42
Create Date: 2026-12-04 14:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

from community_node.database import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'c3a1d9e7f207'
down_revision = '5e9d3b1a7c42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'connectee_cvs',
        sa.Column('connectee_id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('file_media_type', sa.String(length=100), nullable=False),
        sa.Column('file_size', sa.Integer(), nullable=False),
        sa.Column('file_sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_at', UTCDateTime(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['connectee_id'], ['connectees.id'],
            name=op.f('fk_connectee_cvs_connectee_id_connectees'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('connectee_id', name=op.f('pk_connectee_cvs')),
    )


def downgrade():
    op.drop_table('connectee_cvs')
