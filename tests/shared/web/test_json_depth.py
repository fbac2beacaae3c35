"""The scan that refuses deep JSON before any parser recurses into it."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.web.system import MAX_JSON_DEPTH, json_depth


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b"", 0),
        (b"42", 0),
        (b'{"a": 1}', 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'["[[[[", "]]]]"]', 1),  # brackets inside strings are text
        (b'["\\"[[[[", "\\\\", [1]]', 2),  # escaped quotes do not end a string
        (b"[" * 5 + b"]" * 5, 5),
        (b"[" * 5, 5),  # unbalanced: the parse will fail, the depth still counts
        (b'{"a": "]]}", "b": [["{["]]}', 3),  # no backslash: strings end at the next quote
        (b'["a]", "", "[", [[]]]', 3),
    ],
)
def test_depth(body: bytes, depth: int) -> None:
    assert json_depth(body) == depth


def test_utf16_bodies_are_scanned_as_text() -> None:
    # U+2200 is the bytes 00 22 in UTF-16-LE: a false quote must not hide real brackets.
    text = '["\u2200", ' + "[" * 70 + "]" * 70 + "]"
    assert json_depth(text.encode("utf-16-le")) == 71
    assert json_depth(text.encode("utf-16")) == 71


def test_a_body_as_json_dumps_writes_it() -> None:
    value: object = {"k": "x"}
    for _ in range(MAX_JSON_DEPTH - 1):
        value = [value, "]]"]
    assert json_depth(json.dumps(value).encode()) == MAX_JSON_DEPTH


def test_a_body_of_the_largest_size_is_scanned_in_linear_time() -> None:
    def body(pairs: int) -> bytes:
        return b"[" * pairs + b"]" * pairs

    def best_seconds(data: bytes) -> float:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            json_depth(data)
            best = min(best, time.perf_counter() - started)
        return best

    largest = body(5 * 1024 * 1024)  # the node's 10 MiB limit, all brackets
    assert json_depth(largest) == 5 * 1024 * 1024  # no recursion, however deep
    # Four times the bytes cost about four times the time (a quadratic scan: sixteen).
    # A ratio of two runs in this process, so a busy machine slows both alike.
    assert best_seconds(largest) < 10 * best_seconds(body(5 * 1024 * 1024 // 4))


def _nesting(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_nesting, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_nesting, value), default=0)
    return 0


#: Text full of what the scan must not mistake for structure; with and without the
#: characters json.dumps escapes (a quote, a backslash), so both ways of finding the
#: strings are taken.
_TRICKY = st.text(alphabet='[]{}",:\\ aé\u2200', max_size=8)
_PLAIN = st.text(alphabet="[]{},: aé\u2200", max_size=8)


def _documents(text: st.SearchStrategy[str]) -> st.SearchStrategy[object]:
    scalars = st.none() | st.booleans() | st.integers() | text
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
        max_leaves=30,
    )


@given(_documents(_PLAIN) | _documents(_TRICKY), st.booleans())
def test_the_scan_finds_the_nesting_of_any_document(value: object, ascii_only: bool) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert json_depth(body) == _nesting(value)
