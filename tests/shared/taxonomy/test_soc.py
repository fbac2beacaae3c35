"""Tests for the SOC 2018 taxonomy shipped in shared/data."""

from __future__ import annotations

from collections import Counter

import pytest

from shared.taxonomy import (
    Level,
    MalformedCode,
    Occupation,
    Relation,
    Taxonomy,
    UnknownOccupation,
    default_taxonomy,
    normalize_code,
)

HEADER = "code,title,level,parent\n"


@pytest.fixture(scope="module")
def soc() -> Taxonomy:
    return default_taxonomy()


def codes(occupations: list[Occupation]) -> list[str]:
    return [occupation.code for occupation in occupations]


# --- the shipped data -------------------------------------------------------------------


def test_counts_per_level(soc: Taxonomy) -> None:
    # The complete SOC 2018 structure, plus the five codes only OEWS uses.
    assert len(soc) == 1452
    assert Counter(occupation.level for occupation in soc) == {
        Level.MAJOR: 23,
        Level.MINOR: 98,
        Level.BROAD: 459,
        Level.DETAILED: 867,
        Level.AGGREGATE: 5,
    }
    assert "55-0000" in soc
    assert "00-0000" not in soc


def test_iterates_in_code_order(soc: Taxonomy) -> None:
    all_codes = [occupation.code for occupation in soc]
    assert all_codes == sorted(all_codes)
    assert all(normalize_code(code) == code for code in all_codes)


def test_every_parent_exists_above_its_child(soc: Taxonomy) -> None:
    depth = {Level.MAJOR: 0, Level.MINOR: 1, Level.BROAD: 2, Level.DETAILED: 3, Level.AGGREGATE: 3}
    for occupation in soc:
        if occupation.level is Level.MAJOR:
            assert occupation.parent is None, occupation
            continue
        assert occupation.parent is not None, occupation
        parent = soc.get(occupation.parent)
        assert depth[parent.level] == depth[occupation.level] - 1, occupation
        if occupation.code.startswith("29-122"):
            continue  # Pediatricians... Radiologists: in 29-1210 Physicians, as in SOC 2018
        parent_digits = parent.code.replace("-", "").rstrip("0")
        assert occupation.code.replace("-", "").startswith(parent_digits), occupation


def test_every_group_has_children(soc: Taxonomy) -> None:
    for occupation in soc:
        if occupation.level not in (Level.DETAILED, Level.AGGREGATE):
            assert soc.children(occupation.code), occupation


def test_a_single_detailed_occupation_has_a_broad_group_of_its_title(soc: Taxonomy) -> None:
    assert soc.get("11-1010").title == soc.get("11-1011").title == "Chief Executives"
    assert codes(soc.children("11-1010")) == ["11-1011"]


def test_children_partition_everything_below_the_majors(soc: Taxonomy) -> None:
    below = sum(len(soc.children(occupation.code)) for occupation in soc)
    assert below == len(soc) - len(soc.major_groups())


def test_major_groups(soc: Taxonomy) -> None:
    majors = soc.major_groups()
    assert len(majors) == 23
    assert all(major.code.endswith("-0000") for major in majors)
    assert majors[0] == Occupation("11-0000", "Management Occupations", Level.MAJOR, None)
    assert majors[-1] == Occupation("55-0000", "Military Specific Occupations", Level.MAJOR, None)


def test_default_taxonomy_is_cached() -> None:
    assert default_taxonomy() is default_taxonomy()


# --- lookups and hierarchy ----------------------------------------------------------------


def test_get_detailed_occupation(soc: Taxonomy) -> None:
    assert soc.get("15-1252") == Occupation(
        "15-1252", "Software Developers", Level.DETAILED, "15-1250"
    )


@pytest.mark.parametrize(
    ("code", "parent"),
    [
        ("15-1250", "15-1200"),  # SOC 2018 minor group coded XX-XX00
        ("15-1200", "15-0000"),
        ("11-1011", "11-1010"),  # a broad group with a single detailed occupation
        ("19-5011", "19-5010"),
        ("19-5010", "19-5000"),  # OEWS folds minor 19-5000 into this broad group
        ("13-1021", "13-1020"),  # OEWS publishes this broad group as a detailed occupation
        ("39-7010", "39-7000"),
        ("29-1141", "29-1140"),
        ("29-1221", "29-1210"),  # Pediatricians are Physicians, not a broad group 29-1220
        ("21-1018", "21-1010"),  # an OEWS-only code sits beside the codes it folds
        ("55-3019", "55-3010"),
    ],
)
def test_parent_is_the_group_one_level_up(soc: Taxonomy, code: str, parent: str) -> None:
    assert soc.get(code).parent == parent


