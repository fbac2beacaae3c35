"""notify hub workers when a community's standing changes (PostgreSQL)

Revision ID: e7a1c3b5d902
Revises: d5e8f1a2b3c4
Create Date: 2026-12-05 13:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e7a1c3b5d902'
down_revision = 'd5e8f1a2b3c4'
branch_labels = None
depends_on = None

# As hub.auth.standing.STANDING_TRIGGERS at this revision (a migration keeps its own text).
TRIGGERS = (
    "CREATE OR REPLACE FUNCTION hub_standing_changed() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('hub_standing', ''); RETURN NULL; END $$",
    "DROP TRIGGER IF EXISTS communities_standing ON communities",
    "CREATE TRIGGER communities_standing"
    " AFTER UPDATE OF id, slug, status OR DELETE OR TRUNCATE ON communities"
    " FOR EACH STATEMENT EXECUTE FUNCTION hub_standing_changed()",
    "DROP TRIGGER IF EXISTS oauth_clients_standing ON oauth_clients",
    "CREATE TRIGGER oauth_clients_standing"
    " AFTER INSERT OR UPDATE OF client_id, community_id, secret_changed_at OR DELETE OR TRUNCATE"
    " ON oauth_clients FOR EACH STATEMENT EXECUTE FUNCTION hub_standing_changed()",
    "DROP TRIGGER IF EXISTS signing_keys_standing ON signing_keys",
    "CREATE TRIGGER signing_keys_standing"
    " AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON signing_keys"
    " FOR EACH STATEMENT EXECUTE FUNCTION hub_standing_changed()",
)


def upgrade():
    # Each hub worker keeps the standings it read until one of these says one changed.
    if op.get_bind().dialect.name != 'postgresql':
        return
    for statement in TRIGGERS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in ('communities', 'oauth_clients', 'signing_keys'):
        op.execute(f'DROP TRIGGER IF EXISTS {table}_standing ON {table}')
    op.execute('DROP FUNCTION IF EXISTS hub_standing_changed()')
