"""A community's eligibility rules, read from TOML, and the pure evaluation against them.

Each criterion ends in one of three states: passed, failed, or missing (the data it
needs is not recorded yet). The outcome follows from them::

    every criterion passed             -> eligible
    any criterion failed               -> ineligible
    nothing failed, something missing  -> waitlisted   (complete the profile, evaluate again)
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from community_node.eligibility.models import Outcome
from community_node.participants.models import (
    Connectee,
    Connector,
    EducationLevel,
    EnglishEvidence,
    LanguageLevel,
    WorkAuthorization,
)
from shared.text import N_
from shared.wording import ENGLISH, Nn_, Phrase, Words

E = TypeVar("E", bound=enum.Enum)

DEFAULT_RULES_NAME = "default_rules.toml"

#: Kinds of authorization that have no end date, so an empty expiry is not missing data.
NON_EXPIRING = frozenset(
    {
        WorkAuthorization.CITIZEN,
        WorkAuthorization.PERMANENT_RESIDENT,
        WorkAuthorization.REFUGEE_STATUS,
    }
)

# The words and sentences of the reasons, in English: decisions keep them, the API serves
# them. They are messages of the staff catalogs too, so a staff page says a decision's
# reasons in its reader's language (``say_reason``).

#: A kind of work authorization as a sentence names it.
AUTHORIZATION_LABELS = {
    WorkAuthorization.CITIZEN: N_("citizenship"),
    WorkAuthorization.PERMANENT_RESIDENT: N_("permanent residence"),
    WorkAuthorization.REFUGEE_STATUS: N_("refugee status"),
    WorkAuthorization.OPEN_WORK_PERMIT: N_("an open work permit"),
    WorkAuthorization.EMPLOYER_WORK_PERMIT: N_("an employer-specific work permit"),
    WorkAuthorization.EAD: N_("an employment authorization document (EAD)"),
    WorkAuthorization.H1B: N_("an H-1B visa"),
    WorkAuthorization.F1_STUDENT: N_("a student F-1 visa"),
    WorkAuthorization.STUDY_PERMIT: N_("a study permit"),
    WorkAuthorization.PENDING: N_("a pending application"),
    WorkAuthorization.NONE: N_("no work authorization"),
}
#: An education level as a sentence names it (its value, spaced).
EDUCATION_WORDS = {
    EducationLevel.NONE: N_("none"),
    EducationLevel.SECONDARY: N_("secondary"),
    EducationLevel.POST_SECONDARY_CERTIFICATE: N_("post secondary certificate"),
    EducationLevel.BACHELOR: N_("bachelor"),
    EducationLevel.MASTER: N_("master"),
    EducationLevel.DOCTORATE: N_("doctorate"),
}
#: Evidence of English as a sentence names it (its value).
EVIDENCE_WORDS = {
    EnglishEvidence.INFORMAL: N_("informal"),
    EnglishEvidence.TEST: N_("test"),
    EnglishEvidence.DEGREE: N_("degree"),
}
#: Each criterion as a decision's table heads it.
CRITERION_NAMES = {
    "education_level": N_("Education level"),
    "resume": N_("Résumé"),
    "english_level": N_("English level"),
    "work_authorization": N_("Work authorization"),
    "work_authorization_expiry": N_("Work authorization expiry"),
    "intent_to_stay": N_("Intent to stay"),
    "years_experience": N_("Years of experience"),
    "target_occupation": N_("Target occupation"),
    "years_in_field": N_("Years in the field"),
    "local_network": N_("Local network"),
    "years_local": N_("Years in the community"),
}


@dataclass(frozen=True)
class Threshold:
    """A criterion's three sentences about a number of years: not recorded, short, enough."""

    missing: Phrase
    below: Phrase
    meets: Phrase