def test_levels_follow_soc_2018(soc: Taxonomy) -> None:
    assert soc.get("15-0000").level is Level.MAJOR
    assert soc.get("15-1200").level is Level.MINOR
    assert soc.get("19-5000").level is Level.MINOR
    assert soc.get("19-5010").level is Level.BROAD
    assert soc.get("15-1250").level is Level.BROAD
    assert soc.get("13-1020").level is Level.BROAD
    assert soc.get("21-1018").level is Level.AGGREGATE


@pytest.mark.parametrize(
    ("code", "title"),
    [
        ("13-1021", "Buyers and Purchasing Agents, Farm Products"),
        ("13-1022", "Wholesale and Retail Buyers, Except Farm Products"),
        ("13-1023", "Purchasing Agents, Except Wholesale, Retail, and Farm Products"),
        ("21-1011", "Substance Abuse and Behavioral Disorder Counselors"),
        ("29-1229", "Physicians, All Other"),
        ("11-1031", "Legislators"),
        ("55-1016", "Infantry Officers"),
        # The official title, where OEWS abbreviates it with "&".
        (
            "51-4033",
            "Grinding, Lapping, Polishing, and Buffing Machine Tool Setters, Operators, "
            "and Tenders, Metal and Plastic",
        ),
    ],
)
def test_detailed_occupations_oews_folds_are_valid(soc: Taxonomy, code: str, title: str) -> None:
    occupation = soc.get(code)
    assert occupation.level is Level.DETAILED
    assert occupation.title == title
    assert soc.is_valid(code.replace("-", ""))


# --- OEWS aggregates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aggregate", "folded"),
    [
        ("13-1020", ("13-1021", "13-1022", "13-1023")),
        ("21-1018", ("21-1011", "21-1014")),
        ("25-9045", ("25-9042", "25-9043", "25-9049")),
        ("53-1047", ("53-1042", "53-1043", "53-1044", "53-1049")),
    ],
)
def test_oews_aggregates_fold_detailed_codes(
    soc: Taxonomy, aggregate: str, folded: tuple[str, ...]
) -> None:
    assert soc.folds(aggregate) == folded
    assert all(soc.oews_code(code) == aggregate for code in folded)
    assert aggregate in soc


def test_codes_oews_publishes_are_their_own_oews_code(soc: Taxonomy) -> None:
    assert soc.oews_code("15-1252") == "15-1252"
    assert soc.oews_code("131020") == "13-1020"
    assert soc.folds("15-1252") == ()
    assert soc.folds("15-1250") == ()


def test_oews_publishes_each_detailed_code_alone_or_in_one_aggregate(soc: Taxonomy) -> None:
    oews_codes = {soc.oews_code(o.code) for o in soc if o.level is Level.DETAILED}
    assert len(oews_codes) == 867 - 28 + 12  # 28 codes folded into 12 aggregates


def test_aggregates_must_fold_known_detailed_codes() -> None:
    from shared.taxonomy.soc import Aggregate

    small = Taxonomy.from_csv(
        HEADER + "15-0000,Computer Occupations,major,\n15-1252,Software,detailed,15-0000\n"
    )
    with pytest.raises(ValueError, match="folds unknown"):
        Taxonomy(small, [Aggregate("15-1258", "Both", ("15-1252", "15-1253"))])
    folded = Taxonomy(small, [Aggregate("15-1258", "Software all", ("15-1252",))])
    assert folded.get("15-1258").level is Level.AGGREGATE
    assert folded.oews_code("15-1252") == "15-1258"


def test_prefix_properties(soc: Taxonomy) -> None:
    developer = soc.get("15-1252")
    assert (developer.major, developer.minor, developer.broad) == ("15", "15-1", "15-125")
    assert developer.prefix(Level.DETAILED) == "15-1252"


@pytest.mark.parametrize("code", ["15-1252", "151252", " 15-1252 ", "\t151252\n"])
def test_lookup_accepts_code_forms(soc: Taxonomy, code: str) -> None:
    assert soc.get(code).code == "15-1252"
    assert code in soc
    assert soc.is_valid(code)


@pytest.mark.parametrize("code", ["99-9999", "15-1259", "29-1220", "abc", "", 151252, None])
def test_contains_rejects_unknown_and_malformed(soc: Taxonomy, code: object) -> None:
    assert code not in soc


