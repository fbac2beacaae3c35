"""Checks on outside text before it reaches a database."""

from __future__ import annotations

from typing import Any

import pytest

from shared.text import contains_nul


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("plain", False),
        ("a\x00b", True),
        ({"a": ["b", {"c": "d"}]}, False),
        ({"a": ["b", {"c": "d\x00"}]}, True),
        ({"k\x00": 1}, True),
        (("x", "y\x00"), True),
        ([1, 2.5, None, True], False),
        (None, False),
    ],
)
def test_contains_nul_looks_through_nested_values(value: Any, found: bool) -> None:
    assert contains_nul(value) is found
