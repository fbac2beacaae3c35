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

AUTHORIZATION_LABELS = {
    WorkAuthorization.CITIZEN: "citizenship",
    WorkAuthorization.PERMANENT_RESIDENT: "permanent residence",
    WorkAuthorization.REFUGEE_STATUS: "refugee status",
    WorkAuthorization.OPEN_WORK_PERMIT: "an open work permit",
    WorkAuthorization.EMPLOYER_WORK_PERMIT: "an employer-specific work permit",
    WorkAuthorization.EAD: "an employment authorization document (EAD)",
    WorkAuthorization.H1B: "an H-1B visa",
    WorkAuthorization.F1_STUDENT: "a student F-1 visa",
    WorkAuthorization.STUDY_PERMIT: "a study permit",
    WorkAuthorization.PENDING: "a pending application",
    WorkAuthorization.NONE: "no work authorization",
}

_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


class RulesError(ValueError):
    """The rules file is missing, not TOML, or has an unknown key or a bad value."""


def _label(value: enum.Enum) -> str:
    return str(value.value).replace("_", " ")


def _authorization_list(values: tuple[WorkAuthorization, ...]) -> str:
    return ", ".join(v.value for v in values) or "none"


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


def _at_least(criterion: str, what: str, have: int | None, need: int) -> CriterionResult:
    if have is None:
        return _missing(criterion, f"{what} not recorded (at least {need} required).")
    if have < need:
        return _failed(criterion, f"{have} {what.lower()} is below the required {need}.")
    return _passed(criterion, f"{have} {what.lower()} meets the required {need}.")


def _education(rules: ConnecteeRules, person: Connectee) -> CriterionResult:
    need, have = rules.min_education_level, person.education_level
    assert need is not None
    if have is None:
        return _missing("education_level", "Education level not recorded.")
    if have.rank < need.rank:
        return _failed(
            "education_level",
            f"Education level {_label(have)} is below the required {_label(need)}.",
        )
    return _passed(
        "education_level", f"Education level {_label(have)} meets the required {_label(need)}."
    )


def _english(rules: ConnecteeRules, person: Connectee) -> CriterionResult:
    need, have = rules.min_english_level, person.english_level
    assert need is not None
    if have is not None:
        if have.rank < need.rank:
            return _failed(
                "english_level", f"English level {have.value} is below the required {need.value}."
            )
        return _passed(
            "english_level", f"English level {have.value} meets the required {need.value}."
        )
    evidence = person.english_evidence
    if evidence is not None and evidence in rules.accepted_english_evidence:
        return _passed(
            "english_level",
            f"No English level recorded; English by {evidence.value} is accepted instead.",
        )
    return _missing("english_level", f"English level not recorded ({need.value} required).")


def _authorization(rules: ConnecteeRules, person: Connectee) -> CriterionResult:
    have, accepted = person.work_authorization, rules.accepted_work_authorizations
    if have is None:
        return _missing("work_authorization", "Work authorization not recorded.")
    if have in accepted:
        return _passed("work_authorization", f"Work authorization {AUTHORIZATION_LABELS[have]}.")
    if have is WorkAuthorization.PENDING:
        # A pending application is an answer not yet known, not a refusal.
        return _missing(
            "work_authorization", "Work authorization pending; evaluate again once decided."
        )
    return _failed(
        "work_authorization",
        f"Work authorization {AUTHORIZATION_LABELS[have]} is not accepted "
        f"(accepted: {_authorization_list(accepted)}).",
    )


def _expiry(rules: ConnecteeRules, person: Connectee, today: dt.date) -> CriterionResult:
    days = rules.min_days_authorization_valid
    assert days is not None
    expires, kind = person.work_authorization_expires, person.work_authorization
    name = "work_authorization_expiry"
    if expires is None:
        if kind in NON_EXPIRING:
            return _passed(name, "Work authorization does not expire.")
        return _missing(name, "Work authorization expiry date not recorded.")
    left = (expires - today).days
    if left < 0:
        return _failed(name, f"Work authorization expired on {expires.isoformat()}.")
    if left < days:
        return _failed(
            name,
            f"Work authorization expires on {expires.isoformat()}, within the required "
            f"{days} days.",
        )
    return _passed(name, f"Work authorization valid until {expires.isoformat()}.")


def _intent(person: Connectee) -> CriterionResult:
    if person.intends_to_stay is None:
        return _missing("intent_to_stay", "Intent to stay not recorded.")
    if not person.intends_to_stay:
        return _failed("intent_to_stay", "Does not intend to stay in the community.")
    return _passed("intent_to_stay", "Intends to stay in the community.")


def evaluate_connectee(
    rules: ConnecteeRules, person: Connectee, today: dt.date
) -> tuple[CriterionResult, ...]:
    """Check a connectee against every criterion the rules switch on."""
    results: list[CriterionResult] = []
    if rules.min_education_level is not None:
        results.append(_education(rules, person))
    if rules.require_resume:
        results.append(
            _passed("resume", "Résumé on file.")
            if person.resume_on_file
            else _missing("resume", "Résumé not on file.")
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
            _at_least(
                "years_experience",
                "Years of experience",
                person.years_experience,
                rules.min_years_experience,
            )
        )
    if rules.require_target_occupation:
        results.append(
            _passed("target_occupation", f"Target occupation {person.target_occupation}.")
            if person.target_occupation
            else _missing("target_occupation", "Target occupation not recorded.")
        )
    return tuple(results)


def evaluate_connector(rules: ConnectorRules, person: Connector) -> tuple[CriterionResult, ...]:
    """Check a connector against every criterion the rules switch on."""
    results: list[CriterionResult] = []
    if rules.min_years_in_field is not None:
        results.append(
            _at_least(
                "years_in_field",
                "Years in the field",
                person.years_in_field,
                rules.min_years_in_field,
            )
        )
    if rules.require_local_network:
        if person.has_local_network is None:
            results.append(_missing("local_network", "Local network not recorded."))
        elif person.has_local_network:
            results.append(_passed("local_network", "Has a local professional network."))
        else:
            results.append(_failed("local_network", "Has no local professional network."))
    if rules.min_years_local is not None:
        results.append(
            _at_least(
                "years_local",
                "Years in the community",
                person.years_local,
                rules.min_years_local,
            )
        )
    return tuple(results)


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
