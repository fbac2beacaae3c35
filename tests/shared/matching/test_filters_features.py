"""Hard filters and feature values on hand-made pairs."""

from __future__ import annotations

import dataclasses

import pytest

from shared.matching import Candidate, CandidateMatrix, Seeker, Weights, rank
from shared.matching.features import (
    RELATED_LANGUAGE_FACTOR,
    availability_value,
    demand_value,
    experience_value,
    idf,
    language_value,
    load_value,
    occupation_keys,
    occupation_value,
    skills_value,
)
from shared.taxonomy import Level, default_taxonomy

NURSE = Candidate(
    id="nurse",
    occupation="29-1141",
    skills=frozenset({"triage", "iv"}),
    years=12,
    languages={"eng": "native", "ara": "B2"},
    availability=frozenset({"weekends", "weekday_evenings"}),
    community="halifax",
    capacity=3,
    capacity_left=2,
)
SEEKER = Seeker(
    id="amal",
    target_occupation="29-1141",
    skills=frozenset({"triage", "wound care"}),
    years=6,
    languages={"eng": "B2", "ara": "native"},
    availability=frozenset({"weekends"}),
    community="halifax",
)


def ids(seeker: Seeker, *candidates: Candidate, **options: object) -> list[object]:
    matrix = CandidateMatrix.build(candidates)
    return [s.candidate_id for s in rank(seeker, matrix, 10, **options)]  # type: ignore[arg-type]


# ---- hard filters ------------------------------------------------------------------------


def test_a_good_pair_passes_every_filter() -> None:
    assert ids(SEEKER, NURSE) == ["nurse"]


@pytest.mark.parametrize(
    "change",
    [
        {"consented": False},
        {"capacity_left": 0},
        {"languages": {"fra": "native"}},
        {"languages": {"ara": "A2", "eng": "A2"}},  # shared, but below B1
        {"community": "moncton"},
        {"blocked": frozenset({"amal"})},
    ],
)
def test_candidate_side_filters(change: dict[str, object]) -> None:
    assert ids(SEEKER, dataclasses.replace(NURSE, **change)) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "change",
    [
        {"consented": False},
        {"blocked": frozenset({"nurse"})},
        {"excluded": frozenset({"nurse"})},
        {"languages": {"eng": "A2"}},  # the seeker's English is too weak, Arabic absent
    ],
)
def test_seeker_side_filters(change: dict[str, object]) -> None:
    assert ids(dataclasses.replace(SEEKER, **change), NURSE) == []  # type: ignore[arg-type]


def test_min_language_level_is_configurable() -> None:
    weak = dataclasses.replace(SEEKER, languages={"eng": "A2"})
    assert ids(weak, NURSE) == []
    assert ids(weak, NURSE, weights=Weights(min_language_level="A2")) == ["nurse"]
    strict = Weights(min_language_level="C1")
    assert ids(SEEKER, NURSE, weights=strict) == []  # English B2, Arabic B2: neither is C1
    fluent = dataclasses.replace(NURSE, languages={"ara": "C1"})
    assert ids(SEEKER, fluent, weights=strict) == ["nurse"]


def test_other_communities_need_cross_city_on_both_sides() -> None:
    far = dataclasses.replace(NURSE, id="far", community="moncton")
    willing = dataclasses.replace(far, id="willing", cross_city_ok=True)
    remote = dataclasses.replace(far, id="remote", remote_ok=True)
    open_seeker = dataclasses.replace(SEEKER, cross_city_ok=True)
    assert ids(open_seeker, far, willing, remote) == []  # local search only
    assert sorted(ids(open_seeker, far, willing, remote, cross_city=True)) == ["remote", "willing"]
    # Without the seeker's consent, a cross-city search stays local.
    assert ids(SEEKER, NURSE, willing, cross_city=True) == ["nurse"]
    # own_community=False leaves the seeker's own community out.
    found = ids(open_seeker, NURSE, willing, cross_city=True, own_community=False)
    assert found == ["willing"]


def test_must_have_turns_a_feature_into_a_filter() -> None:
    cousin = dataclasses.replace(NURSE, id="cousin", occupation="29-2061")  # same major only
    sibling = dataclasses.replace(NURSE, id="sibling", occupation="29-1171")  # same minor
    found = ids(
        SEEKER,
        cousin,
        sibling,
        weights=Weights.from_mapping({"must_have": {"occupation": "minor"}}),
    )
    assert found == ["sibling"]
    assert sorted(ids(SEEKER, cousin, sibling)) == ["cousin", "sibling"]