THRESHOLDS = {
    "years_experience": Threshold(
        Phrase(N_("Years of experience not recorded (at least %(need)s required).")),
        Phrase(
            Nn_(
                "%(have)s years of experience is below the required %(need)s.",
                "%(have)s years of experience is below the required %(need)s.",
            )
        ),
        Phrase(
            Nn_(
                "%(have)s years of experience meets the required %(need)s.",
                "%(have)s years of experience meets the required %(need)s.",
            )
        ),
    ),
    "years_in_field": Threshold(
        Phrase(N_("Years in the field not recorded (at least %(need)s required).")),
        Phrase(
            Nn_(
                "%(have)s years in the field is below the required %(need)s.",
                "%(have)s years in the field is below the required %(need)s.",
            )
        ),
        Phrase(
            Nn_(
                "%(have)s years in the field meets the required %(need)s.",
                "%(have)s years in the field meets the required %(need)s.",
            )
        ),
    ),
    "years_local": Threshold(
        Phrase(N_("Years in the community not recorded (at least %(need)s required).")),
        Phrase(
            Nn_(
                "%(have)s years in the community is below the required %(need)s.",
                "%(have)s years in the community is below the required %(need)s.",
            )
        ),
        Phrase(
            Nn_(
                "%(have)s years in the community meets the required %(need)s.",
                "%(have)s years in the community meets the required %(need)s.",
            )
        ),
    ),
}
EDUCATION_MISSING = Phrase(N_("Education level not recorded."))
EDUCATION_BELOW = Phrase(N_("Education level %(have)s is below the required %(need)s."))
EDUCATION_MEETS = Phrase(N_("Education level %(have)s meets the required %(need)s."))
ENGLISH_BELOW = Phrase(N_("English level %(have)s is below the required %(need)s."))
ENGLISH_MEETS = Phrase(N_("English level %(have)s meets the required %(need)s."))
ENGLISH_BY_EVIDENCE = Phrase(
    N_("No English level recorded; English by %(evidence)s is accepted instead.")
)
ENGLISH_MISSING = Phrase(N_("English level not recorded (%(need)s required)."))
AUTHORIZATION_MISSING = Phrase(N_("Work authorization not recorded."))
AUTHORIZATION_ACCEPTED = Phrase(N_("Work authorization %(authorization)s."))
AUTHORIZATION_PENDING = Phrase(N_("Work authorization pending; evaluate again once decided."))
AUTHORIZATION_REFUSED = Phrase(
    N_("Work authorization %(authorization)s is not accepted (accepted: %(accepted)s).")
)
#: What the refusal lists when the rules accept no authorization at all.
NO_AUTHORIZATION = N_("none")
EXPIRY_NEVER = Phrase(N_("Work authorization does not expire."))
EXPIRY_MISSING = Phrase(N_("Work authorization expiry date not recorded."))
EXPIRED = Phrase(N_("Work authorization expired on %(date)s."))
EXPIRES_SOON = Phrase(
    Nn_(
        "Work authorization expires on %(date)s, within the required %(days)s day.",
        "Work authorization expires on %(date)s, within the required %(days)s days.",
    )
)
VALID_UNTIL = Phrase(N_("Work authorization valid until %(date)s."))
INTENT_MISSING = Phrase(N_("Intent to stay not recorded."))
NO_INTENT = Phrase(N_("Does not intend to stay in the community."))
INTENT = Phrase(N_("Intends to stay in the community."))
RESUME = Phrase(N_("Résumé on file."))
NO_RESUME = Phrase(N_("Résumé not on file."))
TARGET_OCCUPATION = Phrase(N_("Target occupation %(occupation)s."))
TARGET_MISSING = Phrase(N_("Target occupation not recorded."))
NETWORK_MISSING = Phrase(N_("Local network not recorded."))
NETWORK = Phrase(N_("Has a local professional network."))
NO_NETWORK = Phrase(N_("Has no local professional network."))

_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


class RulesError(ValueError):
    """The rules file is missing, not TOML, or has an unknown key or a bad value."""


def _label(value: enum.Enum) -> str:
    return str(value.value).replace("_", " ")


def _authorization_list(values: tuple[WorkAuthorization, ...]) -> str:
    return ", ".join(v.value for v in values) or NO_AUTHORIZATION


