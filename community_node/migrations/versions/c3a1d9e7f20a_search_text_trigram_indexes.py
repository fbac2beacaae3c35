"""search text trigram indexes

The staff lists' free-text search (``search_text LIKE '%word%'``) scanned every row,
twice a page (the count, then the page): on PostgreSQL a GIN trigram index answers it.
The ``pg_trgm`` extension is created first when the role may (the database's owner may
since PostgreSQL 13); where it cannot be, the indexes are left out, a warning says so,
and the search keeps working by scanning. SQLite: nothing to do.

The downgrade drops the indexes and leaves the extension, which other objects may use.

Revision ID: c3a1d9e7f20a
Revises: c3a1d9e7f209
Create Date: 2026-12-04 18:40:00.000000

"""
from alembic import op

from community_node.database import ensure_trigram

# revision identifiers, used by Alembic.
revision = 'c3a1d9e7f20a'
down_revision = 'c3a1d9e7f209'
branch_labels = None
depends_on = None

_TABLES = ('connectees', 'connectors')


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql' or not ensure_trigram(bind):
        return
    for table in _TABLES:
        op.create_index(
            f'ix_{table}_search_text_trgm', table, ['search_text'], unique=False,
            postgresql_using='gin', postgresql_ops={'search_text': 'gin_trgm_ops'},
        )


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in reversed(_TABLES):
        # Absent where the extension could not be created at the upgrade.
        op.execute(f'DROP INDEX IF EXISTS ix_{table}_search_text_trgm')
