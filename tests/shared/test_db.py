"""JSON columns decode as the json module decodes them, faster, on both databases."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select

from shared.db import JSONType, load_json
from shared.web.database import engine_options
from tests.conftest import Backend

ORDINARY = [
    '["http://data.europa.eu/esco/skill/0a1b", "weekday_evenings"]',
    '{"language": "ar", "level": "native", "n": 3, "x": 0.1, "none": null, "t": true}',
    '"caf\\u00e9 \\ud83d\\ude00"',
    "[]",
    "{}",
    "-12.5e3",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_values_decode_as_the_json_module_decodes_them(text: str) -> None:
    assert load_json(text) == json.loads(text)
    assert load_json(text.encode()) == json.loads(text)  # psycopg hands over bytes


@pytest.mark.parametrize(
    "text",
    [
        "[123456789012345678901234567890]",  # beyond 64 bits: jsonb keeps any number
        "-98765432109876543210",
        '{"version": 18446744073709551616}',
        '"\\ud800 unpaired"',  # an unpaired surrogate, escaped
        "[1e400, -1e400]",  # beyond a float's range: infinities
    ],
)
def test_what_orjson_refuses_still_decodes(text: str) -> None:
    assert load_json(text) == json.loads(text)


def test_nan_and_infinity_written_by_the_json_module_read_back() -> None:
    found = load_json(json.dumps({"a": math.nan, "b": math.inf, "c": -math.inf}))
    assert math.isnan(found["a"]) and found["b"] == math.inf and found["c"] == -math.inf


def test_malformed_text_is_still_an_error() -> None:
    with pytest.raises(json.JSONDecodeError):
        load_json("[1, 2")


def test_the_engines_read_json_columns_with_it(backend: Backend, tmp_path: Path) -> None:
    url = backend.url_for(tmp_path, "json")
    options = engine_options(url, None)
    assert options["json_deserializer"] is load_json
    engine = create_engine(url, **options)
    metadata = MetaData()
    table = Table(
        "json_values", metadata, Column("id", Integer, primary_key=True), Column("v", JSONType)
    )
    values = [
        {"skills": ["a", "b"], "n": 1},
        {"version": 10**30},  # what orjson alone would refuse
        ["weekday_mornings"],
        None,
    ]
    try:
        metadata.drop_all(engine)
        metadata.create_all(engine)
        with engine.begin() as conn:
            conn.execute(insert(table), [{"id": n, "v": v} for n, v in enumerate(values)])
        with engine.connect() as conn:
            found = conn.execute(select(table.c.v).order_by(table.c.id)).scalars().all()
        assert found == values
    finally:
        metadata.drop_all(engine)
        engine.dispose()
