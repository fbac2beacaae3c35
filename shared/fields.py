"""The record id both services accept: one bound, written once, framework-free."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from marshmallow import fields, validate

#: The largest id a PostgreSQL INTEGER column holds; larger ids cannot exist.
MAX_ID = 2**31 - 1
#: The bound every :class:`Id` checks.
ID_RANGE = validate.Range(min=1, max=MAX_ID)


class Id(fields.Integer):
    """A record id: a positive integer that fits the database's INTEGER column.

    An id beyond it cannot name a row, and PostgreSQL answers a comparison with one
    by an error ("integer out of range"), so a body or filter carrying one is refused
    as invalid input (422) before any query runs. ``strict`` also refuses ``"7"``,
    ``7.0`` and booleans (``True == 1`` in Python), for JSON bodies that must send
    numbers; query strings always arrive as text, so filters leave it off.
    """

    def __init__(
        self,
        *,
        strict: bool = False,
        validate: Callable[[Any], Any] | Iterable[Callable[[Any], Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        extra = [validate] if callable(validate) else list(validate or ())
        super().__init__(strict=strict, validate=[ID_RANGE, *extra], **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if self.strict and isinstance(value, bool):
            raise self.make_error("invalid")
        result: int = super()._deserialize(value, attr, data, **kwargs)
        return result