# The rule set -------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnecteeRules:
    """What a connectee needs; ``None`` switches a threshold criterion off."""

    min_education_level: EducationLevel | None = EducationLevel.POST_SECONDARY_CERTIFICATE
    require_resume: bool = True
    min_english_level: LanguageLevel | None = LanguageLevel.B1
    #: Evidence that stands in for a CEFR level when none is recorded (e.g. a degree).
    accepted_english_evidence: tuple[EnglishEvidence, ...] = (EnglishEvidence.DEGREE,)
    accepted_work_authorizations: tuple[WorkAuthorization, ...] = (
        WorkAuthorization.CITIZEN,
        WorkAuthorization.PERMANENT_RESIDENT,
        WorkAuthorization.REFUGEE_STATUS,
        WorkAuthorization.OPEN_WORK_PERMIT,
        WorkAuthorization.EMPLOYER_WORK_PERMIT,
        WorkAuthorization.EAD,
        WorkAuthorization.H1B,
    )
    min_days_authorization_valid: int | None = None
    require_intent_to_stay: bool = True
    min_years_experience: int | None = None
    require_target_occupation: bool = True


@dataclass(frozen=True)
class ConnectorRules:
    """What a connector needs; ``None`` switches a threshold criterion off."""

    min_years_in_field: int | None = 5
    require_local_network: bool = True
    min_years_local: int | None = None


@dataclass(frozen=True)
class RuleSet:
    """One community's rules as loaded from one file version."""

    declared_version: str
    content_hash: str
    description: str = ""
    connectee: ConnecteeRules = field(default_factory=ConnecteeRules)
    connector: ConnectorRules = field(default_factory=ConnectorRules)

    @property
    def version(self) -> str:
        """Name the version: the file's own label plus its content hash."""
        return f"{self.declared_version}+{self.content_hash}"

    def as_json(self) -> dict[str, Any]:
        """Return the rules as plain JSON values (enums by value, tuples as lists)."""

        def plain(value: Any) -> Any:
            if isinstance(value, enum.Enum):
                return value.value
            if isinstance(value, tuple | list):
                return [plain(v) for v in value]
            return value

        return {
            "version": self.version,
            "declared_version": self.declared_version,
            "description": self.description,
            "connectee": {k: plain(v) for k, v in asdict(self.connectee).items()},
            "connector": {k: plain(v) for k, v in asdict(self.connector).items()},
        }


# Parsing ------------------------------------------------------------------------------

Converter = Callable[[str, Any], Any]


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise RulesError(f"{key}: expected true or false, got {value!r}.")
    return value


def _count(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3650:
        raise RulesError(f"{key}: expected a whole number from 0 to 3650, got {value!r}.")
    return value


def _member(enum_type: type[E]) -> Callable[[str, Any], E]:
    def convert(key: str, value: Any) -> E:
        try:
            return enum_type(value)
        except ValueError:
            choices = ", ".join(str(m.value) for m in enum_type)
            raise RulesError(f"{key}: {value!r} is not one of {choices}.") from None

    return convert


def _members(enum_type: type[E]) -> Callable[[str, Any], tuple[E, ...]]:
    one = _member(enum_type)

    def convert(key: str, value: Any) -> tuple[E, ...]:
        if not isinstance(value, list):
            raise RulesError(f"{key}: expected a list, got {value!r}.")
        items = tuple(one(key, v) for v in value)
        if len(set(items)) != len(items):
            raise RulesError(f"{key}: lists a value twice.")
        return items

    return convert


def _switchable(convert: Converter) -> Converter:
    """Accept ``false`` to switch a threshold off (TOML has no null)."""

    def wrapped(key: str, value: Any) -> Any:
        if value is False:
            return None
        if value is True:
            raise RulesError(f"{key}: give a threshold, or false to switch the criterion off.")
        return convert(key, value)

    return wrapped


_CONNECTEE_KEYS: dict[str, Converter] = {
    "min_education_level": _switchable(_member(EducationLevel)),
    "require_resume": _bool,
    "min_english_level": _switchable(_member(LanguageLevel)),
    "accepted_english_evidence": _members(EnglishEvidence),
    "accepted_work_authorizations": _members(WorkAuthorization),
    "min_days_authorization_valid": _switchable(_count),
    "require_intent_to_stay": _bool,
    "min_years_experience": _switchable(_count),
    "require_target_occupation": _bool,
}

_CONNECTOR_KEYS: dict[str, Converter] = {
    "min_years_in_field": _switchable(_count),
    "require_local_network": _bool,
    "min_years_local": _switchable(_count),
}


def _section(name: str, table: Any, keys: Mapping[str, Converter]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise RulesError(f"{name}: expected a [{name}] table.")
    unknown = sorted(set(table) - set(keys))
    if unknown:
        raise RulesError(
            f"{name}.{unknown[0]}: unknown key; known keys are {', '.join(sorted(keys))}."
        )
    return {key: keys[key](f"{name}.{key}", value) for key, value in table.items()}


def parse_rules(content: bytes) -> RuleSet:
    """Build a rule set from the bytes of a TOML file, or raise ``RulesError``."""
    try:
        data = tomllib.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"version", "description", "connectee", "connector"})
    if unknown:
        raise RulesError(
            f"{unknown[0]}: unknown key; known keys are version, description, [connectee], "
            "[connector]."
        )
    version = data.get("version")
    if version is None:
        raise RulesError('version: missing; add a line such as version = "2026-01".')
    if not isinstance(version, str) or not _VERSION.match(version):
        raise RulesError(
            f"version: {version!r} must be 1-40 letters, digits, dots, dashes or underscores."
        )
    description = data.get("description", "")
    if not isinstance(description, str):
        raise RulesError(f"description: expected a string, got {description!r}.")
    return RuleSet(
        declared_version=version,
        content_hash=hashlib.sha256(content).hexdigest()[:8],
        description=description,
        connectee=ConnecteeRules(
            **_section("connectee", data.get("connectee", {}), _CONNECTEE_KEYS)
        ),
        connector=ConnectorRules(
            **_section("connector", data.get("connector", {}), _CONNECTOR_KEYS)
        ),
    )


