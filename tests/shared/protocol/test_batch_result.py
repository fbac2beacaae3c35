"""A batch's answer loads the same with and without the schema, and refuses the same."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import ValidationError

from shared.protocol import ITEM_STATUSES, BatchResultSchema, load_batch_result

SCHEMA = BatchResultSchema()
REF = "0123456789abcdef" * 2

#: Values a result's fields may take on the wire, valid and not.
_TEXT = st.text(alphabet="0123456789abcdefAF \n\x00é", max_size=40)
_REFS = st.sampled_from([REF, "f" * 32, "A" * 32, "a" * 31, "", "a" * 32 + "\n", "x\x00"]) | (
    st.none() | st.integers() | _TEXT
)
_VERSIONS = st.integers() | st.sampled_from([None, True, False, 1.0, 1.5, "3", "x"])
_STATUSES = st.sampled_from([*ITEM_STATUSES, "Created", "", "gone"]) | st.none() | st.integers()
_ANY_RESULT = st.fixed_dictionaries(
    {"ref": _REFS, "version": _VERSIONS, "status": _STATUSES},
    optional={
        "errors": st.dictionaries(_TEXT, st.lists(_TEXT, max_size=2), max_size=2),
        "extra": st.integers(),
    },
)
_PLAIN_RESULT = st.fixed_dictionaries(
    {
        "ref": st.sampled_from([REF, "f" * 32]),
        "version": st.integers(min_value=1),
        "status": st.sampled_from(["created", "updated", "deleted", "stale"]),
    }
)
#: Values a lax check would let through in place of a plain result's field.
_TRICKY = st.sampled_from(
    [True, False, None, 1.0, 2**70, "3", "", "rejected", "Created", "A" * 32, REF + "\n", {}]
)
#: A plain result with one field changed (or ``errors`` added): where a lax check slips.
_NEAR_PLAIN = st.builds(
    lambda plain, name, value: {**plain, name: value},
    _PLAIN_RESULT,
    st.sampled_from(["ref", "version", "status", "errors"]),
    _TRICKY | _REFS | _VERSIONS | _STATUSES,
)
#: Plain results with one near-plain among them, at any place.
_MOSTLY_PLAIN = st.builds(
    lambda plain, odd, at: [*plain[:at], odd, *plain[at:]],
    st.lists(_PLAIN_RESULT, max_size=4),
    _NEAR_PLAIN,
    st.integers(min_value=0, max_value=4),
)
_ANSWERS = (
    st.builds(lambda results: {"results": results}, _MOSTLY_PLAIN | st.lists(_PLAIN_RESULT))
    | st.fixed_dictionaries(
        {"results": st.lists(_PLAIN_RESULT | _ANY_RESULT, max_size=6)},
        optional={"more": st.booleans()},
    )
    | st.sampled_from([None, [], "results", {"results": None}, {"results": [None]}])
)


def _schema(data: Any) -> tuple[str, Any]:
    try:
        return "loaded", SCHEMA.load(data)
    except ValidationError as exc:
        return "refused", exc.messages


def _quick(data: Any) -> tuple[str, Any]:
    try:
        return "loaded", load_batch_result(data)
    except ValidationError as exc:
        return "refused", exc.messages


@given(_ANSWERS)
def test_any_answer_loads_or_is_refused_as_the_schema_does(data: Any) -> None:
    assert _quick(data) == _schema(data)


@pytest.mark.parametrize("status", ["created", "updated", "deleted", "stale"])
def test_plain_results_skip_the_schema_yet_load_the_same(
    status: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = {"results": [{"ref": REF, "version": 2**63 - 1, "status": status}] * 3}
    expected = SCHEMA.load(data)

    def no_schema(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the schema was used")

    monkeypatch.setattr(BatchResultSchema, "load", no_schema)
    loaded = load_batch_result(data)
    assert loaded == expected
    assert loaded["results"][0] is not data["results"][0]  # the caller's dicts stay its own


def test_a_rejected_item_goes_through_the_schema() -> None:
    data = {
        "results": [
            {"ref": REF, "version": 1, "status": "created"},
            {"ref": None, "version": None, "status": "rejected", "errors": {"ref": ["Bad."]}},
        ]
    }
    assert load_batch_result(data) == SCHEMA.load(data)
    with pytest.raises(ValidationError) as refused:
        load_batch_result({"results": [{"ref": REF, "version": 1, "status": "lost"}]})
    assert "status" in refused.value.messages["results"][0]
