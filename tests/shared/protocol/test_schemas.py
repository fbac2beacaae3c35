"""The wire schemas: what each side may send, and that nothing else gets through."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from marshmallow import ValidationError

from shared.privacy import payloads
from shared.privacy.generalize import ConnectorFacts, Generalized
from shared.protocol import (
    MAJOR_GROUPS,
    MAX_BATCH_ITEMS,
    METRICS,
    PERIOD_RE,
    SOC_MAJOR_GROUPS,
    ItemError,
    OutcomeSetSchema,
    ProfileBatchSchema,
    ProfileSchema,
    ResourceChangesSchema,
    SnapshotSchema,
    TombstoneSchema,
    load_items,
)

REF = "0123456789abcdef" * 2


def profile(**changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "ref": REF, "version": 3, "occupation": "29-1000", "occupation_level": "minor",
        "experience_band": "10-19", "languages": [{"language": "fra", "level": "native"}],
        "skills": ["c++", "project-management"], "availability": ["weekday_evenings"],
        "remote_ok": False, "cross_city_ok": True, "accepting": True,
    }  # fmt: skip
    item.update(changes)
    return item


def test_constants() -> None:
    assert METRICS[0] == "enrolled" and len(METRICS) == 8
    assert SOC_MAJOR_GROUPS[0] == "11" and "29" in SOC_MAJOR_GROUPS
    assert len(SOC_MAJOR_GROUPS) == 23 and SOC_MAJOR_GROUPS[-1] == "55"
    assert MAJOR_GROUPS[-2:] == ("unknown", "all")
    assert PERIOD_RE.match("2026-Q4") and not PERIOD_RE.match("2026-Q0")


def test_profile_round_trip_and_the_privacy_payload_fits() -> None:
    assert ProfileSchema().load(profile()) == profile()
    facts = ConnectorFacts(
        local_id=1, occupation="29-1141", years_in_field=12, languages=(("ara", "B2"),),
        availability=("weekends",), remote_ok=True, cross_city_ok=False, accepting=True,
    )  # fmt: skip
    wire = payloads.profile_payload(
        facts, ref=REF, version=1, g=Generalized("29-1141", "detailed", "10-19")
    )
    assert ProfileSchema().load(wire) == wire
    assert TombstoneSchema().load(payloads.tombstone_payload(REF, 2)) == {
        "ref": REF, "version": 2, "deleted": True,
    }  # fmt: skip


@pytest.mark.parametrize("code", ["13-1021", "55-3019", "13-1020", "21-1018"])
def test_profile_takes_every_soc_detailed_code_and_oews_codes(code: str) -> None:
    assert ProfileSchema().load(profile(occupation=code, occupation_level="detailed"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "Ana"}, "name"),
        ({"email": "a@b.c"}, "email"),
        ({"ref": REF.upper()}, "ref"),
        ({"version": 0}, "version"),
        ({"version": "3"}, "version"),
        ({"version": True}, "version"),
        ({"occupation": "291141"}, "occupation"),
        ({"occupation": "29-9999"}, "occupation"),
        ({"occupation_level": "exact"}, "occupation_level"),
        ({"experience_band": "12"}, "experience_band"),
        ({"languages": [{"language": "fra", "level": "fluent"}]}, "languages"),
        ({"languages": [{"language": "fra", "level": "B1", "x": 1}]}, "languages"),
        ({"skills": ["Free text about me"]}, "skills"),
        ({"availability": ["sundays"]}, "availability"),
        ({"remote_ok": "yes"}, "remote_ok"),
        ({"accepting": 1}, "accepting"),
    ],
)
def test_profile_rejects(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        ProfileSchema().load(profile(**changes))
    assert field in exc.value.messages


def test_load_items_reports_each_item() -> None:
    loaded = load_items(
        [
            profile(),
            {"ref": REF, "version": 4, "deleted": True},
            profile(occupation="nope"),
            {"ref": REF, "version": 1, "deleted": False},
        ]
    )
    assert loaded[0] == profile()
    assert loaded[1] == {"ref": REF, "version": 4, "deleted": True}
    assert isinstance(loaded[2], ItemError) and set(loaded[2].errors) == {"occupation"}
    assert (loaded[2].ref, loaded[2].version) == (REF, 3)
    assert isinstance(loaded[3], ItemError) and "deleted" in loaded[3].errors


@pytest.mark.parametrize("count", [0, MAX_BATCH_ITEMS + 1])
def test_batch_envelope_length(count: int) -> None:
    with pytest.raises(ValidationError):
        ProfileBatchSchema().load({"items": [{}] * count})
    most = [{}] * MAX_BATCH_ITEMS
    assert ProfileBatchSchema().load({"items": most})["items"] == most


def test_snapshot() -> None:
    assert SnapshotSchema().load({"refs": [REF], "version": 7}) == {"refs": [REF], "version": 7}
    with pytest.raises(ValidationError):
        SnapshotSchema().load({"refs": [REF, REF], "version": 7})


def cell(value: int | None, suppressed: bool, **kw: Any) -> dict[str, Any]:
    return {"major_group": "29", "metric": "met", "value": value, "suppressed": suppressed, **kw}


@pytest.mark.parametrize(
    ("item", "ok"),
    [
        (cell(0, False), True),
        (cell(5, False), True),
        (cell(None, True), True),
        (cell(4, False), False),
        (cell(1, False), False),
        (cell(None, False), False),
        (cell(6, True), False),
        (cell(6, False, note="x"), False),
        ({**cell(6, False), "major_group": "55-0000"}, False),
        ({**cell(6, False), "major_group": "unknown"}, True),
    ],
)
def test_outcome_cells(item: dict[str, Any], ok: bool) -> None:
    schema = OutcomeSetSchema()
    if ok:
        assert schema.load({"cells": [item]}) == {"cells": [item]}
    else:
        with pytest.raises(ValidationError):
            schema.load({"cells": [item]})


def test_resource_changes_dispatch_on_deleted() -> None:
    published = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
    resource = {
        "id": 1, "seq": 2, "kind": "faq", "title": "FAQ", "summary": "", "body": "Q/A",
        "url": None, "file": None, "tags": [], "language": "en", "translations": [],
        "audience": "all", "version": 1, "published_at": published,
    }  # fmt: skip
    dumped = ResourceChangesSchema().dump(
        {"items": [resource, {"id": 3, "seq": 4, "deleted": True}], "next": 4, "more": False}
    )
    assert dumped["items"][0]["published_at"] == "2026-05-01T12:00:00+00:00"
    loaded = ResourceChangesSchema().load(dumped)
    assert loaded["items"] == [resource, {"id": 3, "seq": 4, "deleted": True}]
    with pytest.raises(ValidationError):
        ResourceChangesSchema().load({**dumped, "items": [{"id": 3, "seq": 4, "deleted": False}]})
    with pytest.raises(ValidationError):
        ResourceChangesSchema().load({**dumped, "items": [{**dumped["items"][0], "x": 1}]})


def test_a_resource_file_and_translations_are_checked_on_the_wire() -> None:
    resource = {
        "id": 1, "seq": 2, "kind": "training", "title": "Coffee chats", "summary": "",
        "body": None, "url": None, "tags": [], "language": "en", "audience": "all",
        "version": 3, "published_at": "2026-05-01T12:00:00+00:00",
        "file": {"name": "chats.pdf", "media_type": "application/pdf", "size": 10,
                 "sha256": "a" * 64},
        "translations": [{"language": "fr", "title": "Cafés", "summary": "Rencontres"}],
    }  # fmt: skip
    page = {"items": [resource], "next": 2, "more": False}
    assert ResourceChangesSchema().load(page)["items"][0]["file"]["size"] == 10
    for bad in (
        {"file": {**resource["file"], "sha256": "not hex"}},  # type: ignore[dict-item]
        {"file": {**resource["file"], "size": 0}},  # type: ignore[dict-item]
        {"translations": [{"language": "French", "title": "x", "summary": ""}]},
        {"translations": [{"language": "fr", "title": "", "summary": ""}]},
        {"version": 0},
    ):
        with pytest.raises(ValidationError):
            ResourceChangesSchema().load({**page, "items": [{**resource, **bad}]})
