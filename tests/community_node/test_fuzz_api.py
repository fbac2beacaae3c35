"""Generated requests against the participants API must never produce a server error."""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from community_node.participants.models import (
    AVAILABILITY_SLOTS,
    ConsentPurpose,
    EducationLevel,
    LanguageLevel,
    ProfileStatus,
    WorkAuthorization,
)
from tests.community_node.factories import ConnecteeFactory, ConnectorFactory

# ``make fuzz`` sets FUZZ_EXAMPLES for a longer run.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES") or 40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any text at all: NUL, and lone surrogates, which json.dumps writes as the \\ud800
# escapes JSON allows (a URL carries them as raw bytes instead, see query_values).
text = st.text(max_size=60)
# Any integer, with the storage limits (32- and 64-bit, SQLite's REAL) drawn often.
edges = [2**31 - 1, 2**31, -(2**31) - 1, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**300]
any_int = st.integers() | st.sampled_from(edges + [-n for n in edges])
json_scalars = st.none() | st.booleans() | any_int | st.floats() | text
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(text, inner, max_size=6),
    max_leaves=30,
)

# Plausible values reach deeper code than pure noise; mixing both probes the edges.
occupation = st.sampled_from(["29-1141", "291141", "15-1252", "99-9999", "29-0000", "29"])
language = st.fixed_dictionaries(
    {
        "language": st.sampled_from(["en", "ar", "uk", "EN", "zzz", "e", ""]) | text,
        "level": st.sampled_from([lv.value for lv in LanguageLevel]) | text,
    }
)
big_int = any_int
some_id = any_int
iso_date = st.dates(min_value=dt.date(1, 1, 1)).map(dt.date.isoformat)


def plausible(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return values | json_values


PERSON_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "first_name": plausible(text),
    "last_name": plausible(text),
    "email": plausible(st.emails() | text),
    "phone": plausible(text),
    "status": plausible(st.sampled_from([s.value for s in ProfileStatus])),
    "skills": plausible(st.lists(text, max_size=5)),
    "availability": plausible(st.lists(st.sampled_from(AVAILABILITY_SLOTS) | text, max_size=4)),
    "languages": plausible(st.lists(language, max_size=4)),
    "notes": plausible(text),
}
CONNECTEE_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    **PERSON_FIELDS,
    "country_of_origin": plausible(st.sampled_from(["SY", "sy", "XX", "SYR"])),
    "work_authorization": plausible(st.sampled_from([w.value for w in WorkAuthorization])),
    "work_authorization_expires": plausible(iso_date),
    "intends_to_stay": plausible(st.booleans()),
    "education_level": plausible(st.sampled_from([e.value for e in EducationLevel])),
    "education_country": plausible(st.sampled_from(["UA", "ua", "U"])),
    "current_occupation": plausible(occupation),
    "target_occupation": plausible(occupation),
    "years_experience": plausible(big_int),
    "resume_on_file": plausible(st.booleans()),
    "intake_date": plausible(iso_date),
    "coordinator_id": plausible(some_id),
    "job_ready": plausible(st.booleans()),
}
CONNECTOR_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    **PERSON_FIELDS,
    "employer": plausible(text),
    "job_title": plausible(text),
    "occupation": plausible(occupation),
    "years_in_field": plausible(big_int),
    "years_local": plausible(big_int),
    "capacity": plausible(big_int),
    "capacity_period": plausible(st.sampled_from(["month", "quarter"])),
    "available": plausible(st.booleans()),
    "remote_ok": plausible(st.booleans()),
    "cross_city_ok": plausible(st.booleans()),
    "screening_status": plausible(st.sampled_from(["pending", "screened", "failed"])),
}
VALID_BASE = {"first_name": "Fuzz", "last_name": "Case", "email": "fuzz@example.org"}


