"""The names people use for languages and countries, for forms and pages of both services.

Codes stay on the wire and in the databases; people read names: "Syria", not "Syrian Arab
Republic" or "SY"; "Greek", not "Modern Greek (1453-)".
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import pycountry
from babel import Locale, UnknownLocaleError

from shared.languages import UnknownLanguage, english_name, language_tag, spoken_language
from shared.matching.profiles import LANGUAGE_NAMES
from shared.text import N_

__all__ = [
    "LANGUAGES",
    "Language",
    "AUDIENCE_LABELS",
    "RESOURCE_CATEGORIES",
    "RTL_LANGUAGES",
    "EXTRA_LANGUAGES",
    "OUTCOME_CATEGORIES",
    "Option",
    "canonical_language",
    "countries",
    "country_name",
    "language_name",
    "languages",
    "sort_key",
    "written_languages",
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


#: Languages without an ISO 639-1 code that newcomers to North America often speak: a form
#: offers them beside every ISO 639-1 language, so Dari is not recorded as Persian, nor
#: Rohingya, Hazaragi or Sorani as something else.
EXTRA_LANGUAGES: tuple[str, ...] = (
    "prs",  # Dari
    "haz",  # Hazaragi
    "rhg",  # Rohingya
    "ckb",  # Central Kurdish (Sorani)
    "kmr",  # Northern Kurdish (Kurmanji)
    "apc",  # Levantine Arabic
    "aii",  # Assyrian Neo-Aramaic
    "tig",  # Tigre
    "din",  # Dinka
    "nus",  # Nuer
    "ksw",  # S'gaw Karen
    "cnh",  # Hakha Chin
    "cmn",  # Mandarin Chinese
    "yue",  # Cantonese
    "fil",  # Filipino
)

#: Where CLDR names a language under another key (Dari as Afghan Persian).
_CLDR_KEYS = {"prs": "fa_AF"}
_ENGLISH = {"yue": "Cantonese", "swh": "Swahili", "cmn": "Mandarin Chinese"}


def canonical_language(code: str) -> str | None:
    """The one code a spoken language is stored and sent by: its ISO 639-3 code, read from
    any ISO 639 code ("ar", "ara" → "ara"; "fa", "per", "fas" → "fas"; "prs" stays).
    None for a code no standard defines (``shared.languages.spoken_language``)."""
    try:
        return spoken_language(code)
    except UnknownLanguage:
        return None


def _english_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code) or _ENGLISH.get(code) or english_name(code) or code


#: Names CLDR lacks, in the languages we ship, written as each language's own references
#: name them (lower case where CLDR writes language names so), so that a form in Arabic or
#: French does not fall back to English for a language its reader may speak.
_NAMED_HERE: dict[str, dict[str, str]] = {
    "fr": {
        "hbs": "serbo-croate",
        "haz": "hazaragi",
        "kmr": "kurde du Nord (kurmandji)",
        "apc": "arabe levantin",
        "aii": "néo-araméen assyrien",
        "ksw": "karen sgaw",
        "cnh": "chin hakha",
        "cmn": "chinois mandarin",
    },
    "es": {
        "hbs": "serbocroata",
        "haz": "hazaragi",
        "kmr": "kurdo septentrional (kurmanji)",
        "apc": "árabe levantino",
        "aii": "neoarameo asirio",
        "ksw": "karen sgaw",
        "cnh": "chin hakha",
        "cmn": "chino mandarín",
    },
    "ar": {
        "hbs": "الصربية الكرواتية",
        "haz": "الهزارجية",
        "kmr": "الكردية الشمالية (الكرمانجية)",
        "apc": "العربية الشامية",
        "aii": "الآرامية الآشورية الحديثة",
        "ksw": "الكارينية (سغاو)",
        "cnh": "التشينية (هاخا)",
        "cmn": "الصينية الماندرينية",
    },
    "uk": {
        "hbs": "сербохорватська",
        "haz": "хазарагі",
        "kmr": "північнокурдська (курманджі)",
        "apc": "левантійська арабська",
        "aii": "ассирійська новоарамейська",
        "ksw": "сгау-каренська",
        "cnh": "хакха-чин",
        "cmn": "мандаринська китайська",
    },
    "fa": {
        "hbs": "صربی‌کرواتی",
        "haz": "هزارگی",
        "kmr": "کردی شمالی (کرمانجی)",
        "apc": "عربی شامی",
        "aii": "آرامی نوین آشوری",
        "ksw": "کارنی اسگاو",
        "cnh": "چین هاخا",
        "cmn": "چینی ماندارین",
    },
}


def _name_in(data: Locale | None, code: str) -> str:
    """A language's name in a locale's own words where CLDR (or ``_NAMED_HERE``) has
    them, else in English."""
    if data is None:
        return _english_name(code)
    named = data.languages.get(_CLDR_KEYS.get(code) or language_tag(code))
    return named or _NAMED_HERE.get(data.language, {}).get(code) or _english_name(code)


@functools.cache
def _spoken_codes() -> tuple[str, ...]:
    """Every ISO 639-1 language and the ``EXTRA_LANGUAGES``, by ISO 639-3 code."""
    codes = [lang.alpha_3 for lang in pycountry.languages if hasattr(lang, "alpha_2")]
    return tuple(dict.fromkeys(spoken_language(code) for code in (*codes, *EXTRA_LANGUAGES)))


@functools.cache
def languages(locale: str = "en") -> tuple[Option, ...]:
    """Return the spoken languages a form offers: every ISO 639-1 language and the
    ``EXTRA_LANGUAGES``, each by its ISO 639-3 code, named in ``locale``'s language where
    Babel (CLDR) knows the name, in English (as match explanations name them) otherwise."""
    data = _locale_data(locale)
    options = [(code, _name_in(data, code)) for code in _spoken_codes()]
    return tuple(sorted(options, key=lambda option: sort_key(option[1])))


@functools.cache
def written_languages(locale: str = "en") -> tuple[Option, ...]:
    """Return the languages a document can be written in, by BCP 47 tag ("ar", "prs"): the
    form pages' ``lang`` attributes and locales take, so a resource in the reader's locale
    is found by it. The same languages as :func:`languages`."""
    return tuple((language_tag(code), name) for code, name in languages(locale))


@functools.cache
def _language_names() -> dict[str, str]:
    return dict(languages())


@functools.cache
def _country_names() -> dict[str, str]:
    return dict(countries())


def language_name(code: str | None, locale: str = "en") -> str:
    """Name a language by any ISO 639 code ("ara" or "ar" → "Arabic", "prs" → "Dari"), in
    ``locale``'s language where CLDR has the name; an unknown code shows as it is."""
    if not code:
        return "—"
    canonical = canonical_language(code)
    if canonical is None:
        return code
    if locale.split("_")[0] == "en":
        return _language_names().get(canonical) or _english_name(canonical)
    return _name_in(_locale_data(locale), canonical)


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

#: A follow-up's situation (a node's ``OutcomeCategory``; the hub's ``employed_*`` roll-up
#: columns), as the reports of both services name it: English here, marked for both staff
#: catalogs, so a page says ``gettext(OUTCOME_CATEGORIES[value])``.
OUTCOME_CATEGORIES: dict[str, str] = {
    "employed_in_field": N_("Employed in field"),
    "employed_related_field": N_("Employed related field"),
    "employed_outside_field": N_("Employed outside field"),
    "education_or_credentialing": N_("Education or credentialing"),
    "volunteering_or_internship": N_("Volunteering or internship"),
    "still_searching": N_("Still searching"),
    "left_community": N_("Left community"),
    "unknown": N_("Unknown"),
}

#: Languages written right to left: text in them is laid out that way (``dir="rtl"``).
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ps", "ur", "prs", "ckb", "yi"})