def default_rules_bytes() -> bytes:
    """Return the packaged default rules file."""
    return (resources.files("community_node.eligibility") / DEFAULT_RULES_NAME).read_bytes()


def load_rules(path: str | Path | None) -> RuleSet:
    """Read and check a rules file; ``None`` means the packaged defaults."""
    if path is None:
        return parse_rules(default_rules_bytes())
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise RulesError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return parse_rules(content)
    except RulesError as exc:
        raise RulesError(f"{path}: {exc}") from exc


# Evaluation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionResult:
    """One criterion's verdict; ``missing`` means the data it needs is not recorded."""

    criterion: str
    passed: bool
    reason: str
    missing: bool = False

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Evaluation:
    outcome: Outcome
    criteria: tuple[CriterionResult, ...]

    def as_json(self) -> list[dict[str, Any]]:
        return [c.as_json() for c in self.criteria]


def _passed(criterion: str, reason: str) -> CriterionResult:
    return CriterionResult(criterion, True, reason)


def _failed(criterion: str, reason: str) -> CriterionResult:
    return CriterionResult(criterion, False, reason)


def _missing(criterion: str, reason: str) -> CriterionResult:
    return CriterionResult(criterion, False, reason, missing=True)


def _at_least(criterion: str, have: int | None, need: int) -> CriterionResult:
    says = THRESHOLDS[criterion]
    if have is None:
        return _missing(criterion, says.missing.say(need=need))
    if have < need:
        return _failed(criterion, says.below.say(n=have, have=have, need=need))
    return _passed(criterion, says.meets.say(n=have, have=have, need=need))


def _education(rules: ConnecteeRules, person: Connectee) -> CriterionResult:
    need, have = rules.min_education_level, person.education_level
    assert need is not None
    if have is None:
        return _missing("education_level", EDUCATION_MISSING.say())
    phrase = EDUCATION_BELOW if have.rank < need.rank else EDUCATION_MEETS
    reason = phrase.say(have=EDUCATION_WORDS[have], need=EDUCATION_WORDS[need])
    return (_failed if have.rank < need.rank else _passed)("education_level", reason)


def _english(rules: ConnecteeRules, person: Connectee) -> CriterionResult:
    need, have = rules.min_english_level, person.english_level
    assert need is not None
    if have is not None:
        if have.rank < need.rank:
            return _failed("english_level", ENGLISH_BELOW.say(have=have.value, need=need.value))
        return _passed("english_level", ENGLISH_MEETS.say(have=have.value, need=need.value))
    evidence = person.english_evidence
    if evidence is not None and evidence in rules.accepted_english_evidence:
        return _passed("english_level", ENGLISH_BY_EVIDENCE.say(evidence=EVIDENCE_WORDS[evidence]))
    return _missing("english_level", ENGLISH_MISSING.say(need=need.value))


