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
)
from shared.protocol.profiles import LanguageSchema


@pytest.mark.parametrize(
    ("code", "canonical"),
    [
        ("ar", "ar"),
        ("ara", "ar"),  # ISO 639-3 of a language with an ISO 639-1 code: the short one
        ("per", "fa"),  # ISO 639-2/B
        ("prs", "prs"),  # Dari has no ISO 639-1 code: it keeps its own
        ("rhg", "rhg"),
        ("tir", "ti"),
        ("pus", "ps"),
        ("hat", "ht"),
        (" PRS ", "prs"),
        ("xx", None),
        ("zzz", None),
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
    assert offered["fa"] == "Persian" and offered["ar"] == "Arabic"
    assert set(EXTRA_LANGUAGES) <= set(offered)
    assert len(offered) == len(languages())  # one option per code


def test_names_are_in_the_readers_language_where_cldr_has_them() -> None:
    assert dict(languages("fr"))["ar"] == "arabe"
    assert dict(languages("ar"))["ar"] == "العربية"
    assert language_name("prs", "fa") == "دری"
    assert language_name("rhg", "uk") != "rhg"
    # CLDR lacks Hakha Chin in Ukrainian: the English name, never the bare code.
    assert language_name("cnh", "uk") == "Hakha Chin"
    assert language_name("ara") == "Arabic"
    assert language_name("qqq") == "qqq" and language_name(None) == "—"
    assert dict(countries("fr"))["SY"] == "Syrie"
    assert dict(countries())["SY"] == "Syria"


def test_the_page_languages_name_persian_for_dari_readers_too() -> None:
    assert LANGUAGES["fa"].name == "فارسی / دری" and LANGUAGES["fa"].rtl
    assert [code for code, lang in LANGUAGES.items() if lang.rtl] == ["ar", "fa"]


def test_the_wire_reads_iso_639_3_and_earlier_nodes_iso_639_1_codes() -> None:
    schema = LanguageSchema()
    assert schema.load({"language": "ara", "level": "B2"})["language"] == "ar"
    assert schema.load({"language": "ar", "level": "B2"})["language"] == "ar"
    assert schema.load({"language": "prs", "level": "native"})["language"] == "prs"


def test_match_explanations_name_languages_without_an_iso_639_1_code() -> None:
    from shared.matching.profiles import language_name as explained

    assert [explained(code) for code in ("prs", "rhg", "ar")] == ["Dari", "Rohingya", "Arabic"]
