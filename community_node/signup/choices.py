"""What the sign-up forms call their fields and offer in their lists, worded for the public.

Values are the API's (enum values, ISO codes, SOC codes); only the labels are written
for someone filling in a form in their second or third language.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from typing import TypeVar

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
from shared.names import countries as countries  # named once for both services
from shared.names import languages as languages
from shared.taxonomy import Level, default_taxonomy

E = TypeVar("E", bound=enum.StrEnum)

#: One option of a select, radio group or checkbox group: (value, label).
Option = tuple[str, str]

#: Each input's name as people read it, in the forms' order: the labels and the error
#: summary at the top of a form both take their words from here.
LABELS: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "country_of_origin": "Country you come from",
    "referral_source": "How did you hear about the program?",
    "referral_partner_id": _l("Which organisation told you about it?"),
    "status_category": "Your immigration status",
    "work_authorization": "Your permission to work",
    "work_authorization_expires": "Date your permission to work ends",
    "intends_to_stay": "Do you plan to stay in this area?",
    "education_level": "Highest education completed",
    "education_field": "Field of study",
    "education_country": "Country where you studied",
    "employer": "Employer",
    "job_title": "Job title",
    "occupation": "Your occupation",
    "current_occupation": "The occupation you trained or worked in",
    "target_occupation": "The occupation you want to work in here",
    "years_experience": "Years of experience in that occupation",
    "years_in_field": "Years working in your field",
    "years_local": "Years working in this area",
    "languages": "Languages you speak",
    **{
        key: text
        for n in range(1, LANGUAGE_ROWS + 1)
        for key, text in (
            (f"language_{n}", f"Language {n}"),
            (f"level_{n}", f"Level in language {n}"),
        )
    },
    "skills": "Skills",
    "availability": "When you can meet",
    "capacity": "How many newcomers you can meet",
    "capacity_period": "How often",
    "remote_ok": "Meeting by video",
    "cross_city_ok": "Newcomers from other cities",
    "consent_local_processing": "Keeping and using your information",
    "consent_directory_listing": "The national directory",
    "consent_cross_city_introductions": "Introductions with other cities",
}

REFERRAL_SOURCES: Mapping[ReferralSource, str] = {
    ReferralSource.RESETTLEMENT_AGENCY: "A refugee resettlement agency",
    ReferralSource.ELL_PROVIDER: "An English class or language school",
    ReferralSource.COLLEGE_CAREER_CENTRE: "A college or university career centre",
    ReferralSource.JOB_FAIR: "A job fair",
    ReferralSource.EMPLOYER: "An employer",
    ReferralSource.COMMUNITY_ORGANISATION: "A community organisation",
    ReferralSource.SELF: "I found the program myself",
    ReferralSource.OTHER: "Somewhere else",
    ReferralSource.PARTNER: _l("An organisation that works with the program"),
    ReferralSource.EVENT: _l("An event of the program"),
    ReferralSource.SOCIAL_MEDIA: _l("Social media"),
    ReferralSource.WORD_OF_MOUTH: _l("A friend, colleague or family member"),
    ReferralSource.CONNECTOR_INVITATION: _l("A connector invited me"),
}

STATUS_CATEGORIES: Mapping[StatusCategory, str] = {
    StatusCategory.REFUGEE: "Refugee",
    StatusCategory.ASYLUM_SEEKER: "Asylum seeker",
    StatusCategory.PERMANENT_RESIDENT: "Permanent resident",
    StatusCategory.TEMPORARY_RESIDENT: "Temporary resident (on a work or study permit or visa)",
    StatusCategory.CITIZEN: "Citizen",
    StatusCategory.OTHER: "Something else",
}

WORK_AUTHORIZATIONS: Mapping[WorkAuthorization, str] = {
    WorkAuthorization.CITIZEN: "Citizenship",
    WorkAuthorization.PERMANENT_RESIDENT: "Permanent residence (green card, PR card)",
    WorkAuthorization.REFUGEE_STATUS: "Refugee or protected person status",
    WorkAuthorization.OPEN_WORK_PERMIT: "Open work permit",
    WorkAuthorization.EMPLOYER_WORK_PERMIT: "Work permit for one employer",
    WorkAuthorization.EAD: "Employment Authorization Document (EAD)",
    WorkAuthorization.H1B: "H-1B visa",
    WorkAuthorization.F1_STUDENT: "F-1 student visa",
    WorkAuthorization.STUDY_PERMIT: "Study permit",
    WorkAuthorization.PENDING: "I have applied and am waiting for a decision",
    WorkAuthorization.NONE: "None yet",
}

EDUCATION_LEVELS: Mapping[EducationLevel, str] = {
    EducationLevel.NONE: "No school diploma",
    EducationLevel.SECONDARY: "Secondary school (high school)",
    EducationLevel.POST_SECONDARY_CERTIFICATE: "College or trade certificate or diploma",
    EducationLevel.BACHELOR: "Bachelor's degree",
    EducationLevel.MASTER: "Master's degree",
    EducationLevel.DOCTORATE: "Doctorate (PhD or similar)",
}

LANGUAGE_LEVELS: Mapping[LanguageLevel, str] = {
    LanguageLevel.A1: "A1: beginner",
    LanguageLevel.A2: "A2: basic",
    LanguageLevel.B1: "B1: intermediate",
    LanguageLevel.B2: "B2: upper intermediate",
    LanguageLevel.C1: "C1: advanced",
    LanguageLevel.C2: "C2: fluent",
    LanguageLevel.NATIVE: "First language",
}

CAPACITY_PERIODS: Mapping[CapacityPeriod, str] = {
    CapacityPeriod.MONTH: "a month",
    CapacityPeriod.QUARTER: "every three months",
}

#: How many newcomers a volunteer may offer to meet per period on the public form.
CAPACITY_CHOICES: tuple[Option, ...] = tuple((str(n), str(n)) for n in range(1, 6))

AVAILABILITY: tuple[Option, ...] = tuple(
    (slot, slot.replace("_", " ").capitalize()) for slot in AVAILABILITY_SLOTS
)

YES_NO: tuple[Option, ...] = (("yes", "Yes"), ("no", "No"))


def labelled(labels: Mapping[E, str]) -> tuple[Option, ...]:
    """Return (value, label) options in the enum's own order."""
    return tuple((member.value, label) for member, label in labels.items())


@functools.cache
def occupations() -> tuple[str, ...]:
    """Return "29-1141 Registered Nurses" for every detailed SOC occupation, by title."""
    detailed = [occ for occ in default_taxonomy() if occ.level is Level.DETAILED]
    return tuple(f"{occ.code} {occ.title}" for occ in sorted(detailed, key=lambda o: o.title))
