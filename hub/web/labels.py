"""The words the staff pages show for stored values: standings, states, figures' columns.

Values stay as they are stored and sent (``active``, ``employed_in_field``); the pages show
each one's word in the reader's language. The English words are the ones the pages always
showed, so an English page reads as before. ``shared.names`` keeps the English of the
resource library's categories and audiences for both services; they are marked here for
the hub's catalogs (a test checks the two agree).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from flask_babel import gettext

from shared import names
from shared.protocol.common import EMPLOYED_METRICS
from shared.text import N_
from shared.web import staff
from shared.web.i18n import country_name as country_name  # the names both services show
from shared.web.i18n import language_name as language_name
from shared.web.i18n import reader_locale as reader_locale

K = TypeVar("K")

#: A community's standing (``CommunityStatus``), as a table cell shows it.
COMMUNITY_STATUS = {
    "active": N_("active"),
    "silenced": N_("silenced"),
    "suspended": N_("suspended"),
}

#: A cross-city introduction's state (``IntroStatus``), as a heading shows it.
INTRO_STATES = {
    "requested": N_("Requested"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "withdrawn": N_("Withdrawn"),
    "expired": N_("Expired"),
}

#: The roll-up's columns, as the dashboard's table heads them.
ROLLUP_HEADINGS = {
    "period": N_("Period"),
    "community": N_("Community"),
    "major_group": N_("Major group"),
    "enrolled": N_("Enrolled"),
    "eligible": N_("Eligible"),
    "matched": N_("Matched"),
    "met": N_("Met"),
    "referred": N_("Referred"),
    **{metric: names.OUTCOME_CATEGORIES[metric] for metric in EMPLOYED_METRICS},
    "employed": N_("Employed"),
    "placement_rate": N_("Placement rate"),
}

#: The roll-up's groupings: the dashboard's choice, and its table's caption.
ROLLUP_LEVELS = {
    "national": N_("National"),
    "community": N_("Per community"),
    "major_group": N_("Per occupation group"),
    "community_major_group": N_("Per community and occupation group"),
}
ROLLUP_CAPTIONS = {
    "national": N_("national"),
    "community": N_("community"),
    "major_group": N_("major group"),
    "community_major_group": N_("community major group"),
}

#: A connector's availability (``AVAILABILITY_SLOTS``).
SLOTS = {
    "weekday_mornings": N_("Weekday mornings"),
    "weekday_afternoons": N_("Weekday afternoons"),
    "weekday_evenings": N_("Weekday evenings"),
    "weekends": N_("Weekends"),
}

#: ``shared.names.RESOURCE_CATEGORIES`` and ``AUDIENCE_LABELS``, in the hub's catalogs.
RESOURCE_CATEGORIES = {
    "guide": N_("Guide"),
    "faq": N_("FAQ"),
    "webinar": N_("Webinar"),
    "template": N_("Template"),
    "training": N_("Training"),
    "toolkit": N_("Toolkit"),
}
AUDIENCES = {
    "staff": N_("Program staff"),
    "connectors": N_("Connectors"),
    "connectees": N_("Connectees"),
    "all": N_("Everyone"),
}

#: A spoken language's level (``LANGUAGE_LEVELS``): the CEFR's stay as they are.
LANGUAGE_LEVELS = {"native": N_("native")}

#: What a resource version holds (``hub.resources.services``' content kinds).
RESOURCE_CONTENT = {"file": N_("file"), "link": N_("link"), "body": N_("body")}

#: What a role-only page answers someone whose role falls short (``Role`` values).
ROLE_NEEDED = staff.ROLE_NEEDED


def word(words: Mapping[str, str], value: object) -> str:
    """``value``'s word in the reader's language; a value with none shows as it is."""
    key = str(getattr(value, "value", value))
    english = words.get(key)
    return gettext(english) if english is not None else key


def translated(words: Mapping[K, str]) -> dict[K, str]:
    """Every word of ``words`` in the reader's language, by value."""
    return {key: gettext(english) for key, english in words.items()}


def messages(found: Any) -> Any:
    """A schema's messages (those marked ``N_``) in the reader's language, nested as given."""
    if isinstance(found, str):
        return gettext(found)
    if isinstance(found, Mapping):
        return {key: messages(value) for key, value in found.items()}
    if isinstance(found, list | tuple):
        return [messages(value) for value in found]
    return found
