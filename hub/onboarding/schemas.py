"""What an application says, checked the same way from the public form and any API.

Messages speak to the person filling in the form, since they read them beside its fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields, pre_load, validate, validates

from hub.onboarding.models import PARTNER_KINDS
from shared.names import countries
from shared.protocol.common import StrictSchema
from shared.text import N_

#: The most partners one application lists.
MAX_PARTNERS = 20
#: Bounds of the expected numbers of connectees and connectors in the first year.
MAX_EXPECTED = 10_000
#: How far ahead a planned launch may be.
MAX_LAUNCH_AHEAD = dt.timedelta(days=5 * 366)

_Messages = dict[str, str | list[Any] | dict[Any, Any]]
_REQUIRED: _Messages = {"required": N_("Please fill this in."), "null": N_("Please fill this in.")}
_WHOLE_NUMBER: _Messages = {**_REQUIRED, "invalid": N_("Enter a whole number.")}


def _text(maximum: int, *, required: bool = True) -> fields.String:
    length = validate.Length(max=maximum, error=f"Keep it to {maximum} characters.")
    if required:
        return fields.String(required=True, validate=length, error_messages=_REQUIRED)
    return fields.String(load_default=None, allow_none=True, validate=length)


def _strip(data: Any, optional: tuple[str, ...]) -> Any:
    """Trim every text; a blank optional one is none, a blank required one is missing."""
    if not isinstance(data, dict):
        return data
    cleaned: dict[str, Any] = {}
    for name, value in data.items():
        if isinstance(value, str):
            value = value.strip()
            if not value:
                if name in optional:
                    cleaned[name] = None
                continue
        cleaned[name] = value
    return cleaned


class PartnerSchema(StrictSchema):
    """One partner of the program: its kind and its name."""

    kind = fields.String(
        required=True,
        validate=validate.OneOf(list(PARTNER_KINDS), error=N_("Choose the kind of partner.")),
        error_messages={"required": N_("Choose the kind of partner.")},
    )
    name = _text(200)

    @pre_load
    def _trim(self, data: Any, **kwargs: Any) -> Any:
        return _strip(data, ())


class ApplicationSchema(StrictSchema):
    """An application to become a Connector Community."""

    organisation = _text(200)
    city = _text(100)
    region = _text(100, required=False)
    country = fields.String(
        required=True,
        validate=validate.OneOf(
            [code for code, _ in countries()], error=N_("Choose a country from the list.")
        ),
        error_messages={"required": N_("Choose a country from the list.")},
    )
    contact_name = _text(200)
    contact_email = fields.Email(
        required=True,
        validate=validate.Length(max=254, error=N_("Keep it to 254 characters.")),
        error_messages={
            **_REQUIRED,
            "invalid": N_("Enter an email address such as name@example.org."),
        },
    )
    contact_phone = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(
            r"^\+?[0-9 ().-]{6,40}\Z",
            error=N_(
                "Enter a phone number: digits, spaces, + ( ) - only, such as +1 902 555 0100."
            ),
        ),
    )
    partners = fields.List(
        fields.Nested(PartnerSchema),
        load_default=list,
        validate=validate.Length(max=MAX_PARTNERS, error=f"List at most {MAX_PARTNERS}."),
    )
    expected_connectees = fields.Integer(
        required=True,
        validate=validate.Range(
            min=1, max=MAX_EXPECTED, error=f"Enter a number from 1 to {MAX_EXPECTED:,}."
        ),
        error_messages=_WHOLE_NUMBER,
    )
    expected_connectors = fields.Integer(
        required=True,
        validate=validate.Range(
            min=1, max=MAX_EXPECTED, error=f"Enter a number from 1 to {MAX_EXPECTED:,}."
        ),
        error_messages=_WHOLE_NUMBER,
    )
    planned_launch = fields.Date(
        required=True,
        error_messages={
            **_REQUIRED,
            "invalid": "Enter a date as year-month-day, such as 2027-06-30.",
        },
    )

    @pre_load
    def _trim(self, data: Any, **kwargs: Any) -> Any:
        return _strip(data, ("region", "contact_phone"))

    @validates("planned_launch")
    def _not_in_the_past(self, value: dt.date, **kwargs: Any) -> None:
        today = dt.datetime.now(dt.UTC).date()
        if value < today:
            raise ValidationError(N_("Choose today or a later date."))
        if value > today + MAX_LAUNCH_AHEAD:
            raise ValidationError(N_("Choose a date within the next five years."))


#: The longest comment, request for changes or reason for declining.
MAX_COMMENT_LENGTH = 2000


class CommentSchema(StrictSchema):
    """A staff comment, request for changes or reason for declining."""

    body = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, error=N_("Please write something.")),
            validate.Length(
                max=MAX_COMMENT_LENGTH, error=f"Keep it to {MAX_COMMENT_LENGTH} characters."
            ),
        ],
        error_messages={
            "required": N_("Please write something."),
            "null": N_("Please write something."),
        },
    )

    @pre_load
    def _trim(self, data: Any, **kwargs: Any) -> Any:
        return _strip(data, ())
