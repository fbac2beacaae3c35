"""Languages of the pages and messages, with Flask-Babel (the one set-up both services use).

A page's language comes, in order, from ``?lang=`` in its URL (remembered in a cookie),
the ``lang`` cookie, then the browser's ``Accept-Language``; the first language offered is
the fallback. Templates get ``_()`` and ``ngettext()`` from Flask-Babel,
``page_language`` / ``text_direction`` for ``<html lang dir>``, ``page_languages`` /
``language_url`` for the language switcher, and the ``match_reason`` filter, which says a
match reason (English in the API, the databases and the hub's answers) in the reader's
language.

Which languages a page offers depends on who reads it. Public pages (sign-up forms,
confirmation and error pages, the hub's public figures and application form) offer
every language of ``LANGUAGES``; the staff pages offer ``STAFF_LANGUAGES`` (English and
French). Each service's catalogs come in two domains, in its ``translations`` folder:
``public`` (every language) and ``staff`` (the staff languages); ``make translations``
extracts, updates and compiles both (``scripts/translations.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlencode

from flask import Flask, Response, g, has_request_context, request
from flask_babel import Babel, refresh

from shared import names
from shared.matching.explain import say_reason
from shared.names import LANGUAGES as LANGUAGES  # the languages pages are offered in
from shared.wording import ENGLISH, Words

#: The cookie that remembers a visitor's choice of language (a year).
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


#: The languages of the staff pages (Canadian communities work in English and French).
STAFF_LANGUAGES: tuple[str, ...] = ("en", "fr")

#: The catalogs' domains: public pages and messages, then the staff pages.
DOMAINS: tuple[str, ...] = ("public", "staff")


def init_i18n(
    app: Flask, translation_dirs: Iterable[str], public: Iterable[str] | None = None
) -> Babel:
    """Give ``app`` Flask-Babel with our locale choice and the catalogs in ``translation_dirs``.

    ``app.config["LANGUAGES"]`` lists the codes the public pages offer (default: all);
    ``app.config["STAFF_LANGUAGES"]`` those of the staff pages. ``public`` names the
    blueprints and endpoints (``"blueprint.view"``) whose pages are public; without it
    every page is. A URL that matches no page (a 404) is answered as a public page.
    """
    app.config.setdefault("LANGUAGES", list(LANGUAGES))
    app.config.setdefault(
        "STAFF_LANGUAGES", [c for c in STAFF_LANGUAGES if c in app.config["LANGUAGES"]]
    )
    for key in ("LANGUAGES", "STAFF_LANGUAGES"):
        unknown = [code for code in app.config[key] if code not in LANGUAGES]
        if unknown:
            raise ValueError(f"{key} names languages without a catalog: {', '.join(unknown)}")
    app.extensions["i18n_public"] = None if public is None else frozenset(public)
    dirs = list(translation_dirs)
    # Flask-Babel pairs each directory with a domain: every folder holds both domains.
    # The public domain loads last: Flask-Babel takes the plural rule of the last catalog
    # loaded, and only the public one exists in every language (Arabic has six forms).
    domains = list(reversed(DOMAINS))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(d for d in dirs for _ in domains)
    app.config["BABEL_DOMAIN"] = ";".join(d for _ in dirs for d in domains)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["LANGUAGES"][0])
    babel = Babel(app, locale_selector=select_locale)
    # Flask-Babel keeps the locale on the app context, which a request shares with an
    # outer one (a CLI command's, a test's): choose it afresh for every request.
    app.before_request(refresh)
    app.after_request(_remember_choice)
    app.context_processor(_template_globals)
    app.add_template_filter(moment_text)
    app.add_template_filter(day_text)
    app.add_template_filter(list_text)
    app.add_template_filter(match_reason)
    return babel


def offered(app: Flask | None = None) -> list[str]:
    """The language codes the current page offers: every public language on a public page,
    the staff languages on a staff page (outside a request: the public languages)."""
    from flask import current_app

    app = app or current_app
    if has_request_context() and not is_public_page(app):
        return list(app.config["STAFF_LANGUAGES"])
    return list(app.config["LANGUAGES"])


def is_public_page(app: Flask | None = None) -> bool:
    """Whether the current request's page is a public one (see ``init_i18n``)."""
    from flask import current_app

    public = (app or current_app).extensions.get("i18n_public")
    if public is None or request.endpoint is None:
        return True
    return request.blueprint in public or request.endpoint in public