# ---- features ----------------------------------------------------------------------------


def test_occupation_keys_follow_the_taxonomy_levels() -> None:
    depth = {Level.MAJOR: 1, Level.MINOR: 2, Level.BROAD: 3, Level.DETAILED: 4}
    taxonomy = default_taxonomy()
    for occupation in taxonomy:
        keys = occupation_keys(occupation.code)
        # A code OEWS publishes in place of detailed ones (13-1020, 21-1018) is as deep as
        # a detailed occupation, so two people stored under it stay the same occupation.
        expected = 4 if taxonomy.folds(occupation.code) else depth[occupation.level]
        assert sum(k >= 0 for k in keys) == expected, occupation
    assert occupation_keys("15-1252") == (15, 151, 15125, 151252)
    assert occupation_keys("13-1020") == (13, 131, 13102, 131020)
    assert occupation_keys("15-1250") == (15, 151, 15125, -1)
    assert occupation_keys("151200") == (15, 151, -1, -1)
    assert occupation_keys(None) == (-1, -1, -1, -1)


@pytest.mark.parametrize(
    ("theirs", "value"),
    [
        ("29-1141", 1.0),  # same
        ("29-1140", 0.75),  # the broad group itself (a generalized directory profile)
        ("29-1171", 0.5),  # same minor group 29-1
        ("29-2061", 0.25),  # same major group 29
        ("15-1252", 0.0),
        (None, 0.0),
    ],
)
def test_occupation_value_by_shared_prefix(theirs: str | None, value: float) -> None:
    candidate = dataclasses.replace(NURSE, occupation=theirs)
    assert occupation_value(SEEKER, candidate) == (value, False)


def test_current_occupation_counts_at_eighty_percent() -> None:
    switcher = dataclasses.replace(
        SEEKER, target_occupation="15-1252", current_occupation="29-1141"
    )
    assert occupation_value(switcher, NURSE) == (pytest.approx(0.8), True)
    developer = dataclasses.replace(NURSE, occupation="15-1253")  # same broad as the target
    assert occupation_value(switcher, developer) == (0.75, False)


def test_skills_are_weighted_by_rarity() -> None:
    pool = [dataclasses.replace(NURSE, id=n, skills=frozenset({"triage"})) for n in range(9)] + [
        dataclasses.replace(NURSE, id="rare", skills=frozenset({"wound care"}))
    ]
    matrix = CandidateMatrix.build(pool)
    assert matrix.idf("triage") == pytest.approx(idf(9, 10))
    assert matrix.idf("wound care") > matrix.idf("triage")
    common = skills_value(SEEKER, pool[0], matrix.idf)
    rare = skills_value(SEEKER, pool[-1], matrix.idf)
    total = matrix.idf("triage") + matrix.idf("wound care")
    assert common == pytest.approx(matrix.idf("triage") / total)
    assert rare == pytest.approx(matrix.idf("wound care") / total)
    assert rare > common
    nobody = dataclasses.replace(SEEKER, skills=frozenset())
    assert skills_value(nobody, pool[0], matrix.idf) == 0
    # A skill everyone holds weighs 1; one nobody in the pool holds weighs the most.
    assert idf(10, 10) == pytest.approx(1.0)
    assert matrix.idf("unheard of") == pytest.approx(idf(0, 10))
    assert matrix.idf("unheard of") > matrix.idf("wound care")


@pytest.mark.parametrize(
    ("theirs", "mine", "value"),
    [(9, 6, 1.0), (20, 6, 1.0), (6, 6, 0.7), (7, 6, 0.8), (4, 6, 0.5), (0, 10, 0.0),
     (None, 6, 0.5), (5, None, 0.5)],
)  # fmt: skip
def test_experience_gap(theirs: int | None, mine: int | None, value: float) -> None:
    pair = (dataclasses.replace(SEEKER, years=mine), dataclasses.replace(NURSE, years=theirs))
    assert experience_value(*pair) == pytest.approx(value)


