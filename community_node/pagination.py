"""Paging and sorting for every list resource of the node's API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import fields, validate
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from community_node.errors import InvalidInput
from community_node.extensions import db
from shared.protocol.common import BaseSchema
from shared.web import pagination
from shared.web.pagination import Page, PageSchema, page_schema

# The page and its schemas are shared with the hub; callers here import them from this module.
__all__ = [
    "MAX_PER_PAGE",
    "Page",
    "PageArgsSchema",
    "PageSchema",
    "apply_sort",
    "page_schema",
    "paginate",
]

MAX_PER_PAGE = 200


class PageArgsSchema(BaseSchema):
    """Query arguments every list accepts."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    sort = fields.String(
        load_default="id",
        metadata={"description": "A field name; prefix with '-' for descending."},
    )


def apply_sort(
    stmt: Select[Any], sort: str, allowed: Mapping[str, InstrumentedAttribute[Any]], tiebreak: Any
) -> Select[Any]:
    """Order by one allowed field (``-field`` descending), then by id for a stable order."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in allowed:
        raise InvalidInput({"sort": [f"Sort by one of: {', '.join(sorted(allowed))}."]})
    column = allowed[key]
    return stmt.order_by(column.desc() if descending else column.asc(), tiebreak)


def paginate(stmt: Select[Any], page: int, per_page: int) -> Page:
    """Run ``stmt`` for one page through the node's database, counting the whole result."""
    return pagination.paginate(db, stmt, page, per_page)
