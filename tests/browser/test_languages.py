"""The public pages in the reader's language: Arabic right to left, the switcher, French."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from community_node.extensions import db
from community_node.participants.models import Connectee, Connector
from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, log_in, seeded_node, serving

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
SWITCHER = "nav.languages"


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with seeded_node(tmp_path_factory.mktemp("languages")) as app:
        yield app


@pytest.fixture(scope="module")
def live_server(live_app: Flask) -> Iterator[str]:
    with serving(live_app) as url:
        yield url


def preferred_language(app: Flask, model: type[Connectee] | type[Connector], email: str) -> Any:
    with app.app_context():
        person = db.session.scalars(select(model).where(model.email == email)).one()
        language = person.preferred_language
        db.session.remove()
        return language


def test_the_arabic_form_reads_right_to_left_and_is_sent(page: Any, live_app: Flask) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/join/connectee?lang=ar")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    form = page.locator("form[method=post]")
    assert form.evaluate("element => getComputedStyle(element).direction") == "rtl"
    # Right to left: a label starts at the right edge of its field, not the left.
    label = page.locator("label[for=f-first_name]").bounding_box()
    field = page.get_by_label("الاسم الأول").bounding_box()
    assert label["x"] + label["width"] == pytest.approx(field["x"] + field["width"], abs=2)
    check_page(page, "node /join/connectee in Arabic")
    page.set_viewport_size(PHONE)

    page.get_by_label("الاسم الأول").fill("سلمى")
    page.get_by_label("اسم العائلة").fill("الخطيب")
    page.get_by_label("البريد الإلكتروني").fill("salma@example.org")
    page.get_by_label("البلد الذي أتيت منه").select_option("SY")
    page.get_by_label("اللغة 1", exact=True).select_option("ara")
    page.get_by_label("مستواك في اللغة 1").select_option("native")
    with page.expect_navigation():
        page.get_by_role("button", name="أرسل طلبي").click()
    # The consent is required: its message is in Arabic too.
    expect(page.locator("#f-consent_local_processing-error")).to_contain_text(
        "لا يمكننا مراجعة طلبك", use_inner_text=True
    )
    expect(page.locator("#error-summary-title")).to_have_text(
        "يرجى تصحيح أمر واحد أدناه", use_inner_text=True
    )

    page.get_by_label("أوافق على أن يحتفظ فريق").check()
    page.get_by_role("button", name="أرسل طلبي").click()
    page.wait_for_url(re.compile(r"/join/thanks$"))
    expect(page.get_by_role("heading", name="شكرًا لك")).to_be_visible()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert preferred_language(live_app, Connectee, "salma@example.org") == "ar"


def test_the_switcher_changes_the_language_and_it_is_remembered(page: Any) -> None:
    page.goto("/join")
    switcher = page.locator(SWITCHER)
    assert switcher.get_attribute("aria-label") == "Read this page in"
    # Each language is named in itself, in its own language and direction.
    names = {
        link.get_attribute("lang"): link.inner_text() for link in switcher.get_by_role("link").all()
    }
    assert names == {
        "en": "English",
        "fr": "Français",
        "es": "Español",
        "ar": "العربية",
        "uk": "Українська",
        "fa": "فارسی / دری",
    }
    assert switcher.get_by_role("link", name="English").get_attribute("aria-current") == "true"

    with page.expect_navigation():
        switcher.get_by_role("link", name="Українська").click()
    assert page.locator("html").get_attribute("lang") == "uk"
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Програма «Конектор» (Testville)", use_inner_text=True
    )
    assert page.locator(SWITCHER).get_attribute("aria-label") == "Читати цю сторінку мовою"

    # Remembered: a page opened without ?lang= is still in Ukrainian.
    page.goto("/join/connector")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Стати конектором-волонтером", use_inner_text=True
    )
    link = page.locator(SWITCHER).get_by_role("link", name="Українська")
    assert link.get_attribute("aria-current") == "true"

    with page.expect_navigation():
        page.locator(SWITCHER).get_by_role("link", name="فارسی / دری").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    check_page(page, "node /join/connector in Persian")


def test_a_french_sign_up_gets_a_french_confirmation(page: Any, live_app: Flask) -> None:
    page.goto("/join")
    with page.expect_navigation():
        page.locator(SWITCHER).get_by_role("link", name="Français").click()
    page.get_by_role("link", name="Devenir connecteur ou connectrice bénévole").click()
    page.wait_for_url(re.compile(r"/join/connector$"))
    page.get_by_label("Prénom").fill("Ines")
    page.get_by_label("Nom de famille").fill("Moreau")
    page.get_by_label("Courriel").fill("ines.moreau@example.org")
    page.get_by_label("Votre profession").fill("17-2051 Civil Engineers")
    page.get_by_label("Langue 1", exact=True).select_option(label="français")
    page.get_by_label("Niveau dans la langue 1").select_option(label="Langue maternelle")
    page.get_by_label("J’accepte que l’équipe").check()
    page.get_by_role("button", name="Envoyer mon offre").click()
    page.wait_for_url(re.compile(r"/join/thanks$"))
    expect(page.get_by_role("heading", name="Merci", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        "Nous avons bien reçu votre formulaire.", use_inner_text=True
    )
    assert preferred_language(live_app, Connector, "ines.moreau@example.org") == "fr"


def test_staff_pages_offer_english_and_french_only(page: Any) -> None:
    log_in(page, COORDINATOR)
    page.goto("/connectees?lang=fr")
    switcher = page.locator(SWITCHER)
    assert [link.inner_text() for link in switcher.get_by_role("link").all()] == [
        "English",
        "Français",
    ]
    assert switcher.get_attribute("aria-label") == "Lire cette page en"
    # A language only the public pages have is not offered here: English, as the browser asks.
    page.goto("/connectees?lang=ar")
    assert page.locator("html").get_attribute("lang") in ("en", "fr")
    assert page.locator("html").get_attribute("dir") == "ltr"


def test_a_french_staff_page_keeps_its_breadcrumb_trail(page: Any) -> None:
    """The trail is styled by its class: in French its label is "fil d'Ariane", which
    Pico's aria-label="breadcrumb" rules would miss (no separators, items that shrink)."""
    log_in(page, COORDINATOR)
    page.goto("/connectees?q=oleksandr&lang=fr")
    page.get_by_role("link", name="Oleksandr Bondarenko").click()
    page.wait_for_url(re.compile(r"/connectees/\d+$"))
    trail = page.get_by_role("navigation", name="fil d’Ariane")
    expect(trail.get_by_role("listitem")).to_have_text(
        ["Personnes accompagnées", "Oleksandr Bondarenko"], use_inner_text=True
    )
    assert trail.get_by_role("listitem").last.get_attribute("aria-current") == "page"
    separator = trail.locator("li").last.evaluate("li => getComputedStyle(li, '::before').content")
    assert "›" in separator
    check_page(page, "Person page in French")
