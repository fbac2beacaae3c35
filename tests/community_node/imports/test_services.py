"""Reading real-world spreadsheets and applying them all-or-nothing."""

from __future__ import annotations

import datetime as dt
import io
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from marshmallow import ValidationError, validates_schema
from openpyxl import Workbook
from sqlalchemy import func, select

from community_node.audit.models import AuditEvent
from community_node.errors import InvalidInput, NotFound
from community_node.extensions import db
from community_node.imports import columns as columns_module
from community_node.imports.columns import import_spec
from community_node.imports.services import _RowLoader, import_file
from community_node.participants.models import Connectee, Connector, LanguageLevel
from community_node.participants.schemas import ConnecteeSchema
from tests.community_node.factories import ConnecteeFactory


def csv_bytes(*lines: str, encoding: str = "utf-8-sig", newline: str = "\r\n") -> bytes:
    return newline.join(lines).encode(encoding)


def errors_of(exc: pytest.ExceptionInfo[InvalidInput]) -> list[dict[str, Any]]:
    return exc.value.extra["errors"]["rows"]  # type: ignore[no-any-return]


def connectees() -> list[Connectee]:
    return list(db.session.scalars(select(Connectee).order_by(Connectee.id)))


def test_real_world_csv_bom_crlf_unicode_blank_rows_spaces_and_column_order(app: Any) -> None:
    data = csv_bytes(
        " Email , LAST name,first-name ,Languages, skills ,Target Occupation,Intends to stay",
        " zoe.leclerc@Example.org , Leclerc ,  Zoë ,fr:native; en:c1,design ; ux , 27-1024 ,Yes",
        ",,,,,,",
        "",
        "li.wei@example.org,李,伟,zh:native,, ,n",
        "mohammed@example.org,محمد,محمد,ar:Native,,151252,",
    )
    report = import_file("connectees", "people.csv", data, actor="test")

    assert (report.rows, report.created, report.updated, report.format) == (3, 3, 0, "csv")
    zoe, li, mohammed = connectees()
    assert (zoe.first_name, zoe.last_name, zoe.email) == (
        "Zoë",
        "Leclerc",
        "zoe.leclerc@example.org",
    )
    assert zoe.skills == ["design", "ux"]
    assert zoe.target_occupation == "27-1024"
    assert zoe.intends_to_stay is True
    assert {(lang.language, lang.level) for lang in zoe.languages} == {
        ("fra", LanguageLevel.NATIVE),
        ("eng", LanguageLevel.C1),
    }
    assert (li.first_name, li.last_name, li.target_occupation, li.intends_to_stay) == (
        "伟",
        "李",
        None,
        False,
    )
    assert mohammed.last_name == "محمد"
    assert mohammed.target_occupation == "15-1252"
    assert "zoë" in zoe.search_text


def test_excel_windows_csv_with_semicolons_in_cp1252(app: Any) -> None:
    data = csv_bytes(
        "first_name;last_name;email;skills",
        "Zoë;Müller;zoe@example.org;café work, barista",
        encoding="cp1252",
    )
    import_file("connectees", "export.csv", data, actor="test")
    (zoe,) = connectees()
    assert (zoe.first_name, zoe.last_name, zoe.skills) == ("Zoë", "Müller", ["café work, barista"])


def test_xlsx_with_typed_cells(app: Any) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Last Name", "First Name", "Email", "Years experience", "Intake date"])
    sheet.append([" Nguyễn ", "Thị Hoa", "hoa@example.org", 12.0, dt.datetime(2025, 3, 4)])
    sheet.append([None, None, None, None, None])
    sheet.append(["Kowalski", "Jan", "JAN@example.org", 3, "2025-02-01"])
    buffer = io.BytesIO()
    book.save(buffer)

    report = import_file("connectees", "whatever.bin", buffer.getvalue(), actor="test")

    assert (report.format, report.rows, report.created) == ("xlsx", 2, 2)
    hoa, jan = connectees()
    assert (hoa.last_name, hoa.years_experience, hoa.intake_date) == (
        "Nguyễn",
        12,
        dt.date(2025, 3, 4),
    )
    assert (jan.email, jan.intake_date) == ("jan@example.org", dt.date(2025, 2, 1))


