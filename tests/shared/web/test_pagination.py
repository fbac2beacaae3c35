"""One page of a list through Flask-SQLAlchemy's paginate, in the shape the APIs answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.web.pagination import Page, page_schema, paginate


class _Base(DeclarativeBase):
    pass


class _Item(_Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)


@pytest.fixture
def db() -> Iterator[SQLAlchemy]:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db = SQLAlchemy(app, model_class=_Base)
    with app.app_context():
        _Base.metadata.create_all(db.engine)
        db.session.add_all(_Item(id=n) for n in range(1, 8))
        db.session.commit()
        yield db
        db.session.remove()
        db.engine.dispose()


def test_a_page_holds_its_slice_in_order_and_counts_the_whole_list(db: SQLAlchemy) -> None:
    page = paginate(db, select(_Item).order_by(_Item.id.desc()), page=2, per_page=3)
    assert [item.id for item in page.items] == [4, 3, 2]
    assert (page.total, page.page, page.per_page, page.pages) == (7, 2, 3, 3)


def test_a_page_past_the_end_is_empty_not_an_error(db: SQLAlchemy) -> None:
    page = paginate(db, select(_Item), page=9, per_page=3)
    assert page.items == [] and page.total == 7


def test_an_empty_list_still_has_one_page(db: SQLAlchemy) -> None:
    page = paginate(db, select(_Item).where(_Item.id > 100), page=1, per_page=50)
    assert (page.total, page.pages) == (0, 1)


def test_the_page_schema_dumps_the_wire_envelope() -> None:
    class ThingSchema(Schema):
        id = fields.Integer()

    schema = page_schema(ThingSchema)
    assert schema.__name__ == "ThingPageSchema"
    dumped = schema().dump(Page(items=[{"id": 1}], total=1, page=1, per_page=50))
    assert dumped == {"items": [{"id": 1}], "total": 1, "page": 1, "per_page": 50, "pages": 1}
