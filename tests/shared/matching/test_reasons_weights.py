"""Plain-language reasons, and validation of the weights configuration."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from babel.support import Translations

from shared import names
from shared.matching import (
    FEATURES,
    Candidate,
    CandidateMatrix,
    InvalidWeights,
    Seeker,
    Weights,
    rank,
    suggestion,
)
from shared.matching.explain import say_reason
from shared.wording import ENGLISH, Words

NURSE = Candidate(
    id="nurse",
    occupation="29-1141",
    skills=frozenset({"triage", "iv", "charting", "phlebotomy"}),
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
    skills=frozenset({"triage", "iv", "charting", "wound care"}),
    years=6,
    languages={"eng": "B2", "ara": "native"},
    availability=frozenset({"weekends"}),
    community="halifax",
    demand=0.9,
)
LABELS = {"triage": "triage", "iv": "IV therapy", "charting": "clinical charting"}


def reasons_for(seeker: Seeker, candidate: Candidate, **options: object) -> list[str]:
    matrix = CandidateMatrix.build([candidate])
    [found] = rank(seeker, matrix, 1, skill_label=LABELS.get, **options)  # type: ignore[arg-type]
    return found.reasons


def test_reasons_name_what_a_coordinator_needs() -> None:
    reasons = reasons_for(SEEKER, NURSE)
    assert "same occupation: Registered Nurses" in reasons
    assert "shares Arabic and English" in reasons
    assert "3 shared skills: clinical charting, IV therapy and triage" in reasons
    assert "6 more years of experience" in reasons
    assert "available at the same times: weekends" in reasons
    assert "high local demand for Registered Nurses" in reasons
    assert "has capacity (2 of 3 left)" in reasons
    # Strongest contribution first: the occupation carries the largest weight.
    assert reasons[0] == "same occupation: Registered Nurses"


def test_a_macrolanguage_met_through_its_member_names_both() -> None:
    seeker = dataclasses.replace(SEEKER, languages={"eng": "B2", "fas": "native"})
    nurse = dataclasses.replace(NURSE, languages={"eng": "native", "prs": "C1"})
    assert "shares Persian/Dari and English" in reasons_for(seeker, nurse)


def test_related_occupations_name_the_shared_group() -> None:
    therapist = dataclasses.replace(NURSE, occupation="29-1122")  # Occupational Therapists
    assert (
        "related occupation (same minor group): Healthcare Diagnosing or Treating Practitioners"
        in reasons_for(SEEKER, therapist)
    )
    developer = Seeker(
        id="d", target_occupation="15-1252", languages={"eng": "C1"}, community="halifax"
    )
    tester = dataclasses.replace(NURSE, occupation="15-1253")
    assert (
        "related occupation (same broad group): Software and Web Developers, Programmers, "
        "and Testers" in reasons_for(developer, tester)
    )
    technician = dataclasses.replace(NURSE, occupation="29-2061")
    assert (
        "same field (major group): Healthcare Practitioners and Technical Occupations"
        in reasons_for(SEEKER, technician)
    )


def test_current_occupation_and_caveats_are_said() -> None:
    switcher = dataclasses.replace(
        SEEKER, target_occupation="11-9111", current_occupation="29-1141", years=20, demand=None
    )
    reasons = reasons_for(switcher, NURSE)
    assert "same occupation: Registered Nurses (the connectee's current occupation)" in reasons
    assert "8 years less experience than the connectee" in reasons
    assert not any("demand" in r for r in reasons)  # unknown demand is not a reason


def test_low_demand_and_unshared_things_are_not_reasons() -> None:
    quiet = dataclasses.replace(SEEKER, demand=0.2, availability=frozenset({"weekday_mornings"}))
    reasons = reasons_for(quiet, NURSE)
    assert not any("demand" in r or "available" in r for r in reasons)


def test_cross_city_candidates_say_where_they_are() -> None:
    far = dataclasses.replace(NURSE, community="moncton", remote_ok=True)
    seeker = dataclasses.replace(SEEKER, cross_city_ok=True)
    reasons = reasons_for(seeker, far, cross_city=True)
    assert reasons[-1] == "in another community (moncton), open to remote meetings"


def test_skill_lists_are_capped() -> None:
    many = frozenset(f"skill-{n}" for n in range(8))
    reasons = reasons_for(
        dataclasses.replace(SEEKER, skills=many), dataclasses.replace(NURSE, skills=many)
    )
    [text] = [r for r in reasons if "shared skills" in r]
    assert text.startswith("8 shared skills: ") and text.endswith(" and 3 more")


# ---- reasons in the reader's language ----------------------------------------------------

#: Staff catalogs hold the reasons' messages (both services'; the hub's is read here).
CATALOGS = Path(__file__).resolve().parents[3] / "hub" / "translations"


@pytest.fixture(scope="module")
def french() -> Words:
    catalog = Translations.load(str(CATALOGS), ["fr"], "staff")
    assert isinstance(catalog, Translations), "compile the catalogs: make translations"
    return Words(
        gettext=catalog.gettext,
        ngettext=catalog.ngettext,
        number=lambda value: format_decimal(value, locale="fr"),
        language=lambda code: names.language_name(code, "fr"),
    )


#: Marks every message it looks up, so a test sees which reasons were read back.
MARKED = Words(
    gettext=lambda message: f"«{message}»",
    ngettext=lambda one, many, n: f"«{one if n == 1 else many}»",
)


def every_kind_of_reason() -> list[str]:
    """Reasons of every kind and form the engine makes, English as the wire carries them."""
    switcher = dataclasses.replace(
        SEEKER, target_occupation="11-9111", current_occupation="29-1141", years=20
    )
    many = frozenset(f"skill-{n}" for n in range(8))
    one = dataclasses.replace(NURSE, skills=frozenset({"triage"}), capacity_left=1, years=5)
    far = dataclasses.replace(NURSE, community=None, remote_ok=False, cross_city_ok=True, years=6.5)
    return [
        *reasons_for(SEEKER, NURSE),
        *reasons_for(switcher, NURSE),
        *reasons_for(SEEKER, dataclasses.replace(NURSE, occupation="29-2061")),
        *reasons_for(
            dataclasses.replace(SEEKER, skills=many), dataclasses.replace(NURSE, skills=many)
        ),
        *reasons_for(SEEKER, one),
        *reasons_for(dataclasses.replace(SEEKER, cross_city_ok=True), far, cross_city=True),
        *reasons_for(
            dataclasses.replace(SEEKER, cross_city_ok=True),
            dataclasses.replace(NURSE, community="moncton", remote_ok=True),
            cross_city=True,
        ),
        *reasons_for(
            dataclasses.replace(SEEKER, languages={"eng": "B2", "fas": "native"}),
            dataclasses.replace(NURSE, languages={"eng": "native", "prs": "C1"}, years=9.5),
        ),
    ]


def test_every_reason_the_engine_makes_is_read_back() -> None:
    made = every_kind_of_reason()
    assert len(set(made)) >= 16
    unread = [text for text in made if "«" not in say_reason(text, MARKED)]
    assert unread == []


def test_reasons_read_back_and_said_again_in_english_are_the_same() -> None:
    english = Words()  # English, but not the shortcut an English page takes
    assert english is not ENGLISH
    for text in every_kind_of_reason():
        assert say_reason(text, english) == text
        assert say_reason(text) == text


def test_reasons_read_in_french(french: Words) -> None:
    said = {say_reason(text, french) for text in every_kind_of_reason()}
    for expected in [
        "même profession : Registered Nurses",
        "même profession : Registered Nurses (profession actuelle de la personne accompagnée)",
        "même domaine (grand groupe) : Healthcare Practitioners and Technical Occupations",
        "3 compétences communes : clinical charting, IV therapy et triage",
        "1 compétence commune : triage",
        "langues communes : arabe et anglais",
        "langues communes : persan/dari et anglais",
        "6 ans d’expérience de plus",
        "3,5 ans d’expérience de plus",
        "1 an d’expérience de moins que la personne accompagnée",
        "8 ans d’expérience de moins que la personne accompagnée",
        "disponibles aux mêmes moments : les fins de semaine",
        "forte demande locale (Registered Nurses)",
        "peut accompagner (2 places libres sur 3)",
        "peut accompagner (1 place libre sur 3)",
        "dans une autre communauté (moncton), rencontres à distance possibles",
        "dans une autre communauté, mises en relation entre villes possibles",
    ]:
        assert expected in said
    [capped] = [text for text in said if text.startswith("8 compétences communes : ")]
    assert capped.endswith(" et 3 autres")
    # Occupation titles stay in English (SOC 2018 has no official French): no other word.
    english = ("shared skill", "shares ", "experience", "capacity", "community", "same ")
    assert [text for text in said if any(word in text for word in english)] == []


def test_french_plural_forms_and_lists_follow_french_rules(french: Words) -> None:
    assert say_reason("0 shared skills: —", french) == "0 compétence commune : —"
    # gettext picks forms by whole numbers: a fraction takes the plural, as English does.
    assert say_reason("1.5 years less experience than the connectee", french) == (
        "1,5 ans d’expérience de moins que la personne accompagnée"
    )
    assert say_reason("available at the same times: weekday mornings, weekday evenings and "
                      "weekends", french) == (
        "disponibles aux mêmes moments : les matins de semaine, les soirs de semaine et les "
        "fins de semaine"
    )  # fmt: skip


def test_a_reason_that_cannot_be_read_back_stays_as_it_was(french: Words) -> None:
    # A skill whose label holds "and" leaves two readings of the list: it keeps its English
    # list in the French sentence rather than split a skill in two.
    assert say_reason("2 shared skills: Java and sales and marketing", french) == (
        "2 compétences communes : Java and sales and marketing"
    )
    for text in ("a reason from a newer version", "same occupation: ", "shares "):
        assert say_reason(text, french) == text


def test_suggestion_explains_any_row() -> None:
    matrix = CandidateMatrix.build([NURSE])
    explained = suggestion(SEEKER, matrix, 0)
    assert explained.candidate_id == "nurse"
    assert set(explained.contributions) == set(FEATURES)
    assert explained.score == pytest.approx(rank(SEEKER, matrix, 1)[0].score)


# ---- weights -----------------------------------------------------------------------------


def test_default_weights_sum_to_one_and_round_trip() -> None:
    weights = Weights()
    assert sum(weights.normalized().values()) == pytest.approx(1)
    assert Weights.from_mapping(weights.as_dict()) == weights


def test_from_mapping_accepts_partial_settings_and_level_names() -> None:
    weights = Weights.from_mapping(
        {"skills": 0.5, "min_language_level": "B2", "must_have": {"occupation": "broad"}}
    )
    assert weights.skills == 0.5
    assert weights.occupation == Weights().occupation
    assert weights.min_rank == 4
    assert dict(weights.must_have) == {"occupation": 0.75}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"occupation": -1}, "occupation"),
        ({"skills": "a lot"}, "skills"),
        ({"load": True}, "load"),
        ({"demand": float("nan")}, "demand"),
        (dict.fromkeys(FEATURES, 0), "weights"),
        ({"min_language_level": "fluent"}, "min_language_level"),
        ({"must_have": {"charm": 0.5}}, "must_have.charm"),
        ({"must_have": {"skills": 1.5}}, "must_have.skills"),
        ({"must_have": {"occupation": "cousin"}}, "must_have.occupation"),
        ({"must_have": ["occupation"]}, "must_have"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_weights_are_rejected_with_field_messages(data: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidWeights) as raised:
        Weights.from_mapping(data)
    assert field in raised.value.errors
    assert raised.value.errors[field]


def test_must_have_is_read_only() -> None:
    weights = Weights(must_have={"occupation": 0.5})
    with pytest.raises(TypeError):
        weights.must_have["occupation"] = 0.0  # type: ignore[index]


def test_skills_are_named_by_their_esco_label_by_default() -> None:
    from shared.taxonomy.skills import default_skills

    skill = next(iter(default_skills()))
    shared = frozenset({skill.id})
    matrix = CandidateMatrix.build([dataclasses.replace(NURSE, skills=shared)])
    [found] = rank(dataclasses.replace(SEEKER, skills=shared), matrix, 1)
    assert f"1 shared skill: {skill.label}" in found.reasons


def test_a_skill_is_named_once_by_its_preferred_label() -> None:
    from shared.taxonomy.skills import default_skills

    java = default_skills().normalize("Java")
    assert java is not None
    assert java.label == "Java (computer programming)"
    shared = frozenset({java.id})
    matrix = CandidateMatrix.build([dataclasses.replace(NURSE, skills=shared)])
    [found] = rank(dataclasses.replace(SEEKER, skills=shared), matrix, 1)
    assert "1 shared skill: Java (computer programming)" in found.reasons


def test_ids_that_read_the_same_count_as_one_skill() -> None:
    both = frozenset({"java-a", "java-b", "sql"})
    labels = {"java-a": "Java", "java-b": "Java", "sql": "SQL"}
    matrix = CandidateMatrix.build([dataclasses.replace(NURSE, skills=both)])
    [found] = rank(dataclasses.replace(SEEKER, skills=both), matrix, 1, skill_label=labels.get)
    assert "2 shared skills: Java and SQL" in found.reasons
