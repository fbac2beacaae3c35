"""mail: the outbox, signed links (hashed), and each person's language and reminder preference

Revision ID: c3a1d9e7f202
Revises: f2c4a6e8b0d1
Create Date: 2026-12-04 10:45:00.000000

"""
from alembic import op
import sqlalchemy as sa

from community_node.database import JSONType, UTCDateTime

# revision identifiers, used by Alembic.
revision = 'c3a1d9e7f202'
down_revision = 'f2c4a6e8b0d1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=40), nullable=False),
        sa.Column('dedupe_key', sa.String(length=200), nullable=False),
        sa.Column('recipient_kind', sa.Enum('connectee', 'connector', 'staff', name='recipientkind', native_enum=False, length=40), nullable=False),
        sa.Column('recipient_id', sa.Integer(), nullable=True),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body_text', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('attachments', JSONType, nullable=False),
        sa.Column('message_id', sa.String(length=200), nullable=False),
        sa.Column('state', sa.Enum('pending', 'sending', 'sent', 'dead', name='mailstate', native_enum=False, length=40), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', UTCDateTime(), nullable=False),
        sa.Column('lease_until', UTCDateTime(), nullable=True),
        sa.Column('claimed_by', sa.String(length=80), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('created_at', UTCDateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('sent_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_mail_outbox_dedupe_key')),
        sa.UniqueConstraint('message_id', name=op.f('uq_mail_outbox_message_id')),
    )
    op.create_index('ix_mail_outbox_state_next_attempt_at', 'mail_outbox', ['state', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_mail_outbox_purpose'), 'mail_outbox', ['purpose'], unique=False)
    op.create_index(op.f('ix_mail_outbox_recipient_id'), 'mail_outbox', ['recipient_id'], unique=False)
    op.create_table(
        'mail_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('purpose', sa.String(length=40), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('revoked_at', UTCDateTime(), nullable=True),
        sa.Column('used_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_links')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_mail_links_token_hash')),
    )
    op.create_index('ix_mail_links_purpose_record_id', 'mail_links', ['purpose', 'record_id'], unique=False)
    for table in ('connectees', 'connectors'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('preferred_language', sa.String(length=8), nullable=True))
            batch_op.add_column(sa.Column('reminders_opt_out', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    for table in ('connectors', 'connectees'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('reminders_opt_out')
            batch_op.drop_column('preferred_language')
    op.drop_index('ix_mail_links_purpose_record_id', table_name='mail_links')
    op.drop_table('mail_links')
    op.drop_index(op.f('ix_mail_outbox_recipient_id'), table_name='mail_outbox')
    op.drop_index(op.f('ix_mail_outbox_purpose'), table_name='mail_outbox')
    op.drop_index('ix_mail_outbox_state_next_attempt_at', table_name='mail_outbox')
    op.drop_table('mail_outbox')
