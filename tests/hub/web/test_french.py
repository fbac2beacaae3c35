"""National staff who read French get the hub's staff pages in French: headings, tables,
forms, the words for stored values and the messages after an action."""

from __future__ import annotations

import html as markup
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from hub.auth.models import Role
from hub.communities.models import CommunityStatus
from hub.communities.services import Credentials
from hub.onboarding.models import Application
from hub.outcomes.models import ROLLUP_LEVELS
from hub.outcomes.services import ROLLUP_COLUMNS
from hub.resources.models import Resource
from hub.resources.services import publish
from hub.web import labels
from shared import names
from shared.protocol import AVAILABILITY_SLOTS
from shared.protocol.common import EMPLOYED_METRICS
from shared.protocol.introductions import IntroStatus
from tests.hub.web.conftest import alerts
from tests.hub.web.test_directory import network  # noqa: F401  (a fixture)
from tests.hub.web.test_onboarding import FORM, applications
from tests.hub.web.test_resources import GUIDE

#: Per page: phrases a French reader sees, and the English ones they replace.
PAGES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "/": (
        ("<h1>Tableau de bord</h1>", "Mises en relation entre villes",
         "Résultats nationaux cumulés", "Dernière synchronisation par communauté",
         "Par groupe de professions", "<header>Restreinte</header>"),
        ("<h1>Dashboard</h1>", "Cross-city introductions", "National outcomes roll-up",
         "Last sync per community", "Per occupation group", "<header>Silenced</header>"),
    ),
    "/communities": (
        ("Profils inscrits", "Dernière synchronisation", "Motif du statut", ">active<"),
        ("Listed profiles", "Last sync", "Reason for status", "Refused items"),
    ),
    "/communities/halifax": (
        ("Secret client", "Changer le statut", "Historique", "Nouveau statut", ">inscrite<"),
        ("Client secret", "Change status", "History", "New status", ">registered<"),
    ),
    "/directory": (
        ("Répertoire des connecteurs", "Chercher des connecteurs", "Professions apparentées",
         "Cette profession seulement", "0 connecteur.", ">espagnol<"),
        ("Connector directory", "Search connectors", "Related occupations",
         "This occupation only", "0 connectors.", ">Spanish<"),
    ),
    "/directory/coverage": (
        ("Lacunes de couverture", "Offre et demande par groupe de professions",
         "Personnes accompagnées en attente"),
        ("Coverage gaps", "Supply and demand per occupation group", "Waiting connectees"),
    ),
    "/onboarding": (
        ("Candidatures pour devenir une communauté Connecteurs", "Lancement prévu", "Approuvée"),
        ("Applications to become a Connector Community", "Planned launch", "Approved ("),
    ),
    "/resources": (
        ("Ressources partagées", "Publier une ressource", "Catégorie", "1 ressource.", "Guide"),
        ("Shared resources", "Publish a resource", "Category", "1 resource."),
    ),
    "/introductions": (
        ("Mises en relation entre villes", "Par état et ancienneté", "Moins d’une semaine",
         "Demandée"),
        ("Cross-city introductions", "By state and age", "Under a week", "Requested"),
    ),
}  # fmt: skip


@pytest.fixture
def french(session_for: Callable[[Role], FlaskClient]) -> FlaskClient:
    """A national admin whose language cookie says French (as the switcher leaves it)."""
    client = session_for(Role.ADMIN)
    client.set_cookie("lang", "fr")
    return client


@pytest.fixture
def approved(french: FlaskClient, hub_client: FlaskClient) -> Application:
    """Moncton's application, approved (so it has a community and a checklist)."""
    assert hub_client.post("/apply", data=FORM).status_code == 303
    (application,) = applications()
    answer = french.post(
        f"/onboarding/{application.id}/approve", data={"slug": "moncton", "name": "Moncton"}
    )
    assert answer.status_code == 200
    assert "Approuvée : Moncton Newcomer Centre" in markup.unescape(answer.text)
    return application


@pytest.fixture
def guide() -> Resource:
    return publish(
        kind="guide", title="Getting licensed", summary="", body="Steps", url=None, tags=[],
        language="en", audience="staff", actor="test",
    )  # fmt: skip