def _authorization(rules: ConnecteeRules, person: Connectee) -> CriterionResult:
    have, accepted = person.work_authorization, rules.accepted_work_authorizations
    if have is None:
        return _missing("work_authorization", AUTHORIZATION_MISSING.say())
    if have in accepted:
        return _passed(
            "work_authorization",
            AUTHORIZATION_ACCEPTED.say(authorization=AUTHORIZATION_LABELS[have]),
        )
    if have is WorkAuthorization.PENDING:
        # A pending application is an answer not yet known, not a refusal.
        return _missing("work_authorization", AUTHORIZATION_PENDING.say())
    return _failed(
        "work_authorization",
        AUTHORIZATION_REFUSED.say(
            authorization=AUTHORIZATION_LABELS[have], accepted=_authorization_list(accepted)
        ),
    )


def _expiry(rules: ConnecteeRules, person: Connectee, today: dt.date) -> CriterionResult:
    days = rules.min_days_authorization_valid
    assert days is not None
    expires, kind = person.work_authorization_expires, person.work_authorization
    name = "work_authorization_expiry"
    if expires is None:
        if kind in NON_EXPIRING:
            return _passed(name, EXPIRY_NEVER.say())
        return _missing(name, EXPIRY_MISSING.say())
    left = (expires - today).days
    if left < 0:
        return _failed(name, EXPIRED.say(date=expires.isoformat()))
    if left < days:
        return _failed(name, EXPIRES_SOON.say(n=days, date=expires.isoformat(), days=days))
    return _passed(name, VALID_UNTIL.say(date=expires.isoformat()))


def _intent(person: Connectee) -> CriterionResult:
    if person.intends_to_stay is None:
        return _missing("intent_to_stay", INTENT_MISSING.say())
    if not person.intends_to_stay:
        return _failed("intent_to_stay", NO_INTENT.say())
    return _passed("intent_to_stay", INTENT.say())


def evaluate_connectee(
    rules: ConnecteeRules, person: Connectee, today: dt.date
) -> tuple[CriterionResult, ...]:
    """Check a connectee against every criterion the rules switch on."""
    results: list[CriterionResult] = []
    if rules.min_education_level is not None:
        results.append(_education(rules, person))
    if rules.require_resume:
        results.append(
            _passed("resume", RESUME.say())
            if person.resume_on_file
            else _missing("resume", NO_RESUME.say())
        )
    if rules.min_english_level is not None:
        results.append(_english(rules, person))
    results.append(_authorization(rules, person))
    if rules.min_days_authorization_valid is not None:
        results.append(_expiry(rules, person, today))
    if rules.require_intent_to_stay:
        results.append(_intent(person))
    if rules.min_years_experience is not None:
        results.append(
            _at_least("years_experience", person.years_experience, rules.min_years_experience)
        )
    if rules.require_target_occupation:
        results.append(
            _passed("target_occupation", TARGET_OCCUPATION.say(occupation=person.target_occupation))
            if person.target_occupation
            else _missing("target_occupation", TARGET_MISSING.say())
        )
    return tuple(results)


def evaluate_connector(rules: ConnectorRules, person: Connector) -> tuple[CriterionResult, ...]:
    """Check a connector against every criterion the rules switch on."""
    results: list[CriterionResult] = []
    if rules.min_years_in_field is not None:
        results.append(_at_least("years_in_field", person.years_in_field, rules.min_years_in_field))
    if rules.require_local_network:
        if person.has_local_network is None:
            results.append(_missing("local_network", NETWORK_MISSING.say()))
        elif person.has_local_network:
            results.append(_passed("local_network", NETWORK.say()))
        else:
            results.append(_failed("local_network", NO_NETWORK.say()))
    if rules.min_years_local is not None:
        results.append(_at_least("years_local", person.years_local, rules.min_years_local))
    return tuple(results)


# Saying a reason again in the reader's language ---------------------------------------------