def select_locale() -> str:
    """The request's language: ``?lang=``, then the cookie, then ``Accept-Language``."""
    codes = offered()
    asked = request.args.get("lang")
    if asked in codes:
        g.lang_chosen = asked
        return str(asked)
    remembered = request.cookies.get(COOKIE)
    if remembered in codes:
        return str(remembered)
    return request.accept_languages.best_match(codes) or codes[0]


def _remember_choice(response: Response) -> Response:
    chosen = g.get("lang_chosen")
    if chosen and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(
            COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax", secure=request.is_secure
        )
    return response


def direction(code: str) -> str:
    """``rtl`` for a language written right to left, else ``ltr``."""
    lang = LANGUAGES.get(code.split("_")[0])
    return "rtl" if lang and lang.rtl else "ltr"


def _template_globals() -> dict[str, object]:
    from flask_babel import get_locale

    locale = get_locale()
    code = locale.language if locale else offered()[0]
    return {
        "page_language": code,
        "text_direction": direction(code),
        "page_languages": [LANGUAGES[c] for c in offered()],
        "language_url": language_url,
    }


def moment_text(moment: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """A moment as the page's reader writes dates: in English the unambiguous
    ``2026-05-04 15:00`` staff know; in French ``4 mai 2026 15:00``; and so on. The
    clock is UTC's (pages say so), or ``zone``'s when given (an event's local time);
    never Flask-Babel's default time zone, which a page would then mislabel."""
    from flask_babel import format_date, format_time, get_locale

    if zone is not None:
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(zone)
    locale = get_locale()
    if locale is None or locale.language == "en":
        return moment.strftime("%Y-%m-%d %H:%M")
    day = format_date(moment, "medium", rebase=False)
    return f"{day} {format_time(moment, 'HH:mm', rebase=False)}"


def day_text(day: dt.date) -> str:
    """A day as the page's reader writes it: ``2026-05-04`` in English (as staff know
    dates), ``4 mai 2026`` in French, and so on (a moment's day: its UTC day)."""
    from flask_babel import format_date, get_locale

    if isinstance(day, dt.datetime):
        day = day.date()
    locale = get_locale()
    if locale is None or locale.language == "en":
        return day.isoformat()
    return str(format_date(day, "medium"))


def list_text(items: Iterable[str]) -> str:
    """Words as a list in the reader's language ("a, b, and c"; « a, b et c »)."""
    from babel.lists import format_list
    from flask_babel import get_locale

    return format_list(list(items), locale=get_locale() or "en")


def language_url(code: str) -> str:
    """This page's address in another language: its query string with ``lang=code``."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def reader_locale() -> str:
    """The page's language code (``en`` outside a request)."""
    from flask_babel import get_locale

    locale = get_locale()
    return str(locale) if locale else "en"


def language_name(code: str | None) -> str:
    """A language's name in the reader's language ("ara" reads "Arabic", or "arabe")."""
    return names.language_name(code, reader_locale())


def country_name(code: str | None) -> str:
    """A country's name in the reader's language ("CA" reads "Canada", "SY" "Syrie")."""
    locale = reader_locale()
    if not code or locale.startswith("en"):
        return names.country_name(code)
    return dict(names.countries(locale)).get(code.upper()) or names.country_name(code)


def reader_words() -> Words:
    """How the current page's reader says things: the page's catalogs (every domain, raw
    look-ups), its numbers and its names of languages; English outside a request."""
    from flask_babel import format_date, format_decimal, get_locale, get_translations

    locale = get_locale()
    if locale is None or locale.language == "en":
        return ENGLISH
    translations = get_translations()
    code = str(locale)
    return Words(
        gettext=translations.gettext,
        ngettext=translations.ngettext,
        number=lambda value: str(format_decimal(value)),
        date=lambda day: str(format_date(day, "medium")),
        language=lambda language: names.language_name(language, code),
    )


def match_reason(text: str) -> str:
    """A match reason (made, stored and sent in English) in the reader's language."""
    words = reader_words()
    return text if words is ENGLISH else say_reason(text, words)
