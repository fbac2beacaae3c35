"""Tests for the wire Profile and Tombstone builders."""

from __future__ import annotations

import dataclasses
import json

import pytest

from shared.privacy import (
    DIRECTORY,
    NOT_LISTED,
    PROFILE_FIELDS,
    TOMBSTONE_FIELDS,
    ConnectorFacts,
    Generalized,
    profile_payload,
    pseudonym,
    tombstone_payload,
)

REF = pseudonym(b"k" * 32, DIRECTORY, 1)
G = Generalized("29-1141", "detailed", "5-9")


def facts(**overrides: object) -> ConnectorFacts:
    values: dict[str, object] = {
        "local_id": 1,
        "occupation": "29-1141",
        "years_in_field": 7,
        "languages": (("fra", "C1"), ("ara", "B2")),
        "availability": ("weekends", "weekday_evenings"),
        "remote_ok": True,
        "cross_city_ok": False,
        "accepting": True,
        "skills": ("triage", "icu"),
    }
    values.update(overrides)
    return ConnectorFacts(**values)  # type: ignore[arg-type]


def test_connector_facts_hold_only_allow_listed_fields() -> None:
    # A new field here is a privacy decision: it must be reviewed and added to this list.
    assert [f.name for f in dataclasses.fields(ConnectorFacts)] == [
        "local_id",
        "occupation",
        "years_in_field",
        "languages",
        "availability",
        "remote_ok",
        "cross_city_ok",
        "accepting",
        "skills",
    ]


def test_profile_payload_is_exactly_the_wire_profile() -> None:
    payload = profile_payload(facts(), ref=REF, version=3, g=G)
    assert payload == {
        "ref": REF,
        "version": 3,
        "occupation": "29-1141",
        "occupation_level": "detailed",
        "experience_band": "5-9",
        "languages": [{"language": "ara", "level": "B2"}, {"language": "fra", "level": "C1"}],
        "skills": ["icu", "triage"],
        "availability": ["weekday_evenings", "weekends"],
        "remote_ok": True,
        "cross_city_ok": False,
        "accepting": True,
    }
    assert tuple(payload) == PROFILE_FIELDS


def test_profile_payload_publishes_the_generalized_occupation_not_the_true_one() -> None:
    g = Generalized("29-0000", "major", None)
    payload = profile_payload(facts(), ref=REF, version=1, g=g)
    assert payload["occupation"] == "29-0000"
    assert payload["occupation_level"] == "major"
    assert payload["experience_band"] is None
    assert "29-1141" not in json.dumps(payload)
    assert "local_id" not in payload
    assert "years_in_field" not in payload


def test_profile_payload_is_deterministic_whatever_the_input_order() -> None:
    first = facts(skills=("b", "a", "a"), availability=("z", "y"), languages=(("fra", "C1"),) * 2)
    second = facts(skills=("a", "b"), availability=("y", "z", "y"), languages=(("fra", "C1"),))
    one = json.dumps(profile_payload(first, ref=REF, version=1, g=G), sort_keys=True)
    two = json.dumps(profile_payload(second, ref=REF, version=1, g=G), sort_keys=True)
    assert one == two


def test_a_language_given_twice_is_sent_once_at_its_highest_level() -> None:
    languages = (("fra", "B1"), ("ara", "native"), ("fra", "C1"), ("fra", "A2"), ("ara", "C2"))
    payload = profile_payload(facts(languages=languages), ref=REF, version=1, g=G)
    assert payload["languages"] == [
        {"language": "ara", "level": "native"},
        {"language": "fra", "level": "C1"},
    ]


def test_profile_payload_coerces_flags_to_booleans() -> None:
    payload = profile_payload(
        facts(remote_ok=1, cross_city_ok=0, accepting=None), ref=REF, version=1, g=G
    )
    assert payload["remote_ok"] is True
    assert payload["cross_city_ok"] is False
    assert payload["accepting"] is False


def test_unlisted_connector_has_no_profile() -> None:
    with pytest.raises(ValueError, match="tombstone"):
        profile_payload(facts(), ref=REF, version=1, g=NOT_LISTED)


@pytest.mark.parametrize(
    "g",
    [Generalized("29-1141", "exact", None), Generalized("29-1141", "detailed", "5-10")],
)
def test_invalid_generalization_is_refused(g: Generalized) -> None:
    with pytest.raises(ValueError):
        profile_payload(facts(), ref=REF, version=1, g=g)


@pytest.mark.parametrize("ref", ["", "jane.doe@example.org", REF.upper(), REF[:-1]])
def test_anything_but_a_ref_is_refused(ref: str) -> None:
    with pytest.raises(ValueError, match="ref"):
        profile_payload(facts(), ref=ref, version=1, g=G)
    with pytest.raises(ValueError, match="ref"):
        tombstone_payload(ref, 1)


@pytest.mark.parametrize("version", [0, -1, True])
def test_version_must_be_positive(version: int) -> None:
    with pytest.raises(ValueError, match="version"):
        profile_payload(facts(), ref=REF, version=version, g=G)
    with pytest.raises(ValueError, match="version"):
        tombstone_payload(REF, version)


def test_tombstone_payload_is_exactly_the_wire_tombstone() -> None:
    payload = tombstone_payload(REF, 4)
    assert payload == {"ref": REF, "version": 4, "deleted": True}
    assert tuple(payload) == TOMBSTONE_FIELDS


def test_payloads_validate_against_the_wire_schemas() -> None:
    protocol = pytest.importorskip("shared.protocol")
    profile = profile_payload(facts(), ref=REF, version=2, g=G)
    tombstone = tombstone_payload(REF, 3)
    assert protocol.ProfileSchema().validate(profile) == {}
    assert protocol.TombstoneSchema().validate(tombstone) == {}
    assert protocol.ProfileBatchSchema().validate({"items": [profile, tombstone]}) == {}