def test_one_bad_row_writes_nothing_and_names_every_bad_cell(app: Any) -> None:
    data = csv_bytes(
        "first_name,last_name,email,target_occupation,years_experience,languages,intake_date",
        "Ana,Silva,ana@example.org,29-1141,4,pt:native,2024-01-31",
        "Bo,Chen,not-an-email,99-9999,200,english,31/01/2024",
        "Cy,Doe,cy@example.org,,,en:Z9,",
    )
    with pytest.raises(InvalidInput) as exc:
        import_file("connectees", "people.csv", data, actor="test")

    assert connectees() == []
    assert exc.value.message == "2 rows have errors; nothing was imported."
    errors = {(e["row"], e["column"]): e["message"] for e in errors_of(exc)}
    assert set(errors) == {
        (3, "email"),
        (3, "target_occupation"),
        (3, "years_experience"),
        (3, "languages"),
        (3, "intake_date"),
        (4, "languages"),
    }
    assert errors[(3, "email")] == "Not a valid email address."
    assert errors[(3, "target_occupation")] == "Unknown SOC 2018 occupation code 99-9999."
    assert "code:level" in errors[(3, "languages")]
    assert errors[(3, "intake_date")] == "Not a valid date; write it as YYYY-MM-DD."
    assert errors[(4, "languages")].startswith('"en:Z9": level: Must be one of')


def test_reimport_updates_by_email_instead_of_duplicating(app: Any) -> None:
    first = csv_bytes(
        "first_name,last_name,email,languages,phone",
        "Amira,Haddad,amira@example.org,en:B2; ar:native,902 555 0100",
        "Omar,Haddad,omar@example.org,ar:native,",
    )
    import_file("connectees", "a.csv", first, actor="test")
    stamped = {p.email: p.updated_at for p in connectees()}
    again = import_file("connectees", "a.csv", first, actor="test")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    changed = csv_bytes(
        "email,first_name,last_name,languages",
        "AMIRA@example.org,Amira,Haddad-Saleh,en:C1; ar:native",
        "omar@example.org,Omar,Haddad,ar:native",
        "new@example.org,New,Person,",
    )
    report = import_file("connectees", "b.csv", changed, actor="test")

    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    amira, omar, new = connectees()
    assert db.session.scalar(select(func.count(Connectee.id))) == 3
    assert amira.last_name == "Haddad-Saleh"
    assert "haddad-saleh" in amira.search_text
    assert amira.updated_at > stamped["amira@example.org"]
    assert omar.updated_at == stamped["omar@example.org"]
    assert amira.phone == "902 555 0100"  # a missing column leaves the value alone
    assert {(lang.language, lang.level.value) for lang in amira.languages} == {
        ("eng", "C1"),
        ("ara", "native"),
    }
    assert new.email == "new@example.org"


def test_reimport_matches_existing_email_case_insensitively(app: Any) -> None:
    person = ConnecteeFactory(email="Mixed.Case@Example.org", first_name="Old")
    data = csv_bytes("first_name,last_name,email", "New,Name,mixed.case@example.org")
    report = import_file("connectees", "a.csv", data, actor="test")
    assert (report.created, report.updated) == (0, 1)
    db.session.refresh(person)
    assert (person.first_name, person.email) == ("New", "mixed.case@example.org")


def test_duplicate_email_in_the_file_names_both_rows(app: Any) -> None:
    data = csv_bytes(
        "first_name,last_name,email",
        "A,One,same@example.org",
        "B,Two,other@example.org",
        "C,Three, SAME@example.org ",
    )
    with pytest.raises(InvalidInput) as exc:
        import_file("connectees", "a.csv", data, actor="test")
    assert errors_of(exc) == [
        {
            "row": 4,
            "column": "email",
            "message": "The same email is in row 2; list each person once.",
        }
    ]
    assert connectees() == []


def test_unknown_repeated_and_missing_columns_are_header_errors(app: Any) -> None:
    data = csv_bytes("first_name,Shoe size,First Name,phone", "A,44,B,1")
    with pytest.raises(InvalidInput) as exc:
        import_file("connectees", "a.csv", data, actor="test")
    errors = errors_of(exc)
    assert [(e["row"], e["column"]) for e in errors] == [
        (1, "Shoe size"),
        (1, "First Name"),
        (1, "last_name"),
        (1, "email"),
    ]
    assert errors[0]["message"].startswith("Unknown column. The columns are: first_name,")
    assert errors[1]["message"] == "Repeats column first_name (also in column A)."
    assert errors[2]["message"] == "This column is required and missing."