def test_get_unknown_code_raises(soc: Taxonomy) -> None:
    with pytest.raises(UnknownOccupation) as excinfo:
        soc.get("99-9999")
    assert isinstance(excinfo.value, KeyError)
    assert not isinstance(excinfo.value, MalformedCode)
    assert excinfo.value.code == "99-9999"
    assert str(excinfo.value) == "unknown SOC 2018 occupation code: '99-9999'"


def test_get_malformed_code_raises_unknown_occupation(soc: Taxonomy) -> None:
    with pytest.raises(UnknownOccupation):
        soc.get("software")
    assert not soc.is_valid("software")


def test_children(soc: Taxonomy) -> None:
    assert codes(soc.children("15-0000")) == ["15-1200", "15-2000"]
    assert codes(soc.children("151250")) == [
        "15-1251",
        "15-1252",
        "15-1253",
        "15-1254",
        "15-1255",
    ]
    assert soc.children("15-1252") == []
    with pytest.raises(UnknownOccupation):
        soc.children("15-1259")


# --- normalization ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("15-1252", "15-1252"),
        ("151252", "15-1252"),
        (" 15-1252 ", "15-1252"),
        ("990000", "99-0000"),
    ],
)
def test_normalize_code(raw: str, expected: str) -> None:
    assert normalize_code(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "  ", "15-125", "1512522", "15-12522", "15\u20131252", "151-252", "15 1252", "ab-cdef"],
)
def test_normalize_code_rejects_malformed(raw: str) -> None:
    with pytest.raises(MalformedCode) as excinfo:
        normalize_code(raw)
    assert isinstance(excinfo.value, ValueError)
    assert isinstance(excinfo.value, UnknownOccupation)
    assert excinfo.value.code == raw


# --- search -------------------------------------------------------------------------------


def test_search_by_word_prefixes(soc: Taxonomy) -> None:
    assert codes(soc.search("software dev")) == ["15-1252", "15-1250"]


def test_search_is_case_insensitive(soc: Taxonomy) -> None:
    assert soc.search("SOFTWARE Dev") == soc.search("software dev")


def test_search_nurse_finds_registered_nurses(soc: Taxonomy) -> None:
    found = codes(soc.search("nurse"))
    assert "29-1141" in found
    # Titles with the exact word "Nurse" rank above those only starting with it.
    assert found[:3] == ["29-1151", "29-1161", "29-1171"]


def test_search_ranks_detailed_first(soc: Taxonomy) -> None:
    levels = [occupation.level for occupation in soc.search("cooks", limit=50)]
    assert Level.DETAILED in levels
    first_group = levels.index(next(level for level in levels if level is not Level.DETAILED))
    assert all(level is not Level.DETAILED for level in levels[first_group:])


def test_search_requires_every_word(soc: Taxonomy) -> None:
    assert soc.search("software nurse") == []
    # Detailed occupations, then the broad group 17-2050 of the same title.
    assert codes(soc.search("civil engineer")) == ["17-3022", "17-2051", "17-2050"]
    assert codes(soc.search("civil engineers")) == ["17-2051", "17-2050"]


def test_search_ignores_punctuation_and_apostrophes(soc: Taxonomy) -> None:
    assert codes(soc.search("sheriff's patrol")) == ["33-3051"]
    assert codes(soc.search("sheriffs")) == ["33-3051"]
    assert "25-2023" in codes(soc.search("career/technical middle"))


def test_search_folds_accents(soc: Taxonomy) -> None:
    assert codes(soc.search("cafétéria cooks")) == ["35-2012"]


def test_search_by_code_prefix(soc: Taxonomy) -> None:
    found = codes(soc.search("15-12", limit=100))
    assert found == sorted(found)
    assert found[0] == "15-1200"
    assert "15-1252" in found
    assert all(code.startswith("15-12") for code in found)
    assert soc.search("1512", limit=100) == soc.search("15-12", limit=100)
    assert codes(soc.search("151252")) == ["15-1252"]
    assert codes(soc.search("15-1252")) == ["15-1252"]


def test_search_limit(soc: Taxonomy) -> None:
    assert len(soc.search("teachers")) == 10
    assert len(soc.search("teachers", limit=3)) == 3
    assert soc.search("teachers", limit=0) == []


@pytest.mark.parametrize("query", ["", "   ", "!!", "zzzz", "99-9"])
def test_search_without_matches(soc: Taxonomy, query: str) -> None:
    assert soc.search(query) == []


