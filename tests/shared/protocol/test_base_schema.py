"""The base every schema derives from refuses NULs; the one Id field bounds every id."""

from __future__ import annotations

from typing import Any

import pytest
from marshmallow import EXCLUDE, ValidationError, fields, validate

from shared.fields import MAX_ID, Id
from shared.protocol.common import NUL_MESSAGE, BaseSchema, StrictSchema


class Item(StrictSchema):
    name = fields.String()


class Thing(BaseSchema):
    title = fields.String()
    tags = fields.List(fields.String())
    attributes = fields.Dict(keys=fields.String(), values=fields.String())
    items = fields.List(fields.Nested(Item))
    owner_id = Id()
    strict_id = Id(strict=True, allow_none=True)


def errors_of(data: Any, **kwargs: Any) -> Any:
    with pytest.raises(ValidationError) as caught:
        Thing(**kwargs).load(data)
    return caught.value.messages


def test_a_nul_is_named_in_each_field_that_holds_one() -> None:
    assert errors_of(
        {
            "title": "a\x00",
            "tags": ["ok", "b\x00"],
            "attributes": {"k": "v\x00", "k\x00": "v"},
            "items": [{"name": "fine"}, {"name": "\x00"}],
        }
    ) == {
        "title": [NUL_MESSAGE],
        "tags": {1: [NUL_MESSAGE]},
        "attributes": {"k": [NUL_MESSAGE], "k\\u0000": [NUL_MESSAGE]},
        "items": {1: {"name": [NUL_MESSAGE]}},
    }


def test_a_nul_in_an_unknown_field_is_refused_even_where_unknowns_are_dropped() -> None:
    assert errors_of({"extra": "\x00"}, unknown=EXCLUDE) == {"extra": [NUL_MESSAGE]}


def test_many_names_the_item() -> None:
    assert errors_of([{"title": "ok"}, {"title": "\x00"}], many=True) == {
        1: {"title": [NUL_MESSAGE]}
    }


def test_text_without_nul_loads_as_before() -> None:
    data = {"title": "Ünïcode ✓", "tags": ["a"], "items": [{"name": "x"}], "owner_id": 7}
    assert Thing().load(data) == data
    with pytest.raises(ValidationError):  # StrictSchema still refuses unknown fields
        Item().load({"name": "x", "other": 1})


@pytest.mark.parametrize("value", [0, -1, MAX_ID + 1, 2**63])
def test_an_id_outside_integer_is_invalid(value: int) -> None:
    assert "owner_id" in errors_of({"owner_id": value})
    assert "owner_id" in errors_of({"owner_id": str(value)})


def test_ids_up_to_integer_load() -> None:
    assert Thing().load({"owner_id": "1", "strict_id": MAX_ID}) == {
        "owner_id": 1,
        "strict_id": MAX_ID,
    }


@pytest.mark.parametrize("value", ["7", 7.5, True, False])
def test_a_strict_id_must_be_a_json_number(value: object) -> None:
    assert "strict_id" in errors_of({"strict_id": value})


def test_an_id_keeps_its_own_validators() -> None:
    class Small(BaseSchema):
        n_id = Id(validate=validate.Range(max=10))

    assert Small().load({"n_id": 4}) == {"n_id": 4}
    for value in (11, 0, MAX_ID + 1):
        with pytest.raises(ValidationError):
            Small().load({"n_id": value})