def test_connector_columns_are_not_connectee_columns(app: Any) -> None:
    data = csv_bytes("first_name,last_name,email,employer", "A,B,a@example.org,Acme")
    with pytest.raises(InvalidInput):
        import_file("connectees", "a.csv", data, actor="test")
    report = import_file("connectors", "a.csv", data, actor="test")
    assert report.created == 1
    connector = db.session.scalars(select(Connector)).one()
    assert (connector.employer, connector.capacity, connector.available) == ("Acme", 1, True)


def test_cells_without_a_header_and_missing_required_values(app: Any) -> None:
    data = csv_bytes("first_name,last_name,email,", "A,,a@example.org,stray", "B,C,b@example.org")
    with pytest.raises(InvalidInput) as exc:
        import_file("connectees", "a.csv", data, actor="test")
    assert {(e["row"], e["column"], e["message"]) for e in errors_of(exc)} == {
        (2, "D", "This cell has no column header."),
        (2, "last_name", "Missing data for required field."),
    }


def test_enum_and_boolean_cells_are_forgiving_but_checked(app: Any) -> None:
    data = csv_bytes(
        "first_name,last_name,email,work_authorization,job_ready,availability",
        "A,B,a@example.org,Permanent Resident,TRUE,Weekday mornings; weekends",
        "C,D,c@example.org,astronaut,maybe,never",
    )
    with pytest.raises(InvalidInput) as exc:
        import_file("connectees", "a.csv", data, actor="test")
    errors = {(e["row"], e["column"]): e["message"] for e in errors_of(exc)}
    assert set(errors) == {(3, "work_authorization"), (3, "job_ready"), (3, "availability")}
    assert errors[(3, "job_ready")] == "Write yes or no."
    assert errors[(3, "availability")].startswith('"never": Must be one of')


def test_a_language_given_twice_is_a_row_error(app: Any) -> None:
    data = csv_bytes("first_name,last_name,email,languages", "A,B,a@example.org,en:B2; EN:c1")
    with pytest.raises(InvalidInput) as exc:
        import_file("connectees", "a.csv", data, actor="test")
    assert errors_of(exc) == [
        {"row": 2, "column": "languages", "message": "Give each language once: eng."}
    ]


def test_languages_in_any_iso_639_form_are_stored_by_iso_639_3(app: Any) -> None:
    data = csv_bytes(
        "first_name,last_name,email,languages",
        "A,B,a@example.org,ar:native; per:C1; prs:B2; hat:B1; en:B2",
    )
    import_file("connectees", "a.csv", data, actor="test")
    (person,) = connectees()
    assert sorted(lang.language for lang in person.languages) == [
        "ara",
        "eng",
        "fas",
        "hat",
        "prs",
    ]


def test_an_unknown_language_code_is_a_row_error(app: Any) -> None:
    data = csv_bytes("first_name,last_name,email,languages", "A,B,a@example.org,xq:B2")
    with pytest.raises(InvalidInput) as exc:
        import_file("connectees", "a.csv", data, actor="test")
    [error] = errors_of(exc)
    assert (error["row"], error["column"]) == (2, "languages")
    assert "Use an ISO 639 language code" in error["message"]


