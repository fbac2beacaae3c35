"""Paging, sorting and CSV export for every list resource."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response
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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(
            _cell(v) if not isinstance(v, Mapping) else ":".join(str(x) for x in v.values())
            for v in value
        )
    return str(value)


def csv_response(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], filename: str
) -> Response:
    """Write dumped records as a CSV download (UTF-8 with BOM, so Excel reads accents)."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_sanitize(_cell(row.get(c))) for c in columns])
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _sanitize(text: str) -> str:
    # Spreadsheet apps run cells starting with these as formulas (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
