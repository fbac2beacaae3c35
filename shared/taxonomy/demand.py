"""Local labour demand by occupation: OEWS metro figures or a node's own table.

Two figures per SOC code: the location quotient (LQ, the occupation's share of local jobs
over its national share; 1 is the national average) and jobs per 1,000 (how many of every
1,000 local jobs are in the occupation). `DemandTable.signal` folds them into one number
in [0, 1] that the matching engine weighs:

    signal = (min(1, LQ / 2) + percentile(jobs_per_1000)) / 2

where percentile is the share of the table's occupations with at most that many jobs per
1,000. LQ 1 at the median gives 0.5; LQ >= 2 in one of the most common occupations gives
1. With one figure missing the other is used alone; an occupation not in the table gets
NEUTRAL (0.5), so an unknown demand neither helps nor hurts a match. A SOC code that OEWS
folds into an aggregate (13-1021 into 13-1020) takes the aggregate's figures.

The shipped figures are shared/data/oews_metro_demand.csv (OEWS May 2025, the release of
the SOC table); area codes are OEWS metro codes such as "0038300" (Pittsburgh, PA), listed
in oews_metros.csv, and "0000000" for the nation.
"""

from __future__ import annotations

import bisect
import csv
import functools
import io
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources

from shared.taxonomy.soc import MalformedCode, default_taxonomy, normalize_code

DATA_PACKAGE = "shared.data"
DEMAND_FILE = "oews_metro_demand.csv"
METROS_FILE = "oews_metros.csv"
NATIONAL_AREA = "0000000"
NEUTRAL = 0.5
#: The columns a node's own demand table must have (others are ignored).
UPLOAD_COLUMNS = ("soc_code", "location_quotient", "jobs_per_1000")
MAX_UPLOAD_ROWS = 5000


class UnknownMetro(KeyError):
    """The area code is not an OEWS metropolitan area of the shipped data."""

    def __init__(self, area_code: str) -> None:
        super().__init__(area_code)
        self.area_code = area_code

    def __str__(self) -> str:
        return f"unknown OEWS metro area code: {self.area_code!r} (see shared/data/oews_metros.csv)"