class _HookedSchema(ConnecteeSchema):
    @validates_schema
    def _no_bob(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("first_name") == "Bob":
            raise ValidationError("No Bobs.", "first_name")


def test_a_schema_with_hooks_is_loaded_row_by_row(app: Any, monkeypatch: Any) -> None:
    specs = columns_module._specs()
    monkeypatch.setitem(specs, "connectees", replace(specs["connectees"], schema=_HookedSchema))
    data = csv_bytes(
        "first_name,last_name,email,languages,target_occupation",
        "Bob,B,bob@example.org,,",
        "Ann,C,nope,english,99-9999",
        "Cy,D,cy@example.org,en:B2,29-1141",
    )
    with pytest.raises(InvalidInput) as exc:
        import_file("connectees", "a.csv", data, actor="test")
    assert [(e["row"], e["column"]) for e in errors_of(exc)] == [
        (2, "first_name"),
        (3, "email"),
        (3, "languages"),
        (3, "target_occupation"),
    ]
    good = csv_bytes("first_name,last_name,email,languages", "Cy,D,cy@example.org,en:B2")
    assert import_file("connectees", "a.csv", good, actor="test").created == 1


@pytest.mark.parametrize("kind", ["connectees", "connectors"])
def test_the_api_schemas_load_cell_by_cell(kind: str) -> None:
    # Their hooks (the NUL check, field validators) hold per cell; row by row is 10× slower.
    assert not _RowLoader(import_spec(kind)).whole_rows


def test_a_field_validator_still_runs_on_each_cell(app: Any) -> None:
    far = (dt.date.today() + dt.timedelta(days=800)).isoformat()
    data = csv_bytes(
        "first_name,last_name,email,unavailable_until",
        f"A,B,a@example.org,{far}",
        f"C,D,c@example.org,{dt.date.today().isoformat()}",
        f"E,F,e@example.org,{far}",
    )
    with pytest.raises(InvalidInput) as exc:
        import_file("connectors", "a.csv", data, actor="test")
    message = "A pause can last up to two years; choose an earlier date."
    assert errors_of(exc) == [
        {"row": 2, "column": "unavailable_until", "message": message},
        {"row": 4, "column": "unavailable_until", "message": message},
    ]


def test_unknown_coordinator_is_a_row_error(app: Any, coordinator: Any) -> None:
    data = csv_bytes(
        "first_name,last_name,email,coordinator_id",
        f"A,B,a@example.org,{coordinator.id}",
        "C,D,c@example.org,9999",
    )
    with pytest.raises(InvalidInput) as exc:
        import_file("connectees", "a.csv", data, actor="test")
    assert errors_of(exc) == [
        {"row": 3, "column": "coordinator_id", "message": "No staff user has id 9999."}
    ]


def test_dry_run_counts_and_writes_nothing(app: Any) -> None:
    ConnecteeFactory(email="old@example.org", first_name="Old")
    data = csv_bytes(
        "first_name,last_name,email,languages",
        "New,Name,old@example.org,de:A1",
        "Fresh,Face,fresh@example.org,",
    )
    report = import_file("connectees", "a.csv", data, actor="test", dry_run=True)
    assert (report.dry_run, report.created, report.updated) == (True, 1, 1)
    db.session.expire_all()
    (old,) = connectees()
    assert old.first_name == "Old"
    assert "deu" not in {lang.language for lang in old.languages}
    assert (
        db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("%import"))).all() == []
    )