# --- relatedness --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "relation"),
    [
        ("15-1252", "151252", Relation.SAME),
        ("15-1252", "15-1254", Relation.BROAD),
        ("15-1252", "15-1250", Relation.BROAD),
        ("15-1252", "15-1211", Relation.MINOR),
        ("15-1252", "15-1200", Relation.MINOR),
        ("15-1252", "15-2051", Relation.MAJOR),
        ("15-1252", "15-0000", Relation.MAJOR),
        ("15-1252", "29-1141", Relation.NONE),
        ("29-1141", "29-1171", Relation.MINOR),
    ],
)
def test_relatedness(soc: Taxonomy, a: str, b: str, relation: Relation) -> None:
    assert soc.relatedness(a, b) is relation
    assert soc.relatedness(b, a) is relation


def test_relation_order() -> None:
    assert Relation.SAME > Relation.BROAD > Relation.MINOR > Relation.MAJOR > Relation.NONE


def test_relatedness_of_unknown_code_raises(soc: Taxonomy) -> None:
    with pytest.raises(UnknownOccupation):
        soc.relatedness("15-1252", "15-1259")


# --- related codes ------------------------------------------------------------------------


def test_related_codes_at_each_level(soc: Taxonomy) -> None:
    assert soc.related_codes("15-1252", Level.DETAILED) == ["15-1252"]
    assert soc.related_codes("15-1252", Level.BROAD) == [
        "15-1250",
        "15-1251",
        "15-1252",
        "15-1253",
        "15-1254",
        "15-1255",
    ]
    minor = soc.related_codes("15-1252", Level.MINOR)
    assert len(minor) == 22
    assert minor[0] == "15-1200"
    assert all(code.startswith("15-1") for code in minor)
    major = soc.related_codes("15-1252", Level.MAJOR)
    assert major == [occupation.code for occupation in soc if occupation.code.startswith("15-")]
    assert set(minor) < set(major)


def test_related_codes_accepts_level_names_and_code_forms(soc: Taxonomy) -> None:
    assert soc.related_codes("151252", "broad") == soc.related_codes("15-1252", Level.BROAD)


def test_related_codes_rejects_bad_input(soc: Taxonomy) -> None:
    with pytest.raises(ValueError):
        soc.related_codes("15-1252", "cousin")
    with pytest.raises(UnknownOccupation):
        soc.related_codes("15-1259", Level.BROAD)


# --- building a taxonomy ------------------------------------------------------------------


def test_from_csv_builds_a_small_taxonomy() -> None:
    small = Taxonomy.from_csv(
        HEADER + "15-0000,Computer Occupations,major,\n15-1252,Software,detailed,15-0000\n"
    )
    assert len(small) == 2
    assert small.get("15-1252").parent == "15-0000"
    assert codes(small.children("15-0000")) == ["15-1252"]


@pytest.mark.parametrize(
    "text",
    [
        "code,title\n15-0000,Computer Occupations\n",
        HEADER + "15-1252,Software,detailed,15-0000\n",
        HEADER + "15-0000,A,major,\n15-0000,B,major,\n",
        HEADER + "150000,A,major,\n",
        HEADER + "15-0000,A,top,\n",
    ],
    ids=["header", "unknown parent", "duplicate", "not normalized", "bad level"],
)
def test_from_csv_rejects_inconsistent_data(text: str) -> None:
    with pytest.raises(ValueError):
        Taxonomy.from_csv(text)


# --- closest title for a misspelling ------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Registred Nurse", "29-1141"),
        ("softwre developr", "15-1252"),
        ("electrcian", "47-2111"),
        ("civil enginer", "17-2051"),
    ],
)
def test_closest_finds_the_title_of_a_misspelling(soc: Taxonomy, typed: str, code: str) -> None:
    assert codes(soc.closest(typed, limit=1)) == [code]


def test_closest_offers_nothing_for_gibberish_or_blank(soc: Taxonomy) -> None:
    assert soc.closest("xyzzy") == []
    assert soc.closest("  ") == []
    assert soc.closest("nurse", limit=0) == []


def test_suggest_prefers_word_search_then_falls_back_to_closest(soc: Taxonomy) -> None:
    assert codes(soc.suggest("software dev")) == ["15-1252"]  # the broad group is left out
    assert codes(soc.suggest("Registred Nurse", limit=1)) == ["29-1141"]
    assert all(occ.level is Level.DETAILED for occ in soc.suggest("cooks"))


