"""Generate a realistic synthetic community, deterministically for a seed, and insert it.

Generation builds plain row dicts that refer to each other by list index (a "plan");
insertion then writes them table by table with bulk INSERTs and maps indexes to ids.
Every match follows the lifecycle in ``introductions.lifecycle``: each status change
has a transition row, matches that met have ``first_met_on``, and no connector is
given more counted matches in any capacity period than their capacity.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, TypeVar, cast

from faker import Faker

from community_node.demo.catalog import (
    CONNECTOR_LANGUAGES,
    EMPLOYERS,
    FIELDS,
    MENTOR_TITLES,
    NOTES,
    ORIGINS,
    ROMANIZED_NAMES,
    SURVIVAL_JOBS,
    Field,
    Origin,
)
from community_node.eligibility.models import EligibilityDecision, Outcome
from community_node.eligibility.rules import (
    CriterionResult,
    RuleSet,
    evaluate_connectee,
    evaluate_connector,
    load_rules,
    outcome_of,
)
from community_node.eligibility.services import STATUS_FOR
from community_node.extensions import db
from community_node.matches.lifecycle import NOT_COUNTED_FOR_CAPACITY
from community_node.matches.models import (
    Match,
    MatchStatus,
    MatchTransition,
    Meeting,
    MeetingMode,
    Referral,
    ReferralResult,
)
from community_node.outcomes.models import FollowUpOutcome, OutcomeCategory
from community_node.participants.models import (
    AVAILABILITY_SLOTS,
    CapacityPeriod,
    Connectee,
    ConnecteeLanguage,
    Connector,
    ConnectorLanguage,
    Consent,
    ConsentPurpose,
    CredentialRecognition,
    EducationLevel,
    EnglishEvidence,
    LanguageLevel,
    ProfileStatus,
    ReferralSource,
    ScreeningStatus,
    StatusCategory,
    WorkAuthorization,
    skill_ids_for,
)
from shared.dates import add_months
from shared.taxonomy import Level, default_taxonomy

T = TypeVar("T")
S = MatchStatus
PS = ProfileStatus
L = LanguageLevel

POLICY_VERSION = "2024-03"
EXPIRY_DAYS = 14
#: Days a capacity period spans, at its longest (a quarter can have 92 days).
PERIOD_DAYS = {CapacityPeriod.MONTH: 31, CapacityPeriod.QUARTER: 92}
SYSTEM_ACTOR = "system:tick"
POOL_SIZE = 300

#: The occupation of the cross-city walk-through (README): Civil Engineers.
SCENARIO_OCCUPATION = "17-2051"
#: Connectors one city lists in that occupation: generalization publishes an occupation
#: only from a cell of at least 5 (``shared.privacy.generalize``), so 6 stay detailed.
SCENARIO_CONNECTORS = 6
SCENARIO_SEEKER = ("Olena", "Kovalenko")
#: ``connectors``: civil engineers open to cross-city introductions, listed in the hub's
#: directory. ``seeker``: an approved civil engineer who consented to cross-city
#: introductions, in a community with no connector in the occupation's major group.
SCENARIOS = ("connectors", "seeker")


@dataclass
class Plan:
    """Rows to insert; foreign keys between new rows are list indexes until insertion."""

    connectees: list[dict[str, Any]] = field(default_factory=list)
    connectee_languages: list[list[tuple[str, LanguageLevel]]] = field(default_factory=list)
    connectors: list[dict[str, Any]] = field(default_factory=list)
    connector_languages: list[list[tuple[str, LanguageLevel]]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)  # *_index keys
    decisions: list[dict[str, Any]] = field(default_factory=list)  # *_index keys
    matches: list[dict[str, Any]] = field(default_factory=list)  # *_index keys
    transitions: list[dict[str, Any]] = field(default_factory=list)  # match_index
    meetings: list[dict[str, Any]] = field(default_factory=list)  # match_index
    referrals: list[dict[str, Any]] = field(default_factory=list)  # match_index
    outcomes: list[dict[str, Any]] = field(default_factory=list)  # connectee/match_index

    def counts(self) -> dict[str, int]:
        return {
            "connectees": len(self.connectees),
            "connectors": len(self.connectors),
            "consents": len(self.consents),
            "eligibility_decisions": len(self.decisions),
            "matches": len(self.matches),
            "match_transitions": len(self.transitions),
            "meetings": len(self.meetings),
            "referrals": len(self.referrals),
            "follow_up_outcomes": len(self.outcomes),
        }


def _pick(rng: random.Random, items: Sequence[T], weights: Sequence[float]) -> T:
    return rng.choices(items, weights=weights)[0]


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _at(day: dt.date, rng: random.Random, first_hour: int = 13, last_hour: int = 22) -> dt.datetime:
    """Return a moment in office hours (North American afternoon in UTC) on ``day``."""
    return dt.datetime.combine(
        day, dt.time(rng.randint(first_hour, last_hour), rng.randrange(0, 60, 5)), dt.UTC
    )


class _Generator:
    """Holds the random sources and the growing plan for one generation run."""

    def __init__(
        self,
        seed: int,
        today: dt.date,
        staff_ids: Sequence[int],
        staff_weights: Sequence[int],
        rules: RuleSet,
    ) -> None:
        self.rng = random.Random(seed)
        self.rules = rules
        self.pending_decision: dict[str, Any] | None = None
        self.seed = seed
        self.today = today
        self.now = dt.datetime.combine(today, dt.time(23, 0), dt.UTC)
        self.staff_ids = list(staff_ids)
        self.staff_weights = list(staff_weights)
        self.pools: dict[str, list[str]] = {}
        self.emails: set[str] = set()
        self.plan = Plan()
        self.taxonomy = default_taxonomy()
        self.excluded_majors: frozenset[str] = frozenset()

    # Names and contact details ---------------------------------------------------------

    def pool(self, locale: str, what: str) -> list[str]:
        """Return a list of names (or companies) drawn once from a seeded Faker locale.

        Faker's weighted draws are slow; sampling a pool once and picking from it with
        our own generator keeps 10,000 people fast and just as deterministic.
        """
        key = f"{locale}:{what}"
        if key not in self.pools:
            fake = Faker(locale)
            # crc32, not hash(): str hashes change between interpreter runs.
            fake.seed_instance(self.seed * 7919 + zlib.crc32(key.encode()))
            draw = getattr(fake, what)
            self.pools[key] = sorted({draw() for _ in range(POOL_SIZE)})
        return self.pools[key]

    def name(self, source: str) -> tuple[str, str]:
        if source in ROMANIZED_NAMES:
            firsts, lasts = ROMANIZED_NAMES[source]
            return self.rng.choice(firsts), self.rng.choice(lasts)
        first, last = "first_name", "last_name"
        if source == "zh_CN":  # Chinese characters otherwise; intake forms use pinyin
            first, last = "first_romanized_name", "last_romanized_name"
        return (
            self.rng.choice(self.pool(source, first)),
            self.rng.choice(self.pool(source, last)),
        )

    def company(self) -> str:
        return self.rng.choice(self.pool("en_US", "company"))

    def email(self, first: str, last: str) -> str:
        domain = self.rng.choice(("example.org", "example.com", "example.net"))
        stem = f"{_ascii(first) or 'person'}.{_ascii(last) or 'demo'}"
        email, n = f"{stem}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{stem}{n}@{domain}"
        self.emails.add(email)
        return email

    def phone(self) -> str:
        # 555-0100..0199 numbers are reserved for fiction in the North American plan.
        area = self.rng.choice(("902", "314", "207", "412", "617", "416"))
        return f"+1-{area}-555-01{self.rng.randrange(100):02d}"

    def staff(self) -> int:
        return _pick(self.rng, self.staff_ids, self.staff_weights)

    # People ----------------------------------------------------------------------------

    def connectee(self) -> None:
        rng, today = self.rng, self.today
        origin = _pick(rng, ORIGINS, [o.weight for o in ORIGINS])
        fld = _pick(rng, FIELDS, [f.weight for f in FIELDS])
        first, last = self.name(origin.names)
        intake = today - dt.timedelta(days=rng.randint(0, 547))
        age = (today - intake).days
        if age < 10:
            status = _pick(rng, (PS.SUBMITTED, PS.DRAFT), (4, 1))
        else:
            status = _pick(
                rng,
                (PS.APPROVED, PS.SUBMITTED, PS.WAITLISTED, PS.REJECTED, PS.DEACTIVATED, PS.DRAFT),
                (62, 10, 10, 9, 6, 3),
            )
        category = rng.choice(origin.status)
        authorization = self._authorization(category)
        english = rng.choice(origin.english)
        intends, years = True, max(1, int(rng.triangular(1, 22, 6)))
        education = self._education(fld)
        resume = rng.random() < 0.75
        if status is not PS.DRAFT:
            # Shape the profile so that the community's rules give the status drawn; the
            # decision itself comes from the eligibility evaluator below.
            need = self.rules.connectee
            if need.min_english_level is not None:
                english = max(english, need.min_english_level, key=lambda lv: lv.rank)
            if need.min_education_level is not None:
                education = max(education, need.min_education_level, key=lambda lv: lv.rank)
            if need.min_years_experience is not None:
                years = max(years, need.min_years_experience)
            resume = resume or status is not PS.SUBMITTED
        if status is PS.REJECTED:
            reason = rng.choice(("authorization", "intent", "english"))
            if reason == "authorization":
                category = StatusCategory.TEMPORARY_RESIDENT
                authorization = rng.choice(
                    (WorkAuthorization.F1_STUDENT, WorkAuthorization.STUDY_PERMIT)
                )
            elif reason == "intent":
                intends = False
            else:
                english = L.A2
        elif status is PS.WAITLISTED:
            # Missing data waitlists: a pending work permit, or no résumé yet.
            if rng.random() < 0.5:
                category, authorization = StatusCategory.ASYLUM_SEEKER, WorkAuthorization.PENDING
            else:
                resume = False
        expires = None
        if authorization in (
            WorkAuthorization.OPEN_WORK_PERMIT,
            WorkAuthorization.EMPLOYER_WORK_PERMIT,
            WorkAuthorization.EAD,
            WorkAuthorization.F1_STUDENT,
            WorkAuthorization.STUDY_PERMIT,
        ):
            expires = intake + dt.timedelta(days=rng.randint(365, 3 * 365))
        skills = rng.sample(fld.skills, k=min(len(fld.skills), rng.randint(4, 6)))
        created = _at(intake, rng)
        row: dict[str, Any] = {
            "first_name": first,
            "last_name": last,
            "email": self.email(first, last),
            "phone": self.phone() if rng.random() < 0.9 else None,
            "status": status,
            "skills": skills,
            "availability": self._slots(),
            "notes": rng.choice(NOTES) if rng.random() < 0.25 else None,
            "country_of_origin": origin.country,
            "referral_source": self._referral_source(category),
            "status_category": category,
            "work_authorization": authorization,
            "work_authorization_expires": expires,
            "intends_to_stay": intends,
            "education_level": education,
            "education_field": fld.education,
            "education_country": origin.country if rng.random() < 0.9 else "GB",
            "credential_recognition": self._recognition(fld, intake),
            "current_occupation": self._current_job(fld),
            "target_occupation": fld.code,
            "years_experience": years,
            "english_evidence": _pick(rng, list(EnglishEvidence), (50, 35, 15)),
            "resume_on_file": resume,
            "intake_date": intake,
            "coordinator_id": self.staff(),
            "job_ready": english.rank >= L.B2.rank and rng.random() < 0.7,
            "created_at": created,
            "updated_at": created,
        }
        _derive(row)
        languages = self._languages(origin, english)
        if status in (PS.APPROVED, PS.REJECTED, PS.WAITLISTED, PS.DEACTIVATED):
            person = SimpleNamespace(**row, english_level=english)
            results = evaluate_connectee(self.rules.connectee, cast(Connectee, person), intake)
            status = self._decide("connectee", row, results)
        row["job_ready"] = row["job_ready"] and status is PS.APPROVED
        index = len(self.plan.connectees)
        self.plan.connectees.append(row)
        self.plan.connectee_languages.append(languages)
        self.consent("connectee", index, ConsentPurpose.LOCAL_PROCESSING, created)
        if rng.random() < 0.4:
            self.consent("connectee", index, ConsentPurpose.CROSS_CITY_INTRODUCTIONS, created)
        if self.pending_decision is not None:
            self.plan.decisions.append({"connectee_index": index, **self.pending_decision})
            self.pending_decision = None

    def _authorization(self, category: StatusCategory) -> WorkAuthorization:
        rng = self.rng
        if category is StatusCategory.REFUGEE:
            return WorkAuthorization.REFUGEE_STATUS
        if category is StatusCategory.PERMANENT_RESIDENT:
            return WorkAuthorization.PERMANENT_RESIDENT
        if category is StatusCategory.ASYLUM_SEEKER:
            return _pick(
                rng,
                (WorkAuthorization.EAD, WorkAuthorization.OPEN_WORK_PERMIT),
                (1, 1),
            )
        return _pick(
            rng,
            (WorkAuthorization.OPEN_WORK_PERMIT, WorkAuthorization.EMPLOYER_WORK_PERMIT),
            (3, 1),
        )

    def _education(self, fld: Field) -> EducationLevel:
        rng, E = self.rng, EducationLevel  # noqa: N806
        if fld.code.startswith(("47-", "51-")):
            return _pick(rng, (E.SECONDARY, E.POST_SECONDARY_CERTIFICATE), (1, 3))
        if fld.code.startswith(("29-12", "29-1021", "29-1051")):
            return _pick(rng, (E.BACHELOR, E.MASTER, E.DOCTORATE), (3, 4, 3))
        return _pick(
            rng, (E.POST_SECONDARY_CERTIFICATE, E.BACHELOR, E.MASTER, E.DOCTORATE), (1, 11, 6, 1)
        )

    def _recognition(self, fld: Field, intake: dt.date) -> CredentialRecognition:
        C = CredentialRecognition  # noqa: N806
        if not fld.regulated:
            return C.NOT_REQUIRED if self.rng.random() < 0.8 else C.NOT_STARTED
        # Recognition takes time, so it is likelier the longer ago the intake was.
        done = min(0.35, (self.today - intake).days / 1500)
        return _pick(self.rng, (C.NOT_STARTED, C.IN_PROGRESS, C.RECOGNIZED), (0.45, 0.4, done))

    def _current_job(self, fld: Field) -> str | None:
        r = self.rng.random()
        if r < 0.45:
            return self.rng.choice(SURVIVAL_JOBS)
        if r < 0.5:
            return fld.code
        return None

    def _referral_source(self, category: StatusCategory) -> ReferralSource:
        R = ReferralSource  # noqa: N806
        if category is StatusCategory.REFUGEE:
            return _pick(self.rng, (R.RESETTLEMENT_AGENCY, R.ELL_PROVIDER, R.SELF), (6, 2, 1))
        return _pick(
            self.rng,
            (
                R.ELL_PROVIDER,
                R.COLLEGE_CAREER_CENTRE,
                R.JOB_FAIR,
                R.COMMUNITY_ORGANISATION,
                R.EMPLOYER,
                R.SELF,
                R.OTHER,
            ),
            (3, 3, 2, 3, 1, 2, 1),
        )

    def _slots(self) -> list[str]:
        chosen = set(self.rng.sample(AVAILABILITY_SLOTS, k=self.rng.randint(1, 3)))
        return [slot for slot in AVAILABILITY_SLOTS if slot in chosen]

    def _languages(self, origin: Origin, english: LanguageLevel) -> list[tuple[str, L]]:
        langs = dict.fromkeys(origin.native, L.NATIVE)
        for code, share in origin.other:
            if self.rng.random() < share:
                langs.setdefault(code, self.rng.choice((L.B1, L.B2, L.C1, L.NATIVE)))
        langs["eng"] = english
        return sorted(langs.items())

    def connector(self) -> None:
        rng, today = self.rng, self.today
        while True:
            if rng.random() < 0.7:
                fld = _pick(rng, FIELDS, [f.weight for f in FIELDS])
                code, title = fld.code, rng.choice(fld.titles)
            else:
                fld = _pick(rng, FIELDS, [f.weight for f in FIELDS])
                code = rng.choice(fld.mentors) if fld.mentors else fld.code
                title = rng.choice(MENTOR_TITLES.get(code) or fld.titles)
            # Without exclusions the first draw stands, so other seeds give the same rows.
            if code[:2] not in self.excluded_majors:
                break
        languages: dict[str, L] = {"eng": L.NATIVE}
        if rng.random() < 0.2:  # a former newcomer, now established
            origin = _pick(rng, ORIGINS, [o.weight for o in ORIGINS])
            first, last = self.name(origin.names)
            languages = {"eng": L.C2, origin.native[0]: L.NATIVE}
        else:
            first, last = self.name("en_US")
            if rng.random() < 0.15:
                languages[rng.choice(CONNECTOR_LANGUAGES)] = rng.choice((L.B1, L.B2, L.C1))
        joined = today - dt.timedelta(days=rng.randint(0, 730))
        if (today - joined).days < 14:
            status = PS.SUBMITTED
        else:
            status = _pick(
                rng,
                (PS.APPROVED, PS.SUBMITTED, PS.WAITLISTED, PS.REJECTED, PS.DEACTIVATED),
                (84, 6, 2, 3, 5),
            )
        screening = {
            PS.SUBMITTED: ScreeningStatus.PENDING,
            PS.REJECTED: ScreeningStatus.FAILED,
        }.get(status, ScreeningStatus.SCREENED)
        years: int | None = max(3, int(rng.triangular(3, 35, 12)))
        base_skills = list(fld.skills) + ["mentoring", "hiring", "networking"]
        skills = rng.sample(base_skills, k=rng.randint(3, 6))
        employer = rng.choice(EMPLOYERS[fld.sector]) if rng.random() < 0.7 else self.company()
        created = _at(joined, rng)
        row: dict[str, Any] = {
            "first_name": first,
            "last_name": last,
            "email": self.email(first, last),
            "phone": self.phone() if rng.random() < 0.8 else None,
            "status": status,
            "skills": skills,
            "availability": self._slots(),
            "notes": None,
            "employer": employer,
            "job_title": title,
            "occupation": code,
            "years_in_field": years,
            "years_local": min(years or 3, rng.randint(3, 25)),
            "has_local_network": rng.random() < 0.95,
            "capacity": _pick(rng, (1, 2, 3, 4), (45, 35, 15, 5)),
            "capacity_period": _pick(rng, (CapacityPeriod.QUARTER, CapacityPeriod.MONTH), (3, 1)),
            "available": status is PS.APPROVED and rng.random() < 0.9,
            "remote_ok": rng.random() < 0.5,
            "cross_city_ok": rng.random() < 0.3,
            "screening_status": screening,
            "created_at": created,
            "updated_at": created,
        }
        _derive(row)
        if status is not PS.SUBMITTED:
            self._shape_connector(row, status)
            person = cast(Connector, SimpleNamespace(**row))
            results = evaluate_connector(self.rules.connector, person)
            row["status"] = self._decide("connector", row, results)
            if row["status"] is not PS.APPROVED:
                row["available"] = False
            if row["status"] is PS.REJECTED:
                row["screening_status"] = ScreeningStatus.FAILED
        index = len(self.plan.connectors)
        self.plan.connectors.append(row)
        self.plan.connector_languages.append(sorted(languages.items()))
        self.consent("connector", index, ConsentPurpose.LOCAL_PROCESSING, created)
        if rng.random() < 0.6:
            withdrawn = None
            if rng.random() < 0.05:
                days = rng.randint(1, max(1, (today - joined).days))
                withdrawn = min(created + dt.timedelta(days=days), self.now)
            self.consent("connector", index, ConsentPurpose.DIRECTORY_LISTING, created, withdrawn)
        if row["cross_city_ok"]:
            self.consent("connector", index, ConsentPurpose.CROSS_CITY_INTRODUCTIONS, created)
        if self.pending_decision is not None:
            self.plan.decisions.append({"connector_index": index, **self.pending_decision})
            self.pending_decision = None

    def consent(
        self,
        kind: str,
        index: int,
        purpose: ConsentPurpose,
        granted: dt.datetime,
        withdrawn: dt.datetime | None = None,
    ) -> None:
        actor = f"staff:{self.staff()}"
        self.plan.consents.append(
            {
                f"{kind}_index": index,
                "purpose": purpose,
                "policy_version": POLICY_VERSION,
                "method": _pick(self.rng, ("form", "paper", "verbal", "email"), (14, 3, 2, 1)),
                "granted_at": granted,
                "recorded_by": actor,
                "recorded_at": granted,
                "withdrawn_at": withdrawn,
                "withdrawn_by": actor if withdrawn else None,
            }
        )

    # Scenario records ------------------------------------------------------------------

    def _scenario_field(self) -> Field:
        return next(f for f in FIELDS if f.code == SCENARIO_OCCUPATION)

    def scenario_connectors(self) -> None:
        """Add approved civil engineers who are listed and open to cross-city introductions.

        Added after the matches were drawn, so they all have capacity left; every one is
        in the same experience band, so the hub lists them under the detailed occupation.
        """
        fld = self._scenario_field()
        need = self.rules.connector
        for n in range(SCENARIO_CONNECTORS):
            first, last = self.name("en_US")
            created = _at(self.today - dt.timedelta(days=120 + 30 * n), self.rng)
            row: dict[str, Any] = {
                "first_name": first,
                "last_name": last,
                "email": self.email(first, last),
                "phone": self.phone(),
                "status": PS.APPROVED,
                "skills": [*fld.skills[n % 3 : n % 3 + 4], "mentoring"],
                "availability": ["weekday_evenings", "weekends"],
                "notes": None,
                "employer": EMPLOYERS[fld.sector][n % len(EMPLOYERS[fld.sector])],
                "job_title": fld.titles[n % len(fld.titles)],
                "occupation": fld.code,
                "years_in_field": max(12 + n, need.min_years_in_field or 0),
                "years_local": max(10, need.min_years_local or 0),
                "has_local_network": True,
                "capacity": 3,
                "capacity_period": CapacityPeriod.QUARTER,
                "available": True,
                "remote_ok": True,
                "cross_city_ok": True,
                "screening_status": ScreeningStatus.SCREENED,
                "created_at": created,
                "updated_at": created,
            }
            _derive(row)
            results = evaluate_connector(need, cast(Connector, SimpleNamespace(**row)))
            if self._decide("connector", row, results) is not PS.APPROVED:
                raise ValueError("the community's rules do not approve the scenario connectors")
            index = len(self.plan.connectors)
            self.plan.connectors.append(row)
            self.plan.connector_languages.append([("eng", L.NATIVE)])
            for purpose in (
                ConsentPurpose.LOCAL_PROCESSING,
                ConsentPurpose.DIRECTORY_LISTING,
                ConsentPurpose.CROSS_CITY_INTRODUCTIONS,
            ):
                self.consent("connector", index, purpose, created)
            self.plan.decisions.append({"connector_index": index, **self._take_decision()})

    def scenario_seeker(self) -> None:
        """Add an approved civil engineer, unmatched, who consented to cross-city introductions."""
        fld = self._scenario_field()
        need = self.rules.connectee
        first, last = SCENARIO_SEEKER
        intake = self.today - dt.timedelta(days=30)
        created = _at(intake, self.rng)
        english = max(L.C1, need.min_english_level or L.C1, key=lambda lv: lv.rank)
        row: dict[str, Any] = {
            "first_name": first,
            "last_name": last,
            "email": self.email(first, last),
            "phone": self.phone(),
            "status": PS.APPROVED,
            "skills": list(fld.skills[:5]),
            "availability": ["weekday_evenings", "weekends"],
            "notes": None,
            "country_of_origin": "UA",
            "referral_source": ReferralSource.COMMUNITY_ORGANISATION,
            "status_category": StatusCategory.PERMANENT_RESIDENT,
            "work_authorization": WorkAuthorization.PERMANENT_RESIDENT,
            "work_authorization_expires": None,
            "intends_to_stay": True,
            "education_level": EducationLevel.MASTER,
            "education_field": fld.education,
            "education_country": "UA",
            "credential_recognition": CredentialRecognition.IN_PROGRESS,
            "current_occupation": None,
            "target_occupation": fld.code,
            "years_experience": max(12, need.min_years_experience or 0),
            "english_evidence": EnglishEvidence.TEST,
            "resume_on_file": True,
            "intake_date": intake,
            "coordinator_id": self.staff_ids[0],
            "job_ready": True,
            "created_at": created,
            "updated_at": created,
        }
        _derive(row)
        person = SimpleNamespace(**row, english_level=english)
        results = evaluate_connectee(need, cast(Connectee, person), intake)
        if self._decide("connectee", row, results) is not PS.APPROVED:
            raise ValueError("the community's rules do not approve the scenario connectee")
        index = len(self.plan.connectees)
        self.plan.connectees.append(row)
        self.plan.connectee_languages.append(
            sorted({"eng": english, "ukr": L.NATIVE, "rus": L.C1}.items())
        )
        self.consent("connectee", index, ConsentPurpose.LOCAL_PROCESSING, created)
        self.consent("connectee", index, ConsentPurpose.CROSS_CITY_INTRODUCTIONS, created)
        self.plan.decisions.append({"connectee_index": index, **self._take_decision()})

    def _take_decision(self) -> dict[str, Any]:
        decision = self.pending_decision
        assert decision is not None
        self.pending_decision = None
        return decision

    # Eligibility -----------------------------------------------------------------------

    def _shape_connector(self, row: dict[str, Any], status: ProfileStatus) -> None:
        """Make a connector's profile give the drawn status under the community's rules."""
        need = self.rules.connector
        if need.min_years_in_field is not None:
            row["years_in_field"] = max(row["years_in_field"], need.min_years_in_field)
        if need.min_years_local is not None:
            row["years_local"] = max(row["years_local"], need.min_years_local)
        if status is PS.REJECTED:
            row["has_local_network"] = False
        elif status is PS.WAITLISTED:
            row["years_in_field"] = None  # not recorded yet, so the rules waitlist
        else:
            row["has_local_network"] = True

    def _decide(
        self, kind: str, row: dict[str, Any], results: tuple[CriterionResult, ...]
    ) -> ProfileStatus:
        """Keep the evaluator's decision for the person and return the status it gives."""
        outcome = outcome_of(results)
        created: dt.datetime = row["created_at"]
        self.pending_decision = {
            "ruleset_version": self.rules.version,
            "outcome": outcome,
            "criteria": [r.as_json() for r in results],
            "is_override": False,
            "override_reason": None,
            "decided_by": f"staff:{self.staff()}",
            "decided_at": min(created + dt.timedelta(days=self.rng.randint(1, 10)), self.now),
            "current": True,
        }
        drawn: ProfileStatus = row["status"]
        # Deactivated people were approved once and left later.
        if outcome is Outcome.ELIGIBLE and drawn is PS.DEACTIVATED:
            return drawn
        status = STATUS_FOR[outcome]
        row["status"] = status
        return status

    # Matches ---------------------------------------------------------------------------

    def match_all(self) -> None:
        """Propose connectors to approved connectees, as a coordinator would have."""
        connectors = self.plan.connectors
        pool = [
            i
            for i, c in enumerate(connectors)
            if c["status"] is PS.APPROVED and c["screening_status"] is ScreeningStatus.SCREENED
        ]
        by_code: dict[str, list[int]] = defaultdict(list)
        by_minor: dict[str, list[int]] = defaultdict(list)
        by_major: dict[str, list[int]] = defaultdict(list)
        for i in pool:
            code = connectors[i]["occupation"]
            by_code[code].append(i)
            by_minor[code[:4]].append(i)
            by_major[code[:2]].append(i)
        self.counted: dict[int, list[int]] = defaultdict(list)  # connector -> day ordinals
        fields = {f.code: f for f in FIELDS}
        for index, person in enumerate(self.plan.connectees):
            # Only approved people are matched; open matches of deactivated ones would be stale.
            if person["status"] is not PS.APPROVED:
                continue
            fld = fields[person["target_occupation"]]
            tiers = [
                (0.9, by_code.get(fld.code, [])),
                (0.8, [i for m in fld.mentors for i in by_code.get(m, [])]),
                (0.7, by_minor.get(fld.code[:4], [])),
                (0.55, by_major.get(fld.code[:2], [])),
            ]
            intake: dt.date = person["intake_date"]
            start = intake + dt.timedelta(days=self.rng.randint(7, 45))
            if (self.today - intake).days < 75:
                # Recent intakes: some still wait for a proposal, the rest are in flight,
                # so the demo has open work for a coordinator to act on.
                if self.rng.random() < 0.2:
                    continue
                recent = self.today - dt.timedelta(days=self.rng.randint(0, 25))
                start = max(intake + dt.timedelta(days=3), recent)
            used: set[int] = set()
            for _attempt in range(3):
                if start > self.today:
                    break
                ended = self.propose(index, person, tiers, start, used)
                if ended is None or self.rng.random() < 0.4:
                    break
                start = ended + dt.timedelta(days=self.rng.randint(2, 10))

    def _has_capacity(self, connector: int, day: dt.date) -> bool:
        row = self.plan.connectors[connector]
        if not row["available"] and (self.today - day).days < 60:
            return False
        span = PERIOD_DAYS[row["capacity_period"]]
        d = day.toordinal()
        # No window of one period around ``day`` may hold ``capacity`` counted matches, so the
        # limit holds for calendar periods and for rolling windows alike.
        near = sum(1 for other in self.counted[connector] if abs(other - d) < span)
        capacity: int = row["capacity"]
        return near < capacity

    def propose(
        self,
        connectee: int,
        person: dict[str, Any],
        tiers: list[tuple[float, list[int]]],
        day: dt.date,
        used: set[int],
    ) -> dt.date | None:
        """Propose one match starting on ``day``; return the day it ended, if it failed."""
        spoken = {lang for lang, _ in self.plan.connectee_languages[connectee] if lang != "eng"}
        chosen, score = None, 0.0
        for base, candidates in tiers:
            if not candidates:
                continue
            offset = self.rng.randrange(len(candidates))
            for k in range(len(candidates)):
                i = candidates[(offset + k) % len(candidates)]
                if i not in used and self._has_capacity(i, day):
                    chosen, score = i, base
                    break
            if chosen is not None:
                break
        if chosen is None:
            return None
        used.add(chosen)
        if spoken & {lang for lang, _ in self.plan.connector_languages[chosen]}:
            score += 0.05
        score = round(min(0.99, score + self.rng.uniform(-0.05, 0.04)), 2)
        coordinator = f"staff:{person['coordinator_id']}"
        match_index = len(self.plan.matches)
        events, meeting, met_day, reason = self._simulate(_at(day, self.rng), coordinator)
        status = events[-1][0]
        if status not in NOT_COUNTED_FOR_CAPACITY:
            self.counted[chosen].append(day.toordinal())
        awaiting_since = events[-1][1]
        self.plan.matches.append(
            {
                "connectee_index": connectee,
                "connector_index": chosen,
                "status": status,
                "score": score,
                "proposed_at": events[0][1],
                "status_changed_at": events[-1][1],
                "expires_at": awaiting_since + dt.timedelta(days=EXPIRY_DAYS)
                if status in (S.PROPOSED, S.INTRODUCED)
                else None,
                "first_met_on": met_day,
                "exit_reason": reason,
                "created_by": coordinator,
            }
        )
        previous: MatchStatus | None = None
        for to_status, at, by in events:
            self.plan.transitions.append(
                {
                    "match_index": match_index,
                    "from_status": previous,
                    "to_status": to_status,
                    "at": at,
                    "by": by,
                    "note": reason if to_status is status and reason else None,
                }
            )
            previous = to_status
        if meeting is not None:
            meeting["match_index"] = match_index
            self.plan.meetings.append(meeting)
        if met_day is not None:
            self._referrals(match_index, person, events)
        if status in (S.DECLINED, S.EXPIRED, S.CANCELLED, S.NO_SHOW):
            return events[-1][1].date()
        return None

    def _simulate(
        self, proposed: dt.datetime, coordinator: str
    ) -> tuple[
        list[tuple[MatchStatus, dt.datetime, str]],
        dict[str, Any] | None,
        dt.date | None,
        str | None,
    ]:
        """Walk one match along a path until the path ends or the next step is in the future."""
        rng, now = self.rng, self.now
        path = _pick(
            rng,
            ("decline", "expire", "cancel_early", "no_show", "cancel_late", "partial", "full"),
            (8, 7, 3, 5, 2, 15, 60),
        )
        events: list[tuple[MatchStatus, dt.datetime, str]] = [(S.PROPOSED, proposed, coordinator)]
        meeting: dict[str, Any] | None = None
        met_day: dt.date | None = None

        def step(status: MatchStatus, after_days: tuple[int, int], by: str = coordinator) -> bool:
            at = events[-1][1] + dt.timedelta(
                days=rng.randint(*after_days), hours=rng.randint(0, 5)
            )
            if at > now:
                return False
            events.append((status, at, by))
            return True

        def end(
            status: MatchStatus, after: tuple[int, int], reason: str, by: str = coordinator
        ) -> tuple[
            list[tuple[MatchStatus, dt.datetime, str]],
            dict[str, Any] | None,
            dt.date | None,
            str | None,
        ]:
            done = step(status, after, by)
            return events, meeting, met_day, reason if done else None

        stop_early = path in ("decline", "expire") and rng.random() < 0.5
        if path in ("decline", "expire") and stop_early:
            if path == "decline":
                return end(S.DECLINED, (2, 10), "Connector's schedule is full this month.")
            return end(S.EXPIRED, (EXPIRY_DAYS, EXPIRY_DAYS), "No answer in time.", SYSTEM_ACTOR)
        if not step(S.INTRODUCED, (1, 6)):
            return events, meeting, met_day, None
        if path == "decline":
            return end(S.DECLINED, (2, 10), "Connectee accepted a job offer elsewhere.")
        if path == "expire":
            return end(S.EXPIRED, (EXPIRY_DAYS, EXPIRY_DAYS), "No answer in time.", SYSTEM_ACTOR)
        if path == "cancel_early":
            return end(S.CANCELLED, (3, 12), "Connector changed employer.")
        if not step(S.MEETING_SCHEDULED, (2, 10)):
            return events, meeting, met_day, None
        scheduled_for = _at(
            events[-1][1].date() + dt.timedelta(days=rng.randint(3, 21)), rng, 13, 21
        )
        meeting = {
            "scheduled_for": scheduled_for,
            "duration_minutes": rng.choice((30, 30, 30, 45, 60)),
            "mode": _pick(rng, list(MeetingMode), (45, 40, 15)),
            "confirmed_by_connectee": rng.random() < 0.6,
            "confirmed_by_connector": rng.random() < 0.7,
            "held": None,
            "created_at": events[-1][1],
        }
        recorded = scheduled_for + dt.timedelta(days=rng.randint(0, 3), hours=2)
        if recorded > now:
            return events, meeting, met_day, None
        if path == "no_show":
            meeting.update(held=False, confirmed_by_connector=True)
            events.append((S.NO_SHOW, recorded, coordinator))
            return events, meeting, met_day, "Connectee did not come to the meeting."
        meeting.update(held=True, confirmed_by_connectee=True, confirmed_by_connector=True)
        events.append((S.MET, recorded, coordinator))
        met_day = scheduled_for.date()
        if path == "cancel_late":
            return end(S.CANCELLED, (1, 20), "Connectee moved to another city.")
        if not step(S.REFERRALS_PENDING, (0, 2)):
            return events, meeting, met_day, None
        # Referrals themselves are drawn later; here only when the third one came in.
        if path == "partial":
            return events, meeting, met_day, None
        if not step(S.REFERRED, (5, 45)):
            return events, meeting, met_day, None
        step(S.CLOSED, (20, 90))
        return events, meeting, met_day, None

    def _referrals(
        self,
        match_index: int,
        person: dict[str, Any],
        events: list[tuple[MatchStatus, dt.datetime, str]],
    ) -> None:
        """Draw the connector's introductions, consistent with the match's transitions."""
        rng = self.rng
        times = {status: at for status, at, _ in events}
        met = times[S.MET]
        closed = times.get(S.CLOSED) or times.get(S.CANCELLED) or self.now
        sector = next(f.sector for f in FIELDS if f.code == person["target_occupation"])
        dates: list[dt.datetime] = []
        if S.REFERRED in times:
            referred = times[S.REFERRED]
            # The third first-tier referral is what moved the match to "referred".
            earlier = sorted(met + (referred - met) * rng.uniform(0.1, 0.95) for _ in range(2))
            dates = [*earlier, referred]
            dates += [
                referred + dt.timedelta(days=rng.randint(1, 20))
                for _ in range(_pick(rng, (0, 1, 2), (60, 30, 10)))
            ]
            tier1 = [d for d in dates if d <= closed and d <= self.now]
        elif S.REFERRALS_PENDING in times:
            n = _pick(rng, (0, 1, 2), (3, 4, 3))
            start = times[S.REFERRALS_PENDING]
            tier1 = sorted(
                d
                for d in (start + dt.timedelta(days=rng.randint(1, 40)) for _ in range(n))
                if d <= closed and d <= self.now
            )
        else:
            tier1 = []
        tier2: list[dt.datetime] = []
        if S.REFERRED in times and rng.random() < 0.4:
            tier2 = sorted(
                d
                for d in (
                    tier1[0] + dt.timedelta(days=rng.randint(10, 60))
                    for _ in range(rng.randint(1, 3))
                )
                if d <= closed and d <= self.now
            )
        for tier, moments in ((1, tier1), (2, tier2)):
            for at in moments:
                self.plan.referrals.append(
                    {
                        "match_index": match_index,
                        "contact_name": " ".join(self.name("en_US")),
                        "organisation": rng.choice(EMPLOYERS[sector])
                        if rng.random() < 0.6
                        else self.company(),
                        "sector": sector if rng.random() < 0.8 else rng.choice(sorted(EMPLOYERS)),
                        "referred_on": at.date(),
                        "tier": tier,
                        "result": self._referral_result(at.date()),
                        "created_at": at,
                    }
                )

    def _referral_result(self, day: dt.date) -> ReferralResult:
        R = ReferralResult  # noqa: N806
        if (self.today - day).days < 14:
            return _pick(self.rng, (R.PENDING, R.MET), (7, 3))
        return _pick(
            self.rng, (R.MET, R.INTERVIEW, R.HIRED, R.NO_RESPONSE, R.PENDING), (45, 18, 6, 18, 13)
        )

    # Follow-up outcomes ----------------------------------------------------------------

    def follow_ups(self) -> None:
        first_meeting: dict[int, tuple[dt.date, int]] = {}
        for i, m in enumerate(self.plan.matches):
            if m["first_met_on"] is None:
                continue
            known = first_meeting.get(m["connectee_index"])
            if known is None or m["first_met_on"] < known[0]:
                first_meeting[m["connectee_index"]] = (m["first_met_on"], i)
        O = OutcomeCategory  # noqa: N806, E741
        categories: list[OutcomeCategory] = list(O)
        weights = {
            # Roughly the placement rates programs report (a third to a half within a year).
            3: (7, 6, 14, 16, 9, 40, 2, 6),
            6: (13, 9, 15, 15, 8, 32, 3, 5),
            12: (20, 11, 15, 13, 6, 26, 4, 5),
        }
        for connectee, (met_on, match_index) in sorted(first_meeting.items()):
            person = self.plan.connectees[connectee]
            previous: OutcomeCategory | None = None
            for months in (3, 6, 12):
                due = add_months(met_on, months)
                if due + dt.timedelta(days=14) > self.today or self.rng.random() > 0.75:
                    continue
                category = _pick(self.rng, categories, weights[months])
                # Work in the field and leaving the city mostly stick between milestones.
                sticky = (O.EMPLOYED_IN_FIELD, O.LEFT_COMMUNITY)
                if previous is not None and previous in sticky and self.rng.random() < 0.9:
                    category = previous
                previous = category
                recorded = min(due + dt.timedelta(days=self.rng.randint(0, 30)), self.today)
                self.plan.outcomes.append(
                    {
                        "connectee_index": connectee,
                        "match_index": match_index,
                        "milestone_months": months,
                        "category": category,
                        "occupation": self._outcome_occupation(category, person),
                        "attributed_to_program": (self.rng.random() < 0.6)
                        if category.employed
                        else None,
                        "recorded_on": recorded,
                        "recorded_by": f"staff:{person['coordinator_id']}",
                        "notes": None,
                        "created_at": _at(recorded, self.rng),
                    }
                )

    def _outcome_occupation(self, category: OutcomeCategory, person: dict[str, Any]) -> str | None:
        target: str = person["target_occupation"]
        if category is OutcomeCategory.EMPLOYED_IN_FIELD:
            return target
        if category is OutcomeCategory.EMPLOYED_RELATED_FIELD:
            related = [c for c in self.taxonomy.related_codes(target, Level.MINOR) if c != target]
            return self.rng.choice(related) if related else target
        if category is OutcomeCategory.EMPLOYED_OUTSIDE_FIELD:
            return self.rng.choice(SURVIVAL_JOBS)
        return None


