"""partners with contacts and recruiting needs, events and their attendees; every person's referral source, partner, event or inviting connector; matches and referrals made at an event

Revision ID: c3a1d9e7f204
Revises: c3a1d9e7f203
Create Date: 2026-12-04 10:29:21.144777

"""
from alembic import op
import sqlalchemy as sa

from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB(astext_type=Text()))

import shared.db


# revision identifiers, used by Alembic.
revision = 'c3a1d9e7f204'
down_revision = 'c3a1d9e7f203'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('networking', 'job_fair', name='eventkind', native_enum=False, length=40), nullable=False),
    sa.Column('starts_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('public_key', sa.String(length=32), nullable=False),
    sa.Column('registration_open', sa.Boolean(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('public_key', name=op.f('uq_events_public_key'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_starts_at'), ['starts_at'], unique=False)

    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.Enum('chamber_of_commerce', 'employer', 'language_provider', 'resettlement_agency', 'university', 'workforce_board', 'other', name='partnerkind', native_enum=False, length=40), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', shared.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('name', name=op.f('uq_partners_name'))
    )
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partners_kind'), ['kind'], unique=False)

    op.create_table('partner_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=200), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_contacts_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_contacts'))
    )
    with op.batch_alter_table('partner_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_contacts_partner_id'), ['partner_id'], unique=False)

    op.create_table('recruiting_needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('soc_code', sa.String(length=7), nullable=False),
    sa.Column('positions', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', shared.db.UTCDateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_recruiting_needs_period_ordered')),
    sa.CheckConstraint('positions > 0', name=op.f('ck_recruiting_needs_positions_positive')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_recruiting_needs_partner_id_partners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recruiting_needs'))
    )
    with op.batch_alter_table('recruiting_needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recruiting_needs_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recruiting_needs_soc_code'), ['soc_code'], unique=False)

    op.create_table('event_attendees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('connectee_id', sa.Integer(), nullable=True),
    sa.Column('connector_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('invited', 'registered', 'checked_in', name='attendance', native_enum=False, length=40), nullable=False),
    sa.Column('invited_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('registered_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checked_in_at', shared.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('checked_in_by', sa.String(length=80), nullable=True),
    sa.CheckConstraint('(connectee_id IS NULL) <> (connector_id IS NULL)', name=op.f('ck_event_attendees_exactly_one_person')),
    sa.ForeignKeyConstraint(['connectee_id'], ['connectees.id'], name=op.f('fk_event_attendees_connectee_id_connectees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['connector_id'], ['connectors.id'], name=op.f('fk_event_attendees_connector_id_connectors'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_attendees_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_attendees')),
    sa.UniqueConstraint('event_id', 'connectee_id', name='uq_event_attendees_connectee'),
    sa.UniqueConstraint('event_id', 'connector_id', name='uq_event_attendees_connector')
    )
    with op.batch_alter_table('event_attendees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_attendees_connectee_id'), ['connectee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_attendees_connector_id'), ['connector_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_attendees_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_attendees_status'), ['status'], unique=False)

    with op.batch_alter_table('connectees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_partner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('referral_event_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('invited_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_connectees_invited_by_id'), ['invited_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_connectees_referral_event_id'), ['referral_event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_connectees_referral_partner_id'), ['referral_partner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_connectees_referral_event_id_events'), 'events', ['referral_event_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_connectees_referral_partner_id_partners'), 'partners', ['referral_partner_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_connectees_invited_by_id_connectors'), 'connectors', ['invited_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('connectors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_source', sa.Enum('resettlement_agency', 'ell_provider', 'college_career_centre', 'job_fair', 'employer', 'community_organisation', 'self', 'other', 'partner', 'event', 'social_media', 'word_of_mouth', 'connector_invitation', name='referralsource', native_enum=False, length=40), nullable=True))
        batch_op.add_column(sa.Column('referral_partner_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('referral_event_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('invited_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_connectors_invited_by_id'), ['invited_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_connectors_referral_event_id'), ['referral_event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_connectors_referral_partner_id'), ['referral_partner_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_connectors_referral_partner_id_partners'), 'partners', ['referral_partner_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_connectors_referral_event_id_events'), 'events', ['referral_event_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_connectors_invited_by_id_connectors'), 'connectors', ['invited_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_matches_event_id'), ['event_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_matches_event_id_events'), 'events', ['event_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_referrals_event_id'), ['event_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_referrals_event_id_events'), 'events', ['event_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_referrals_event_id_events'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_referrals_event_id'))
        batch_op.drop_column('event_id')

    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_matches_event_id_events'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_matches_event_id'))
        batch_op.drop_column('event_id')

    with op.batch_alter_table('connectors', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_connectors_invited_by_id_connectors'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_connectors_referral_event_id_events'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_connectors_referral_partner_id_partners'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_connectors_referral_partner_id'))
        batch_op.drop_index(batch_op.f('ix_connectors_referral_event_id'))
        batch_op.drop_index(batch_op.f('ix_connectors_invited_by_id'))
        batch_op.drop_column('invited_by_id')
        batch_op.drop_column('referral_event_id')
        batch_op.drop_column('referral_partner_id')
        batch_op.drop_column('referral_source')

    with op.batch_alter_table('connectees', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_connectees_invited_by_id_connectors'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_connectees_referral_partner_id_partners'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_connectees_referral_event_id_events'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_connectees_referral_partner_id'))
        batch_op.drop_index(batch_op.f('ix_connectees_referral_event_id'))
        batch_op.drop_index(batch_op.f('ix_connectees_invited_by_id'))
        batch_op.drop_column('invited_by_id')
        batch_op.drop_column('referral_event_id')
        batch_op.drop_column('referral_partner_id')

    with op.batch_alter_table('event_attendees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_attendees_status'))
        batch_op.drop_index(batch_op.f('ix_event_attendees_event_id'))
        batch_op.drop_index(batch_op.f('ix_event_attendees_connector_id'))
        batch_op.drop_index(batch_op.f('ix_event_attendees_connectee_id'))

    op.drop_table('event_attendees')
    with op.batch_alter_table('recruiting_needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recruiting_needs_soc_code'))
        batch_op.drop_index(batch_op.f('ix_recruiting_needs_partner_id'))

    op.drop_table('recruiting_needs')
    with op.batch_alter_table('partner_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_contacts_partner_id'))

    op.drop_table('partner_contacts')
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partners_kind'))

    op.drop_table('partners')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_starts_at'))

    op.drop_table('events')
