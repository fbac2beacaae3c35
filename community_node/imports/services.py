"""Importing connectees and connectors from spreadsheets: validate every row, then apply all.

Either the whole file applies or nothing does. Rows are matched to existing people by
email, so importing the same file twice updates instead of duplicating.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from types import SimpleNamespace
from typing import Any, cast

from marshmallow import ValidationError, fields
from marshmallow.decorators import PRE_LOAD, VALIDATES
from sqlalchemy import Table, delete, func, insert, select, update

from community_node.audit.services import record
from community_node.auth.models import StaffUser
from community_node.database import flush_trigram_index
from community_node.errors import InvalidInput
from community_node.extensions import db
from community_node.imports.columns import (
    IGNORED_COLUMNS,
    REQUIRED,
    CellError,
    Column,
    ImportSpec,
    column_letter,
    import_spec,
    normalize_header,
    split_list,
)
from community_node.imports.reading import MAX_ERRORS, Sheet, excerpt, read_sheet
from community_node.participants.models import skill_ids_for
from community_node.sync.outbox import connectors_changed
from shared.taxonomy.skills import default_skills, split_skill_list

#: Rows per ``IN (…)`` query, well below every backend's bound-parameter limit.
_CHUNK = 1000


@dataclass(frozen=True)
class RowError:
    """What is wrong with one cell (row 1 is the header)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class PreviewRow:
    """One row a dry run would create or update, as the preview lists it."""

    row: int
    email: str
    action: str  # "create" or "update"


#: Rows a dry run lists by name; the counts still cover every row.
MAX_PREVIEW_ROWS = 200

#: Told (rows done, rows in all) while a large file is checked and written.
Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    """What an import did, or would do on a dry run."""

    kind: str
    format: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    #: On a dry run, the first rows that would be created or updated (by email).
    preview: list[PreviewRow] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Row:
    number: int
    email: str
    data: dict[str, Any]


#: A message is a sentence or two; longer, it is quoting something it should not.
_MAX_MESSAGE = 500


