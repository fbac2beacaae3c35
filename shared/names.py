"""The names people use for languages and countries, for forms and pages of both services.

Codes stay on the wire and in the databases; people read names: "Syria", not "Syrian Arab
Republic" or "SY"; "Greek", not "Modern Greek (1453-)".
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

import pycountry
from babel import Locale, UnknownLocaleError

from shared.matching.profiles import LANGUAGE_NAMES

__all__ = [
    "LANGUAGES",
    "Language",
    "AUDIENCE_LABELS",
    "RESOURCE_CATEGORIES",
    "RTL_LANGUAGES",
    "Option",
    "countries",
    "country_name",
    "language_name",
    "languages",
    "sort_key",
]


@dataclass(frozen=True)
class Language:
    """A language pages and messages are offered in: its locale code, its name in
    itself, and its writing direction. Persian is named as Dari speakers also read it."""

    code: str
    name: str
    rtl: bool = False


#: Every language a catalog is shipped for, in the order a switcher lists them; a
#: person's preferred language (for pages and messages) is one of these codes.
LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "English"),
        Language("fr", "Français"),
        Language("es", "Español"),
        Language("ar", "العربية", rtl=True),
        Language("uk", "Українська"),
        Language("fa", "فارسی / دری", rtl=True),
    )
}


#: A form choice: (code, name).
Option = tuple[str, str]

# "Malay (macrolanguage)", "Modern Greek (1453-)": the standard's qualifiers, not names.
_QUALIFIER = re.compile(r"\s*\([^)]*\)")


def sort_key(label: str) -> str:
    """Sort names as people expect: "Åland Islands" with the A's, not after "Zimbabwe"."""
    return unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().casefold()


@functools.cache
def _locale_data(locale: str) -> Locale | None:
    """Babel's (CLDR's) names for ``locale``; None for English or a locale it lacks."""
    if locale.split("_")[0] == "en":
        return None
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return None


@functools.cache
def countries(locale: str = "en") -> tuple[Option, ...]:
    """Return ISO 3166 countries by the names people use ("Syria", not "Syrian Arab
    Republic"), in ``locale``'s language where Babel knows them."""
    data = _locale_data(locale)
    options = [
        (
            country.alpha_2,
            (data.territories.get(country.alpha_2) if data else None)
            or getattr(country, "common_name", None)
            or country.name,
        )
        for country in pycountry.countries
    ]
    return tuple(sorted(options, key=lambda option: sort_key(option[1])))


@functools.cache
def languages(locale: str = "en") -> tuple[Option, ...]:
    """Return the ISO 639-1 languages, named as match explanations name them where they do,
    in ``locale``'s language where Babel knows them."""
    data = _locale_data(locale)
    options = [
        (
            lang.alpha_2,
            (data.languages.get(lang.alpha_2) if data else None)
            or LANGUAGE_NAMES.get(lang.alpha_2)
            or _QUALIFIER.sub("", lang.name),
        )
        for lang in pycountry.languages
        if hasattr(lang, "alpha_2")
    ]
    return tuple(sorted(options, key=lambda option: sort_key(option[1])))


@functools.cache
def _language_names() -> dict[str, str]:
    return dict(languages())


@functools.cache
def _country_names() -> dict[str, str]:
    return dict(countries())


def language_name(code: str | None) -> str:
    """Name an ISO 639-1 language ("ar" → "Arabic"); an unknown code shows as it is."""
    if not code:
        return "—"
    return _language_names().get(code.lower(), code)


def country_name(code: str | None) -> str:
    """Name an ISO 3166 country by the name people use ("SY" → "Syria")."""
    if not code:
        return "—"
    return _country_names().get(code.upper(), code)


#: How each resource category and audience reads on a page.
RESOURCE_CATEGORIES: dict[str, str] = {
    "guide": "Guide",
    "faq": "FAQ",
    "webinar": "Webinar",
    "template": "Template",
    "training": "Training",
    "toolkit": "Toolkit",
}
AUDIENCE_LABELS: dict[str, str] = {
    "staff": "Program staff",
    "connectors": "Connectors",
    "connectees": "Connectees",
    "all": "Everyone",
}

#: Languages written right to left: text in them is laid out that way (``dir="rtl"``).
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ps", "ur", "prs", "ckb", "yi"})
