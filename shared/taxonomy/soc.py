"""SOC 2018 occupations: lookup, search, hierarchy and relatedness by code prefix.

Codes are written "15-1252"; "151252" and surrounding spaces are accepted everywhere.
Relatedness is a shared prefix: 15-1252 is in broad "15-125", minor "15-1", major "15".

The taxonomy is the complete SOC 2018 structure (shared/data/soc_2018.csv) plus the codes
OEWS publishes in place of several detailed occupations (oews_aggregates.csv): 13-1020
stands for 13-1021, 13-1022 and 13-1023 (it is also their SOC broad group), 21-1018 for
21-1011 and 21-1014 (an OEWS-only code, ``Level.AGGREGATE``). Aggregates stay valid so
that codes stored from the OEWS list keep working, and local demand figures published
for an aggregate apply to each code it folds. Search also knows O*NET's more specific
occupation titles (onet_titles.csv: "Chief Sustainability Officers" is 11-1011).

Exceptions::

    UnknownOccupation (KeyError)     the code is well formed but not in the taxonomy
     └── MalformedCode (ValueError)  the string is not a SOC code at all
"""

from __future__ import annotations

import bisect
import csv
import enum
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources

from rapidfuzz import fuzz, process, utils

DATA_PACKAGE = "shared.data"
DATA_FILE = "soc_2018.csv"
AGGREGATES_FILE = "oews_aggregates.csv"
TITLES_FILE = "onet_titles.csv"

_CODE = re.compile(r"(\d{2})-?(\d{4})")
_CODE_PREFIX = re.compile(r"\d{1,6}|\d{2}-\d{0,4}")
_WORD = re.compile(r"[a-z0-9]+")
#: Similarity (0-100, rapidfuzz WRatio) a misspelt title needs to be offered as the closest.
CLOSEST_CUTOFF = 75.0


