"""Resources: files, translations of title and summary, versions

Revision ID: a1c4e8f2b7d3
Revises: f3a8b2c6d914
Create Date: 2026-12-03 23:40:00.000000

"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import hub.database


# revision identifiers, used by Alembic.
revision = "a1c4e8f2b7d3"
down_revision = "f3a8b2c6d914"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "translations",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=False,
                server_default="[]",
            )
        )
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("file_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("file_media_type", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("file_size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("file_sha256", sa.String(length=64), nullable=True))
    op.create_table(
        "resource_files",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["resources.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("resource_id"),
    )
    op.create_table(
        "resource_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.String(length=10), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("at", hub.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["resources.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("resource_versions", schema=None) as batch_op:
        batch_op.create_index("ix_resource_versions_resource_id", ["resource_id"], unique=False)
    # Every resource published so far is its own first version.
    op.execute(
        "INSERT INTO resource_versions (resource_id, version, title, content, actor, at)"
        " SELECT id, 1, title, CASE WHEN url IS NULL THEN 'body' ELSE 'link' END,"
        " 'migration', published_at FROM resources WHERE deleted = false"
    )


def downgrade():
    with op.batch_alter_table("resource_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_resource_versions_resource_id")
    op.drop_table("resource_versions")
    op.drop_table("resource_files")
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.drop_column("file_sha256")
        batch_op.drop_column("file_size")
        batch_op.drop_column("file_media_type")
        batch_op.drop_column("file_name")
        batch_op.drop_column("version")
        batch_op.drop_column("translations")