def _derive(row: dict[str, Any]) -> None:
    """Fill the columns a person's other fields decide, as the services do on a write:
    ``search_text`` (mirrors ``_Person.refresh_search_text``, which needs a model
    instance) and ``skill_ids`` (what matching and the hub directory read)."""
    parts = [row["first_name"], row["last_name"], row["email"], *row["skills"]]
    row["search_text"] = " ".join(p.casefold() for p in parts if p)
    row["skill_ids"] = skill_ids_for(row["skills"])


def generate(
    *,
    connectees: int,
    connectors: int,
    seed: int,
    today: dt.date,
    staff_ids: Sequence[int],
    staff_weights: Sequence[int] | None = None,
    rules: RuleSet | None = None,
    scenarios: Sequence[str] = (),
) -> Plan:
    """Build the rows of a demo community; the same arguments always give the same rows.

    Eligibility decisions come from the eligibility evaluator under ``rules`` (default:
    the packaged rules), and each person's status follows from their decision.
    ``scenarios`` (see ``SCENARIOS``) add the records the cross-city walk-through needs.
    """
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        raise ValueError(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    weights = staff_weights or [1] * len(staff_ids)
    gen = _Generator(seed, today, staff_ids, weights, rules or load_rules(None))
    if "seeker" in scenarios:
        # No local connector shares the seeker's major group: the node looks elsewhere.
        gen.excluded_majors = frozenset({SCENARIO_OCCUPATION[:2]})
    for _ in range(connectors):
        gen.connector()
    for _ in range(connectees):
        gen.connectee()
    gen.match_all()
    gen.follow_ups()
    if "connectors" in scenarios:
        gen.scenario_connectors()
    if "seeker" in scenarios:
        gen.scenario_seeker()
    return gen.plan


def _bulk(model: type[Any], rows: list[dict[str, Any]], *, ids: bool = False) -> list[int]:
    """Insert rows with one executemany; return their new ids, in order, if asked.

    Core, not the ORM's bulk insert: given rows with NULLs in varying columns, the ORM
    splits them into many small batches and splices the results back quadratically.
    """
    if not rows:
        return []
    table = model.__table__
    if not ids:
        db.session.execute(table.insert(), rows)
        return []
    stmt = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    return list(db.session.scalars(stmt, rows))


def insert_plan(plan: Plan) -> None:
    """Write a plan to the database in bulk (the caller commits)."""
    connectee_ids = _bulk(Connectee, plan.connectees, ids=True)
    connector_ids = _bulk(Connector, plan.connectors, ids=True)
    _bulk(
        ConnecteeLanguage,
        [
            {"connectee_id": connectee_ids[i], "language": code, "level": level}
            for i, langs in enumerate(plan.connectee_languages)
            for code, level in langs
        ],
    )
    _bulk(
        ConnectorLanguage,
        [
            {"connector_id": connector_ids[i], "language": code, "level": level}
            for i, langs in enumerate(plan.connector_languages)
            for code, level in langs
        ],
    )

    def resolve(row: dict[str, Any]) -> dict[str, Any]:
        """Swap list indexes for ids; a row about one person gets None for the other kind."""
        out = dict(row)
        for kind, ids in (("connectee", connectee_ids), ("connector", connector_ids)):
            index = out.pop(f"{kind}_index", None)
            out[f"{kind}_id"] = None if index is None else ids[index]
        return out

    _bulk(Consent, [resolve(r) for r in plan.consents])
    _bulk(EligibilityDecision, [resolve(r) for r in plan.decisions])
    match_ids = _bulk(Match, [resolve(r) for r in plan.matches], ids=True)

    def by_match(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            new = dict(row)
            new["match_id"] = match_ids[new.pop("match_index")]
            out.append(new)
        return out

    _bulk(MatchTransition, by_match(plan.transitions))
    _bulk(Meeting, by_match(plan.meetings))
    _bulk(Referral, by_match(plan.referrals))
    outcomes = []
    for row in plan.outcomes:
        new = dict(row)
        new["connectee_id"] = connectee_ids[new.pop("connectee_index")]
        new["match_id"] = match_ids[new.pop("match_index")]
        outcomes.append(new)
    _bulk(FollowUpOutcome, outcomes)