def _bounded(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[:_MAX_MESSAGE] + "…"


def _invalid(errors: Sequence[RowError]) -> InvalidInput:
    rows = len({e.row for e in errors})
    noun = "row has" if rows == 1 else "rows have"
    message = f"{rows:,} {noun} errors; nothing was imported."
    # A file of 50,000 bad rows must not answer megabytes: list the first problems only.
    if len(errors) > MAX_ERRORS:
        message += f" The first {MAX_ERRORS} problems are listed."
    listed = [
        {"row": e.row, "column": excerpt(e.column), "message": _bounded(e.message)}
        for e in errors[:MAX_ERRORS]
    ]
    return InvalidInput({"rows": listed}, message=message)


def _map_header(spec: ImportSpec, header: Sequence[str]) -> list[Column | None]:
    """Find each header cell's column; reject unknown, repeated and missing columns."""
    known = spec.by_name
    errors: list[RowError] = []
    columns: list[Column | None] = []
    seen: dict[str, str] = {}
    for index, text in enumerate(header):
        name = normalize_header(text)
        column = known.get(name)
        if column is None and name and name not in IGNORED_COLUMNS:
            allowed = ", ".join(known)
            errors.append(RowError(1, text, f"Unknown column. The columns are: {allowed}."))
        elif column is not None and name in seen:
            errors.append(RowError(1, text, f"Repeats column {name} (also in {seen[name]})."))
            column = None
        elif column is not None:
            seen[name] = f"column {column_letter(index)}"
        columns.append(column)
    for name, column in known.items():
        if column.required and name not in seen:
            errors.append(RowError(1, name, "This column is required and missing."))
    if errors:
        raise _invalid(errors)
    return columns


def _messages(value: Any, items: Sequence[str]) -> Iterator[str]:
    """Flatten marshmallow's nested messages, naming list items by their text."""
    if isinstance(value, Mapping):
        for key, sub in value.items():
            if isinstance(key, int):
                label = f'"{excerpt(items[key])}"' if key < len(items) else f"item {key + 1}"
            else:
                label = str(key)
            for message in _messages(sub, ()):
                yield f"{label}: {message}"
    elif isinstance(value, list | tuple):
        for sub in value:
            yield from _messages(sub, items)
    else:
        yield str(value)


class _RowLoader:
    """Load rows with the API schema's own fields, so the rules are the API's.

    Spreadsheets repeat most cells (codes, levels, yes/no); each column's distinct cells
    are converted once, which keeps 10,000 rows fast. A field validator (``@validates``)
    sees one field's value, so it runs per distinct cell too, and the schemas' NUL check
    has nothing to find (``reading.clean`` drops NULs from every cell). Any other load
    hook would be bypassed that way, so then every row goes through ``schema.load``
    instead (about ten times slower).
    """

    def __init__(self, spec: ImportSpec) -> None:
        self.schema = spec.new_schema()
        hooks = self.schema._hooks
        self.field_validators: dict[str, list[Callable[..., Any]]] = {}
        for attr, _, kwargs in hooks.get(VALIDATES, ()):
            for name in kwargs["field_names"]:
                self.field_validators.setdefault(name, []).append(getattr(self.schema, attr))
        self.whole_rows = any(
            hook not in _PER_CELL.get(tag, ()) and tag != VALIDATES
            for tag, registered in hooks.items()
            for hook, _, _ in registered
        )
        self.cache: dict[tuple[str, str], tuple[bool, Any]] = {}
        self.items: dict[tuple[str, str], tuple[bool, Any]] = {}

    def load(self, cells: Mapping[Column, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """Return a row's loaded data and its messages by column."""
        if self.whole_rows:
            return self._load_whole(cells)
        data: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for column, cell in cells.items():
            key = (column.name, cell)
            if key not in self.cache:
                self.cache[key] = self._convert(column, cell)
            ok, value = self.cache[key]
            if ok:
                data[column.name] = value
            else:
                errors[column.name] = value
        for name in REQUIRED:
            if name not in data and name not in errors:
                errors[name] = [str(self.schema.fields[name].error_messages["required"])]
        return data, errors

    def _convert(self, column: Column, cell: str) -> tuple[bool, Any]:
        try:
            field = self.schema.fields[column.name]
            if isinstance(field, fields.List):
                value = self._convert_list(column, field, cell)
            else:
                value = field.deserialize(column.parse(cell))
            for validator in self.field_validators.get(column.name, ()):
                validator(value, data_key=column.name)
        except CellError as exc:
            return False, [str(exc)]
        except ValidationError as exc:
            return False, list(_messages(exc.messages, split_list(cell)))
        return True, value

    def _convert_list(self, column: Column, field: fields.List[Any], cell: str) -> list[Any]:
        """``field.deserialize(column.parse(cell))``, each item converted once per file.

        Language cells combine the same few ``code:level`` items in thousands of ways, so
        whole cells rarely repeat but their items do. Same result and messages as the
        whole list: items in order, every bad item's messages by index, and the list's
        own validators (its length) only when every item loaded.
        """
        values: list[Any] = []
        errors: dict[int, Any] = {}
        for index, item in enumerate(split_list(cell)):
            key = (column.name, item)
            if key not in self.items:
                parsed = column.parse(item)[0]  # raises CellError for the cell, as before
                try:
                    self.items[key] = (True, field.inner.deserialize(parsed))
                except ValidationError as exc:
                    self.items[key] = (False, exc.messages)
            ok, value = self.items[key]
            if ok:
                values.append(value)
            else:
                errors[index] = value
        if errors:
            raise ValidationError(errors)
        field._validate(values)
        return values

    def _load_whole(
        self, cells: Mapping[Column, str]
    ) -> tuple[dict[str, Any], dict[str, list[str]]]:
        raw: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for column, cell in cells.items():
            try:
                raw[column.name] = column.parse(cell)
            except CellError as exc:
                errors[column.name] = [str(exc)]
        try:
            return self.schema.load(raw), errors
        except ValidationError as exc:
            assert isinstance(exc.messages, Mapping)
            texts = {column.name: cell for column, cell in cells.items()}
            for name, value in exc.messages.items():
                items = split_list(texts.get(name, ""))
                errors.setdefault(name, []).extend(_messages(value, items))
            return {}, errors


#: Load hooks that hold for a row when they hold for each of its cells, by hook kind.
_PER_CELL = {PRE_LOAD: ("_refuse_nul",)}


#: Rows between two progress reports: often enough for a bar, rare enough to cost nothing.
_PROGRESS_EVERY = 200


def _validate(spec: ImportSpec, sheet: Sheet, progress: Progress | None = None) -> list[_Row]:
    """Load every row like the API would; raise with every bad cell, or return all rows."""
    columns = _map_header(spec, sheet.header)
    position = {c.name: i for i, c in enumerate(columns) if c is not None}
    loader = _RowLoader(spec)
    errors: list[RowError] = []
    rows: list[_Row] = []
    first_row_of: dict[str, int] = {}
    total = len(sheet.rows)
    for done, (number, cells) in enumerate(sheet.rows):
        if progress is not None and done % _PROGRESS_EVERY == 0:
            progress(done, total)
        by_column: dict[Column, str] = {}
        for index, cell in enumerate(cells):
            column = columns[index] if index < len(columns) else None
            if not cell:
                continue
            if column is not None:
                by_column[column] = cell
            elif index >= len(columns) or not sheet.header[index].strip():
                label = column_letter(index)
                errors.append(RowError(number, label, "This cell has no column header."))
        data, row_errors = loader.load(by_column)
        codes = [lang["language"] for lang in data.get("languages", ())]
        if twice := sorted({code for code in codes if codes.count(code) > 1}):
            row_errors["languages"] = [f"Give each language once: {', '.join(twice)}."]
        if not row_errors:
            email = data["email"].strip().lower()
            if email in first_row_of:
                row_errors["email"] = [
                    f"The same email is in row {first_row_of[email]}; list each person once."
                ]
            else:
                first_row_of[email] = number
                rows.append(_Row(number, email, data))
        for name in sorted(row_errors, key=lambda n: position.get(n, -1)):
            errors.append(RowError(number, name, " ".join(row_errors[name])))
    errors.extend(_check_coordinators(rows))
    if errors:
        raise _invalid(sorted(errors, key=lambda e: e.row))
    return rows


def _check_coordinators(rows: Sequence[_Row]) -> list[RowError]:
    wanted = {r.data["coordinator_id"] for r in rows if r.data.get("coordinator_id") is not None}
    if not wanted:
        return []
    found = set(db.session.scalars(select(StaffUser.id).where(StaffUser.id.in_(wanted))))
    return [
        RowError(r.number, "coordinator_id", f"No staff user has id {r.data['coordinator_id']}.")
        for r in rows
        if r.data.get("coordinator_id") is not None and r.data["coordinator_id"] not in found
    ]


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def import_file(
    kind: str,
    filename: str,
    data: bytes,
    *,
    actor: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a CSV or XLSX file of connectees or connectors, all rows or none.

    Raises ``InvalidInput`` (errors={"rows": [{row, column, message}, …]}) when any row
    is bad; nothing is written then. A dry run validates and counts but writes nothing,
    and lists the first rows it would create or update. ``progress`` is told how many
    rows are checked as it goes (the staff page shows a bar for large files).
    """
    with _collector_paused():
        return _import(kind, filename, data, actor=actor, dry_run=dry_run, progress=progress)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the length of one import.

    An import holds some fifty container objects per row (cells, loaded values, the
    statements' parameters) until it ends; the collector's full passes over them and
    over everything else the process holds cost a third of a 10,000-row import (0.4 of
    1.2 s, two passes, measured apart) and free nothing. Reference counting frees as
    usual meanwhile; cycles made during the import are collected once it is over.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(
    kind: str,
    filename: str,
    data: bytes,
    *,
    actor: str,
    dry_run: bool,
    progress: Progress | None,
) -> ImportReport:
    spec = import_spec(kind)
    sheet = read_sheet(filename, data)
    rows = _validate(spec, sheet, progress)
    columns = sorted({name for row in rows for name in row.data})
    report = ImportReport(
        kind=kind, format=sheet.format, rows=len(rows), dry_run=dry_run, columns=columns
    )
    model = spec.kind.model
    # One query for every existing email; lower() because old rows may keep their case.
    existing: dict[str, int] = {
        email: person_id
        for person_id, email in db.session.execute(select(model.id, func.lower(model.email)))
    }
    new = [row for row in rows if row.email not in existing]
    if not dry_run:
        _match_skills(rows)
    updates = _changes(spec, [(existing[row.email], row) for row in rows if row.email in existing])
    report.created = len(new)
    report.updated = len(updates)
    report.unchanged = len(rows) - len(new) - len(updates)
    if dry_run:
        updated = {update.person_id for update in updates}
        listed = [
            PreviewRow(row.number, row.email, "create")
            if row.email not in existing
            else PreviewRow(row.number, row.email, "update")
            for row in rows
            if row.email not in existing or existing[row.email] in updated
        ]
        report.preview = listed[:MAX_PREVIEW_ROWS]
        return report
    # Bulk statements rather than one ORM object per row: 10,000 rows in a few seconds.
    _insert(spec, new)
    _update(spec, updates)
    # What the rows added to the lists' search index is searchable through the index now.
    flush_trigram_index(db.session.connection(), model.__tablename__, "search_text")
    record(
        actor,
        f"{spec.kind.name}.import",
        spec.kind.name,
        None,
        {
            "format": sheet.format,
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "columns": columns,
        },
    )
    if spec.kind.name == "connector":
        connectors_changed()
    db.session.commit()
    if progress is not None:
        progress(len(sheet.rows), len(sheet.rows))
    return report


def _search_text(spec: ImportSpec, values: Mapping[str, Any]) -> str:
    # The model's own rule, run on plain values, so search finds imported people alike.
    person = SimpleNamespace(**{key: values.get(key) for key in _SEARCHED})
    spec.kind.model.refresh_search_text(cast(Any, person))
    return cast(str, person.search_text)


_SEARCHED = ("first_name", "last_name", "email", "skills")


def _match_skills(rows: Sequence[_Row]) -> None:
    """Match the file's distinct skill texts to ESCO skills all at once, before the rows.

    The typo-tolerant search was one ``extractOne`` over up to 100,000 labels per text;
    ``normalize_batch`` scores them together, and the rows' ``skill_ids_for`` then find
    every text already matched.
    """
    texts = {text for row in rows for text in row.data.get("skills") or ()}
    items = {item for text in texts for item in split_skill_list(text)}
    if items:
        default_skills().normalize_batch(items)


def _language_rows(
    spec: ImportSpec, person_id: int, data: Mapping[str, Any]
) -> list[dict[str, Any]]:
    return [
        {spec.kind.language_fk: person_id, "language": lang["language"], "level": lang["level"]}
        for lang in data.get("languages", ())
    ]


def _insert_defaults(spec: ImportSpec) -> dict[str, Any]:
    """Give every row the same keys, so the inserts go out in a few large batches."""
    table = spec.kind.model.__table__
    defaults: dict[str, Any] = {}
    for column in spec.columns:
        if column.name == "languages":
            continue
        default = table.c[column.name].default
        if default is None:
            defaults[column.name] = None
        elif default.is_scalar:
            defaults[column.name] = default.arg
        else:
            defaults[column.name] = default.arg(None)
    return defaults


def _insert(spec: ImportSpec, rows: Sequence[_Row]) -> None:
    if not rows:
        return
    model = spec.kind.model
    defaults = _insert_defaults(spec)
    values = []
    for row in rows:
        person = {**defaults, **row.data, "email": row.email}
        person.pop("languages", None)
        person["search_text"] = _search_text(spec, person)
        person["skill_ids"] = skill_ids_for(person.get("skills"))
        values.append(person)
    # A plain Core executemany, then the new ids by email: SQLite cannot return the ids
    # of a batch in parameter order, so asking for them would insert one row at a time.
    db.session.execute(insert(_table(model)), values)
    ids: dict[str, int] = {}
    for chunk in _chunks([row.email for row in rows]):
        ids.update(
            (email, person_id)
            for person_id, email in db.session.execute(
                select(model.id, model.email).where(model.email.in_(chunk))
            )
        )
    languages = [lang for row in rows for lang in _language_rows(spec, ids[row.email], row.data)]
    if languages:
        db.session.execute(insert(_table(spec.kind.language_model)), languages)


@dataclass(frozen=True)
class _Update:
    person_id: int
    values: dict[str, Any]
    languages: list[dict[str, Any]] | None


def _changes(spec: ImportSpec, matches: Sequence[tuple[int, _Row]]) -> list[_Update]:
    """Compare matched rows with what is stored; return only what would change."""
    if not matches:
        return []
    model, lang = spec.kind.model, spec.kind.language_model
    fk = getattr(lang, spec.kind.language_fk)
    names = [c.name for c in spec.columns if c.name != "languages"]
    stored: dict[int, dict[str, Any]] = {}
    languages: dict[int, set[tuple[str, Any]]] = {}
    for chunk in _chunks([person_id for person_id, _ in matches]):
        query = select(model.id, *(getattr(model, name) for name in names))
        for found in db.session.execute(query.where(model.id.in_(chunk))):
            stored[found[0]] = dict(zip(names, found[1:], strict=True))
        for person_id, code, level in db.session.execute(
            select(fk, lang.language, lang.level).where(fk.in_(chunk))
        ):
            languages.setdefault(person_id, set()).add((code, level))
    updates = []
    for person_id, row in matches:
        before = stored[person_id]
        values = {
            key: value
            for key, value in {**row.data, "email": row.email}.items()
            if key != "languages" and before[key] != value
        }
        new_languages = None
        if "languages" in row.data:
            wanted = {(item["language"], item["level"]) for item in row.data["languages"]}
            if wanted != languages.get(person_id, set()):
                new_languages = _language_rows(spec, person_id, row.data)
        if values or new_languages is not None:
            if values.keys() & set(_SEARCHED):
                values["search_text"] = _search_text(spec, {**before, **values})
            if "skills" in values:
                values["skill_ids"] = skill_ids_for(values["skills"])
            updates.append(_Update(person_id, values, new_languages))
    return updates


def _update(spec: ImportSpec, updates: Sequence[_Update]) -> None:
    model, lang = spec.kind.model, spec.kind.language_model
    changed = [{"id": u.person_id, **u.values} for u in updates if u.values]
    if changed:
        db.session.execute(update(model), changed)
    relanguaged = [u for u in updates if u.languages is not None]
    fk = getattr(lang, spec.kind.language_fk)
    # Delete before inserting: a changed level keeps the (person, language) pair unique.
    for chunk in _chunks([u.person_id for u in relanguaged]):
        db.session.execute(delete(lang).where(fk.in_(chunk)))
    rows = [row for u in relanguaged for row in u.languages or ()]
    if rows:
        db.session.execute(insert(_table(lang)), rows)
