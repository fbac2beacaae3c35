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


def _two_kinds_of_page(tmp_path) -> Flask:
    from flask import Blueprint

    app = Flask(__name__)
    public = Blueprint("public", __name__)
    public.add_url_rule("/join", "join", lambda: render_template_string("{{ page_language }}"))
    app.register_blueprint(public)
    app.add_url_rule(
        "/staff",
        "staff",
        lambda: render_template_string(
            "{{ page_language }} {{ page_languages|map(attribute='code')|join(',') }}"
        ),
    )
    init_i18n(app, [str(tmp_path)], public=["public"])
    return app


def test_staff_pages_offer_english_and_french_and_public_pages_every_language(tmp_path) -> None:
    client = _two_kinds_of_page(tmp_path).test_client()
    assert client.get("/join?lang=ar").text == "ar"
    # The cookie says Arabic, which the staff pages lack: the browser's French wins there.
    assert client.get("/staff", headers={"Accept-Language": "fr"}).text == "fr en,fr"
    assert client.get("/staff?lang=uk").text == "en en,fr"
    assert client.get("/join").text == "ar"


def test_a_missing_page_is_answered_in_any_public_language(tmp_path) -> None:
    app = _two_kinds_of_page(tmp_path)
    with app.test_request_context("/nowhere?lang=fa"):
        from shared.web.i18n import offered

        assert offered() == ["en", "fr", "es", "ar", "uk", "fa"]


def test_a_moment_is_written_the_readers_way(app: Flask) -> None:
    import datetime as dt

    from shared.web.i18n import moment_text

    moment = dt.datetime(2026, 5, 4, 15, 0)
    with app.test_request_context("/?lang=en"):
        assert moment_text(moment) == "2026-05-04 15:00"
    with app.test_request_context("/?lang=fr"):
        assert moment_text(moment) == "4 mai 2026 15:00"


def test_a_moment_labelled_utc_stays_utc_whatever_the_default_time_zone(tmp_path) -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from shared.web.i18n import moment_text

    app = Flask(__name__)
    app.config.update(LANGUAGES=["en", "fr"], BABEL_DEFAULT_TIMEZONE="America/Halifax")
    init_i18n(app, [str(tmp_path)])
    moment = dt.datetime(2026, 5, 4, 15, 0)  # UTC, as stored
    halifax = ZoneInfo("America/Halifax")  # UTC-3 in May
    with app.test_request_context("/?lang=fr"):
        assert moment_text(moment) == "4 mai 2026 15:00"
        assert moment_text(moment, halifax) == "4 mai 2026 12:00"
        assert moment_text(moment.replace(tzinfo=dt.UTC), halifax) == "4 mai 2026 12:00"
    with app.test_request_context("/?lang=en"):
        assert moment_text(moment) == "2026-05-04 15:00"
        assert moment_text(moment, halifax) == "2026-05-04 12:00"


def test_a_day_and_a_list_are_written_the_readers_way(app: Flask) -> None:
    import datetime as dt

    from shared.web.i18n import day_text, list_text

    with app.test_request_context("/?lang=en"):
        assert day_text(dt.date(2026, 5, 4)) == "2026-05-04"
        assert day_text(dt.datetime(2026, 5, 4, 23, 30)) == "2026-05-04"
        assert list_text(["a", "b", "c"]) == "a, b, and c"
        assert list_text(["a"]) == "a"
    with app.test_request_context("/?lang=fr"):
        assert day_text(dt.date(2026, 5, 4)) == "4 mai 2026"
        assert list_text(["a", "b", "c"]) == "a, b et c"
        assert list_text([]) == ""


def test_the_switcher_links_keep_the_query(app: Flask) -> None:
    from shared.web.i18n import language_url

    with app.test_request_context("/join/connectee?kind=a&lang=en"):
        assert language_url("ar") == "/join/connectee?kind=a&lang=ar"
