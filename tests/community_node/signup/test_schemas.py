"""Reading the sign-up forms: the occupation picker and the lists the forms offer."""

from __future__ import annotations

import enum
from collections.abc import Mapping

import pytest
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from community_node.fields import CountryCode, LanguageCode
from community_node.participants.models import (
    CapacityPeriod,
    EducationLevel,
    LanguageLevel,
    ReferralSource,
    StatusCategory,
    WorkAuthorization,
)
from community_node.participants.schemas import ConnecteeSchema
from community_node.signup import choices
from community_node.signup.schemas import ConnecteeSignUpSchema, picked_code
from shared.taxonomy import Level, default_taxonomy


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("15-1252", "15-1252"),
        ("151252", "151252"),  # OccupationCode normalizes it afterwards
        ("15-1252 Software Developers", "15-1252"),
        ("Software Developers", "15-1252"),
        ("  software   DEVELOPERS ", "15-1252"),
        ("Cashiers", "41-2011"),  # the detailed occupation, not its broad group of that name
        ("Software", None),
        ("Dragon Tamer", None),
        ("", None),
    ],
)
def test_the_picker_takes_a_code_an_option_or_an_exact_title(text: str, code: str | None) -> None:
    assert picked_code(text.strip()) == code


def test_every_occupation_option_picks_its_own_code() -> None:
    options = choices.occupations()
    detailed = [o for o in default_taxonomy() if o.level is Level.DETAILED]
    assert len(options) == len(detailed)
    for option in options:
        assert picked_code(option) == option.split(" ", 1)[0]


@pytest.mark.parametrize(
    ("labels", "members"),
    [
        (choices.REFERRAL_SOURCES, ReferralSource),
        (choices.STATUS_CATEGORIES, StatusCategory),
        (choices.WORK_AUTHORIZATIONS, WorkAuthorization),
        (choices.EDUCATION_LEVELS, EducationLevel),
        (choices.LANGUAGE_LEVELS, LanguageLevel),
        (choices.CAPACITY_PERIODS, CapacityPeriod),
    ],
)
def test_every_enum_value_has_a_readable_label(
    labels: Mapping[enum.StrEnum, str], members: type[enum.StrEnum]
) -> None:
    assert list(labels) == list(members)  # all of them, in the enum's order
    assert all("_" not in label for label in labels.values())


def test_countries_use_common_names_and_valid_codes() -> None:
    countries = dict(choices.countries())
    assert countries["SY"] == "Syria" and countries["IR"] == "Iran"
    assert len(countries) == 249
    for code in countries:
        assert CountryCode().deserialize(code) == code
    names = [name for _, name in choices.countries()]
    assert names.index("Åland Islands") < names.index("Albania")


def test_languages_are_plain_names_with_codes_the_api_accepts() -> None:
    languages = dict(choices.languages())
    assert (languages["eng"], languages["ell"], languages["swa"]) == ("English", "Greek", "Swahili")
    assert not any("(" in name for name in languages.values())
    for code in languages:
        assert LanguageCode().deserialize(code) == code


def test_the_forms_plain_messages_leave_the_api_s_alone() -> None:
    with pytest.raises(ValidationError) as form:
        ConnecteeSignUpSchema().load(MultiDict({"first_name": "Amira"}))
    assert form.value.messages_dict["last_name"] == ["Please fill this in."]
    with pytest.raises(ValidationError) as api:
        ConnecteeSchema().load({"first_name": "Amira", "years_experience": "many"})
    assert api.value.messages == {
        "last_name": ["Missing data for required field."],
        "email": ["Missing data for required field."],
        "years_experience": ["Not a valid integer."],
    }
