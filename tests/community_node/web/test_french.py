"""Staff who read French get the staff pages in French: by their cookie or their browser."""

from __future__ import annotations

import html as markup

import pytest
from flask import Flask
from flask.testing import FlaskClient

from community_node.auth.models import Role
from community_node.auth.services import create_user
from community_node.eligibility import services as eligibility
from community_node.extensions import db
from community_node.matches.models import MatchStatus
from community_node.matching import services as matching
from community_node.outcomes.models import OutcomeCategory
from community_node.participants.models import (
    ConnectorLanguage,
    ConsentPurpose,
    LanguageLevel,
    ProfileStatus,
    WorkAuthorization,
)
from community_node.sync.models import HubConnection
from shared import names
from tests.community_node.conftest import ApiClient
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    ConsentFactory,
    MatchFactory,
)
from tests.community_node.introductions.fakehub import FakeIntrosHub
from tests.community_node.web.conftest import PASSWORD, login

#: What a page must say in French, and the English it must no longer say.
PAGES: dict[str, tuple[list[str], list[str]]] = {
    "/": (
        ["Aujourd’hui", "Nouvelles inscriptions à examiner", "En attente d’un jumelage"],
        ["New sign-ups to review", "Waiting for a match", "Meetings this week"],
    ),
    "/connectees": (
        ["Personnes accompagnées", "Nouvelle personne accompagnée", "Toutes les langues"],
        ["New connectee", "Any language", "Nothing matches"],
    ),
    "/matches": (
        ["Jumelages", "Tous les statuts", "Personne accompagnée et connecteur"],
        ["Any status", "Connectee and connector", "Under way or ended"],
    ),
    "/matching": (
        ["Jumelage", "Tous les jumelages", "En attente d’un jumelage"],
        ["All matches", "Waiting for a match", "Occupation wanted"],
    ),
    "/people/review": (
        ["Examen des inscriptions", "Accepter", "Refuser"],
        ["Sign-up review", ">Accept<", ">Decline<"],
    ),
    "/reports": (
        ["Rapports", "Entonnoir", "Taux de placement", "Délai de jumelage"],
        ["Funnel per cohort", "Placement rate", "Time to match"],
    ),
    "/admin": (
        ["Administration", "Comptes du personnel", "Journal d’audit", "Règles d’admissibilité"],
        ["Staff accounts", "Audit log", "Eligibility rules"],
    ),
    "/admin/staff": (
        ["Comptes du personnel", "Dernière connexion", "Changer le rôle", "Coordonnateur"],
        ["Last login", "Change role", "Create account"],
    ),
    "/admin/audit": (
        ["Journal d’audit", "Filtrer le journal d’audit", "Type de dossier"],
        ["Filter the audit log", "Kind of record", "No events match"],
    ),
}


def _admin(app: Flask) -> FlaskClient:
    user = create_user("admin@example.org", "Ada Admin", Role.ADMIN, PASSWORD, actor="test")
    client = app.test_client()
    assert login(client, user.email).status_code == 303
    return client


def _says(html: str, french: list[str], english: list[str]) -> None:
    missing = [text for text in french if text not in html]
    left = [text for text in english if text in html]
    assert not missing and not left, f"missing French {missing}; English left {left}"


@pytest.mark.parametrize("path", list(PAGES))
def test_a_staff_member_who_chose_french_reads_the_page_in_french(app: Flask, path: str) -> None:
    ConnecteeFactory(status=ProfileStatus.SUBMITTED)
    client = _admin(app)
    client.set_cookie("lang", "fr")
    response = client.get(path)
    assert response.status_code == 200
    assert '<html lang="fr"' in response.text
    _says(response.text, *PAGES[path])


