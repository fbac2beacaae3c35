"""selfservice: follow-up survey answers beside their outcome, participants' erasure requests

Revision ID: c3a1d9e7f203
Revises: c3a1d9e7f202
Create Date: 2026-12-04 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from community_node.database import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'c3a1d9e7f203'
down_revision = 'c3a1d9e7f202'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'survey_responses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('connectee_id', sa.Integer(), nullable=False),
        sa.Column('milestone_months', sa.Integer(), nullable=False),
        sa.Column('wage_band', sa.Enum('under_20', '20_to_30', '30_to_45', 'over_45', 'not_said', name='wageband', native_enum=False, length=40), nullable=True),
        sa.Column('usefulness', sa.Integer(), nullable=True),
        sa.Column('answered_at', UTCDateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.CheckConstraint('usefulness BETWEEN 1 AND 4', name=op.f('ck_survey_responses_usefulness_1_to_4')),
        sa.ForeignKeyConstraint(['connectee_id'], ['connectees.id'], name=op.f('fk_survey_responses_connectee_id_connectees'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
        sa.UniqueConstraint('connectee_id', 'milestone_months', name=op.f('uq_survey_responses_connectee_id')),
    )
    op.create_index(op.f('ix_survey_responses_connectee_id'), 'survey_responses', ['connectee_id'], unique=False)
    op.create_table(
        'erasure_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_kind', sa.String(length=10), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', UTCDateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
        sa.Column('handled_at', UTCDateTime(), nullable=True),
        sa.Column('handled_by', sa.String(length=80), nullable=True),
        sa.CheckConstraint("person_kind IN ('connectee', 'connector')", name=op.f('ck_erasure_requests_known_kind')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_requests')),
    )
    op.create_index(op.f('ix_erasure_requests_person_id'), 'erasure_requests', ['person_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_erasure_requests_person_id'), table_name='erasure_requests')
    op.drop_table('erasure_requests')
    op.drop_index(op.f('ix_survey_responses_connectee_id'), table_name='survey_responses')
    op.drop_table('survey_responses')
