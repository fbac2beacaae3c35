"""The message catalogs: every shipped language has every message, and the templates
(.pot) hold every string the code marks. ``make translations`` fixes the second; a
translator fixes the first."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_translations", ROOT / "scripts/translations.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules.get(spec.name) or importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


translations = _script()
CATALOGS = [
    (service, domain, lang)
    for service in translations.SERVICES
    for domain in ("public", "staff")
    for lang in translations.languages(service, domain)
]


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _missing(pot: Catalog, po: Catalog) -> list[str]:
    """Messages of the template the catalog lacks: absent, fuzzy or (any form) empty."""
    missing = []
    for message in pot:
        if not message.id:
            continue
        found = po.get(message.id, message.context)
        strings = found.string if found else None
        forms = strings if isinstance(strings, tuple) else (strings,)
        if found is None or found.fuzzy or not all(forms):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


@pytest.mark.parametrize(
    ("service", "domain", "lang"),
    CATALOGS,
    ids=[f"{s.package}-{d}-{lang}" for s, d, lang in CATALOGS],
)
def test_every_shipped_language_has_every_message(service, domain: str, lang: str) -> None:
    pot = _read(service.folder / f"{domain}.pot")
    po_path = service.folder / lang / "LC_MESSAGES" / f"{domain}.po"
    assert po_path.exists(), f"{po_path} is missing: run make translations, then translate it"
    po = _read(po_path, lang)
    missing = _missing(pot, po)
    assert not missing, f"{po_path} lacks {len(missing)} messages, e.g. {missing[:5]}"
    for message in po:
        # A translation keeps the placeholders of its original (%(name)s), or it breaks.
        if message.id and message.string:
            errors = [str(e) for e in message.check(po)]
            assert not errors, (message.id, errors)


def test_the_missing_check_counts_fuzzy_empty_and_absent_messages() -> None:
    pot = Catalog()
    for text in ("Kept", "Fuzzy", "Empty", "Absent"):
        pot.add(text)
    po = Catalog(locale="fr")
    po.add("Kept", "Gardé")
    po.add("Fuzzy", "Flou", flags=["fuzzy"])
    po.add("Empty", "")
    assert _missing(pot, po) == ["Fuzzy", "Empty", "Absent"]


@pytest.mark.parametrize("service", translations.SERVICES, ids=lambda s: s.package)
def test_the_templates_hold_every_marked_string(service, tmp_path: Path) -> None:
    """A string wrapped in the code but not extracted would never reach a translator."""
    for domain in ("public", "staff"):
        fresh = tmp_path / f"{domain}.pot"
        translations.extract_template(service, domain, fresh)
        expected = {m.id for m in _read(fresh) if m.id}
        shipped = {m.id for m in _read(service.folder / f"{domain}.pot") if m.id}
        assert expected == shipped, (
            f"{service.package} {domain}.pot is stale: run make translations "
            f"(new: {sorted(map(str, expected - shipped))[:5]}, "
            f"gone: {sorted(map(str, shipped - expected))[:5]})"
        )


def test_a_public_page_and_its_messages_are_offered_in_six_languages() -> None:
    node = translations.SERVICES[0]
    assert node.package == "community_node"
    assert set(translations.languages(node, "public")) == {"fr", "es", "ar", "uk", "fa"}
    assert translations.languages(node, "staff") == ("fr",)
