"""Tests for pseudonymous refs."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.privacy import DIRECTORY, INTRO, MIN_KEY_BYTES, is_ref, new_key, pseudonym

KEY = b"k" * 32
OTHER_KEY = b"o" * 32


def test_ref_is_the_truncated_hmac_of_purpose_and_id() -> None:
    expected = hmac.new(KEY, b"directory:42", hashlib.sha256).hexdigest()[:32]
    assert pseudonym(KEY, DIRECTORY, 42) == expected


def test_ref_is_stable_and_shaped_like_a_ref() -> None:
    ref = pseudonym(KEY, DIRECTORY, 7)
    assert ref == pseudonym(KEY, DIRECTORY, 7)
    assert len(ref) == 32
    assert ref == ref.lower()
    assert is_ref(ref)


def test_purposes_give_unlinkable_refs() -> None:
    assert pseudonym(KEY, DIRECTORY, 7) != pseudonym(KEY, INTRO, 7)


def test_keys_give_different_refs() -> None:
    assert pseudonym(KEY, DIRECTORY, 7) != pseudonym(OTHER_KEY, DIRECTORY, 7)


def test_ref_is_not_an_unkeyed_hash() -> None:
    ref = pseudonym(KEY, DIRECTORY, 7)
    for message in (b"7", b"directory:7", b"directory7"):
        for digest in (hashlib.sha256, hashlib.sha1, hashlib.md5):
            assert digest(message).hexdigest()[:32] != ref


def test_int_and_str_ids_name_the_same_record() -> None:
    assert pseudonym(KEY, DIRECTORY, 7) == pseudonym(KEY, DIRECTORY, "7")


@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=2, max_size=50, unique=True))
def test_distinct_ids_give_distinct_refs(ids: list[int]) -> None:
    refs = {pseudonym(KEY, DIRECTORY, local_id) for local_id in ids}
    assert len(refs) == len(ids)


@pytest.mark.parametrize("key", [b"", b"short", b"x" * (MIN_KEY_BYTES - 1)])
def test_short_key_is_refused(key: bytes) -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        pseudonym(key, DIRECTORY, 1)


def test_minimum_key_length_is_accepted() -> None:
    assert is_ref(pseudonym(b"x" * MIN_KEY_BYTES, DIRECTORY, 1))


def test_text_key_is_refused() -> None:
    with pytest.raises(TypeError):
        pseudonym("a text key of enough length", DIRECTORY, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("purpose", ["", "Directory", "a:b", "dir ectory", "1st", "x" * 41])
def test_bad_purpose_is_refused(purpose: str) -> None:
    with pytest.raises(ValueError, match="purpose"):
        pseudonym(KEY, purpose, 1)


def test_empty_or_boolean_id_is_refused() -> None:
    with pytest.raises(ValueError):
        pseudonym(KEY, DIRECTORY, "")
    with pytest.raises(TypeError):
        pseudonym(KEY, DIRECTORY, True)
    with pytest.raises(TypeError):
        pseudonym(KEY, DIRECTORY, 1.0)  # type: ignore[arg-type]


def test_new_key_is_random_and_long_enough() -> None:
    first, second = new_key(), new_key()
    assert len(first) >= MIN_KEY_BYTES
    assert first != second


@pytest.mark.parametrize(
    "value", ["", "A" * 32, "g" * 32, "a" * 31, "a" * 33, 123, None, "0123456789abcdef" * 2 + "\n"]
)
def test_is_ref_rejects_other_shapes(value: object) -> None:
    assert not is_ref(value)
