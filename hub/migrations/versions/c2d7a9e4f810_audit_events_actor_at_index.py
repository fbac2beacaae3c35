"""audit_events (actor, at) index

Revision ID: c2d7a9e4f810
Revises: 9b3e6f2c1d47
Create Date: 2026-11-25 23:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c2d7a9e4f810'
down_revision = '9b3e6f2c1d47'
branch_labels = None
depends_on = None


def upgrade():
    # The staff UI reads each community's newest event (its last sync) on every dashboard
    # view; without the index that read scans the whole, ever-growing log.
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_actor_at', ['actor', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_actor_at')
