"""Tests for local demand: the shipped OEWS metro figures, uploaded tables and the signal."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from shared.taxonomy import (
    Demand,
    DemandTable,
    DemandTableError,
    Level,
    UnknownMetro,
    default_demand,
    default_taxonomy,
)
from shared.taxonomy.demand import NATIONAL_AREA, NEUTRAL
from tests.shared.taxonomy.test_skills import load_script

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "shared" / "data"
PITTSBURGH = "0038300"


def test_the_shipped_files_parse_and_stay_small() -> None:
    assert (DATA / "oews_metro_demand.csv").stat().st_size < 8_000_000
    with (DATA / "oews_metro_demand.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["area_code", "soc_code", "jobs_per_1000", "location_quotient"]
        areas = {row["area_code"] for row in reader}
    with (DATA / "oews_metros.csv").open(encoding="utf-8") as handle:
        metros = {row["area_code"]: row for row in csv.DictReader(handle)}
    assert areas <= set(metros)
    assert metros[PITTSBURGH]["name"] == "Pittsburgh, PA"
    assert metros[PITTSBURGH]["state"] == "PA"
    assert len(default_demand().metros()) > 380


def test_a_known_metro_and_occupation_match_the_raw_figures() -> None:
    # OEWS May 2025, Pittsburgh, PA, Registered Nurses: 26.346 per 1,000 jobs, LQ 1.21.
    pittsburgh = default_demand().for_metro(PITTSBURGH)
    assert pittsburgh.area_code == PITTSBURGH
    assert pittsburgh.jobs_per_1000("29-1141") == pytest.approx(26.346)
    assert pittsburgh.location_quotient("291141") == pytest.approx(1.21)
    expected = (1.21 / 2 + pittsburgh.percentile(26.346)) / 2
    assert pittsburgh.signal("29-1141") == pytest.approx(expected)
    assert 0.0 <= pittsburgh.signal("29-1141") <= 1.0
    # National rows: computed from employment, LQ 1 (3,379,720 of 155,495,730 jobs).
    national = default_demand().national()
    assert national.jobs_per_1000("29-1141") == pytest.approx(21.735, abs=0.001)
    assert national.location_quotient("29-1141") == 1.0


def test_unknown_metros_and_occupations() -> None:
    with pytest.raises(UnknownMetro, match="oews_metros.csv"):
        default_demand().for_metro("9999999")
    pittsburgh = default_demand().for_metro(PITTSBURGH)
    assert pittsburgh.signal("45-9999") == NEUTRAL  # not a real code in the table
    assert pittsburgh.signal("not a code") == NEUTRAL
    assert pittsburgh.location_quotient("45-9999") is None
    assert "29-1141" in pittsburgh and "nope" not in pittsburgh


def test_signal_blends_quotient_and_percentile() -> None:
    table = DemandTable(
        [
            Demand("29-1141", 3.0, 30.0),  # high LQ, most common: 1.0
            Demand("15-1252", 1.0, 10.0),  # average LQ, middle: (0.5 + 2/3) / 2
            Demand("11-1011", 0.0, 1.0),  # absent locally, rarest: (0 + 1/3) / 2
            Demand("43-4051", None, None),  # nothing known
        ]
    )
    assert table.signal("29-1141") == pytest.approx(1.0)
    assert table.signal("15-1252") == pytest.approx((0.5 + 2 / 3) / 2)
    assert table.signal("11-1011") == pytest.approx(1 / 6)
    assert table.signal("43-4051") == NEUTRAL
    assert table.group_signal("29") == pytest.approx(1.0)
    assert table.group_signal("53") == NEUTRAL
    with pytest.raises(ValueError, match="duplicate"):
        DemandTable([Demand("29-1141", 1, 1), Demand("291141", 1, 1)])


def test_an_uploaded_table_parses() -> None:
    text = (
        "\ufeffSOC_code,jobs_per_1000,location_quotient,note\n29-1141,20.5,1.4,x\n151252,3,0.8,\n\n"
    )
    table = DemandTable.from_csv(text)
    assert len(table) == 2
    assert table.location_quotient("15-1252") == 0.8
    assert table.jobs_per_1000("29-1141") == 20.5


def errors_of(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(DemandTableError) as caught:
        DemandTable.from_csv(text)
    return [(e.row, e.column, e.message) for e in caught.value.errors]


def test_upload_errors_name_row_and_column() -> None:
    assert errors_of("soc_code,jobs_per_1000\n29-1141,3\n") == [
        (1, "location_quotient", "missing column")
    ]
    found = errors_of(
        "soc_code,location_quotient,jobs_per_1000\n"
        "29-1141,1.2,20\n"  # fine
        "29-9999,1,1\n"  # unknown code
        "banana,1,1\n"  # not a code
        "29-1141,1,1\n"  # duplicate
        "15-1252,-1,1\n"  # negative
        "15-1251,1,many\n"  # not a number
        "15-1299,,1001\n"  # missing, too large
    )
    assert [(row, column) for row, column, _ in found] == [
        (3, "soc_code"),
        (4, "soc_code"),
        (5, "soc_code"),
        (6, "location_quotient"),
        (7, "jobs_per_1000"),
        (8, "location_quotient"),
        (8, "jobs_per_1000"),
    ]
    assert "already given on row 2" in found[2][2]
    assert errors_of("soc_code,location_quotient,jobs_per_1000\n") == [
        (2, "soc_code", "the table has no rows")
    ]
    too_many = "soc_code,location_quotient,jobs_per_1000\n29-1141,1,1\n15-1252,1,1\n"
    with pytest.raises(DemandTableError, match="more than 1 rows"):
        DemandTable.from_csv(too_many, max_rows=1)


def test_extraction_reads_metros_and_detailed_occupations(tmp_path: Path) -> None:
    script = load_script()
    database = tmp_path / "oews.sqlite"
    connection = sqlite3.connect(database)
    connection.executescript(
        """
        CREATE TABLE area (area_code TEXT, areatype_code TEXT, state_code TEXT, area_name TEXT);
        CREATE TABLE occupation (occupation_code TEXT, occupation_name TEXT,
                                 display_level INTEGER);
        CREATE TABLE cell (key TEXT, v01 TEXT, v16 TEXT, v17 TEXT);
        INSERT INTO area VALUES ('0000000', 'N', '00', 'National'),
            ('0038300', 'M', '42', 'Pittsburgh, PA'), ('0000042', 'S', '42', 'Pennsylvania');
        INSERT INTO occupation VALUES ('291141', 'Registered Nurses', 3),
            ('290000', 'Healthcare', 0), ('000000', 'All Occupations', 0);
        INSERT INTO cell VALUES
            ('OEUN0000000000000000000', '1000000', NULL, NULL),
            ('OEUN0000000000000291141', '20000', NULL, NULL),
            ('OEUM0038300000000000000', '1000', '1000.000', '1.00'),
            ('OEUM0038300000000291141', '26', '26.346', '1.21'),
            ('OEUM0038300000000290000', '60', '60.0', '1.1'),
            ('OEUS0000042000000291141', '900', '30.0', '1.5');
        """
    )
    metros, rows = script.oews_demand(connection)
    connection.close()
    assert [(m.area_code, m.state, m.employment) for m in metros] == [
        (NATIONAL_AREA, "", 1000000),
        (PITTSBURGH, "PA", 1000),
    ]
    assert [(r.area_code, r.soc_code, r.jobs_per_1000, r.location_quotient) for r in rows] == [
        (NATIONAL_AREA, "29-1141", "20", "1"),
        (PITTSBURGH, "29-1141", "26.346", "1.21"),
    ]


# --- SOC codes OEWS folds into aggregates ------------------------------------------------


def test_a_folded_code_takes_its_aggregates_figures() -> None:
    pittsburgh = default_demand().for_metro("0038300")
    for code in ("13-1021", "13-1022", "13-1023"):
        assert pittsburgh.get(code) == pittsburgh.get("13-1020")
        assert pittsburgh.signal(code) == pittsburgh.signal("13-1020")
    assert pittsburgh.get("21-1011") == pittsburgh.get("21-1018")
    assert pittsburgh.get("21-1011") is not None


def test_every_detailed_code_has_national_figures_unless_oews_does_not_survey_it() -> None:
    national = default_demand().national()
    taxonomy = default_taxonomy()
    missing = {
        o.code for o in taxonomy if o.level is Level.DETAILED and national.get(o.code) is None
    }
    assert {code for code in missing if not code.startswith("55-")} == {"11-1031", "45-3031"}


def test_an_uploaded_table_accepts_codes_oews_folds() -> None:
    table = DemandTable.from_csv(
        "soc_code,location_quotient,jobs_per_1000\n13-1021,1.5,2\n21-1018,1,3\n"
    )
    assert table.location_quotient("13-1021") == 1.5
    assert table.get("13-1022") is None  # its own table says nothing of 13-1022 nor 13-1020
    assert table.jobs_per_1000("21-1014") == 3
