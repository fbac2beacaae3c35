"""One page of a list, as both services' APIs answer it: Flask-SQLAlchemy's paginate.

The wire envelope is ``items``, ``total``, ``page``, ``per_page`` and ``pages``, where an
empty list still has one (empty) page: clients loop ``while page <= pages``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_sqlalchemy import SQLAlchemy
from marshmallow import Schema, fields
from sqlalchemy import Select

from shared.protocol.common import BaseSchema

__all__ = ["Page", "PageSchema", "page_schema", "paginate"]


@dataclass(frozen=True)
class Page:
    """One page of records and the size of the whole list."""

    items: Sequence[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(db: SQLAlchemy, stmt: Select[Any], page: int, per_page: int) -> Page:
    """Run ``stmt`` for one page of its first column's records and count the whole result.

    A page past the end is empty rather than a 404: the API validated the numbers, and
    a list that shrank between two requests is no error.
    """
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)
    return Page(items=list(result.items), total=result.total or 0, page=page, per_page=per_page)


class PageSchema(BaseSchema):
    """The envelope around one page of a list."""

    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """Build ``<Item>PageSchema`` with ``items`` of the given schema."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(name, (PageSchema,), {"items": fields.List(fields.Nested(item_schema))})
