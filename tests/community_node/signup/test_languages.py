"""The sign-up forms in the applicant's language: the page, its messages, what is stored."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from community_node.extensions import db
from community_node.participants.models import Connectee, Connector
from tests.community_node.signup.test_views import CONNECTEE, CONNECTOR, field_error, post


def heading(html: str) -> str:
    match = re.search(r"<h1>([^<]*)</h1>", html)
    assert match
    return match.group(1)


def test_each_public_language_reads_the_join_page_in_its_own_words(client: FlaskClient) -> None:
    expected = {
        "en": ("The Testville Connector Program", "ltr"),
        "fr": ("Le Programme Connecteurs de Testville", "ltr"),
        "es": ("El Programa Conectores de Testville", "ltr"),
        "ar": ("برنامج صلة الوصل في Testville", "rtl"),
        "uk": ("Програма «Конектор» (Testville)", "ltr"),
        "fa": ("برنامهٔ پیوند حرفه‌ای در Testville", "rtl"),
    }
    for lang, (title, direction) in expected.items():
        html = client.get(f"/join?lang={lang}").text
        assert f'<html lang="{lang}" dir="{direction}">' in html
        assert heading(html) == title


def test_the_browser_language_is_used_and_a_choice_is_kept(client: FlaskClient) -> None:
    html = client.get("/join/connectee", headers={"Accept-Language": "es-MX,es;q=0.9"}).text
    assert heading(html) == "Inscribirse como persona recién llegada"
    client.get("/join?lang=uk")
    html = client.get("/join/connector", headers={"Accept-Language": "es"}).text
    assert heading(html) == "Стати конектором-волонтером"


def test_the_signup_language_becomes_the_preferred_language(client: FlaskClient) -> None:
    assert post(client, "connectee", CONNECTEE, preferred_language="fa").status_code == 303
    assert post(client, "connector", CONNECTOR, preferred_language="fr").status_code == 303
    assert db.session.scalars(select(Connectee.preferred_language)).one() == "fa"
    assert db.session.scalars(select(Connector.preferred_language)).one() == "fr"


def test_the_form_carries_the_page_language(client: FlaskClient) -> None:
    html = client.get("/join/connectee?lang=ar").text
    assert '<input type="hidden" name="preferred_language" value="ar">' in html


def test_a_language_no_page_is_offered_in_is_refused(client: FlaskClient) -> None:
    response = post(client, "connectee", CONNECTEE, preferred_language="de")
    assert response.status_code == 422
    assert db.session.scalars(select(Connectee)).first() is None


def test_messages_beside_the_fields_are_in_the_page_language(client: FlaskClient) -> None:
    client.get("/join?lang=fr")
    response = post(client, "connectee", CONNECTEE, first_name="", years_experience="huit")
    assert response.status_code == 422
    assert field_error(response.text, "first_name") == "Veuillez remplir ce champ."
    assert field_error(response.text, "years_experience") == "Entrez un nombre entier."
    assert "Veuillez corriger 2 points ci-dessous" in response.text


def test_dari_and_rohingya_are_recorded_as_themselves(client: FlaskClient) -> None:
    html = client.get("/join/connectee").text
    assert '<option value="prs">Dari</option>' in html
    response = post(
        client, "connectee", CONNECTEE, language_1="prs", language_3="rhg", level_3="B1"
    )
    assert response.status_code == 303
    person = db.session.scalars(select(Connectee)).one()
    assert sorted(lang.language for lang in person.languages) == ["prs", "rhg"]


@pytest.mark.parametrize("code", ["ara", "ar"])
def test_a_language_is_stored_by_its_iso_639_3_code_whatever_the_form_posted(
    client: FlaskClient, code: str
) -> None:
    assert post(client, "connectee", CONNECTEE, language_1=code).status_code == 303
    person = db.session.scalars(select(Connectee)).one()
    assert sorted(lang.language for lang in person.languages) == ["ara", "eng"]


def test_language_names_follow_the_page_language(client: FlaskClient) -> None:
    html = client.get("/join/connectee?lang=fr").text
    assert '<option value="ara">arabe</option>' in html
    assert '<option value="prs">dari</option>' in html
    assert '<option value="SY">Syrie</option>' in html


def test_the_api_reads_and_writes_the_preferred_language(api: Any) -> None:
    person = {
        "first_name": "Farid",
        "last_name": "Noori",
        "email": "farid@example.org",
        "preferred_language": "fa",
        "languages": [{"language": "prs", "level": "native"}, {"language": "eng", "level": "B1"}],
    }
    created = api.post("/api/v1/connectees", json=person)
    assert created.status_code == 201, created.json
    assert created.json["preferred_language"] == "fa"
    assert created.json["languages"] == [
        {"language": "eng", "level": "B1"},
        {"language": "prs", "level": "native"},
    ]
    refused = api.patch(
        f"/api/v1/connectees/{created.json['id']}", json={"preferred_language": "xx"}
    )
    assert refused.status_code == 422
    assert "preferred_language" in refused.json["errors"]["json"]
    cleared = api.patch(
        f"/api/v1/connectees/{created.json['id']}", json={"preferred_language": None}
    )
    assert cleared.status_code == 200 and cleared.json["preferred_language"] is None
