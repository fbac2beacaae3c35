"""The rules file format and the pure evaluation, criterion by criterion."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal
from babel.support import Translations

from community_node.eligibility import rules as rules_module
from community_node.eligibility.models import Outcome
from community_node.eligibility.rules import (
    CRITERION_NAMES,
    ConnecteeRules,
    ConnectorRules,
    RulesError,
    RuleSet,
    criterion_name,
    evaluate,
    load_rules,
    parse_rules,
    say_reason,
)
from community_node.participants.models import (
    Connectee,
    ConnecteeLanguage,
    Connector,
    EducationLevel,
    EnglishEvidence,
    LanguageLevel,
    WorkAuthorization,
)
from shared.wording import Words

TODAY = dt.date(2026, 3, 1)

ALL_ON = parse_rules(
    b"""
version = "all-on"
[connectee]
min_education_level = "bachelor"
min_english_level = "B2"
accepted_english_evidence = ["degree"]
min_days_authorization_valid = 90
min_years_experience = 2
[connector]
min_years_in_field = 5
min_years_local = 2
"""
)


def connectee(**overrides: Any) -> Connectee:
    """Build an unsaved connectee who meets every criterion, then apply ``overrides``."""
    languages = overrides.pop(
        "languages", [ConnecteeLanguage(language="eng", level=LanguageLevel.B2)]
    )
    values: dict[str, Any] = {
        "education_level": EducationLevel.BACHELOR,
        "resume_on_file": True,
        "work_authorization": WorkAuthorization.OPEN_WORK_PERMIT,
        "work_authorization_expires": TODAY + dt.timedelta(days=365),
        "intends_to_stay": True,
        "years_experience": 6,
        "target_occupation": "29-1141",
        "english_evidence": None,
        **overrides,
    }
    return Connectee(languages=languages, **values)


def connector(**overrides: Any) -> Connector:
    values: dict[str, Any] = {
        "years_in_field": 12,
        "years_local": 4,
        "has_local_network": True,
        **overrides,
    }
    return Connector(**values)


def criterion(person: Connectee | Connector, name: str, rules: RuleSet = ALL_ON) -> Any:
    results = {r.criterion: r for r in evaluate(rules, person, TODAY).criteria}
    return results[name]


def state(result: Any) -> str:
    return "passed" if result.passed else "missing" if result.missing else "failed"


def test_a_complete_profile_is_eligible_with_a_reason_per_criterion() -> None:
    evaluation = evaluate(ALL_ON, connectee(), TODAY)
    assert evaluation.outcome is Outcome.ELIGIBLE
    assert [c.criterion for c in evaluation.criteria] == [
        "education_level",
        "resume",
        "english_level",
        "work_authorization",
        "work_authorization_expiry",
        "intent_to_stay",
        "years_experience",
        "target_occupation",
    ]
    assert all(c.passed and c.reason for c in evaluation.criteria)
    assert evaluation.as_json()[2] == {
        "criterion": "english_level",
        "passed": True,
        "missing": False,
        "reason": "English level B2 meets the required B2.",
    }


@pytest.mark.parametrize(
    ("overrides", "name", "expected", "reason"),
    [
        ({"education_level": EducationLevel.MASTER}, "education_level", "passed", "master meets"),
        (
            {"education_level": EducationLevel.SECONDARY},
            "education_level",
            "failed",
            "Education level secondary is below the required bachelor.",
        ),
        ({"education_level": None}, "education_level", "missing", "not recorded"),
        ({"resume_on_file": False}, "resume", "missing", "Résumé not on file."),
        (
            {"languages": [ConnecteeLanguage(language="eng", level=LanguageLevel.B1)]},
            "english_level",
            "failed",
            "English level B1 is below the required B2.",
        ),
        (
            {"languages": [ConnecteeLanguage(language="eng", level=LanguageLevel.NATIVE)]},
            "english_level",
            "passed",
            "native meets",
        ),
        (
            {"languages": [ConnecteeLanguage(language="fra", level=LanguageLevel.C2)]},
            "english_level",
            "missing",
            "English level not recorded (B2 required).",
        ),
        (
            {"languages": [], "english_evidence": EnglishEvidence.DEGREE},
            "english_level",
            "passed",
            "English by degree is accepted instead",
        ),
        (
            {"languages": [], "english_evidence": EnglishEvidence.INFORMAL},
            "english_level",
            "missing",
            "not recorded",
        ),
        (
            # A recorded level decides; evidence only stands in when there is none.
            {
                "languages": [ConnecteeLanguage(language="eng", level=LanguageLevel.A2)],
                "english_evidence": EnglishEvidence.DEGREE,
            },
            "english_level",
            "failed",
            "A2 is below",
        ),
        (
            {"work_authorization": WorkAuthorization.F1_STUDENT},
            "work_authorization",
            "failed",
            "Work authorization a student F-1 visa is not accepted",
        ),
        (
            {"work_authorization": WorkAuthorization.STUDY_PERMIT},
            "work_authorization",
            "failed",
            "study permit",
        ),
        (
            {"work_authorization": WorkAuthorization.NONE},
            "work_authorization",
            "failed",
            "not accepted",
        ),
        (
            {"work_authorization": WorkAuthorization.PENDING},
            "work_authorization",
            "missing",
            "pending",
        ),
        ({"work_authorization": None}, "work_authorization", "missing", "not recorded"),
        (
            {"work_authorization_expires": TODAY + dt.timedelta(days=30)},
            "work_authorization_expiry",
            "failed",
            "expires on 2026-03-31, within the required 90 days",
        ),
        (
            {"work_authorization_expires": TODAY - dt.timedelta(days=1)},
            "work_authorization_expiry",
            "failed",
            "expired on 2026-02-28",
        ),
        (
            {"work_authorization_expires": TODAY + dt.timedelta(days=90)},
            "work_authorization_expiry",
            "passed",
            "valid until",
        ),
        (
            {"work_authorization_expires": None},
            "work_authorization_expiry",
            "missing",
            "expiry date not recorded",
        ),
        (
            {
                "work_authorization": WorkAuthorization.PERMANENT_RESIDENT,
                "work_authorization_expires": None,
            },
            "work_authorization_expiry",
            "passed",
            "does not expire",
        ),
        ({"intends_to_stay": False}, "intent_to_stay", "failed", "Does not intend to stay"),
        ({"intends_to_stay": None}, "intent_to_stay", "missing", "not recorded"),
        (
            {"years_experience": 1},
            "years_experience",
            "failed",
            "1 years of experience is below the required 2.",
        ),
        ({"years_experience": 2}, "years_experience", "passed", "meets the required 2"),
        ({"years_experience": None}, "years_experience", "missing", "not recorded"),
        ({"target_occupation": None}, "target_occupation", "missing", "not recorded"),
    ],
)
def test_connectee_criteria(
    overrides: dict[str, Any], name: str, expected: str, reason: str
) -> None:
    result = criterion(connectee(**overrides), name)
    assert state(result) == expected, result
    assert reason in result.reason


@pytest.mark.parametrize(
    ("overrides", "name", "expected", "reason"),
    [
        ({"years_in_field": 5}, "years_in_field", "passed", "meets the required 5"),
        (
            {"years_in_field": 3},
            "years_in_field",
            "failed",
            "3 years in the field is below the required 5.",
        ),
        ({"years_in_field": None}, "years_in_field", "missing", "not recorded"),
        ({"has_local_network": False}, "local_network", "failed", "no local"),
        ({"has_local_network": None}, "local_network", "missing", "not recorded"),
        ({"years_local": 1}, "years_local", "failed", "below the required 2"),
        ({"years_local": None}, "years_local", "missing", "not recorded"),
        ({"years_local": 2}, "years_local", "passed", "meets"),
    ],
)
def test_connector_criteria(
    overrides: dict[str, Any], name: str, expected: str, reason: str
) -> None:
    result = criterion(connector(**overrides), name)
    assert state(result) == expected, result
    assert reason in result.reason


def test_a_student_f_visa_is_ineligible_under_the_packaged_defaults() -> None:
    evaluation = evaluate(
        load_rules(None), connectee(work_authorization=WorkAuthorization.F1_STUDENT), TODAY
    )
    assert evaluation.outcome is Outcome.INELIGIBLE
    failed = [c for c in evaluation.criteria if not c.passed]
    assert [c.criterion for c in failed] == ["work_authorization"]


def test_missing_data_alone_waitlists_but_any_failure_rejects() -> None:
    assert evaluate(ALL_ON, connectee(resume_on_file=False), TODAY).outcome is Outcome.WAITLISTED
    both = connectee(resume_on_file=False, intends_to_stay=False)
    assert evaluate(ALL_ON, both, TODAY).outcome is Outcome.INELIGIBLE
    assert evaluate(ALL_ON, connector(years_local=None), TODAY).outcome is Outcome.WAITLISTED
    assert evaluate(ALL_ON, connector(years_in_field=1), TODAY).outcome is Outcome.INELIGIBLE


def test_switched_off_criteria_are_not_evaluated() -> None:
    rules = parse_rules(
        b"""