@dataclass(frozen=True, slots=True)
class CellError:
    """One problem in an uploaded demand table: CSV line (header is 1) and column."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


class DemandTableError(ValueError):
    """An uploaded demand table has errors; nothing of it is taken."""

    def __init__(self, errors: list[CellError]) -> None:
        super().__init__("; ".join(str(error) for error in errors[:10]))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Demand:
    """The demand figures of one occupation in one area."""

    soc_code: str
    location_quotient: float | None
    jobs_per_1000: float | None


@dataclass(frozen=True, slots=True)
class Metro:
    """An OEWS area: a metro, or the nation."""

    area_code: str
    name: str
    state: str
    employment: int


class DemandTable:
    """Demand figures by SOC code for one area, with a [0, 1] signal per occupation."""

    def __init__(self, rows: Iterable[Demand], *, area_code: str | None = None) -> None:
        self.area_code = area_code
        self._rows: dict[str, Demand] = {}
        for row in rows:
            code = normalize_code(row.soc_code)
            if code in self._rows:
                raise ValueError(f"duplicate SOC code in demand table: {code}")
            self._rows[code] = row
        self._jobs = sorted(
            row.jobs_per_1000 for row in self._rows.values() if row.jobs_per_1000 is not None
        )

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[Demand]:
        return iter(self._rows.values())

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.get(code) is not None

    def get(self, code: str) -> Demand | None:
        """Return the figures of an occupation, or None when the table lacks it.

        A SOC code OEWS publishes only inside an aggregate takes the aggregate's figures:
        13-1021 those of 13-1020, 21-1011 those of 21-1018.
        """
        try:
            normalized = normalize_code(code)
        except MalformedCode:
            return None
        row = self._rows.get(normalized)
        if row is None and normalized in default_taxonomy():
            row = self._rows.get(default_taxonomy().oews_code(normalized))
        return row

    def location_quotient(self, code: str) -> float | None:
        """Return the location quotient of an occupation, if known."""
        row = self.get(code)
        return None if row is None else row.location_quotient

    def jobs_per_1000(self, code: str) -> float | None:
        """Return the jobs per 1,000 of an occupation, if known."""
        row = self.get(code)
        return None if row is None else row.jobs_per_1000

    def percentile(self, jobs_per_1000: float) -> float:
        """Return the share of occupations in the table with at most that many jobs per 1,000."""
        if not self._jobs:
            return NEUTRAL
        return bisect.bisect_right(self._jobs, jobs_per_1000) / len(self._jobs)

    def signal(self, code: str) -> float:
        """Return the demand signal of an occupation in [0, 1]; NEUTRAL when unknown."""
        row = self.get(code)
        if row is None:
            return NEUTRAL
        parts = []
        if row.location_quotient is not None:
            parts.append(min(1.0, row.location_quotient / 2.0))
        if row.jobs_per_1000 is not None:
            parts.append(self.percentile(row.jobs_per_1000))
        return sum(parts) / len(parts) if parts else NEUTRAL

    def group_signal(self, prefix: str) -> float:
        """Return the mean signal of the occupations whose code starts with prefix ("29-1")."""
        signals = [self.signal(code) for code in self._rows if code.startswith(prefix)]
        return sum(signals) / len(signals) if signals else NEUTRAL

    def signals(self) -> dict[str, float]:
        """Return the signal of every occupation in the table."""
        return {code: self.signal(code) for code in self._rows}

    @classmethod
    def from_csv(cls, text: str, *, max_rows: int = MAX_UPLOAD_ROWS) -> DemandTable:
        """Parse a node's own demand table, or raise DemandTableError naming rows and columns.

        Columns soc_code, location_quotient, jobs_per_1000 (any order, others ignored); every
        row is checked and the table is taken whole or not at all.
        """
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        header = [name.strip().lower() for name in reader.fieldnames or []]
        missing = [column for column in UPLOAD_COLUMNS if column not in header]
        if missing:
            raise DemandTableError([CellError(1, column, "missing column") for column in missing])
        reader.fieldnames = header
        taxonomy = default_taxonomy()
        errors: list[CellError] = []
        rows: list[Demand] = []
        seen: dict[str, int] = {}
        for line, record in enumerate(reader, start=2):
            if line - 1 > max_rows:
                errors.append(CellError(line, "soc_code", f"more than {max_rows} rows"))
                break
            values = {column: (record.get(column) or "").strip() for column in UPLOAD_COLUMNS}
            if not any(values.values()):
                continue  # blank line
            code = _check_code(values["soc_code"], line, taxonomy.is_valid, seen, errors)
            quotient = _check_number(
                values["location_quotient"], line, "location_quotient", errors, maximum=None
            )
            jobs = _check_number(
                values["jobs_per_1000"], line, "jobs_per_1000", errors, maximum=1000.0
            )
            if code is not None:
                rows.append(Demand(code, quotient, jobs))
        if not errors and not rows:
            errors.append(CellError(2, "soc_code", "the table has no rows"))
        if errors:
            raise DemandTableError(errors)
        return cls(rows)


def _check_code(
    value: str,
    line: int,
    is_valid: Callable[[str], bool],
    seen: dict[str, int],
    errors: list[CellError],
) -> str | None:
    """Return the normalized SOC code of a cell, or record why it is not one."""
    if not value:
        errors.append(CellError(line, "soc_code", "required"))
        return None
    try:
        code = normalize_code(value)
    except MalformedCode:
        errors.append(CellError(line, "soc_code", f"not a SOC code: {value!r}"))
        return None
    if not is_valid(code):
        errors.append(CellError(line, "soc_code", f"unknown SOC 2018 code: {code}"))
        return None
    if code in seen:
        errors.append(CellError(line, "soc_code", f"{code} already given on row {seen[code]}"))
        return None
    seen[code] = line
    return code


def _check_number(
    value: str, line: int, column: str, errors: list[CellError], *, maximum: float | None
) -> float | None:
    """Return the non-negative number in a cell, or record why it is not one."""
    if not value:
        errors.append(CellError(line, column, "required"))
        return None
    try:
        number = float(value)
    except ValueError:
        errors.append(CellError(line, column, f"not a number: {value!r}"))
        return None
    if not math.isfinite(number) or number < 0:
        errors.append(CellError(line, column, "must be a number >= 0"))
        return None
    if maximum is not None and number > maximum:
        errors.append(CellError(line, column, f"must be at most {maximum:g}"))
        return None
    return number


class OewsDemand:
    """The shipped OEWS demand figures of every metro and the nation."""

    def __init__(self, metros: Iterable[Metro], rows: Iterable[tuple[str, Demand]]) -> None:
        self._metros = {metro.area_code: metro for metro in metros}
        by_area: dict[str, list[Demand]] = {}
        for area_code, demand in rows:
            by_area.setdefault(area_code, []).append(demand)
        self._rows = by_area
        self._tables: dict[str, DemandTable] = {}

    def metros(self) -> list[Metro]:
        """Return the metros (not the nation), by name."""
        return sorted(
            (m for m in self._metros.values() if m.area_code != NATIONAL_AREA),
            key=lambda metro: metro.name,
        )

    def metro(self, area_code: str) -> Metro:
        """Return one area, or raise UnknownMetro."""
        try:
            return self._metros[area_code.strip()]
        except KeyError:
            raise UnknownMetro(area_code) from None

    def for_metro(self, area_code: str) -> DemandTable:
        """Return the demand table of one metro ("0038300") or the nation ("0000000")."""
        code = self.metro(area_code).area_code
        table = self._tables.get(code)
        if table is None:
            table = DemandTable(self._rows.get(code, []), area_code=code)
            self._tables[code] = table
        return table

    def national(self) -> DemandTable:
        """Return the national table (every location quotient is 1)."""
        return self.for_metro(NATIONAL_AREA)


def _optional_float(text: str) -> float | None:
    return float(text) if text else None


def _read(name: str) -> str:
    return resources.files(DATA_PACKAGE).joinpath(name).read_text(encoding="utf-8")


@functools.cache
def default_demand() -> OewsDemand:
    """Return the shipped OEWS metro demand figures (parsed once per process)."""
    metros = [
        Metro(row["area_code"], row["name"], row["state"], int(row["employment"]))
        for row in csv.DictReader(io.StringIO(_read(METROS_FILE)))
    ]
    rows = (
        (
            row["area_code"],
            Demand(
                row["soc_code"],
                _optional_float(row["location_quotient"]),
                _optional_float(row["jobs_per_1000"]),
            ),
        )
        for row in csv.DictReader(io.StringIO(_read(DEMAND_FILE)))
    )
    return OewsDemand(metros, rows)
