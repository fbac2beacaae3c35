"""Paging and sorting for every list resource."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute

from community_node.errors import InvalidInput
from community_node.extensions import db

MAX_PER_PAGE = 200


class PageArgsSchema(Schema):
    """Query arguments every list accepts."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    sort = fields.String(
        load_default="id",
        metadata={"description": "A field name; prefix with '-' for descending."},
    )


class PageSchema(Schema):
    """The envelope around one page of a list."""

    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """Build ``<Item>PageSchema`` with ``items`` of the given schema."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(name, (PageSchema,), {"items": fields.List(fields.Nested(item_schema))})


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


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
    """Run ``stmt`` for one page and count the whole result."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=items, total=total or 0, page=page, per_page=per_page)
