"""Spoken languages by their ISO 639-3 code: the one code both services store and send.

A person's languages are kept as ISO 639-3 codes (Arabic ``ara``, Persian ``fas``, Dari
``prs``, Rohingya ``rhg``): every language has one, unlike ISO 639-1, which has no code
for Dari or Rohingya. What people type or older nodes send is read in any ISO 639 form:
639-1 (``ar``), 639-2/B (``per``), 639-2/T and 639-3 (``fas``). The code tables are
iso639-lang's (SIL's ISO 639-3 tables, with macrolanguage membership). The locale a
person reads pages in (``preferred_language``) is a BCP 47 tag, not one of these.
"""

from __future__ import annotations

import functools
import re

from iso639 import Lang
from iso639.exceptions import DeprecatedLanguageValue, InvalidLanguageValue

__all__ = [
    "UnknownLanguage",
    "english_name",
    "language_tag",
    "macrolanguage",
    "related_languages",
    "spoken_language",
]

_CODE = re.compile(r"[a-z]{2,3}")
# "Malay (macrolanguage)", "Modern Greek (1453-)": the standard's qualifiers, not names.
_QUALIFIER = re.compile(r"\s*\([^)]*\)")


class UnknownLanguage(ValueError):
    """A code that no ISO 639 part defines as a language (or a group of languages)."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"{code!r} is not an ISO 639 language code; use one such as ara (or ar) for "
            "Arabic, fas (or fa) for Persian, or prs for Dari."
        )
        self.code = code


@functools.cache
def _lang(code: str) -> Lang | None:
    """The ISO 639 entry of a lower-case 639-1, 639-2/B, 639-2/T or 639-3 code."""
    parts = ("pt1",) if len(code) == 2 else ("pt3", "pt2t", "pt2b")
    for part in parts:
        try:
            found = Lang(**{part: code})
        except (InvalidLanguageValue, DeprecatedLanguageValue):
            continue
        # A 639-2 or 639-5 collective code ("sla", Slavic languages) names no one language.
        if found.pt3:
            return found
    return None


def spoken_language(code: str) -> str:
    """Return the ISO 639-3 code of a language given by any ISO 639 code, in any case:
    ``ar``/``ara`` → ``ara``, ``fa``/``per``/``fas`` → ``fas``, ``prs`` stays ``prs``.

    Raise :class:`UnknownLanguage` for anything else (a retired, collective or made-up code).
    """
    normalized = code.strip().lower()
    found = _lang(normalized) if _CODE.fullmatch(normalized) else None
    if found is None:
        raise UnknownLanguage(code)
    return str(found.pt3)


def language_tag(code: str) -> str:
    """Return a language's BCP 47 tag: its ISO 639-1 code where it has one (``ara`` → ``ar``),
    else its ISO 639-3 code (``prs``); the form CLDR names and HTML ``lang`` attributes use,
    and the form the node and hub stored before ISO 639-3 (their migrations' downgrade)."""
    found = _lang(spoken_language(code))
    assert found is not None  # spoken_language has just found it
    return str(found.pt1 or found.pt3)


@functools.cache
def macrolanguage(code: str) -> str | None:
    """Return the ISO 639-3 macrolanguage an individual language belongs to (``prs`` →
    ``fas``, ``apc`` → ``ara``), None for a language that belongs to none."""
    found = _lang(code)
    macro = found.macro() if found is not None else None
    return str(macro.pt3) if macro is not None else None


@functools.cache
def related_languages(code: str) -> frozenset[str]:
    """Return the languages that meet ``code`` through a macrolanguage: its macrolanguage
    (``prs`` → ``fas``), or a macrolanguage's own members (``fas`` → ``pes``, ``prs``).

    Two members of one macrolanguage are not related here: Mandarin and Cantonese (both
    Chinese, ``zho``) or Sorani and Kurmanji (both Kurdish, ``kur``) are not understood
    by each other's speakers.
    """
    found = _lang(code)
    if found is None:
        return frozenset()
    macro = found.macro()
    if macro is not None:
        return frozenset({str(macro.pt3)})
    return frozenset(str(member.pt3) for member in found.individuals())


def english_name(code: str) -> str | None:
    """Return the standard's English name of a language, without its qualifiers
    ("Malay (macrolanguage)" → "Malay"); None for an unknown code."""
    try:
        found = _lang(spoken_language(code))
    except UnknownLanguage:
        return None
    return _QUALIFIER.sub("", str(found.name)) if found is not None else None
