"""Spoken languages: any ISO 639 code read as its ISO 639-3 code; macrolanguages."""

from __future__ import annotations

import pytest

from shared.languages import (
    UnknownLanguage,
    english_name,
    language_tag,
    macrolanguage,
    related_languages,
    spoken_language,
)


@pytest.mark.parametrize(
    ("code", "stored"),
    [
        ("ar", "ara"),
        ("ara", "ara"),
        ("fa", "fas"),
        ("per", "fas"),  # ISO 639-2/B
        ("fas", "fas"),  # ISO 639-2/T and 639-3
        ("prs", "prs"),
        ("rhg", "rhg"),
        ("tir", "tir"),
        ("pus", "pus"),
        ("hat", "hat"),
        ("ger", "deu"),
        ("chi", "zho"),
        ("EN", "eng"),
    ],
)
def test_every_iso_639_form_is_read_as_its_iso_639_3_code(code: str, stored: str) -> None:
    assert spoken_language(code) == stored


@pytest.mark.parametrize("code", ["xx", "qqq", "sla", "e1", "english", "", "mol"])
def test_an_unknown_code_is_refused_with_a_clear_message(code: str) -> None:
    with pytest.raises(UnknownLanguage, match="not an ISO 639 language code; use one such"):
        spoken_language(code)


def test_tags_are_the_short_codes_pages_and_cldr_use() -> None:
    assert [language_tag(c) for c in ("ara", "fas", "prs", "eng", "ar")] == [
        "ar",
        "fa",
        "prs",
        "en",
        "ar",
    ]


def test_macrolanguages_and_their_members_are_related_but_not_sisters() -> None:
    assert macrolanguage("prs") == "fas" and macrolanguage("apc") == "ara"
    assert macrolanguage("fas") is None and macrolanguage("eng") is None
    assert related_languages("prs") == {"fas"}
    assert {"prs", "pes"} <= related_languages("fas")
    assert "apc" in related_languages("ara")
    assert "cmn" not in related_languages("yue")  # Mandarin and Cantonese: both Chinese
    assert related_languages("eng") == frozenset()


def test_english_names_drop_the_standards_qualifiers() -> None:
    assert english_name("msa") == "Malay"
    assert english_name("prs") == "Dari"
    assert english_name("qqq") is None
