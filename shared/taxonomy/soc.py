"""SOC 2018 occupations: lookup, search, hierarchy and relatedness by code prefix.

Codes are written "15-1252"; "151252" and surrounding spaces are accepted everywhere.
Relatedness is a shared prefix: 15-1252 is in broad "15-125", minor "15-1", major "15".

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
    """Depth in the SOC hierarchy, as OEWS publishes it."""

    MAJOR = "major"
    MINOR = "minor"
    BROAD = "broad"
    DETAILED = "detailed"


# Length of the dashed-code prefix that two codes share at each level.
_PREFIX_LENGTH = {Level.MAJOR: 2, Level.MINOR: 4, Level.BROAD: 6, Level.DETAILED: 7}


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
class Occupation:
    """One SOC code with its title, level and nearest listed ancestor."""

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

    def __init__(self, occupations: Iterable[Occupation]) -> None:
        by_code: dict[str, Occupation] = {}
        for occupation in occupations:
            if normalize_code(occupation.code) != occupation.code:
                raise ValueError(f"occupation code not normalized: {occupation.code!r}")
            if occupation.code in by_code:
                raise ValueError(f"duplicate occupation code: {occupation.code}")
            by_code[occupation.code] = occupation
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
        self._title_words = {
            code: frozenset(_words(occ.title)) for code, occ in self._by_code.items()
        }
        self._detailed = [occ for occ in self._by_code.values() if occ.level is Level.DETAILED]
        self._detailed_titles = [utils.default_process(occ.title) for occ in self._detailed]

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
        """Read the taxonomy shipped in shared/data."""
        data = resources.files(DATA_PACKAGE).joinpath(DATA_FILE)
        return cls.from_csv(data.read_text(encoding="utf-8"))

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
        """Return every code, the given one included, sharing its prefix at that level."""
        return self._with_prefix(self.get(code).prefix(Level(level)))

    def search(self, query: str, limit: int = 10) -> list[Occupation]:
        """Find occupations by code prefix ("15-12") or by title word prefixes ("software dev").

        Every query word must start some title word. Detailed occupations come first,
        then those with more query words matching a title word exactly, then by title.
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
        ranked: list[tuple[bool, int, str, str]] = []
        for code, words in self._title_words.items():
            if all(any(word.startswith(w) for word in words) for w in wanted):
                exact = sum(w in words for w in wanted)
                occ = self._by_code[code]
                ranked.append((occ.level is not Level.DETAILED, -exact, occ.title, code))
        ranked.sort()
        return [self._by_code[code] for *_, code in ranked[:limit]]

    def closest(
        self, query: str, limit: int = 5, cutoff: float = CLOSEST_CUTOFF
    ) -> list[Occupation]:
        """Return the detailed occupations whose titles are closest to a misspelt one.

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
            limit=limit,
            score_cutoff=cutoff,
        )
        return [self._detailed[index] for _, _, index in found]

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


@functools.cache
def default_taxonomy() -> Taxonomy:
    """Return the shipped taxonomy, read once per process."""
    return Taxonomy.load()
