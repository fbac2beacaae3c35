"""Tests for experience bands and k-anonymous generalization of connector profiles."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.privacy import (
    EXPERIENCE_BANDS,
    NOT_LISTED,
    ConnectorFacts,
    Generalized,
    experience_band,
    generalize,
)
from shared.taxonomy import Taxonomy, default_taxonomy

# --- experience_band ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("years", "band"),
    [
        (None, None),
        (0, "0-4"),
        (4, "0-4"),
        (5, "5-9"),
        (9, "5-9"),
        (10, "10-19"),
        (19, "10-19"),
        (20, "20+"),
        (55, "20+"),
    ],
)
def test_experience_band(years: int | None, band: str | None) -> None:
    assert experience_band(years) == band


def test_negative_years_are_refused() -> None:
    with pytest.raises(ValueError):
        experience_band(-1)


def test_non_integer_years_are_refused() -> None:
    with pytest.raises(TypeError):
        experience_band(True)
    with pytest.raises(TypeError):
        experience_band(4.5)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=80))
def test_every_year_count_has_one_of_the_bands(years: int) -> None:
    assert experience_band(years) in EXPERIENCE_BANDS


# --- generalize: worked examples -------------------------------------------------------------

_next_id = iter(range(1, 10**9))


def people(count: int, occupation: str | None, years: int | None = 7) -> list[ConnectorFacts]:
    return [
        ConnectorFacts(
            local_id=next(_next_id),
            occupation=occupation,
            years_in_field=years,
            languages=(("eng", "C2"),),
            availability=(),
            remote_ok=False,
            cross_city_ok=False,
            accepting=True,
        )
        for _ in range(count)
    ]


def published(facts: Iterable[ConnectorFacts], k: int = 5) -> dict[int, Generalized]:
    return generalize(list(facts), k)


def of(result: dict[int, Generalized], group: list[ConnectorFacts]) -> set[Generalized]:
    return {result[fact.local_id] for fact in group}


def test_a_full_cell_is_published_as_is() -> None:
    nurses = people(5, "29-1141", years=7)
    assert of(published(nurses), nurses) == {Generalized("29-1141", "detailed", "5-9")}


def test_small_cells_move_up_and_count_together_with_the_cells_they_join() -> None:
    nurses = people(4, "29-1141")  # parent: minor 29-1000
    dentists = people(3, "29-1021")  # parent: broad 29-1020, then minor 29-1000
    pharmacists = people(6, "29-1051")
    result = published(nurses + dentists + pharmacists)
    assert of(result, nurses + dentists) == {Generalized("29-1000", "minor", "5-9")}
    assert of(result, pharmacists) == {Generalized("29-1051", "detailed", "5-9")}


def test_a_broad_cell_that_reaches_k_stops_there() -> None:
    general_dentists = people(3, "29-1021")
    surgeons = people(2, "29-1022")
    result = published(general_dentists + surgeons)
    assert of(result, general_dentists + surgeons) == {Generalized("29-1020", "broad", "5-9")}


def test_cells_coarsen_to_the_major_group_keeping_the_band() -> None:
    nurses = people(3, "29-1141")  # minor 29-1000
    technicians = people(2, "29-2034")  # minor 29-2000
    result = published(nurses + technicians)
    assert of(result, nurses + technicians) == {Generalized("29-0000", "major", "5-9")}


def test_the_band_is_dropped_last_at_the_major_group() -> None:
    juniors = people(3, "29-1141", years=1)
    seniors = people(2, "29-1141", years=30)
    result = published(juniors + seniors)
    assert of(result, juniors + seniors) == {Generalized("29-0000", "major", None)}


def test_unknown_experience_is_its_own_unbanded_cell() -> None:
    unknown = people(5, "29-1141", years=None)
    known = people(5, "29-1141", years=12)
    result = published(unknown + known)
    assert of(result, unknown) == {Generalized("29-1141", "detailed", None)}
    assert of(result, known) == {Generalized("29-1141", "detailed", "10-19")}


def test_a_major_group_with_fewer_than_k_connectors_is_not_listed() -> None:
    lonely = people(4, "29-1141") + people(3, "15-1252")
    result = published(lonely)
    assert set(result) == {fact.local_id for fact in lonely}
    assert set(result.values()) == {NOT_LISTED}
    assert not NOT_LISTED.listed


def test_leftovers_below_k_stay_unlisted_when_the_others_sit_at_finer_cells() -> None:
    nurses = people(5, "29-1141", years=7)
    veteran = people(1, "29-1141", years=30)
    result = published(nurses + veteran)
    assert of(result, nurses) == {Generalized("29-1141", "detailed", "5-9")}
    assert of(result, veteran) == {NOT_LISTED}


def test_leftovers_absorb_the_smallest_banded_major_cells_to_reach_k() -> None:
    # Major cells (29, 5-9) = 5 and (29, 10-19) = 8 are published; one 20+ is left over.
    mid = people(3, "29-1141", years=7) + people(2, "29-2034", years=7)
    senior = people(4, "29-1141", years=12) + people(4, "29-2034", years=12)
    veteran = people(1, "29-1141", years=30)
    result = published(mid + senior + veteran)
    assert of(result, mid + veteran) == {Generalized("29-0000", "major", None)}
    assert of(result, senior) == {Generalized("29-0000", "major", "10-19")}


def test_connectors_without_a_known_occupation_are_not_listed() -> None:
    nobody = people(5, None) + people(5, "99-9999") + people(5, "not a code")
    result = published(nobody)
    assert set(result.values()) == {NOT_LISTED}


def test_codes_are_normalized() -> None:
    nurses = people(5, "291141")
    assert of(published(nurses), nurses) == {Generalized("29-1141", "detailed", "5-9")}


def test_a_connector_recorded_at_a_group_code_shares_the_group_cell() -> None:
    at_minor = people(2, "29-1000")
    nurses = people(3, "29-1141")
    result = published(at_minor + nurses)
    assert of(result, at_minor + nurses) == {Generalized("29-1000", "minor", "5-9")}


def test_a_detailed_code_whose_parent_is_the_major_group_goes_straight_there() -> None:
    supervisors = people(2, "43-1011")  # OEWS lists no minor group above it
    clerks = people(3, "43-4051")
    result = published(supervisors + clerks)
    assert of(result, supervisors + clerks) == {Generalized("43-0000", "major", "5-9")}


def test_k_of_one_publishes_everything_exactly() -> None:
    one = people(1, "15-1252", years=3)
    assert of(generalize(one, k=1), one) == {Generalized("15-1252", "detailed", "0-4")}


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="k must"):
        generalize(people(1, "15-1252"), k=0)
    twin = people(1, "15-1252")
    with pytest.raises(ValueError, match="duplicate"):
        generalize(twin + twin)


def test_an_empty_community_has_nothing_to_publish() -> None:
    assert generalize([]) == {}


def test_a_custom_taxonomy_can_be_used() -> None:
    soc = Taxonomy.from_csv(
        "code,title,level,parent\n"
        "11-0000,Management,major,\n"
        "11-1011,Chief Executives,detailed,11-0000\n"
        "11-1021,General Managers,detailed,11-0000\n"
    )
    group = people(2, "11-1011") + people(1, "11-1021")
    result = generalize(group, k=3, taxonomy=soc)
    assert of(result, group) == {Generalized("11-0000", "major", "5-9")}


# --- generalize: properties -----------------------------------------------------------------

# Codes chosen to collide: siblings under a broad group, detailed codes right under a minor
# or major group, group codes used as occupations, two major groups and junk.
POOL = [
    "29-1141",
    "29-1122",
    "29-1123",
    "29-1021",
    "29-1022",
    "29-2034",
    "29-2061",
    "29-1000",
    "29-0000",
    "15-1252",
    "15-1251",
    "15-1211",
    "15-1299",
    "15-2031",
    "43-1011",
    "43-4051",
    None,
    "99-9999",
]

facts_lists = st.lists(
    st.tuples(
        st.sampled_from(POOL),
        st.one_of(st.none(), st.integers(min_value=0, max_value=35)),
    ),
    max_size=80,
).map(
    lambda rows: [
        ConnectorFacts(
            local_id=index,
            occupation=occupation,
            years_in_field=years,
            languages=(),
            availability=(),
            remote_ok=False,
            cross_city_ok=False,
            accepting=True,
        )
        for index, (occupation, years) in enumerate(rows)
    ]
)


def ancestors(soc: Taxonomy, code: str) -> list[str]:
    chain = [code]
    parent = soc.get(code).parent
    while parent is not None:
        chain.append(parent)
        parent = soc.get(parent).parent
    return chain


@settings(max_examples=300, deadline=None)
@given(facts_lists, st.integers(min_value=1, max_value=7))
def test_generalization_invariants(facts: list[ConnectorFacts], k: int) -> None:
    soc = default_taxonomy()
    result = generalize(facts, k)
    assert set(result) == {fact.local_id for fact in facts}

    cells = Counter((g.occupation, g.experience_band) for g in result.values() if g.listed)
    assert all(count >= k for count in cells.values()), cells

    unlisted_per_major: Counter[str] = Counter()
    valid_per_major: Counter[str] = Counter()
    raw_cells: defaultdict[tuple[str, str | None], list[int]] = defaultdict(list)
    for fact in facts:
        g = result[fact.local_id]
        if fact.occupation is None or fact.occupation not in soc:
            assert g == NOT_LISTED
            continue
        true = soc.get(fact.occupation)
        band = experience_band(fact.years_in_field)
        raw_cells[(true.code, band)].append(fact.local_id)
        valid_per_major[true.major] += 1
        if not g.listed:
            assert g == NOT_LISTED
            unlisted_per_major[true.major] += 1
            continue
        # Published only as itself or an ancestor, at that ancestor's level, with its own
        # band or none: generalization never invents facts.
        assert g.occupation in ancestors(soc, true.code)
        assert g.occupation is not None
        assert g.occupation_level == soc.get(g.occupation).level.value
        assert g.experience_band in (band, None)

    for major, unlisted in unlisted_per_major.items():
        assert unlisted < k or valid_per_major[major] < k
        if valid_per_major[major] < k:
            assert unlisted == valid_per_major[major]
    # A cell already big enough is never coarsened, except banded major-group cells that
    # may absorb a major group's leftovers.
    for (code, band), ids in raw_cells.items():
        if len(ids) >= k and soc.get(code).parent is not None:
            assert {result[i] for i in ids} == {Generalized(code, soc.get(code).level.value, band)}


@settings(max_examples=100, deadline=None)
@given(facts_lists, st.integers(min_value=1, max_value=6), st.randoms())
def test_generalization_does_not_depend_on_input_order(
    facts: list[ConnectorFacts], k: int, rng: random.Random
) -> None:
    shuffled = list(facts)
    rng.shuffle(shuffled)
    assert generalize(shuffled, k) == generalize(facts, k)


def test_an_oews_aggregate_is_published_as_a_detailed_occupation() -> None:
    # 21-1018 is an OEWS-only code for 21-1011 and 21-1014, stored before SOC was complete.
    result = generalize(people(5, "21-1018"))
    assert {(g.occupation, g.occupation_level, g.experience_band) for g in result.values()} == {
        ("21-1018", "detailed", "5-9")
    }