@st.composite
def bodies(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[Any]], base: bool) -> Any:
    """Draw a JSON body: mostly an object of known fields, sometimes anything at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    names = draw(st.lists(st.sampled_from(sorted(fields)), unique=True, max_size=6))
    body: dict[str, Any] = dict(VALID_BASE) if base and draw(st.booleans()) else {}
    body.update({name: draw(fields[name]) for name in names})
    if draw(st.integers(0, 9)) == 0:
        body[draw(text)] = draw(json_values)
    return body


LIST_PARAMS = [
    "page", "per_page", "sort", "status", "occupation", "related", "language", "q",
    "job_ready", "available", "remote_ok",
]  # fmt: skip
# Raw bytes reach the server as they are (percent-encoded): invalid UTF-8 and lone
# surrogates (b"\\xed\\xa0\\x80") included.
query_values = (
    text.map(lambda value: value.encode("utf-8", "surrogatepass"))
    | st.binary(max_size=20)
    | st.sampled_from([b"", b"-id", b"last_name", b"-", b"true", b"0", b"-1", b"201", b"major"])
    | some_id.map(lambda n: str(n).encode())
)
query_strings = st.lists(
    st.tuples(
        st.sampled_from([name.encode() for name in LIST_PARAMS]) | query_values, query_values
    ),
    max_size=5,
).map(lambda pairs: "&".join(f"{quote(name)}={quote(value)}" for name, value in pairs))


def _dumps(body: Any) -> str:
    # Python's json writes NaN and Infinity, which the server's parser accepts too.
    return json.dumps(body)


def _check(response: Any) -> None:
    assert response.status_code < 500, (response.status_code, response.data[:500])
    assert response.mimetype in ("application/json", "text/csv"), response.mimetype


@settings(FUZZ)
@given(body=bodies(CONNECTEE_FIELDS, base=True))
def test_create_connectee(api: Any, body: Any) -> None:
    _check(api.post("/api/v1/connectees", data=_dumps(body), content_type="application/json"))


@settings(FUZZ)
@given(body=bodies(CONNECTOR_FIELDS, base=True))
def test_create_connector(api: Any, body: Any) -> None:
    _check(api.post("/api/v1/connectors", data=_dumps(body), content_type="application/json"))


@settings(FUZZ)
@given(body=bodies(CONNECTEE_FIELDS, base=False))
def test_patch_connectee(api: Any, body: Any) -> None:
    person = ConnecteeFactory()
    url = f"/api/v1/connectees/{person.id}"
    _check(api.patch(url, data=_dumps(body), content_type="application/json"))


@settings(FUZZ)
@given(body=bodies(CONNECTOR_FIELDS, base=False))
def test_patch_connector(api: Any, body: Any) -> None:
    person = ConnectorFactory()
    url = f"/api/v1/connectors/{person.id}"
    _check(api.patch(url, data=_dumps(body), content_type="application/json"))


@settings(FUZZ)
@given(
    plural=st.sampled_from(["connectees", "connectors"]),
    export=st.booleans(),
    params=query_strings,
)
def test_list_and_export_with_random_queries(
    api: Any, plural: str, export: bool, params: str
) -> None:
    url = f"/api/v1/{plural}" + ("/export.csv" if export else "")
    _check(api.get(url, query_string=params))


CONSENT_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "connectee_id": plausible(some_id),
    "connector_id": plausible(some_id),
    "purpose": plausible(st.sampled_from([p.value for p in ConsentPurpose])),
    "policy_version": plausible(text),
    "method": plausible(st.sampled_from(["form", "verbal", "paper", "email"])),
    "granted_at": plausible(st.datetimes(timezones=st.just(dt.UTC)).map(dt.datetime.isoformat)),
}


@settings(FUZZ)
@given(body=bodies(CONSENT_FIELDS, base=False))
def test_grant_consent(api: Any, body: Any) -> None:
    _check(api.post("/api/v1/consents", data=_dumps(body), content_type="application/json"))


@settings(FUZZ)
@given(
    raw=st.binary(max_size=200), content_type=st.sampled_from(["application/json", "text/plain"])
)
def test_raw_bytes(api: Any, raw: bytes, content_type: str) -> None:
    _check(api.post("/api/v1/connectees", data=raw, content_type=content_type))


@settings(FUZZ)
@example(depth=100_000, opener="[", url="/api/v1/connectees")
@given(
    depth=st.integers(1, 200_000),
    opener=st.sampled_from(["[", '{"a":']),
    url=st.sampled_from(["/api/v1/connectees", "/api/v1/consents", "/api/v1/matches"]),
)
def test_deeply_nested_json(api: Any, depth: int, opener: str, url: str) -> None:
    # Built as text: json.dumps itself would recurse. 200,000 levels stay under 2 MB.
    closer = "]" if opener == "[" else "}"
    body = opener * depth + "1" + closer * depth
    _check(api.post(url, data=body, content_type="application/json"))


# Server errors fuzzing once found, kept as regression tests -----------------------------

BASE = {"first_name": "Fuzz", "last_name": "Case", "email": "known@example.org"}


@pytest.mark.parametrize("coordinator_id", [999, 2**40])
def test_regression_unknown_coordinator_id(api: Any, coordinator_id: int) -> None:
    _check(api.post("/api/v1/connectees", json={**BASE, "coordinator_id": coordinator_id}))


@pytest.mark.parametrize(
    "body",
    [{"notes": "a\x00b"}, {"first_name": "A\x00"}, {"skills": ["x\x00"]}],
    ids=["notes", "first_name", "skills"],
)
def test_regression_nul_in_text(api: Any, body: dict[str, Any]) -> None:
    _check(api.post("/api/v1/connectees", json={**BASE, **body}))


@pytest.mark.parametrize("plural", ["connectees", "connectors"])
def test_regression_duplicate_language(api: Any, plural: str) -> None:
    languages = [{"language": "eng", "level": "B2"}, {"language": "EN", "level": "C1"}]
    _check(api.post(f"/api/v1/{plural}", json={**BASE, "languages": languages}))


@pytest.mark.parametrize("factory", [ConnecteeFactory, ConnectorFactory])
def test_regression_language_level_change(api: Any, factory: Any) -> None:
    person = factory()  # speaks en already; a new level is a delete plus an insert
    plural = "connectees" if factory is ConnecteeFactory else "connectors"
    languages = [{"language": "eng", "level": "C1"}]
    _check(api.patch(f"/api/v1/{plural}/{person.id}", json={"languages": languages}))


def test_regression_nul_in_search(api: Any) -> None:
    _check(api.get("/api/v1/connectees", query_string={"q": "a\x00"}))


def test_regression_nul_in_a_repeated_argument(api: Any) -> None:
    # The guard read only the first value of each argument.
    response = api.get("/api/v1/connectees", query_string=[("q", "a"), ("q", "b\x00")])
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/connectees/2147483648"),
        ("patch", "/api/v1/connectors/2147483648"),
        ("delete", "/api/v1/connectees/2147483648"),
        ("post", "/api/v1/consents/2147483648/withdraw"),
        ("get", "/api/v1/consents?connectee_id=2147483648"),
    ],
)
def test_regression_id_beyond_integer_range(api: Any, method: str, url: str) -> None:
    if method == "patch":
        _check(api.patch(url, json={"notes": "x"}))
    else:
        _check(getattr(api, method)(url))


def test_regression_id_beyond_sqlite_range(api: Any) -> None:
    _check(api.get(f"/api/v1/connectees/{2**64}"))
