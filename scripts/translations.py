"""Extract, update and compile the message catalogs of both services: ``make translations``.

Each service keeps two domains in its ``translations`` folder (see ``shared/web/i18n.py``):

* ``public``: the pages anyone may open (sign-up forms, confirmation and error pages,
  the hub's public figures and application form) and the messages sent to participants,
  in every language of ``PUBLIC_LANGUAGES``;
* ``staff``: the staff pages, in ``STAFF_LANGUAGES``.

``python scripts/translations.py`` extracts each domain's ``.pot`` from its sources,
merges it into each language's ``.po`` (creating missing ones) and compiles the ``.mo``
files; ``--compile`` only compiles (what ``make run`` and ``make test`` do, so a fresh
clone has them: ``.mo`` files are built, never committed). A new string is then
translated in the ``.po`` files; ``tests/shared/web/test_catalogs.py`` fails while a
shipped language lacks one.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parent.parent

#: The keywords that mark a string for translation, beside gettext's defaults.
KEYWORDS = ("_l", "lazy_gettext", "N_", "Nn_:1,2", "_lp:1c,2", "lazy_pgettext:1c,2")

PUBLIC_LANGUAGES = ("fr", "es", "ar", "uk", "fa")  # English is the source language
STAFF_LANGUAGES = ("fr",)

#: What both services' public pages share: the frame, the error page.
SHARED_PUBLIC = (
    "shared/web/templates/shared_web/layout.html",
    "shared/web/templates/error.html",
    "shared/web/errors.py",
)
#: What both services' staff pages share: the Flask glue, and the words and reasons made in
#: English outside it (``shared.wording``) that a staff page says in its reader's language.
SHARED_STAFF = (
    "shared/web",
    "shared/wording.py",
    "shared/matching/explain.py",
    "shared/names.py",
)


@dataclass(frozen=True)
class Service:
    package: str
    #: Files and folders whose strings are public; every other string is the staff's.
    public: tuple[str, ...]
    public_languages: tuple[str, ...] = PUBLIC_LANGUAGES

    @property
    def folder(self) -> Path:
        return ROOT / self.package / "translations"


SERVICES = (
    Service(
        "community_node",
        public=(
            "community_node/signup",
            "community_node/templates/signup",  # the sign-up forms and the event pages
            "community_node/participants/schemas.py",  # the phone message
            # What participants receive and open by link: messages, their own pages.
            "community_node/mail",
            "community_node/templates/mail",
            "community_node/selfservice",
            "community_node/templates/selfservice",
            "community_node/events/views.py",
            "community_node/events/services.py",
            *SHARED_PUBLIC,
        ),
    ),
    Service(
        "hub",
        public=(
            "hub/templates/base.html",
            "hub/templates/figures/public.html",
            "hub/templates/figures/_macros.html",
            "hub/web/figures.py",
            "hub/templates/onboarding/apply.html",
            "hub/templates/onboarding/thanks.html",
            "hub/templates/onboarding/dead_link.html",
            "hub/templates/onboarding/credentials.html",
            "hub/web/onboarding_forms.py",
            "hub/onboarding/models.py",
            "hub/onboarding/schemas.py",
            "hub/onboarding/services.py",
            "hub/web/onboarding.py",
            *SHARED_PUBLIC,
        ),
        public_languages=("fr",),  # for cities' program staff: English and French
    ),
)


def _files(paths: tuple[str, ...]) -> set[Path]:
    found: set[Path] = set()
    for name in paths:
        path = ROOT / name
        if path.is_file():
            found.add(path)
        else:
            found.update(p for p in path.rglob("*") if p.suffix in (".py", ".html"))
    return {p for p in found if "translations" not in p.parts and "migrations" not in p.parts}


def sources(service: Service, domain: str) -> list[str]:
    """The files a domain's strings are extracted from, relative to the project."""
    public = _files(service.public)
    chosen = public if domain == "public" else _files((service.package, *SHARED_STAFF)) - public
    return sorted(str(p.relative_to(ROOT)) for p in chosen)


def languages(service: Service, domain: str) -> tuple[str, ...]:
    return service.public_languages if domain == "public" else STAFF_LANGUAGES


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract_template(service: Service, domain: str, pot: Path) -> None:
    """Write ``domain``'s template (.pot) of ``service`` to ``pot``."""
    keywords = [arg for k in KEYWORDS for arg in ("-k", k)]
    _babel(
        "extract", "-F", str(ROOT / "babel.cfg"), *keywords, "--no-wrap",
        "--sort-by-file", "--omit-header", "-o", str(pot), *sources(service, domain),
    )  # fmt: skip


def extract(service: Service) -> None:
    service.folder.mkdir(exist_ok=True)
    for domain in ("public", "staff"):
        pot = service.folder / f"{domain}.pot"
        extract_template(service, domain, pot)
        for lang in languages(service, domain):
            po = service.folder / lang / "LC_MESSAGES" / f"{domain}.po"
            command = "update" if po.exists() else "init"
            # No fuzzy guesses: a near-miss translation ("Skip to the content" given "Withdraw
            # this consent") reads as done once someone clears the flag without reading it.
            extra = ["--no-wrap"]
            if command == "update":
                extra += ["--ignore-obsolete", "--no-fuzzy-matching"]
            _babel(command, "-D", domain, "-i", str(pot), "-d", str(service.folder), "-l", lang,
                   *extra)  # fmt: skip


def compile_all() -> None:
    for service in SERVICES:
        for po in sorted(service.folder.glob("*/LC_MESSAGES/*.po")):
            mo = po.with_suffix(".mo")
            if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
                _babel("compile", "-i", str(po), "-o", str(mo))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compile", action="store_true", help="only compile the .po files")
    options = parser.parse_args(argv)
    if not options.compile:
        for service in SERVICES:
            extract(service)
    compile_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
