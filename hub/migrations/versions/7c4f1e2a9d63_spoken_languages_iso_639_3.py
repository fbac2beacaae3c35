"""spoken languages by ISO 639-3

Directory profiles and introduction pitches name spoken languages by ISO 639-3 code, as
nodes now send them ("ar" becomes "ara", "fa" "fas"; Dari "prs" stays), and a profile's
``language_codes`` filter column with them. A code no ISO 639 part defines is left as it
is. The downgrade writes the ISO 639-1 code back where a language has one.

Revision ID: 7c4f1e2a9d63
Revises: 38be395eec5f
Create Date: 2026-12-04 14:35:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '7c4f1e2a9d63'
down_revision = '38be395eec5f'
branch_labels = None
depends_on = None


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


def _decoded(value):
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _converted(languages, convert):
    """A list of {language, level} with its codes converted; None if not such a list."""
    if not isinstance(languages, list):
        return None
    return [
        {**item, 'language': convert(item['language'])}
        if isinstance(item, dict) and 'language' in item
        else item
        for item in languages
    ]


def _codes(text, convert):
    """The " ara eng " filter column, each code converted; what is not a code kept."""
    if not isinstance(text, str):
        return text
    codes = text.split()
    converted = [convert(code) for code in codes]
    if converted == codes:
        return text
    return f" {' '.join(sorted(set(converted)))} "


def _rewrite_profiles(convert):
    profiles = sa.table(
        'profiles',
        sa.column('id', sa.Integer()),
        sa.column('languages', _json_type()),
        sa.column('language_codes', sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(profiles.c.id, profiles.c.languages, profiles.c.language_codes)
    ).all()
    changed = []
    for row_id, languages, codes in rows:
        before = _decoded(languages)
        after = _converted(before, convert)
        new_codes = _codes(codes, convert)
        if (after is not None and after != before) or new_codes != codes:
            changed.append({
                'row_id': row_id,
                'languages': after if after is not None else before,
                'codes': new_codes,
            })
    if changed:
        bind.execute(
            profiles.update().where(profiles.c.id == sa.bindparam('row_id')).values(
                languages=sa.bindparam('languages'), language_codes=sa.bindparam('codes')
            ),
            changed,
        )


def _rewrite_pitches(convert):
    intros = sa.table(
        'introductions', sa.column('id', sa.Integer()), sa.column('pitch', _json_type())
    )
    bind = op.get_bind()
    changed = []
    for row_id, pitch in bind.execute(sa.select(intros.c.id, intros.c.pitch)).all():
        pitch = _decoded(pitch)
        if not isinstance(pitch, dict):
            continue
        languages = _converted(pitch.get('languages'), convert)
        if languages is not None and languages != pitch['languages']:
            changed.append({'row_id': row_id, 'pitch': {**pitch, 'languages': languages}})
    if changed:
        bind.execute(
            intros.update().where(intros.c.id == sa.bindparam('row_id')).values(
                pitch=sa.bindparam('pitch')
            ),
            changed,
        )


def upgrade():
    _rewrite_profiles(_to_639_3)
    _rewrite_pitches(_to_639_3)


def downgrade():
    _rewrite_profiles(_to_639_1)
    _rewrite_pitches(_to_639_1)
