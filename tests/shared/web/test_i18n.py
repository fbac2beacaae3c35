"""A page's language: ``?lang=`` (remembered), the cookie, then Accept-Language."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string

from shared.web.i18n import COOKIE, direction, init_i18n


@pytest.fixture
def app(tmp_path) -> Flask:
    app = Flask(__name__)
    app.config["LANGUAGES"] = ["en", "fr", "ar"]
    init_i18n(app, [str(tmp_path)])

    @app.route("/")
    def page() -> str:
        return render_template_string("{{ page_language }} {{ text_direction }}")

    return app


def test_the_browser_language_is_used_when_nothing_was_chosen(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9"}).text == "fr ltr"
    assert client.get("/", headers={"Accept-Language": "de"}).text == "en ltr"


def test_a_chosen_language_is_remembered_and_wins_over_the_browser(app: Flask) -> None:
    client = app.test_client()
    answer = client.get("/?lang=ar", headers={"Accept-Language": "fr"})
    assert answer.text == "ar rtl"
    assert f"{COOKIE}=ar" in answer.headers["Set-Cookie"]
    assert client.get("/", headers={"Accept-Language": "fr"}).text == "ar rtl"


def test_a_language_the_service_does_not_offer_is_ignored(app: Flask) -> None:
    client = app.test_client()
    answer = client.get("/?lang=uk", headers={"Accept-Language": "fr"})
    assert answer.text == "fr ltr"
    assert "Set-Cookie" not in answer.headers


def test_an_unknown_language_in_the_configuration_refuses_to_start(tmp_path) -> None:
    app = Flask(__name__)
    app.config["LANGUAGES"] = ["en", "xx"]
    with pytest.raises(ValueError, match="xx"):
        init_i18n(app, [str(tmp_path)])


def test_arabic_and_persian_are_written_right_to_left() -> None:
    assert [direction(c) for c in ("ar", "fa", "fa_AF", "en", "uk")] == [
        "rtl",
        "rtl",
        "rtl",
        "ltr",
        "ltr",
    ]
