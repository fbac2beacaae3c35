"""Phrases made in English and said again in a reader's language."""

from __future__ import annotations

import datetime as dt

import pytest

from shared.wording import AND, ENGLISH, Nn_, Phrase, Words, plural_count, split_list

SKILLS = Phrase(Nn_("%(count)s shared skill: %(skills)s", "%(count)s shared skills: %(skills)s"))
#: A catalog in miniature, French-like: its own plural rule (0 and 1 are singular).
CATALOG = {
    AND: "%(items)s et %(last)s",
    "%(count)s shared skill: %(skills)s": (
        "%(count)s compétence commune : %(skills)s",
        "%(count)s compétences communes : %(skills)s",
    ),
}


def _gettext(message: str) -> str:
    found = CATALOG.get(message)
    return found if isinstance(found, str) else message


def _ngettext(singular: str, plural: str, n: int) -> str:
    found = CATALOG.get(singular)
    if isinstance(found, tuple):
        return found[0 if n <= 1 else 1]
    return singular if n == 1 else plural


FRENCH = Words(gettext=_gettext, ngettext=_ngettext, number=lambda v: f"{v:g}".replace(".", ","))


def test_english_is_the_default_and_picks_its_plural() -> None:
    assert SKILLS.say(n=1, count=1, skills="triage") == "1 shared skill: triage"
    assert SKILLS.say(n=0, count=0, skills="—") == "0 shared skills: —"
    assert ENGLISH.join(["a", "b", "c"]) == "a, b and c"
    assert ENGLISH.join(["a"]) == "a" and ENGLISH.join([]) == ""


def test_a_reader_gets_their_plural_rule_and_their_and() -> None:
    assert SKILLS.say(FRENCH, 0, count=0, skills="—") == "0 compétence commune : —"
    assert SKILLS.say(FRENCH, 2, count=2, skills=FRENCH.join(["a", "b"])) == (
        "2 compétences communes : a et b"
    )


def test_a_plural_phrase_needs_its_number() -> None:
    with pytest.raises(TypeError):
        SKILLS.say(count=1, skills="x")


def test_reading_back_gives_the_values_of_either_form() -> None:
    assert SKILLS.read("1 shared skill: triage") == {"count": "1", "skills": "triage"}
    assert SKILLS.read("3 shared skills: a, b and c") == {"count": "3", "skills": "a, b and c"}
    assert SKILLS.read("3 common skills: a") is None
    # Characters a regular expression treats specially are only text in a phrase.
    odd = Phrase("has capacity (%(left)s of %(capacity)s left)")
    assert odd.read("has capacity (2 of 3 left)") == {"left": "2", "capacity": "3"}
    assert odd.read("has capacity 2 of 3 left") is None


@pytest.mark.parametrize(
    ("text", "expected", "items"),
    [
        ("a", None, ["a"]),
        ("a and b", None, ["a", "b"]),
        ("a, b and c", 3, ["a", "b", "c"]),
        ("a, b and c", 2, None),  # the count says otherwise
        ("Java and sales and marketing", 2, None),  # two readings: neither is guessed
        ("Java, sales and marketing and IV therapy", 3, None),
        ("sales and marketing", 1, None),
        ("", None, None),
    ],
)
def test_a_list_is_read_back_only_when_one_reading_fits(
    text: str, expected: int | None, items: list[str] | None
) -> None:
    assert split_list(text, expected) == items


def test_plural_forms_agree_with_whole_numbers_and_fractions_read_plural() -> None:
    assert [plural_count(v) for v in (0, 1, 1.0, 2, 6.0)] == [0, 1, 1, 2, 6]
    assert plural_count(1.5) == 2 and plural_count(0.5) == 2


def test_english_numbers_and_dates_read_as_the_reasons_always_wrote_them() -> None:
    assert ENGLISH.number(6.0) == "6" and ENGLISH.number(2.5) == "2.5"
    assert ENGLISH.date(dt.date(2027, 1, 5)) == "2027-01-05"