def test_language_value_prefers_the_seekers_native_language() -> None:
    # Arabic: seeker native, nurse B2 -> 0.75 * 4/7 + 0.25; English: min(B2, native) = B2.
    assert language_value(SEEKER, NURSE, 3) == pytest.approx(0.75 * 4 / 7 + 0.25)
    english_only = dataclasses.replace(NURSE, languages={"eng": "native"})
    assert language_value(SEEKER, english_only, 3) == pytest.approx(0.75 * 4 / 7)
    assert language_value(SEEKER, dataclasses.replace(NURSE, languages={}), 3) == 0


@pytest.mark.parametrize(
    ("mine", "theirs"),
    [("fas", "prs"), ("prs", "fas"), ("ara", "apc"), ("apc", "ara")],
    ids=["persian-dari", "dari-persian", "arabic-levantine", "levantine-arabic"],
)
def test_a_macrolanguage_and_its_member_are_a_partial_language_match(
    mine: str, theirs: str
) -> None:
    seeker = dataclasses.replace(SEEKER, languages={mine: "native"})
    nurse = dataclasses.replace(NURSE, languages={theirs: "C1"})
    same = dataclasses.replace(NURSE, languages={mine: "C1"})
    full = language_value(seeker, same, 3)
    assert full == pytest.approx(0.75 * 5 / 7 + 0.25)
    assert language_value(seeker, nurse, 3) == pytest.approx(RELATED_LANGUAGE_FACTOR * full)
    assert ids(seeker, nurse) == ["nurse"]  # they pass the shared-language filter
    # The vectorized engine gives the very same value as the definition.
    matrix = CandidateMatrix.build([nurse])
    [found] = rank(seeker, matrix, 1)
    assert found.values["language"] == language_value(seeker, nurse, 3)
    # And the same language in full ranks first.
    assert ids(seeker, nurse, dataclasses.replace(same, id="same")) == ["same", "nurse"]


def test_two_members_of_one_macrolanguage_do_not_meet_through_it() -> None:
    # Iranian Persian and Dari, Mandarin and Cantonese: only the macrolanguage meets each.
    for mine, theirs in (("pes", "prs"), ("cmn", "yue"), ("ckb", "kmr")):
        seeker = dataclasses.replace(SEEKER, languages={mine: "native"})
        nurse = dataclasses.replace(NURSE, languages={theirs: "native"})
        assert language_value(seeker, nurse, 3) == 0
        assert ids(seeker, nurse) == []


def test_availability_is_the_jaccard_of_slots() -> None:
    assert availability_value(SEEKER, NURSE) == pytest.approx(1 / 2)
    none = dataclasses.replace(NURSE, availability=frozenset())
    assert availability_value(SEEKER, none) == 0.5  # unknown, neither good nor bad
    other = dataclasses.replace(NURSE, availability=frozenset({"weekday_mornings"}))
    assert availability_value(SEEKER, other) == 0


def test_load_and_demand() -> None:
    assert load_value(NURSE) == pytest.approx(2 / 3)
    assert load_value(dataclasses.replace(NURSE, capacity=0, capacity_left=0)) == 0
    assert demand_value(SEEKER) == 0.5
    assert demand_value(dataclasses.replace(SEEKER, demand=0.9)) == 0.9
    assert demand_value(SEEKER, 1.7) == 1.0


def test_contributions_are_weight_times_value_over_total_weight() -> None:
    weights = Weights(occupation=2, skills=1, experience=1, language=0, availability=0,
                      demand=0, load=0)  # fmt: skip
    [suggestion] = rank(SEEKER, CandidateMatrix.build([NURSE]), 1, weights)
    assert suggestion.contributions["occupation"] == pytest.approx(2 * 1.0 / 4)
    assert suggestion.contributions["experience"] == pytest.approx(1.0 / 4)
    assert suggestion.contributions["language"] == 0
    assert suggestion.score == pytest.approx(sum(suggestion.contributions.values()))


def test_better_candidates_rank_first() -> None:
    same = NURSE
    related = dataclasses.replace(NURSE, id="related", occupation="29-1171")
    unrelated = dataclasses.replace(NURSE, id="unrelated", occupation="15-1252")
    assert ids(SEEKER, unrelated, related, same) == ["nurse", "related", "unrelated"]


def test_an_empty_pool_or_unknown_community_gives_nothing() -> None:
    assert rank(SEEKER, CandidateMatrix.build([]), 5) == []
    stranger = dataclasses.replace(SEEKER, community="nowhere")
    assert ids(stranger, NURSE) == []


def test_duplicate_candidate_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate candidate id"):
        CandidateMatrix.build([NURSE, NURSE])