def _text(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return markup.unescape(response.text)


@pytest.mark.parametrize("url", list(PAGES))
def test_a_french_reader_gets_the_staff_pages_in_french(
    french: FlaskClient,
    halifax: Credentials,
    approved: Application,
    guide: Resource,
    url: str,
) -> None:
    page = _text(french, url)
    seen, gone = PAGES[url]
    assert '<html lang="fr"' in page
    assert [phrase for phrase in seen if phrase not in page] == []
    assert [phrase for phrase in gone if phrase in page] == []


def test_an_application_and_a_resource_read_in_french(
    french: FlaskClient, approved: Application, guide: Resource
) -> None:
    detail = _text(french, f"/onboarding/{approved.id}")
    seen = (
        "Personne-ressource",
        "En route vers la mise en service",
        "Cocher « Personnel formé »",
        "Chambre de commerce",
        "Lien des identifiants",
    )
    assert [phrase for phrase in seen if phrase not in detail] == []
    gone = ("Contact person", "On the way to live", "Staff trained", "Credentials link")
    assert [phrase for phrase in gone if phrase in detail] == []
    resource = _text(french, f"/resources/{guide.id}")
    assert "Publier une nouvelle version" in resource and "Public cible" in resource
    assert "Personnel du programme" in resource and "Autre langue 1" in resource
    assert (
        "<dd>anglais</dd>" in resource and '<option value="fr">français (fr)</option>' in resource
    )
    assert "Publish a new version" not in resource and "Program staff" not in resource


def test_messages_after_an_action_are_in_french(
    french: FlaskClient, halifax: Credentials, approved: Application
) -> None:
    ticked = french.post(
        f"/onboarding/{approved.id}/checklist",
        data={"item": "staff_trained", "done": "1"},
        follow_redirects=True,
    )
    assert alerts(markup.unescape(ticked.text)) == ["Élément coché : « Personnel formé »."]
    changed = french.post(
        "/communities/halifax/status",
        data={"status": "silenced", "reason": "Tests"},
        follow_redirects=True,
    )
    assert alerts(changed.text) == ["La communauté Halifax est maintenant restreinte."]
    history = _text(french, "/communities/halifax")
    assert "active → restreinte" in history
    for changes, message in [
        ({"language": "xx"}, "Choisissez une langue dans la liste."),
        ({"url": "https://example.org"}, "(il y a ici un texte et un lien)."),
    ]:
        refused = french.post("/resources", data={**GUIDE, **changes})
        assert refused.status_code == 422
        assert message in markup.unescape(refused.text)


def test_the_browser_language_chooses_french_too(
    session_for: Callable[[Role], FlaskClient], halifax: Credentials
) -> None:
    client = session_for(Role.VIEWER)
    page = _text(client, "/communities")
    assert "Reason for status" in page and "Motif du statut" not in page
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-CA,fr;q=0.9,en;q=0.5"
    page = _text(client, "/communities")
    assert "Motif du statut" in page and "Reason for status" not in page


@pytest.mark.usefixtures("network")
def test_the_directory_search_reads_in_french(french: FlaskClient) -> None:
    """A French reader sees the listed profiles' stored values in French; occupation
    titles (SOC 2018, which has no official French) and skills stay as they are."""
    page = _text(french, "/directory?language=spa")
    assert "1 connecteur." in page
    row = page.split('id="profiles"')[1]
    seen = ("espagnol (langue maternelle)", "La fin de semaine", "5-9 ans",
            "N’accepte pas de mises en relation", "rencontres à distance")  # fmt: skip
    gone = ("Spanish", "native", "Weekends", "years", "Not accepting", "remote meetings")
    assert [phrase for phrase in seen if phrase not in row] == []
    assert [phrase for phrase in gone if phrase in row] == []
    assert "Licensed Practical and Licensed Vocational Nurses" in row
    page = _text(french, "/directory")
    assert "français (C2)" in page and "En semaine, le soir" in page
    assert "Weekday evenings" not in page and "French (C2)" not in page


def test_every_stored_value_has_its_words() -> None:
    """A value without its word would show in English (or raw) on a French page."""
    assert labels.RESOURCE_CATEGORIES == names.RESOURCE_CATEGORIES
    assert labels.AUDIENCES == names.AUDIENCE_LABELS
    assert set(labels.COMMUNITY_STATUS) == {status.value for status in CommunityStatus}
    assert set(labels.INTRO_STATES) == {state.value for state in IntroStatus}
    assert set(labels.ROLLUP_HEADINGS) == set(ROLLUP_COLUMNS)
    assert set(labels.ROLLUP_LEVELS) == set(labels.ROLLUP_CAPTIONS) == set(ROLLUP_LEVELS)
    assert set(labels.SLOTS) == set(AVAILABILITY_SLOTS)
    assert set(labels.ROLE_NEEDED) == {role.value for role in Role}
    # The follow-up outcomes are named once, for both services' reports.
    for metric in EMPLOYED_METRICS:
        assert labels.ROLLUP_HEADINGS[metric] == names.OUTCOME_CATEGORIES[metric]
