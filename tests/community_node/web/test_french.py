"""Staff who read French get the staff pages in French: by their cookie or their browser."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from community_node.auth.models import Role
from community_node.auth.services import create_user
from community_node.matches.models import MatchStatus
from community_node.participants.models import ProfileStatus
from tests.community_node.factories import ConnecteeFactory, MatchFactory
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


def test_english_stays_the_default(staff_client: FlaskClient) -> None:
    ConnecteeFactory(status=ProfileStatus.SUBMITTED)
    html = staff_client.get("/", headers={"Accept-Language": "de-DE"}).text
    assert "New sign-ups to review" in html
    assert "Nouvelles inscriptions" not in html
