"""cross-city introductions: disclosures, erasure requested and confirmed by the hub

Revision ID: d7e2f9a1b3c5
Revises: c0a5e7d1f2b3
Create Date: 2026-12-03 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import shared.db

# revision identifiers, used by Alembic.
revision = 'd7e2f9a1b3c5'
down_revision = 'c0a5e7d1f2b3'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')
#: What the node sent in a contact card when this revision was written.
CARD_FIELDS = ["card.community", "card.email", "card.name", "card.phone", "card.role"]


def upgrade():
    with op.batch_alter_table('cross_city_intros', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disclosures', JSON, nullable=True))
        batch_op.add_column(
            sa.Column('erase_requested_at', shared.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column('erase_reason', sa.String(length=20), nullable=True))
        batch_op.add_column(
            sa.Column('hub_erased_at', shared.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f('ix_cross_city_intros_erase_requested_at'), ['erase_requested_at'],
            unique=False,
        )
    # What earlier introductions sent, as far as the rows tell: an outgoing request sent
    # its pitch and consent ref when requested; a sent card, the card's fields (when is
    # not recorded).
    intros = sa.table(
        'cross_city_intros',
        sa.column('id', sa.Integer()),
        sa.column('direction', sa.String()),
        sa.column('pitch', JSON),
        sa.column('requested_at', shared.db.UTCDateTime()),
        sa.column('card_sent', sa.Boolean()),
        sa.column('disclosures', JSON),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(intros.c.id, intros.c.direction, intros.c.pitch, intros.c.requested_at,
                  intros.c.card_sent)
    ).all()
    for row in rows:
        sent = []
        if row.direction == 'outgoing':
            names = sorted([f"pitch.{name}" for name in (row.pitch or {})] + ["consent_ref"])
            at = row.requested_at.isoformat() if row.requested_at else None
            sent.append({"what": "pitch", "fields": names, "at": at})
        if row.card_sent:
            sent.append({"what": "card", "fields": CARD_FIELDS, "at": None})
        conn.execute(intros.update().where(intros.c.id == row.id).values(disclosures=sent))
    with op.batch_alter_table('cross_city_intros', schema=None) as batch_op:
        batch_op.alter_column('disclosures', existing_type=JSON, nullable=False)


def downgrade():
    with op.batch_alter_table('cross_city_intros', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cross_city_intros_erase_requested_at'))
        batch_op.drop_column('hub_erased_at')
        batch_op.drop_column('erase_reason')
        batch_op.drop_column('erase_requested_at')
        batch_op.drop_column('disclosures')