# --- extraction (scripts/extract_reference_data.py) ---------------------------------------


def test_extraction_completes_the_structure_and_finds_the_aggregates() -> None:
    from tests.shared.taxonomy.test_skills import load_script

    script = load_script()
    oews = script.soc_rows(
        [
            ("000000", "All Occupations", 0),
            ("130000", "Business Occupations", 0),
            ("131000", "Business Operations Specialists", 1),
            ("131020", "Buyers and Purchasing Agents", 3),
            ("131030", "Claims Adjusters", 2),
            ("131031", "Claims Adjusters, Examiners, and Investigators", 3),
            ("131032", "Insurance Appraisers, Auto Damage", 3),
            ("131041", "Compliance Officers", 3),
            ("195010", "Safety Specialists and Technicians", 1),
            ("195011", "Safety Specialists", 3),
            ("195012", "Safety Technicians", 3),
            ("190000", "Science Occupations", 0),
        ]
    )
    detailed = {
        "13-1021": "Farm Buyers",
        "13-1022": "Retail Buyers",
        "13-1031": "Claims Adjusters, Examiners, and Investigators",
        "13-1032": "Insurance Appraisers, Auto Damage",
        "13-1041": "Compliance Officers",
        "19-5011": "Safety Specialists",
        "19-5012": "Safety Technicians",
    }
    rows, aggregates = script.complete_soc(oews, detailed, None)
    by_code = {row.code: (row.title, row.level, row.parent) for row in rows}
    assert by_code["13-1020"] == ("Buyers and Purchasing Agents", "broad", "13-1000")
    assert by_code["13-1021"] == ("Farm Buyers", "detailed", "13-1020")
    assert by_code["13-1040"] == ("Compliance Officers", "broad", "13-1000")
    assert by_code["19-5000"] == ("Safety Specialists and Technicians", "minor", "19-0000")
    assert by_code["19-5010"] == ("Safety Specialists and Technicians", "broad", "19-5000")
    assert [(a.code, a.soc_codes) for a in aggregates] == [("13-1020", ("13-1021", "13-1022"))]
    with pytest.raises(ValueError, match="counts"):
        script.complete_soc(oews, detailed)
    with pytest.raises(ValueError, match="neither publishes nor folds"):
        script.complete_soc(oews, {**detailed, "13-1033": "Unpublished"}, None)


# --- O*NET titles and exact titles --------------------------------------------------------


def test_search_finds_an_occupation_by_an_onet_title(soc: Taxonomy) -> None:
    # O*NET 11-1011.03 Chief Sustainability Officers is within 11-1011 Chief Executives.
    assert codes(soc.search("sustainability officer")) == ["11-1011"]
    assert codes(soc.suggest("chief sustainability")) == ["11-1011"]


def test_search_returns_an_occupation_once_however_many_titles_match(soc: Taxonomy) -> None:
    found = codes(soc.search("engineer", limit=200))
    assert len(found) == len(set(found))


def test_search_finds_the_detailed_codes_oews_folds(soc: Taxonomy) -> None:
    assert codes(soc.suggest("purchasing agents")) == ["13-1021", "13-1023"]
    assert "13-1022" in codes(soc.suggest("wholesale buyers"))


def test_closest_knows_onet_titles(soc: Taxonomy) -> None:
    assert codes(soc.closest("Chief Sustainabilty Oficers", limit=1)) == ["11-1011"]
    assert codes(soc.suggest("wholesale byers"))[:1] == ["13-1022"]


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("Chief Executives", "11-1011"),  # the detailed occupation, not broad 11-1010
        ("chief sustainability officers", "11-1011"),  # an O*NET title
        ("Buyers and Purchasing Agents, Farm Products", "13-1021"),
        ("Substance Abuse, Behavioral Disorder, and Mental Health Counselors", "21-1018"),
        ("Computer Occupations", "15-1200"),
    ],
)
def test_titled_finds_exact_titles(soc: Taxonomy, title: str, code: str) -> None:
    occupation = soc.titled(title)
    assert occupation is not None and occupation.code == code


def test_titled_needs_the_whole_title(soc: Taxonomy) -> None:
    assert soc.titled("Chief") is None
    assert soc.titled("") is None


def test_related_codes_bring_the_aggregate_and_its_codes(soc: Taxonomy) -> None:
    assert soc.related_codes("13-1021", Level.DETAILED) == ["13-1020", "13-1021"]
    assert soc.related_codes("21-1018", Level.DETAILED) == ["21-1011", "21-1014", "21-1018"]