class UnknownOccupation(KeyError):
    """The code is not an occupation of the taxonomy."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message or f"unknown SOC 2018 occupation code: {code!r}"

    def __str__(self) -> str:
        # KeyError would print the repr of its argument instead of a sentence.
        return self.message


class MalformedCode(UnknownOccupation, ValueError):
    """The string is not shaped like a SOC code."""

    def __init__(self, code: str) -> None:
        super().__init__(code, f"not a SOC code (expected like 15-1252 or 151252): {code!r}")


class Level(enum.StrEnum):
    """Depth in the SOC hierarchy; AGGREGATE is an OEWS-only code folding detailed ones."""

    MAJOR = "major"
    MINOR = "minor"
    BROAD = "broad"
    DETAILED = "detailed"
    AGGREGATE = "aggregate"


# Length of the dashed-code prefix that two codes share at each level.
_PREFIX_LENGTH = {
    Level.MAJOR: 2,
    Level.MINOR: 4,
    Level.BROAD: 6,
    Level.DETAILED: 7,
    Level.AGGREGATE: 7,
}


class Relation(enum.IntEnum):
    """How closely two occupations are related; larger is closer."""

    NONE = 0
    MAJOR = 1
    MINOR = 2
    BROAD = 3
    SAME = 4  # the same detailed code; no DETAILED alias, which mypy would treat as distinct


def normalize_code(code: str) -> str:
    """Return the dashed form of a SOC code, or raise MalformedCode."""
    match = _CODE.fullmatch(code.strip())
    if match is None:
        raise MalformedCode(code)
    return f"{match[1]}-{match[2]}"


def _code_prefix(query: str) -> str | None:
    """Return the dashed code prefix a search query stands for, if it is one."""
    if _CODE_PREFIX.fullmatch(query) is None:
        return None
    digits = query.replace("-", "")
    return digits if len(digits) <= 2 else f"{digits[:2]}-{digits[2:]}"


def _words(text: str) -> list[str]:
    """Split text into lowercase ASCII words; "Sheriff's" becomes "sheriffs"."""
    folded = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    return _WORD.findall(folded.replace("'", ""))


@dataclass(frozen=True, slots=True)
class Aggregate:
    """An OEWS code that publishes several SOC detailed occupations as one."""

    code: str
    title: str
    soc_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Occupation:
    """One SOC code with its title, level and parent group."""

    code: str
    title: str
    level: Level
    parent: str | None

    @property
    def major(self) -> str:
        """Major-group prefix, e.g. "15" for 15-1252."""
        return self.prefix(Level.MAJOR)

    @property
    def minor(self) -> str:
        """Minor-group prefix, e.g. "15-1" for 15-1252."""
        return self.prefix(Level.MINOR)

    @property
    def broad(self) -> str:
        """Broad-occupation prefix, e.g. "15-125" for 15-1252."""
        return self.prefix(Level.BROAD)

    def prefix(self, level: Level) -> str:
        """Return the code prefix shared by all occupations related at that level."""
        return self.code[: _PREFIX_LENGTH[level]]


class Taxonomy:
    """The SOC 2018 occupations, indexed for lookup, search and hierarchy walks."""

    def __init__(
        self,
        occupations: Iterable[Occupation],
        aggregates: Iterable[Aggregate] = (),
        titles: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Index occupations; ``aggregates`` are OEWS codes folding detailed ones and
        ``titles`` further (code, title) names to search by, such as O*NET's."""
        by_code: dict[str, Occupation] = {}
        for occupation in occupations:
            if normalize_code(occupation.code) != occupation.code:
                raise ValueError(f"occupation code not normalized: {occupation.code!r}")
            if occupation.code in by_code:
                raise ValueError(f"duplicate occupation code: {occupation.code}")
            by_code[occupation.code] = occupation
        self._folds: dict[str, tuple[str, ...]] = {}
        self._folded_into: dict[str, str] = {}
        for aggregate in aggregates:
            for code in aggregate.soc_codes:
                if by_code.get(code) is None or by_code[code].level is not Level.DETAILED:
                    raise ValueError(f"{aggregate.code} folds unknown detailed code {code}")
                self._folded_into[code] = aggregate.code
            self._folds[aggregate.code] = aggregate.soc_codes
            if aggregate.code not in by_code:
                # An OEWS-only code sits beside the codes it folds, under their broad group.
                parent = by_code[aggregate.soc_codes[0]].parent
                by_code[aggregate.code] = Occupation(
                    aggregate.code, aggregate.title, Level.AGGREGATE, parent
                )
        children: dict[str, list[Occupation]] = {}
        for occupation in by_code.values():
            if occupation.parent is None:
                continue
            if occupation.parent not in by_code:
                raise ValueError(f"{occupation.code} has unknown parent {occupation.parent}")
            children.setdefault(occupation.parent, []).append(occupation)
        self._codes = sorted(by_code)
        self._by_code = {code: by_code[code] for code in self._codes}
        self._children = {
            parent: sorted(kids, key=lambda o: o.code) for parent, kids in children.items()
        }
        # Every name an occupation is searched by: its title, then O*NET's titles within it.
        names = [(occ.code, occ.title) for occ in self._by_code.values()]
        for code, title in titles:
            if self._by_code.get(code) is None or self._by_code[code].level is not Level.DETAILED:
                raise ValueError(f"title {title!r} names unknown detailed code {code}")
            names.append((code, title))
        self._names = [(code, title, frozenset(_words(title))) for code, title in names]
        # An exact title names a detailed occupation before a group of the same title.
        self._by_title: dict[str, str] = {}
        for code, title in sorted(
            names, key=lambda name: self._by_code[name[0]].level is not Level.DETAILED
        ):
            self._by_title.setdefault(" ".join(_words(title)), code)
        detailed_names = [
            (code, title)
            for code, title, _ in self._names
            if self._by_code[code].level is Level.DETAILED
        ]
        self._detailed = [self._by_code[code] for code, _ in detailed_names]
        self._detailed_titles = [utils.default_process(title) for _, title in detailed_names]

    @classmethod
    def from_csv(cls, text: str) -> Taxonomy:
        """Build a taxonomy from CSV text with columns code,title,level,parent."""
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames != ["code", "title", "level", "parent"]:
            raise ValueError(f"unexpected SOC CSV header: {reader.fieldnames}")
        return cls(
            Occupation(
                code=row["code"],
                title=row["title"],
                level=Level(row["level"]),
                parent=row["parent"] or None,
            )
            for row in reader
        )

    @classmethod
    def load(cls) -> Taxonomy:
        """Read the taxonomy, the OEWS aggregates and the O*NET titles shipped in shared/data."""
        data = resources.files(DATA_PACKAGE)
        base = cls.from_csv(data.joinpath(DATA_FILE).read_text(encoding="utf-8"))
        aggregates = [
            Aggregate(row["code"], row["title"], tuple(row["soc_codes"].split("|")))
            for row in _rows(
                data.joinpath(AGGREGATES_FILE).read_text(encoding="utf-8"),
                ["code", "title", "soc_codes"],
            )
        ]
        titles = [
            (row["onet_code"][:7], row["title"])
            for row in _rows(
                data.joinpath(TITLES_FILE).read_text(encoding="utf-8"), ["onet_code", "title"]
            )
        ]
        return cls(base, aggregates, titles)

    def __len__(self) -> int:
        return len(self._codes)

    def __iter__(self) -> Iterator[Occupation]:
        return iter(self._by_code.values())

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.is_valid(code)

    def is_valid(self, code: str) -> bool:
        """Tell whether the string is a well-formed code present in the taxonomy."""
        try:
            return normalize_code(code) in self._by_code
        except MalformedCode:
            return False

    def get(self, code: str) -> Occupation:
        """Return the occupation for a code, or raise UnknownOccupation."""
        normalized = normalize_code(code)
        try:
            return self._by_code[normalized]
        except KeyError:
            raise UnknownOccupation(normalized) from None

    def titled(self, title: str) -> Occupation | None:
        """Return the occupation a title names exactly (case, accents and punctuation aside).

        O*NET's titles count ("Chief Sustainability Officers" is 11-1011); a detailed
        occupation wins over a group of the same title (11-1011 over 11-1010).
        """
        code = self._by_title.get(" ".join(_words(title)))
        return None if code is None else self._by_code[code]

    def folds(self, code: str) -> tuple[str, ...]:
        """Return the SOC detailed codes an OEWS aggregate stands for; () for other codes."""
        return self._folds.get(normalize_code(code), ())

    def oews_code(self, code: str) -> str:
        """Return the code OEWS publishes an occupation under: 13-1020 for 13-1021."""
        normalized = normalize_code(code)
        return self._folded_into.get(normalized, normalized)

    def children(self, code: str) -> list[Occupation]:
        """Return the occupations whose nearest listed ancestor is this code."""
        return list(self._children.get(self.get(code).code, []))

    def major_groups(self) -> list[Occupation]:
        """Return the major groups in code order."""
        return [occ for occ in self._by_code.values() if occ.level is Level.MAJOR]

    def relatedness(self, a: str, b: str) -> Relation:
        """Return the closest level at which two occupations share a code prefix."""
        first, second = self.get(a), self.get(b)
        for relation, level in (
            (Relation.SAME, Level.DETAILED),
            (Relation.BROAD, Level.BROAD),
            (Relation.MINOR, Level.MINOR),
            (Relation.MAJOR, Level.MAJOR),
        ):
            if first.prefix(level) == second.prefix(level):
                return relation
        return Relation.NONE

    def related_codes(self, code: str, level: Level | str) -> list[str]:
        """Return every code, the given one included, sharing its prefix at that level.

        A detailed code and the OEWS aggregate folding it name the same occupation, so
        each brings the other: 13-1021 brings 13-1020, 21-1018 brings 21-1011 and 21-1014.
        """
        codes = set(self._with_prefix(self.get(code).prefix(Level(level))))
        for found in list(codes):
            codes.update(self._folds.get(found, ()))
            if found in self._folded_into:
                codes.add(self._folded_into[found])
        return sorted(codes)

    def search(self, query: str, limit: int = 10) -> list[Occupation]:
        """Find occupations by code prefix ("15-12") or by title word prefixes ("software dev").

        Every query word must start some word of the title or of an O*NET title within
        the occupation ("sustainability officer" finds 11-1011 Chief Executives).
        Detailed occupations come first, then those with more query words matching a
        title word exactly, then by title.
        """
        query = query.strip()
        if not query or limit <= 0:
            return []
        prefix = _code_prefix(query)
        if prefix is not None:
            return [self._by_code[code] for code in self._with_prefix(prefix)[:limit]]
        wanted = _words(query)
        if not wanted:
            return []
        best: dict[str, tuple[bool, int, bool, str, str]] = {}
        for code, title, words in self._names:
            if all(any(word.startswith(w) for word in words) for w in wanted):
                occ = self._by_code[code]
                # Detailed first, then more exact words, then a match on the own title.
                key = (
                    occ.level is not Level.DETAILED,
                    -sum(w in words for w in wanted),
                    title != occ.title,
                    occ.title,
                    code,
                )
                if code not in best or key < best[code]:
                    best[code] = key
        ranked = sorted(best.values())
        return [self._by_code[code] for *_, code in ranked[:limit]]

    def closest(
        self, query: str, limit: int = 5, cutoff: float = CLOSEST_CUTOFF
    ) -> list[Occupation]:
        """Return the detailed occupations whose titles (O*NET's too) are closest to a misspelt one.

        "Registred Nurse" finds Registered Nurses, "electrcian" Electricians: rapidfuzz's
        WRatio tolerates typos and a title's extra words. Best first; none below ``cutoff``.
        """
        text = utils.default_process(query)
        if not text or limit <= 0:
            return []
        found = process.extract(
            text,
            self._detailed_titles,
            scorer=fuzz.WRatio,
            processor=None,
            limit=None,
            score_cutoff=cutoff,
        )
        # Several titles may name one occupation: keep its best, in score order.
        closest: dict[str, Occupation] = {}
        for _, _, index in found:
            occupation = self._detailed[index]
            closest.setdefault(occupation.code, occupation)
            if len(closest) == limit:
                break
        return list(closest.values())

    def suggest(self, query: str, limit: int = 8) -> list[Occupation]:
        """Offer detailed occupations for what someone typed in an occupation picker.

        Title words or a code prefix first (``search``); when nothing starts that way,
        the closest titles, so a misspelling still finds its occupation.
        """
        found = [occ for occ in self.search(query, limit) if occ.level is Level.DETAILED]
        return found or self.closest(query, limit)

    def _with_prefix(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self._codes, prefix)
        end = start
        while end < len(self._codes) and self._codes[end].startswith(prefix):
            end += 1
        return self._codes[start:end]


def _rows(text: str, header: list[str]) -> list[dict[str, str]]:
    """Parse CSV text whose header must be exactly ``header``."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != header:
        raise ValueError(f"unexpected CSV header {reader.fieldnames}, expected {header}")
    return list(reader)


@functools.cache
def default_taxonomy() -> Taxonomy:
    """Return the shipped taxonomy, read once per process."""
    return Taxonomy.load()
