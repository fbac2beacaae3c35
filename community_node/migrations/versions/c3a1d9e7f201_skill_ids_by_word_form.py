"""skill ids by word form

Skills now normalize word forms aside ("auditing" names the skill "audit" names) and
some ESCO labels were repaired, so the stored ids of free-text skills are recomputed.
Published connectors whose ids changed go to the hub with the next directory refresh
(any connector change, or `connector-node sync --full`).

Revision ID: c3a1d9e7f201
Revises: c3a1d9e7f20a
Create Date: 2026-12-04 10:55:00.000000

"""
from alembic import op
import sqlalchemy as sa

from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'c3a1d9e7f201'
down_revision = 'c3a1d9e7f20a'
branch_labels = None
depends_on = None


def upgrade():
    json_type = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')
    for name in ('connectees', 'connectors'):
        _renormalize(name, json_type)


def _renormalize(name, json_type):
    from shared.taxonomy import default_skills

    table = sa.table(name, sa.column('id', sa.Integer()), sa.column('skills', json_type),
                     sa.column('skill_ids', json_type))
    bind = op.get_bind()
    rows = bind.execute(sa.select(table.c.id, table.c.skills, table.c.skill_ids)).all()
    changed = []
    for row_id, skills, stored in rows:
        ids = default_skills().skill_ids(list(skills or ()))
        if ids != list(stored or ()):
            changed.append({'row_id': row_id, 'ids': ids})
    if changed:
        bind.execute(
            table.update().where(table.c.id == sa.bindparam('row_id')).values(
                skill_ids=sa.bindparam('ids')
            ),
            changed,
        )


def downgrade():
    # The ids stay valid ESCO ids; the earlier normalization cannot be replayed, nor
    # need it be: nothing older reads them differently.
    pass