def test_one_audit_event_with_counts_and_no_personal_data(app: Any) -> None:
    data = csv_bytes("first_name,last_name,email", "Zoë,Leclerc,zoe@example.org")
    import_file("connectees", "zoe.csv", data, actor="staff:7")
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "connectee.import")
    ).all()
    assert event.actor == "staff:7"
    assert event.details == {
        "format": "csv",
        "rows": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "columns": ["email", "first_name", "last_name"],
    }
    assert "zoe" not in str(event.details).lower()


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("a.csv", b"  \r\n", "The file is empty."),
        (
            "a.xls",
            b"\xd0\xcf\x11\xe0rest",
            "Old .xls files are not read; save the sheet as .xlsx or CSV.",
        ),
        ("a.xlsx", b"first_name", "This is not a valid .xlsx file."),
        ("a.xlsx", b"PK\x03\x04garbage", "This is not a valid .xlsx file."),
        ("a.csv", b"\r\nfirst_name,last_name,email", "The first row must hold the column names."),
    ],
)
def test_unreadable_files(app: Any, filename: str, data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        import_file("connectees", filename, data, actor="test")
    assert exc.value.extra["errors"] == {"file": [message]}


def test_unknown_kind(app: Any) -> None:
    with pytest.raises(NotFound):
        import_file("staff", "a.csv", b"email\r\na@example.org", actor="test")


def test_two_thousand_rows_import_quickly(app: Any) -> None:
    header = "first_name,last_name,email,skills,languages,target_occupation,years_experience"
    lines = [header] + [
        f"Name{i},Family{i},p{i}@example.org,a; b,en:B2; ar:native,29-1141,{i % 30}"
        for i in range(2000)
    ]
    data = csv_bytes(*lines)
    started = time.perf_counter()
    report = import_file("connectees", "big.csv", data, actor="test")
    created = time.perf_counter() - started
    started = time.perf_counter()
    again = import_file("connectees", "big.csv", data, actor="test")
    unchanged = time.perf_counter() - started
    print(f"\n2,000 rows: create {created:.2f} s, re-import {unchanged:.2f} s")
    assert (report.created, again.unchanged) == (2000, 2000)


def test_the_docs_describe_every_column() -> None:
    docs = (Path(__file__).parents[3] / "docs" / "import.md").read_text(encoding="utf-8")
    for kind in ("connectees", "connectors"):
        for column in import_spec(kind).columns:
            assert (
                f"| `{column.name}` | {'yes' if column.required else ''} | "
                + (f"{column.describe()} |")
                in docs
            )


@pytest.mark.parametrize(
    "data",
    [
        "\ufefffirst_name\tlast_name\temail\r\nZoë\t李\tz@example.org\r\n".encode("utf-16"),
        b'first_name,last_name,email\rZo\xc3\xab,"Li\nWei",z@example.org\r',
    ],
    ids=["utf16-tabs", "mac-line-endings"],
)
def test_other_encodings_and_line_endings(app: Any, data: bytes) -> None:
    assert import_file("connectees", "a.txt", data, actor="test").created == 1
    (person,) = connectees()
    assert (person.first_name, person.email) == ("Zoë", "z@example.org")


def test_the_import_s_messages_leave_the_api_s_alone() -> None:
    import_spec("connectees").new_schema()
    with pytest.raises(ValidationError) as refused:
        ConnecteeSchema().load(
            {
                "first_name": "A",
                "last_name": "B",
                "email": "a@example.org",
                "intake_date": "soon",
                "job_ready": "maybe",
            }
        )
    assert refused.value.messages == {
        "intake_date": ["Not a valid date."],
        "job_ready": ["Not a valid boolean."],
    }


@pytest.mark.parametrize(
    "cell",
    [
        "ar:native; en:B2",
        "en:B2; ar:native",  # the same items in another order: another cell, same items
        "en:B2; ar:native; en:B2",
        "en:Z9; ar:native",  # a bad level, by its item
        "ar:native; xx-not-a-code:B1; en:Q",  # two bad items
        "; ".join(f"{code}:B1" for code in ("ar", "en", "fr", "es", "fa", "uk", "zh", "hi",
                                           "pt", "tl", "ti", "yo", "so", "sw", "am", "ru",
                                           "tr", "ko", "ja", "vi", "it")),  # 21: too many
        "en",  # not code:level: refused for the cell
    ],
)  # fmt: skip
def test_list_cells_convert_item_by_item_as_the_whole_list_would(app: Any, cell: str) -> None:
    spec = import_spec("connectees")
    column = spec.by_name["languages"]
    field = spec.new_schema().fields["languages"]

    def whole() -> tuple[bool, Any]:
        try:
            return True, field.deserialize(column.parse(cell))
        except (ValidationError, columns_module.CellError) as exc:
            return False, getattr(exc, "messages", str(exc))

    def by_item(loader: _RowLoader) -> tuple[bool, Any]:
        try:
            return True, loader._convert_list(column, field, cell)
        except (ValidationError, columns_module.CellError) as exc:
            return False, getattr(exc, "messages", str(exc))

    loader = _RowLoader(spec)
    by_item(loader)  # a second pass reads the items this one converted
    assert by_item(loader) == whole() == by_item(_RowLoader(spec))


def test_the_collector_pauses_for_an_import_only(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import runs with the cyclic collector paused (its full passes over the rows cost
    a third of a large import), and leaves it as it found it, on success and on error."""
    import gc

    from community_node.imports import services

    seen: list[bool] = []
    insert = services._insert

    def spying_insert(*args: Any) -> None:
        seen.append(gc.isenabled())
        insert(*args)

    monkeypatch.setattr(services, "_insert", spying_insert)
    good = csv_bytes("first_name,last_name,email", "Ana,Silva,ana@example.org")
    assert gc.isenabled()
    import_file("connectees", "people.csv", good, actor="test")
    assert seen == [False] and gc.isenabled()
    with pytest.raises(InvalidInput):
        import_file("connectees", "people.csv", csv_bytes("email", "not-an-email"), actor="t")
    assert gc.isenabled()
    gc.disable()  # a process that runs without the collector keeps running without it
    try:
        import_file("connectees", "more.csv", good.replace(b"ana@", b"bo@"), actor="test")
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert len(connectees()) == 2
