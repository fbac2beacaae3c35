"""What the sign-up forms call their fields and offer in their lists, worded for the public.

Values are the API's (enum values, ISO codes, SOC codes); only the labels are written
for someone filling in a form in their second or third language.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from typing import TypeAlias, TypeVar

from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from community_node.participants.models import (
    AVAILABILITY_SLOTS,
    CapacityPeriod,
    EducationLevel,
    LanguageLevel,
    ReferralSource,
    StatusCategory,
    WorkAuthorization,
)
from community_node.signup.schemas import LANGUAGE_ROWS
from shared import names
from shared.taxonomy import Level, default_taxonomy

E = TypeVar("E", bound=enum.StrEnum)

#: A label: translated when it is shown, in the reader's language.
Text: TypeAlias = str | LazyString

#: One option of a select, radio group or checkbox group: (value, label).
Option = tuple[str, Text]

#: Each input's name as people read it, in the forms' order: the labels and the error
#: summary at the top of a form both take their words from here.
LABELS: dict[str, Text] = {
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "country_of_origin": _l("Country you come from"),
    "referral_source": _l("How did you hear about the program?"),
    "referral_partner_id": _l("Which organisation told you about it?"),
    "status_category": _l("Your immigration status"),
    "work_authorization": _l("Your permission to work"),
    "work_authorization_expires": _l("Date your permission to work ends"),
    "intends_to_stay": _l("Do you plan to stay in this area?"),
    "education_level": _l("Highest education completed"),
    "education_field": _l("Field of study"),
    "education_country": _l("Country where you studied"),
    "employer": _l("Employer"),
    "job_title": _l("Job title"),
    "occupation": _l("Your occupation"),
    "current_occupation": _l("The occupation you trained or worked in"),
    "target_occupation": _l("The occupation you want to work in here"),
    "years_experience": _l("Years of experience in that occupation"),
    "years_in_field": _l("Years working in your field"),
    "years_local": _l("Years working in this area"),
    "languages": _l("Languages you speak"),
    **{
        key: text
        for n in range(1, LANGUAGE_ROWS + 1)
        for key, text in (
            (f"language_{n}", _l("Language %(number)s", number=n)),
            (f"level_{n}", _l("Level in language %(number)s", number=n)),
        )
    },
    "skills": _l("Skills"),
    "availability": _l("When you can meet"),
    "capacity": _l("How many newcomers you can meet"),
    "capacity_period": _l("How often"),
    "remote_ok": _l("Meeting by video"),
    "cross_city_ok": _l("Newcomers from other cities"),
    "consent_local_processing": _l("Keeping and using your information"),
    "consent_directory_listing": _l("The national directory"),
    "consent_cross_city_introductions": _l("Introductions with other cities"),
}

REFERRAL_SOURCES: Mapping[ReferralSource, Text] = {
    ReferralSource.RESETTLEMENT_AGENCY: _l("A refugee resettlement agency"),
    ReferralSource.ELL_PROVIDER: _l("An English class or language school"),
    ReferralSource.COLLEGE_CAREER_CENTRE: _l("A college or university career centre"),
    ReferralSource.JOB_FAIR: _l("A job fair"),
    ReferralSource.EMPLOYER: _l("An employer"),
    ReferralSource.COMMUNITY_ORGANISATION: _l("A community organisation"),
    ReferralSource.SELF: _l("I found the program myself"),
    ReferralSource.OTHER: _l("Somewhere else"),
    ReferralSource.PARTNER: _l("An organisation that works with the program"),
    ReferralSource.EVENT: _l("An event of the program"),
    ReferralSource.SOCIAL_MEDIA: _l("Social media"),
    ReferralSource.WORD_OF_MOUTH: _l("A friend, colleague or family member"),
    ReferralSource.CONNECTOR_INVITATION: _l("A connector invited me"),
}

STATUS_CATEGORIES: Mapping[StatusCategory, Text] = {
    StatusCategory.REFUGEE: _l("Refugee"),
    StatusCategory.ASYLUM_SEEKER: _l("Asylum seeker"),
    StatusCategory.PERMANENT_RESIDENT: _l("Permanent resident"),
    StatusCategory.TEMPORARY_RESIDENT: _l("Temporary resident (on a work or study permit or visa)"),
    StatusCategory.CITIZEN: _l("Citizen"),
    StatusCategory.OTHER: _l("Something else"),
}

WORK_AUTHORIZATIONS: Mapping[WorkAuthorization, Text] = {
    WorkAuthorization.CITIZEN: _l("Citizenship"),
    WorkAuthorization.PERMANENT_RESIDENT: _l("Permanent residence (green card, PR card)"),
    WorkAuthorization.REFUGEE_STATUS: _l("Refugee or protected person status"),
    WorkAuthorization.OPEN_WORK_PERMIT: _l("Open work permit"),
    WorkAuthorization.EMPLOYER_WORK_PERMIT: _l("Work permit for one employer"),
    WorkAuthorization.EAD: _l("Employment Authorization Document (EAD)"),
    WorkAuthorization.H1B: _l("H-1B visa"),
    WorkAuthorization.F1_STUDENT: _l("F-1 student visa"),
    WorkAuthorization.STUDY_PERMIT: _l("Study permit"),
    WorkAuthorization.PENDING: _l("I have applied and am waiting for a decision"),
    WorkAuthorization.NONE: _l("None yet"),
}

EDUCATION_LEVELS: Mapping[EducationLevel, Text] = {
    EducationLevel.NONE: _l("No school diploma"),
    EducationLevel.SECONDARY: _l("Secondary school (high school)"),
    EducationLevel.POST_SECONDARY_CERTIFICATE: _l("College or trade certificate or diploma"),
    EducationLevel.BACHELOR: _l("Bachelor's degree"),
    EducationLevel.MASTER: _l("Master's degree"),
    EducationLevel.DOCTORATE: _l("Doctorate (PhD or similar)"),
}

LANGUAGE_LEVELS: Mapping[LanguageLevel, Text] = {
    LanguageLevel.A1: _l("A1: beginner"),
    LanguageLevel.A2: _l("A2: basic"),
    LanguageLevel.B1: _l("B1: intermediate"),
    LanguageLevel.B2: _l("B2: upper intermediate"),
    LanguageLevel.C1: _l("C1: advanced"),
    LanguageLevel.C2: _l("C2: fluent"),
    LanguageLevel.NATIVE: _l("First language"),
}

CAPACITY_PERIODS: Mapping[CapacityPeriod, Text] = {
    CapacityPeriod.MONTH: _l("a month"),
    CapacityPeriod.QUARTER: _l("every three months"),
}

#: How many newcomers a volunteer may offer to meet per period on the public form.
CAPACITY_CHOICES: tuple[Option, ...] = tuple((str(n), str(n)) for n in range(1, 6))

_SLOTS: Mapping[str, Text] = {
    "weekday_mornings": _l("Weekday mornings"),
    "weekday_afternoons": _l("Weekday afternoons"),
    "weekday_evenings": _l("Weekday evenings"),
    "weekends": _l("Weekends"),
}
AVAILABILITY: tuple[Option, ...] = tuple((slot, _SLOTS[slot]) for slot in AVAILABILITY_SLOTS)

YES_NO: tuple[Option, ...] = (("yes", _l("Yes")), ("no", _l("No")))


def _locale() -> str:
    locale = get_locale()
    return str(locale) if locale else "en"


def countries() -> tuple[names.Option, ...]:
    """ISO 3166 countries named in the reader's language (shared with the staff forms)."""
    return names.countries(_locale())


def languages() -> tuple[names.Option, ...]:
    """Languages named in the reader's language (shared with the staff forms)."""
    return names.languages(_locale())


def labelled(labels: Mapping[E, Text]) -> tuple[Option, ...]:
    """Return (value, label) options in the enum's own order."""
    return tuple((member.value, label) for member, label in labels.items())


@functools.cache
def occupations() -> tuple[str, ...]:
    """Return "29-1141 Registered Nurses" for every detailed SOC occupation, by title."""
    detailed = [occ for occ in default_taxonomy() if occ.level is Level.DETAILED]
    return tuple(f"{occ.code} {occ.title}" for occ in sorted(detailed, key=lambda o: o.title))