#: Every reason's phrase, and the value its plural form agrees with; sorted so that a
#: reason without values ("Target occupation not recorded.") is not read as one with
#: ("Target occupation %(occupation)s.").
_PHRASES: tuple[tuple[Phrase, str | None], ...] = (
    *(
        (phrase, "have" if phrase is not threshold.missing else None)
        for threshold in THRESHOLDS.values()
        for phrase in (threshold.missing, threshold.below, threshold.meets)
    ),
    *(
        (phrase, None)
        for phrase in (
            EDUCATION_MISSING,
            EDUCATION_BELOW,
            EDUCATION_MEETS,
            ENGLISH_BELOW,
            ENGLISH_MEETS,
            ENGLISH_BY_EVIDENCE,
            ENGLISH_MISSING,
            AUTHORIZATION_MISSING,
            AUTHORIZATION_PENDING,
            AUTHORIZATION_REFUSED,
            AUTHORIZATION_ACCEPTED,
            EXPIRY_NEVER,
            EXPIRY_MISSING,
            EXPIRED,
            VALID_UNTIL,
            INTENT_MISSING,
            NO_INTENT,
            INTENT,
            RESUME,
            NO_RESUME,
            TARGET_OCCUPATION,
            TARGET_MISSING,
            NETWORK_MISSING,
            NETWORK,
            NO_NETWORK,
        )
    ),
    (EXPIRES_SOON, "days"),
)
_PHRASES = tuple(sorted(_PHRASES, key=lambda entry: "%(" in entry[0].forms[0]))
#: The English words a reason's values may hold, which the catalogs translate.
_WORDS = frozenset(
    (*EDUCATION_WORDS.values(), *EVIDENCE_WORDS.values(), *AUTHORIZATION_LABELS.values())
)
_NATIVE = N_("native")  # a language level, as the staff pages name it


def _say_authorizations(text: str, words: Words) -> str | None:
    """The refusal's list of accepted kinds ("citizen, ead") by their names."""
    if text == NO_AUTHORIZATION:
        return words.gettext(NO_AUTHORIZATION)
    try:
        kinds = [WorkAuthorization(code) for code in text.split(", ")]
    except ValueError:
        return None
    return words.join([words.gettext(AUTHORIZATION_LABELS[kind]) for kind in kinds])


def _say_value(name: str, value: str, words: Words) -> str | None:
    """One value read from a reason, in ``words``; None when the reason cannot be its."""
    if name in ("have", "need", "days"):
        if value.isdigit():
            return words.number(int(value))
        if value in _WORDS or value == _NATIVE:  # an education level, a language level
            return words.gettext(value)
        return value if name != "days" else None  # a CEFR level (B2) reads the same
    if name in ("evidence", "authorization"):
        return words.gettext(value) if value in _WORDS else None
    if name == "accepted":
        return _say_authorizations(value, words)
    if name == "date":
        try:
            return words.date(dt.date.fromisoformat(value))
        except ValueError:
            return None
    return value  # an occupation's code


def say_reason(text: str, words: Words = ENGLISH) -> str:
    """A criterion's reason (a decision keeps it in English) in ``words``' language; a text
    these rules did not make (an older version's) stays as it is."""
    if words is ENGLISH:
        return text
    for phrase, agrees_with in _PHRASES:
        found = phrase.read(text)
        if found is None:
            continue
        said = {name: _say_value(name, value, words) for name, value in found.items()}
        if any(value is None for value in said.values()):
            continue
        n = int(found[agrees_with]) if agrees_with and found[agrees_with].isdigit() else None
        if n is None and not isinstance(phrase.message, str):
            continue
        return phrase.say(words, n, **said)
    return text


def criterion_name(criterion: str, words: Words = ENGLISH) -> str:
    """A criterion's name ("english_level" → "English level") in ``words``' language."""
    name = CRITERION_NAMES.get(criterion)
    return words.gettext(name) if name else criterion.replace("_", " ").capitalize()


def outcome_of(results: tuple[CriterionResult, ...]) -> Outcome:
    """Combine criteria: any failure rejects, only missing data waitlists."""
    if any(not r.passed and not r.missing for r in results):
        return Outcome.INELIGIBLE
    if any(r.missing for r in results):
        return Outcome.WAITLISTED
    return Outcome.ELIGIBLE


def evaluate(rules: RuleSet, person: Connectee | Connector, today: dt.date) -> Evaluation:
    """Evaluate a connectee or a connector; pure, so it runs without a database."""
    if isinstance(person, Connectee):
        results = evaluate_connectee(rules.connectee, person, today)
    else:
        results = evaluate_connector(rules.connector, person)
    return Evaluation(outcome_of(results), results)
