"""introductions: erasure at either side's request, retention, cards_exchanged_at

Revision ID: f3a8b2c6d914
Revises: e4b1c7d9a2f6
Create Date: 2026-12-03 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import shared.db


# revision identifiers, used by Alembic.
revision = 'f3a8b2c6d914'
down_revision = 'e4b1c7d9a2f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('introductions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('cards_exchanged_at', shared.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column('erased_at', shared.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column('erased_by', sa.String(length=10), nullable=True))
        batch_op.add_column(
            sa.Column('purged_at', shared.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column('consent_ref', existing_type=sa.String(length=64), nullable=True)
    # Retention of an accepted introduction runs from the second card: for rows that
    # already hold both, the last change was that card (nothing changes one afterwards).
    op.execute(
        "UPDATE introductions SET cards_exchanged_at = updated_at"
        " WHERE card_from IS NOT NULL AND card_to IS NOT NULL"
    )


def downgrade():
    # An erased or purged row has no consent ref; the old schema wants one.
    op.execute("UPDATE introductions SET consent_ref = '' WHERE consent_ref IS NULL")
    with op.batch_alter_table('introductions', schema=None) as batch_op:
        batch_op.alter_column('consent_ref', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column('purged_at')
        batch_op.drop_column('erased_by')
        batch_op.drop_column('erased_at')
        batch_op.drop_column('cards_exchanged_at')
