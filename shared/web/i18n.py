"""Languages of the pages and messages, with Flask-Babel (the one set-up both services use).

A page's language comes, in order, from ``?lang=`` in its URL (remembered in a cookie),
the ``lang`` cookie, then the browser's ``Accept-Language``; the first language of the
app's ``LANGUAGES`` is the fallback. Templates get ``_()`` and ``ngettext()`` from
Flask-Babel, and ``page_language`` / ``text_direction`` for ``<html lang dir>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, Response, g, request
from flask_babel import Babel

#: The cookie that remembers a visitor's choice of language (a year).
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Language:
    """A language we ship: its locale code, its name in itself, and its writing direction."""

    code: str
    name: str
    rtl: bool = False


#: Every language a catalog is shipped for, in the order a switcher lists them.
LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("en", "English"),
        Language("fr", "Français"),
        Language("es", "Español"),
        Language("ar", "العربية", rtl=True),
        Language("uk", "Українська"),
        Language("fa", "فارسی / دری", rtl=True),
    )
}


def init_i18n(app: Flask, translation_dirs: Iterable[str]) -> Babel:
    """Give ``app`` Flask-Babel with our locale choice and the catalogs in ``translation_dirs``.

    ``app.config["LANGUAGES"]`` lists the codes this service offers (default: all).
    """
    app.config.setdefault("LANGUAGES", list(LANGUAGES))
    unknown = [code for code in app.config["LANGUAGES"] if code not in LANGUAGES]
    if unknown:
        raise ValueError(f"LANGUAGES names languages without a catalog: {', '.join(unknown)}")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_dirs)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["LANGUAGES"][0])
    babel = Babel(app, locale_selector=select_locale)
    app.after_request(_remember_choice)
    app.context_processor(_template_globals)
    return babel


def offered(app: Flask | None = None) -> list[str]:
    """The language codes the current app offers."""
    from flask import current_app

    return list((app or current_app).config["LANGUAGES"])


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
    }