version = "lenient"
[connectee]
min_education_level = false
require_resume = false
min_english_level = false
accepted_work_authorizations = ["f1_student"]
require_intent_to_stay = false
require_target_occupation = false
[connector]
min_years_in_field = false
require_local_network = false
"""
    )
    person = connectee(
        education_level=None,
        resume_on_file=False,
        languages=[],
        work_authorization=WorkAuthorization.F1_STUDENT,
        intends_to_stay=False,
        target_occupation=None,
    )
    evaluation = evaluate(rules, person, TODAY)
    assert evaluation.outcome is Outcome.ELIGIBLE
    assert [c.criterion for c in evaluation.criteria] == ["work_authorization"]
    empty = evaluate(rules, connector(years_in_field=None, has_local_network=False), TODAY)
    assert (empty.outcome, empty.criteria) == (Outcome.ELIGIBLE, ())


def test_defaults_apply_to_keys_the_file_leaves_out() -> None:
    rules = parse_rules(b'version = "bare"\n')
    assert rules.connectee == ConnecteeRules()
    assert rules.connector == ConnectorRules()
    assert rules.connector.min_years_in_field == 5
    assert WorkAuthorization.F1_STUDENT not in rules.connectee.accepted_work_authorizations
    assert rules.connectee.min_english_level is LanguageLevel.B1


def test_every_rule_field_has_a_parser() -> None:
    assert set(rules_module._CONNECTEE_KEYS) == {f.name for f in dataclasses.fields(ConnecteeRules)}
    assert set(rules_module._CONNECTOR_KEYS) == {f.name for f in dataclasses.fields(ConnectorRules)}


def test_the_version_is_the_label_plus_a_content_hash() -> None:
    one = parse_rules(b'version = "2026-01"\n')
    same = parse_rules(b'version = "2026-01"\n')
    edited = parse_rules(b'version = "2026-01"\n[connector]\nmin_years_in_field = 3\n')
    assert one.version == same.version
    assert one.version.startswith("2026-01+") and len(one.version) == len("2026-01+") + 8
    assert edited.version != one.version
    assert edited.declared_version == one.declared_version


def test_the_packaged_defaults_load_and_match_the_code_defaults() -> None:
    rules = load_rules(None)
    assert (rules.connectee, rules.connector) == (ConnecteeRules(), ConnectorRules())
    assert rules.declared_version.startswith("default")
    assert rules.connectee.accepted_english_evidence == (EnglishEvidence.DEGREE,)
    assert rules.as_json()["connector"] == {
        "min_years_in_field": 5,
        "require_local_network": True,
        "min_years_local": None,
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[connectee\n", "not valid TOML"),
        (b"[connectee]\nrequire_resume = true\n", "version: missing"),
        (b"version = 3\n", "version: 3 must be"),
        (b'version = "has space"\n', "version: 'has space' must be"),
        (b'version = "v"\ncommunity = "x"\n', "community: unknown key"),
        (b'version = "v"\n[connectee]\nmin_englsh_level = "B2"\n', "connectee.min_englsh_level"),
        (b'version = "v"\n[connector]\nyears = 5\n', "connector.years: unknown key"),
        (
            b'version = "v"\n[connectee]\nmin_english_level = "B3"\n',
            "connectee.min_english_level: 'B3' is not one of A1, A2, B1",
        ),
        (
            b'version = "v"\n[connectee]\naccepted_work_authorizations = ["f1"]\n',
            "connectee.accepted_work_authorizations: 'f1' is not one of",
        ),
        (
            b'version = "v"\n[connectee]\naccepted_work_authorizations = "citizen"\n',
            "expected a list",
        ),
        (
            b'version = "v"\n[connectee]\naccepted_work_authorizations = ["ead", "ead"]\n',
            "lists a value twice",
        ),
        (b'version = "v"\n[connectee]\nrequire_resume = "yes"\n', "expected true or false"),
        (b'version = "v"\n[connector]\nmin_years_in_field = -1\n', "whole number from 0"),
        (b'version = "v"\n[connector]\nmin_years_in_field = 2.5\n', "whole number from 0"),
        (b'version = "v"\n[connector]\nmin_years_in_field = true\n', "or false to switch"),
        (b'version = "v"\nconnector = 5\n', "connector: expected a [connector] table"),
        (b'version = "v"\ndescription = 1\n', "description: expected a string"),
    ],
)
def test_bad_files_name_the_key(content: bytes, message: str) -> None:
    with pytest.raises(RulesError) as info:
        parse_rules(content)
    assert message in str(info.value)


def test_load_rules_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(path)
    path.write_text('version = "v"\n[connectee]\nshoe_size = 44\n')
    with pytest.raises(RulesError, match=r"rules\.toml: connectee\.shoe_size: unknown key"):
        load_rules(path)


# ---- reasons in the reader's language ----------------------------------------------------

#: People whose evaluation gives every reason the rules make, each form of it.
EVERY_KIND = [
    connectee(),
    connectee(
        education_level=EducationLevel.POST_SECONDARY_CERTIFICATE,
        resume_on_file=False,
        languages=[ConnecteeLanguage(language="eng", level=LanguageLevel.B1)],
        work_authorization=WorkAuthorization.F1_STUDENT,
        work_authorization_expires=TODAY - dt.timedelta(days=1),
        intends_to_stay=False,
        years_experience=1,
    ),
    connectee(
        education_level=None,
        languages=[],
        english_evidence=EnglishEvidence.DEGREE,
        work_authorization=WorkAuthorization.CITIZEN,
        work_authorization_expires=None,
        intends_to_stay=None,
        years_experience=None,
        target_occupation=None,
    ),
    connectee(
        languages=[ConnecteeLanguage(language="eng", level=LanguageLevel.NATIVE)],
        work_authorization=WorkAuthorization.PENDING,
        work_authorization_expires=TODAY + dt.timedelta(days=30),
    ),
    connectee(languages=[], work_authorization=None, work_authorization_expires=None),
    connector(),
    connector(years_in_field=1, years_local=0, has_local_network=False),
    connector(years_in_field=None, years_local=None, has_local_network=None),
]
#: Marks every message it looks up, so a test sees which reasons were read back.
MARKED = Words(
    gettext=lambda message: f"«{message}»",
    ngettext=lambda one, many, n: f"«{one if n == 1 else many}»",
)


def every_reason() -> list[str]:
    return [c.reason for person in EVERY_KIND for c in evaluate(ALL_ON, person, TODAY).criteria]


@pytest.fixture(scope="module")
def french() -> Words:
    folder = Path(rules_module.__file__).resolve().parents[1] / "translations"
    catalog = Translations.load(str(folder), ["fr"], "staff")
    assert isinstance(catalog, Translations), "compile the catalogs: make translations"
    return Words(
        gettext=catalog.gettext,
        ngettext=catalog.ngettext,
        number=lambda value: format_decimal(value, locale="fr"),
        date=lambda day: format_date(day, "medium", locale="fr"),
    )


def test_every_reason_the_rules_make_is_read_back() -> None:
    criteria = {c.criterion for p in EVERY_KIND for c in evaluate(ALL_ON, p, TODAY).criteria}
    assert criteria == set(CRITERION_NAMES)  # each has its name on the page too
    made = every_reason()
    assert len(set(made)) >= 30
    assert [text for text in made if "«" not in say_reason(text, MARKED)] == []


def test_a_french_reader_reads_every_reason_in_french(french: Words) -> None:
    said = [say_reason(text, french) for text in every_reason()]
    for expected in [
        "Niveau d’études (baccalauréat) égal ou supérieur au niveau requis (baccalauréat).",
        "Niveau d’études (certificat postsecondaire) inférieur au niveau requis (baccalauréat).",
        "Niveau d’anglais (langue maternelle) égal ou supérieur au niveau requis (B2).",
        "Aucun niveau d’anglais consigné ; l’anglais attesté par un diplôme est accepté à la "
        "place.",
        "Autorisation de travail : un permis de travail ouvert.",
        "Autorisation de travail non acceptée : un visa d’étudiant F-1 (acceptées : la "
        "citoyenneté, la résidence permanente, le statut de réfugié, un permis de travail "
        "ouvert, un permis de travail lié à un employeur, un document d’autorisation d’emploi "
        "(EAD) et un visa H-1B).",
        "Autorisation de travail échue le 28 févr. 2026.",
        "L’autorisation de travail prend fin le 31 mars 2026, avant le délai requis de 90 jours.",
        "1 an d’expérience, sous le minimum requis (2).",
        "6 ans d’expérience, ce qui atteint le minimum requis (2).",
        "0 an dans la communauté, sous le minimum requis (2).",
        "Profession visée : 29-1141.",
        "Aucun CV au dossier.",
        "N’a pas de réseau professionnel local.",
    ]:
        assert expected in said
    english = ("recorded", "required", "Work authorization", "Has ", "level", "Résumé on")
    assert [text for text in said if any(word in text for word in english)] == []


def test_a_reason_from_other_rules_stays_as_it_was(french: Words) -> None:
    for text in (
        "Work authorization a diplomatic visa.",  # a kind these rules do not know
        "Work authorization expired on someday.",
        "Speaks Klingon.",
    ):
        assert say_reason(text, french) == text
    assert criterion_name("english_level", french) == "Niveau d’anglais"
    assert criterion_name("charm") == "Charm"
