"""Every word a page shows goes through gettext: no bare English left in a template.

A template's text (between tags, and the attributes people read or hear: ``title``,
``placeholder``, ``aria-label``, ``alt``, a button's ``value``) must come from a
``{{ _("...") }}`` or a ``{% trans %}`` block, so the staff pages read in French and the
public ones in every shipped language. The check reads each template with Jinja's own
lexer: whatever Jinja prints or runs is set aside, and the HTML left is parsed for words.
Strings passed to macros inside ``{{ ... }}`` are not seen here; wrap them too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment

ROOT = Path(__file__).resolve().parent.parent

#: The template folders of both services and of the shared web glue.
FOLDERS = ("community_node/templates", "hub/templates", "shared/web/templates")

#: Attributes whose values people read or hear.
READ_ATTRIBUTES = frozenset({"title", "placeholder", "aria-label", "alt", "value", "label"})

#: Words that read the same in every language we ship (or are not words at all).
UNIVERSAL = frozenset(
    {"CSV", "XLSX", "JSON", "OpenAPI", "API", "SOC", "ISO", "URL", "ID", "OK", "UTC", "Excel"}
)

_WORD = re.compile(r"[^\W\d_]{2,}")
_ELIDED = "_e_"  # a valid attribute name and no word: where Jinja prints or runs
_UNREAD_ATTRIBUTE = re.compile(r"\s([a-z][\w:-]*)=(\"[^\"]*\"|'[^']*')")
_TRANS_BLOCK = re.compile(r"\{%-?\s*trans\b.*?\{%-?\s*endtrans\s*-?%\}", re.S)


#: Elements whose text is code or machine text, never prose.
_UNREAD = frozenset({"script", "style", "code", "pre"})


def _is_button(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    return tag == "input" and dict(attrs).get("type") in ("submit", "button", "reset")


class _Words(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _UNREAD:
            self._skip += 1
        for name, value in attrs:
            if value and name in READ_ATTRIBUTES and (name != "value" or _is_button(tag, attrs)):
                self._words(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in _UNREAD and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._words(data)

    def _words(self, text: str) -> None:
        for word in _WORD.findall(text.replace(_ELIDED, " ")):
            if word not in UNIVERSAL:
                self.found.append(word)


def bare_words(source: str) -> list[str]:
    """The words of ``source`` (a Jinja template) that no gettext call produces."""
    source = _TRANS_BLOCK.sub(_ELIDED, source)
    env = Environment(extensions=["jinja2.ext.i18n"])
    kept: list[str] = []
    depth = 0
    for _, kind, value in env.lex(source):
        if kind in ("block_begin", "variable_begin"):
            depth += 1
        elif kind in ("block_end", "variable_end"):
            depth -= 1
            kept.append(_ELIDED)
        elif kind == "data" and depth == 0:
            kept.append(value)
        elif kind == "comment_begin":
            kept.append(_ELIDED)
    # Attributes nobody reads go, wherever they are (a macro may print them outside a tag).
    html = _UNREAD_ATTRIBUTE.sub(
        lambda m: m.group(0) if m.group(1) in {*READ_ATTRIBUTES, "type"} else " ", "".join(kept)
    )
    parser = _Words()
    parser.feed(html)
    parser.close()
    return parser.found


def templates() -> list[str]:
    return sorted(
        str(path.relative_to(ROOT))
        for folder in FOLDERS
        for path in (ROOT / folder).rglob("*.html")
        if "/swagger_ui" not in str(path)
    )


def test_the_checker_sees_bare_words_and_passes_wrapped_ones() -> None:
    assert bare_words('<p title="Find">Hello {{ name }}</p>') == ["Find", "Hello"]
    assert bare_words('<p>{{ _("Hello") }} {% trans %}Dear {{ x }}{% endtrans %}</p>') == []
    assert bare_words('<input type="submit" value="Save"><option value="fr">') == ["Save"]
    assert bare_words("<script>let one = 1;</script>{# A note #}") == []
    assert bare_words("<td>CSV</td><td>42 %</td><td>—</td><code>connector-node run</code>") == []
    assert (
        bare_words('<input {% if x %}aria-invalid="true"{% endif %} type="checkbox" value="yes">')
        == []
    )
    assert bare_words('<nav aria-label="breadcrumb">') == ["breadcrumb"]


@pytest.mark.parametrize("template", templates())
def test_every_word_of_a_template_is_translated(template: str) -> None:
    words = bare_words((ROOT / template).read_text(encoding="utf-8"))
    assert not words, f"{template} shows words no gettext call produces: {words[:12]}"
