"""Jinja filters that show staff names, not codes: "Arabic", "Syria", "Registered Nurses".

The names come from the same tables the public sign-up forms offer (ISO 639-3 through
``shared.languages``, pycountry for ISO 3166, the SOC taxonomy for occupations), so a
coordinator reads what the applicant picked. A code no table knows is shown as it is
rather than hidden.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Blueprint, has_app_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from community_node.eligibility import rules
from shared import names
from shared.taxonomy import UnknownOccupation, default_taxonomy

# The names both services show, in the reader's language.
from shared.web.i18n import country_name as country_name
from shared.web.i18n import language_name as language_name
from shared.web.i18n import reader_locale, reader_words


def occupation_title(code: str | None) -> str:
    """Title a SOC occupation ("29-1141" → "Registered Nurses")."""
    if not code:
        return "—"
    try:
        return default_taxonomy().get(code).title
    except UnknownOccupation:
        return code


def occupation_label(code: str | None) -> str:
    """Title a SOC occupation with its code, for where staff search by code too."""
    if not code:
        return "—"
    title = occupation_title(code)
    return f"{title} ({code})" if title != code else code


#: How the staff pages name a status, a capacity period, a language level.
_WORDS = {
    "draft": _l("draft"),
    "submitted": _l("submitted"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "waitlisted": _l("waitlisted"),
    "deactivated": _l("deactivated"),
    "month": _l("month"),
    "quarter": _l("quarter"),
    "native": _l("native"),
    "erased": _l("erased"),
    "archived": _l("archived"),
    # A match's status
    "proposed": _l("proposed"),
    "introduced": _l("introduced"),
    "meeting_scheduled": _l("meeting scheduled"),
    "met": _lp("match status", "met"),
    "referrals_pending": _l("referrals pending"),
    "referred": _l("referred"),
    "closed": _l("closed"),
    "declined": _l("declined"),
    "expired": _l("expired"),
    "no_show": _l("no show"),
    "cancelled": _l("cancelled"),
}


def status_text(value: object) -> str:
    """A profile or match status (or capacity period, language level) in the reader's words.

    A list page shows a few statuses and levels on each of its 50 rows: each word is
    translated once per locale and process, and reused, rather than looked up through
    Flask-Babel's context on every row (the catalogs do not change while a process runs).
    """
    code = str(getattr(value, "value", value))
    if not has_app_context():
        return _word(code)
    return _word_in(str(get_locale()), code)


@functools.lru_cache(maxsize=1024)
def _word_in(locale: str, code: str) -> str:
    """``code``'s word in ``locale``, the locale being the current one (the cache's key)."""
    return _word(code)


def status_words() -> Callable[[object], str]:
    """``status_text`` for one page: the locale read once for the page's many words.

    A list page says a status or level some 160 times; each ``status_text`` call walks
    Flask-Babel's request context for the locale (≈ 10 µs).
    """
    if not has_app_context():
        return status_text
    locale = str(get_locale())
    return lambda value: _word_in(locale, str(getattr(value, "value", value)))


def language_names() -> Callable[[str | None], str]:
    """``language_name`` for one page: the reader's locale read once, not per language."""
    return functools.partial(names.language_name, locale=reader_locale())


def _word(code: str) -> str:
    word = _WORDS.get(code)
    return str(word) if word is not None else code.replace("_", " ")


def eligibility_reason(text: str) -> str:
    """A criterion's reason (a decision keeps it in English) in the reader's language."""
    return rules.say_reason(text, reader_words())


def criterion_name(criterion: str) -> str:
    """An eligibility criterion's name ("english_level") in the reader's words."""
    return rules.criterion_name(criterion, reader_words())


def register_filters(blueprint: Blueprint) -> None:
    """Make the filters available to every template of the app that registers ``blueprint``."""
    for show in (
        language_name,
        country_name,
        occupation_title,
        occupation_label,
        status_text,
        eligibility_reason,
        criterion_name,
    ):
        blueprint.add_app_template_filter(show)
