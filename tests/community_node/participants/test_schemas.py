"""Rules of the person schemas that every entry point (API, staff forms, imports) shares."""

from __future__ import annotations

import datetime as dt

import pytest
from marshmallow import ValidationError

from community_node.participants.schemas import PHONE_MESSAGE, ConnecteeSchema, ConnectorSchema


@pytest.mark.parametrize(
    "phone",
    ["+1 902 555 0100", "+1-902-555-0199", "902.555.0100", "(902) 555-0100 x 12", "+15550100"],
)
def test_phone_numbers_as_people_write_them_are_taken(phone: str) -> None:
    assert ConnecteeSchema(partial=True).load({"phone": f" {phone} "}) == {"phone": phone}
    assert ConnectorSchema(partial=True).load({"phone": phone}) == {"phone": phone}


@pytest.mark.parametrize(
    "phone", ["call me after six", "555", "12345", "1-800-FLOWERS", "++1 902 555", "1" * 16]
)
def test_any_other_text_is_not_a_phone_number(phone: str) -> None:
    with pytest.raises(ValidationError) as refused:
        ConnecteeSchema(partial=True).load({"phone": phone})
    assert refused.value.messages == {"phone": [PHONE_MESSAGE]}


def test_no_phone_stays_allowed() -> None:
    assert ConnecteeSchema(partial=True).load({"phone": None}) == {"phone": None}


def test_a_pause_is_bounded_to_two_years() -> None:
    schema = ConnectorSchema(partial=True)
    soon = dt.date.today() + dt.timedelta(days=60)
    assert schema.load({"unavailable_until": soon.isoformat()}) == {"unavailable_until": soon}
    assert schema.load({"unavailable_until": None}) == {"unavailable_until": None}
    with pytest.raises(ValidationError) as info:
        schema.load({"unavailable_until": "2999-01-01"})
    assert info.value.messages == {
        "unavailable_until": ["A pause can last up to two years; choose an earlier date."]
    }