def test_a_french_browser_gets_a_person_and_a_match_in_french(staff_client: FlaskClient) -> None:
    match = MatchFactory(status=MatchStatus.MEETING_SCHEDULED)
    french = {"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}

    person = staff_client.get(f"/connectees/{match.connectee_id}", headers=french).text
    _says(
        person,
        ["Profil", "Langues", "Admissibilité", "Consentements", "Jumelage nº", "Le dossier"],
        ["Profile", "Not checked yet", "Consents", "No consent recorded", "The record"],
    )

    page = staff_client.get(f"/matches/{match.id}", headers=french).text
    _says(
        page,
        ["Faire avancer le jumelage", "Historique", "Rencontres", "Recommandations", "Suivis"],
        ["Move the match on", "Timeline", "Meetings", "Referrals", "Follow-ups"],
    )


def _french_text(client: FlaskClient, url: str, status: int = 200) -> str:
    client.set_cookie("lang", "fr")
    response = client.get(url)
    assert response.status_code == status, url
    return markup.unescape(response.text)


#: Words of the reasons in English (as the engine makes, stores and sends them).
ENGLISH_REASONS = [
    "same occupation",
    "shared skill",
    "shares ",
    "years of experience",
    "available at the same times",
    "weekday mornings",
    "has capacity",
    "in another community",
    "open to remote meetings",
]


def test_match_reasons_read_in_french_on_the_suggestions_and_proposals(
    staff_client: FlaskClient,
) -> None:
    skills = ["patient care", "triage", "wound care"]
    seeker = ConnecteeFactory(status=ProfileStatus.APPROVED, skills=skills)
    arabic = ConnectorLanguage(language="ara", level=LanguageLevel.C1)
    english = ConnectorLanguage(language="eng", level=LanguageLevel.NATIVE)
    ConnectorFactory(skills=skills, languages=[arabic, english], years_in_field=12)
    french = [
        "même profession : Registered Nurses",
        "compétence commune : ",
        "6 ans d’expérience de plus",
        "langues communes : arabe et anglais",
        "disponibles aux mêmes moments : les matins de semaine",
        "peut accompagner (3 places libres sur 3)",
    ]
    _says(_french_text(staff_client, f"/matching/{seeker.id}"), french, ENGLISH_REASONS)

    # A batch's proposals keep their reasons in English: the page says them in French.
    batch = matching.propose(None, actor="test")
    [row] = [row for row in batch.rows if row.connectee_id == seeker.id]
    assert "same occupation: Registered Nurses" in row.reasons
    _says(_french_text(staff_client, f"/matching/proposals/{batch.id}"), french, ENGLISH_REASONS)


def test_reasons_from_the_hub_read_in_french(app: Flask, staff_client: FlaskClient) -> None:
    hit = {
        "profile": {"id": 77, "community": "st-louis", "occupation": "29-1141",
                    "occupation_title": "Registered Nurses", "experience_band": "10-19",
                    "languages": [{"language": "ara", "level": "native"}]},
        "score": 0.81,
        "contributions": {"occupation": 0.35},
        "reasons": ["same occupation: Registered Nurses", "1 shared skill: triage",
                    "in another community (st-louis), open to remote meetings"],
    }  # fmt: skip
    hub = FakeIntrosHub(hits=[hit])
    app.config["INTROS_CLIENT_FACTORY"] = lambda connection: hub
    db.session.add(HubConnection(url="http://127.0.0.1:1", client_id="x", client_secret="y",
                                 community="halifax"))  # fmt: skip
    seeker = ConnecteeFactory(status=ProfileStatus.APPROVED)
    ConnectorFactory(occupation="15-1252")  # a weak local fit: other cities are searched
    ConsentFactory(connectee_id=seeker.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS)
    page = _french_text(staff_client, f"/matching/{seeker.id}")
    cross_city = page.split('id="cross-city"')[1]
    _says(
        cross_city,
        [
            "même profession : Registered Nurses",
            "1 compétence commune : triage",
            "dans une autre communauté (st-louis), rencontres à distance possibles",
        ],
        ENGLISH_REASONS,
    )


def test_the_api_keeps_reasons_in_english_for_a_french_client(api: ApiClient) -> None:
    seeker = ConnecteeFactory(status=ProfileStatus.APPROVED)
    ConnectorFactory()
    found = api.get(
        f"/api/v1/matching/suggestions/{seeker.id}", headers={"Accept-Language": "fr"}
    ).json
    assert "same occupation: Registered Nurses" in found["local"][0]["reasons"]


def test_eligibility_and_stored_choices_read_in_french(staff_client: FlaskClient) -> None:
    person = ConnecteeFactory(work_authorization=WorkAuthorization.F1_STUDENT)
    connector = ConnectorFactory(years_in_field=2)
    eligibility.evaluate_connectee(person.id, actor="test")
    eligibility.evaluate_connector(connector.id, actor="test")
    _says(
        _french_text(staff_client, f"/connectees/{person.id}"),
        [
            "Niveau d’études (baccalauréat) égal ou supérieur au niveau requis "
            "(certificat postsecondaire).",
            "Autorisation de travail non acceptée : un visa d’étudiant F-1 (acceptées : la "
            "citoyenneté, la résidence permanente",
            "<td>Niveau d’anglais</td>",
            "<td>CV au dossier.</td>",
            "<td>En semaine, le matin</td>",  # the availability the form offers
            "<td>Syrie</td>",
            "<td>arabe</td>",
        ],
        ["Education level", "Work authorization", "is not accepted", "Résumé on file",
         "weekday mornings", "f1 student", "Syria", "Arabic"],
    )  # fmt: skip
    _says(
        _french_text(staff_client, f"/connectors/{connector.id}"),
        ["2 ans dans le domaine, sous le minimum requis (5).", "<td>Années dans le domaine</td>"],
        ["years in the field", "Years in field", "below the required"],
    )


def test_the_rules_and_a_refusal_read_in_french(app: Flask, viewer_client: FlaskClient) -> None:
    refused = _french_text(viewer_client, "/admin/rules", status=403)
    _says(refused, ["Il faut le rôle d’administrateur."], ["This needs the admin role."])
    rules = _french_text(_admin(app), "/admin/rules")
    _says(
        rules,
        ["Études de niveau certificat postsecondaire au moins.", "un diplôme est accepté",
         "L’une de : la citoyenneté, la résidence permanente, ", " et un visa H-1B."],
        ["post secondary certificate", "by degree", "citizenship", "an H-1B visa"],
    )  # fmt: skip


def test_every_follow_up_situation_has_its_words() -> None:
    """The reports name each situation from ``shared.names`` (the hub's roll-up too)."""
    assert set(names.OUTCOME_CATEGORIES) == {category.value for category in OutcomeCategory}


def test_english_stays_the_default(staff_client: FlaskClient) -> None:
    ConnecteeFactory(status=ProfileStatus.SUBMITTED)
    html = staff_client.get("/", headers={"Accept-Language": "de-DE"}).text
    assert "New sign-ups to review" in html
    assert "Nouvelles inscriptions" not in html
