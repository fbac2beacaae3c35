"""communities.last_sync_at, backfilled from the audit log

Revision ID: e4b1c7d9a2f6
Revises: c2d7a9e4f810
Create Date: 2026-12-03 07:50:00.000000

"""
from alembic import op
import sqlalchemy as sa

import hub.database


# revision identifiers, used by Alembic.
revision = 'e4b1c7d9a2f6'
down_revision = 'c2d7a9e4f810'
branch_labels = None
depends_on = None

# The audit actions of a node's sync pushes: the services that receive them now stamp
# the column in the same transaction.
SYNC_ACTIONS = ("profiles.batch", "profiles.snapshot", "outcomes.replace", "demand.replace")


def upgrade():
    # The staff pages read a community's last sync from this column, not by scanning the
    # audit log for its newest event.
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('last_sync_at', hub.database.UTCDateTime(timezone=True), nullable=True)
        )
    # The actor of a community's API calls is 'community:<slug>' (hub.security).
    actions = ", ".join(f"'{action}'" for action in SYNC_ACTIONS)
    op.execute(
        "UPDATE communities SET last_sync_at = ("
        " SELECT max(audit_events.at) FROM audit_events"
        " WHERE audit_events.actor = 'community:' || communities.slug"
        f" AND audit_events.action IN ({actions}))"
    )


def downgrade():
    with op.batch_alter_table('communities', schema=None) as batch_op:
        batch_op.drop_column('last_sync_at')
