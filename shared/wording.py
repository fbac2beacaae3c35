"""Sentences the services write in English, and how a page says them in its reader's language.

Reasons (why a connector suits a connectee, why a person is or is not eligible) are made in
English: the API, the wire protocol and the databases carry and keep that English, and
machines read it. Each reason is made from a :class:`Phrase`, whose English is also a
message of the staff catalogs (marked ``N_`` or ``Nn_``, so ``make translations`` extracts
it). A page that shows a reason, made now, stored long ago or received from another
service, reads its values back with :meth:`Phrase.read` and says it again with
:meth:`Phrase.say` in the reader's :class:`Words`: Flask-Babel's, which ``shared.web``
passes in (nothing here imports Flask). English text no phrase made shows as it is.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shared.text import N_


def Nn_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802  (like gettext's N_)
    """Mark a singular and plural message for the catalogs without translating them here."""
    return singular, plural


def _english_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def _english_number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _identity(text: str) -> str:
    return text


#: How English joins the last two items of a list ("a, b and c"): a message, so a language
#: can use its own word ("a, b et c").
AND = N_("%(items)s and %(last)s")
#: Between the other items of a list.
COMMA = ", "


@dataclass(frozen=True)
class Words:
    """How a reader's language says things: catalog look-ups (raw, without ``%`` formatting),
    numbers, dates, and the names of languages by ISO 639 code. The defaults say it in
    English, as the reasons are made."""

    gettext: Callable[[str], str] = _identity
    ngettext: Callable[[str, str, int], str] = _english_plural
    number: Callable[[float], str] = _english_number
    date: Callable[[dt.date], str] = dt.date.isoformat
    #: None: leave a language's name as the reason gave it (English).
    language: Callable[[str], str] | None = None

    def join(self, items: Sequence[str]) -> str:
        """Join items as prose: "a", "a and b", "a, b and c" (in the reader's words)."""
        if len(items) <= 1:
            return "".join(items)
        return self.gettext(AND) % {"items": COMMA.join(items[:-1]), "last": items[-1]}


#: English, the language reasons are made and kept in.
ENGLISH = Words()


def plural_count(value: float) -> int:
    """The whole number a catalog picks a plural form by: gettext takes no fractions, and a
    fraction reads plural in English ("1.5 years")."""
    return int(value) if value == int(value) else 2


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@functools.lru_cache(maxsize=256)
def _pattern(form: str) -> re.Pattern[str]:
    """A regular expression that reads the values back from ``form``'s English."""
    parts: list[str] = []
    at = 0
    for found in _PLACEHOLDER.finditer(form):
        parts.append(re.escape(form[at : found.start()]))
        parts.append(f"(?P<{found.group(1)}>.+?)")
        at = found.end()
    parts.append(re.escape(form[at:]))
    return re.compile("".join(parts), re.DOTALL)


@dataclass(frozen=True)
class Phrase:
    """One English message with ``%(name)s`` values: a single form, or a singular and a
    plural (``Nn_``) chosen by a number."""

    message: str | tuple[str, str]

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.message,) if isinstance(self.message, str) else self.message

    def say(self, words: Words = ENGLISH, n: int | None = None, **values: object) -> str:
        """The phrase in ``words``' language, with ``values`` put in; ``n`` picks the
        plural form of a plural phrase."""
        if isinstance(self.message, str):
            text = words.gettext(self.message)
        else:
            if n is None:
                raise TypeError("a plural phrase needs n, the number it agrees with")
            text = words.ngettext(*self.message, n)
        return text % values if values else text

    def read(self, english: str) -> dict[str, str] | None:
        """The values of an English text this phrase made, or None if it did not make it."""
        for form in self.forms:
            found = _pattern(form).fullmatch(english)
            if found:
                return found.groupdict()
        return None


def split_list(text: str, expected: int | None = None) -> list[str] | None:
    """Read back the items an English list was joined from ("a, b and c"), ``expected`` of
    them if given; None when more than one reading fits (an item holding "and" or ",")."""
    if " and " not in text:
        return [text] if expected in (None, 1) and text else None
    readings = []
    start = text.find(" and ")
    while start != -1:
        head, last = text[:start], text[start + len(" and ") :]
        items = [*head.split(COMMA), last]
        if all(items) and (expected is None or len(items) == expected):
            readings.append(items)
        start = text.find(" and ", start + 1)
    return readings[0] if len(readings) == 1 else None
