"""list sort indexes

The staff lists and the list API sort a page of 50 by name, intake date or capacity;
without an index PostgreSQL sorted all 10,000 rows for each page (issue 18).

Revision ID: c3a1d9e7f209
Revises: c3a1d9e7f208
Create Date: 2026-12-04 15:10:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3a1d9e7f209'
down_revision = 'c3a1d9e7f208'
branch_labels = None
depends_on = None

_INDEXES = (
    ('connectees', 'last_name'),
    ('connectees', 'intake_date'),
    ('connectors', 'last_name'),
    ('connectors', 'capacity'),
)


def upgrade():
    for table, column in _INDEXES:
        op.create_index(op.f(f'ix_{table}_{column}'), table, [column], unique=False)


def downgrade():
    for table, column in reversed(_INDEXES):
        op.drop_index(op.f(f'ix_{table}_{column}'), table_name=table)
