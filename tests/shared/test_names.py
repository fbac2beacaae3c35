"""Languages and countries by the names people use, in the reader's language."""

from __future__ import annotations

import pytest

from shared.names import (
    EXTRA_LANGUAGES,
    LANGUAGES,
    canonical_language,
    countries,
    language_name,
    languages,
    written_languages,
)
from shared.protocol.profiles import LanguageSchema


@pytest.mark.parametrize(
    ("code", "canonical"),
    [
        ("ar", "ara"),  # ISO 639-1
        ("ara", "ara"),  # ISO 639-3 (and 639-2): the stored code
        ("fa", "fas"),
        ("per", "fas"),  # ISO 639-2/B
        ("fas", "fas"),  # ISO 639-2/T
        ("prs", "prs"),  # Dari has no ISO 639-1 code: it keeps its own
        ("rhg", "rhg"),
        ("tir", "tir"),
        ("ti", "tir"),
        ("pus", "pus"),
        ("hat", "hat"),
        ("ht", "hat"),
        ("en", "eng"),
        (" PRS ", "prs"),
        ("xx", None),
        ("zzz", None),
        ("sla", None),  # ISO 639-2/5 "Slavic languages": a group, not one language
        ("", None),
    ],
)
def test_each_language_has_one_code(code: str, canonical: str | None) -> None:
    assert canonical_language(code) == canonical


def test_languages_without_an_iso_639_1_code_can_be_chosen() -> None:
    offered = dict(languages())
    assert offered["prs"] == "Dari"
    assert offered["rhg"] == "Rohingya"
    assert offered["ckb"] == "Sorani Kurdish"
    assert offered["fas"] == "Persian" and offered["ara"] == "Arabic"
    assert offered["hat"] == "Haitian Creole"
    assert set(EXTRA_LANGUAGES) <= set(offered)
    assert all(len(code) == 3 for code in offered)  # ISO 639-3, every one
    assert len(offered) == len(languages())  # one option per code


def test_documents_are_offered_by_the_tags_pages_use() -> None:
    written = dict(written_languages())
    assert written["ar"] == "Arabic" and written["prs"] == "Dari"
    assert "ara" not in written
    assert len(written) == len(languages())


def test_names_are_in_the_readers_language_where_cldr_has_them() -> None:
    assert dict(languages("fr"))["ara"] == "arabe"
    assert dict(languages("ar"))["ara"] == "العربية"
    # Names in French (CLDR): Dari is named, not left as a code; either form of a code.
    assert language_name("prs", "fr") == "dari"
    assert language_name("ara", "fr") == language_name("ar", "fr") == "arabe"
    assert language_name("tir", "fr") == "tigrigna"
    assert language_name("hat", "fr") == "créole haïtien"
    assert language_name("prs", "fa") == "دری"
    assert language_name("rhg", "uk") != "rhg"
    # CLDR lacks Hakha Chin: named here in each language we ship, never the bare code.
    assert language_name("cnh", "uk") == "хакха-чин"
    assert language_name("cnh", "fr") == "chin hakha"
    # A locale we do not ship and CLDR does not know: the English name.
    assert language_name("cnh", "xx") == "Hakha Chin"
    assert language_name("ara") == "Arabic"
    assert language_name("qqq") == "qqq" and language_name(None) == "—"
    assert dict(countries("fr"))["SY"] == "Syrie"
    assert dict(countries())["SY"] == "Syria"


@pytest.mark.parametrize("locale", [code for code in LANGUAGES if code != "en"])
def test_every_offered_language_is_named_in_each_language_we_ship(locale: str) -> None:
    english = dict(languages())
    named = dict(languages(locale))
    assert named.keys() == english.keys()
    untranslated = [code for code, name in named.items() if name == english[code]]
    assert untranslated == []


def test_the_page_languages_name_persian_for_dari_readers_too() -> None:
    assert LANGUAGES["fa"].name == "فارسی / دری" and LANGUAGES["fa"].rtl
    assert [code for code, lang in LANGUAGES.items() if lang.rtl] == ["ar", "fa"]


def test_the_wire_carries_iso_639_3_and_reads_earlier_nodes_iso_639_1_codes() -> None:
    schema = LanguageSchema()
    assert schema.load({"language": "ara", "level": "B2"})["language"] == "ara"
    assert schema.load({"language": "ar", "level": "B2"})["language"] == "ara"
    assert schema.load({"language": "fa", "level": "C1"})["language"] == "fas"
    assert schema.load({"language": "prs", "level": "native"})["language"] == "prs"


def test_match_explanations_name_languages_without_an_iso_639_1_code() -> None:
    from shared.matching.profiles import language_name as explained

    assert [explained(code) for code in ("prs", "rhg", "ara", "ar")] == [
        "Dari",
        "Rohingya",
        "Arabic",
        "Arabic",
    ]
