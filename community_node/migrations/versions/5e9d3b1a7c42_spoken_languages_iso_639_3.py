"""spoken languages by ISO 639-3

Spoken languages are stored as ISO 639-3 codes ("ar" becomes "ara", "fa" "fas"; Dari
"prs" stays): the connectees' and connectors' languages, the pitches of cross-city
introductions, and the profiles still waiting in the sync outbox. A code no ISO 639 part
defines is left as it is. Two rows of one person that become one language keep the
higher level. The downgrade writes the ISO 639-1 code back where a language has one.

Published connectors go to the hub again with the next directory refresh (their payload
changed), which the hub, migrated too, takes as an update.

Revision ID: 5e9d3b1a7c42
Revises: c3a1d9e7f204
Create Date: 2026-12-04 14:30:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '5e9d3b1a7c42'
down_revision = 'c3a1d9e7f204'
branch_labels = None
depends_on = None

# The levels, upper-cased, weakest first (the column stores the values: A1 … native).
_LEVELS = ('A1', 'A2', 'B1', 'B2', 'C1', 'C2', 'NATIVE')


def _iso_639_3(code):
    """The ISO 639-3 code of an ISO 639-1, 639-2/B or 639-2/T code; None if unknown."""
    from iso639 import Lang
    from iso639.exceptions import DeprecatedLanguageValue, InvalidLanguageValue

    if not isinstance(code, str) or not code.isascii() or not code.isalpha():
        return None
    code = code.strip().lower()
    parts = ('pt1',) if len(code) == 2 else ('pt3', 'pt2t', 'pt2b') if len(code) == 3 else ()
    for part in parts:
        try:
            found = Lang(**{part: code})
        except (InvalidLanguageValue, DeprecatedLanguageValue):
            continue
        if found.pt3:
            return found.pt3
    return None


def _to_639_3(code):
    return _iso_639_3(code) or code


def _to_639_1(code):
    """The form stored before: ISO 639-1 where the language has a code there."""
    from iso639 import Lang

    three = _iso_639_3(code)
    return (Lang(pt3=three).pt1 or three) if three else code


def _json_type():
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql')


def _rewrite_rows(name, owner, convert):
    table = sa.table(
        name,
        sa.column('id', sa.Integer()),
        sa.column(owner, sa.Integer()),
        sa.column('language', sa.String()),
        sa.column('level', sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(table.c.id, table.c[owner], table.c.language, table.c.level).order_by(
            table.c.id
        )
    ).all()
    kept = {}
    changed, dropped = [], []
    for row_id, person, language, level in rows:
        new = convert(language)
        key = (person, new)
        if key in kept:
            # Two rows become one language: keep the higher level.
            other_id, other_level = kept[key]
            if _rank(level) > _rank(other_level):
                dropped.append(other_id)
                kept[key] = (row_id, level)
                if new != language:
                    changed.append({'row_id': row_id, 'code': new})
            else:
                dropped.append(row_id)
            continue
        kept[key] = (row_id, level)
        if new != language:
            changed.append({'row_id': row_id, 'code': new})
    gone = set(dropped)
    changed = [item for item in changed if item['row_id'] not in gone]
    if dropped:
        bind.execute(table.delete().where(table.c.id.in_(dropped)))
    if changed:
        # The duplicates are gone first, so no update breaks the (owner, language) unique.
        bind.execute(
            table.update().where(table.c.id == sa.bindparam('row_id')).values(
                language=sa.bindparam('code')
            ),
            changed,
        )


def _rank(level):
    level = str(level or '').upper()
    return _LEVELS.index(level) if level in _LEVELS else -1


def _languages_in(value, convert):
    """The same JSON object with its ``languages`` list's codes converted; None if none."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict) or not isinstance(value.get('languages'), list):
        return None
    languages = []
    for item in value['languages']:
        if isinstance(item, dict) and 'language' in item:
            item = {**item, 'language': convert(item['language'])}
        languages.append(item)
    if languages == value['languages']:
        return None
    return {**value, 'languages': languages}


def _rewrite_json(name, key, column, convert):
    table = sa.table(name, sa.column(key, sa.Integer()), sa.column(column, _json_type()))
    bind = op.get_bind()
    changed = []
    for row_key, value in bind.execute(sa.select(table.c[key], table.c[column])).all():
        new = _languages_in(value, convert)
        if new is not None:
            changed.append({'row_key': row_key, 'value': new})
    if changed:
        bind.execute(
            table.update().where(table.c[key] == sa.bindparam('row_key')).values(
                {column: sa.bindparam('value')}
            ),
            changed,
        )


def _migrate(convert):
    # A person's languages, the connectees' pitches sent for introductions, and the
    # directory profiles not yet pushed (sent ones are history, left as they were sent).
    _rewrite_rows('connectee_languages', 'connectee_id', convert)
    _rewrite_rows('connector_languages', 'connector_id', convert)
    _rewrite_json('cross_city_intros', 'id', 'pitch', convert)
    _rewrite_pending_profiles(convert)


def _rewrite_pending_profiles(convert):
    table = sa.table(
        'sync_outbox',
        sa.column('seq', sa.Integer()),
        sa.column('kind', sa.String()),
        sa.column('status', sa.String()),
        sa.column('payload', _json_type()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(table.c.seq, table.c.payload).where(
            table.c.kind == 'profile', table.c.status.in_(('pending', 'dead'))
        )
    ).all()
    changed = []
    for seq, payload in rows:
        new = _languages_in(payload, convert)
        if new is not None:
            changed.append({'row_key': seq, 'value': new})
    if changed:
        bind.execute(
            table.update().where(table.c.seq == sa.bindparam('row_key')).values(
                payload=sa.bindparam('value')
            ),
            changed,
        )


def upgrade():
    _migrate(_to_639_3)


def downgrade():
    _migrate(_to_639_1)
