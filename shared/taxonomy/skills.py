"""ESCO skills: normalize free-text skills to stable skill ids, tolerating typos.

The vocabulary is shared/data/esco_skills.csv (see NOTICE.md there: "This service uses the
ESCO classification of the European Commission."). A skill id is the UUID at the end of
the ESCO concept URI, e.g. "ccd0a1d9-afda-43d9-b901-96344886e14d" for Python; it fits the
wire pattern of skills in docs/protocol.md.

Matching, in order, on text folded to lowercase ASCII words:

1. the preferred or an alternative label, or a "core" of a label: the label without its
   leading word when that word starts many labels ("coordinate patient care" -> "patient
   care", "types of carpet" -> "carpet"), each compared word form aside: every word is
   reduced to its Snowball (Porter 2) English stem, so "auditing", "audits" and "audit"
   name one skill, as do "nursing" and "nurse";
2. the closest of all those strings by rapidfuzz's QRatio (normalized Indel similarity)
   at or above the cut-off, which absorbs typos ("pateint care", "custmer service");
   a query under 8 letters tolerates only a missing or extra letter.

Ties go to preferred labels before alternative ones before cores, then to the shortest
label. Below the cut-off normalize() returns None: a skill nobody can match stays free
text on the node.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import functools
import hashlib
import io
import logging
import marshal
import os
import re
import sys
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import Stemmer  # PyStemmer: the Snowball stemmers, in C
from rapidfuzz import fuzz, process

DATA_PACKAGE = "shared.data"
DATA_FILE = "esco_skills.csv"

#: Similarity (0-100) below which a text is not taken for a skill.
DEFAULT_CUTOFF = 85.0
#: A leading word that starts at least this many labels is a verb or classifier
#: ("operate", "types"), and the rest of the label is indexed as a core too.
CORE_HEAD_MIN_LABELS = 8
#: Queries shorter than this need every letter right except one missing or extra.
SHORT_QUERY = 8

_WORD = re.compile(r"[a-z0-9+#]+")
_LINKING = frozenset(_WORD.findall("a an the of to and or for in on with as by at from into about"))
# Separators between skills in one free-text field: "Python, SQL; patient care".
_LIST_SEPARATORS = re.compile(r"[,;\n\r\t|•·]+")

_PREFERRED, _ALTERNATIVE, _CORE = 0, 1, 2

log = logging.getLogger(__name__)


class UnknownSkill(KeyError):
    """The id is not a skill of the vocabulary."""

    def __init__(self, skill_id: str) -> None:
        super().__init__(skill_id)
        self.skill_id = skill_id

    def __str__(self) -> str:
        return f"unknown ESCO skill id: {self.skill_id!r}"


@dataclass(frozen=True, slots=True)
class Skill:
    """One ESCO skill or knowledge concept."""

    id: str
    label: str
    alt_labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SkillMatch:
    """The skill a free text was normalized to, and how well it matched (0-100)."""

    id: str
    label: str
    score: float
    matched: str


def fold(text: str) -> str:
    """Return text as lowercase ASCII words joined by single spaces."""
    folded = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    return " ".join(_WORD.findall(folded.replace("'", "")))


_STEMMER = Stemmer.Stemmer("english")
# Word -> stem; skill texts use some 12,000 distinct words.
_STEMS: dict[str, str] = {}


def word_forms_key(folded: str) -> str:
    """Return folded text with each word reduced to its stem: "auditing" -> "audit"."""
    words = folded.split()
    unknown = [word for word in words if word not in _STEMS]
    if unknown:
        _STEMS.update(zip(unknown, _STEMMER.stemWords(unknown), strict=True))
    return " ".join([_STEMS[word] for word in words])


def split_skill_list(text: str) -> list[str]:
    """Split a free-text skills field into its items."""
    return [item.strip() for item in _LIST_SEPARATORS.split(text) if item.strip()]


class SkillVocabulary:
    """Skills by id, with fuzzy normalization of free text to skill ids."""

    def __init__(self, skills: Iterable[Skill], *, cutoff: float = DEFAULT_CUTOFF) -> None:
        by_id: dict[str, Skill] = {}
        for skill in skills:
            if skill.id in by_id:
                raise ValueError(f"duplicate skill id: {skill.id}")
            by_id[skill.id] = skill
        self._by_id = by_id
        self.cutoff = cutoff
        # folded text -> (priority, index of skill); the smallest priority wins a text.
        best: dict[str, tuple[tuple[int, int], int]] = {}
        ordered = list(by_id.values())

        def offer(text: str, kind: int, label_length: int, index: int) -> None:
            if not text:
                return
            priority = (kind, label_length)
            current = best.get(text)
            if current is None or priority < current[0]:
                best[text] = (priority, index)

        folded_labels: list[list[str]] = []
        head_counts: Counter[str] = Counter()
        for index, skill in enumerate(ordered):
            labels = [fold(skill.label), *(fold(alt) for alt in skill.alt_labels)]
            folded_labels.append(labels)
            for position, label in enumerate(labels):
                offer(label, _PREFERRED if position == 0 else _ALTERNATIVE, len(label), index)
            head_counts.update({label.split(" ", 1)[0] for label in labels if label})
        heads = {word for word, count in head_counts.items() if count >= CORE_HEAD_MIN_LABELS}
        for index, labels in enumerate(folded_labels):
            for label in labels:
                offer(_core(label, heads), _CORE, len(label), index)
            # "Python (computer programming)" is also just "Python".
            for raw in (ordered[index].label, *ordered[index].alt_labels):
                if "(" in raw:
                    offer(fold(raw.split("(", 1)[0]), _CORE, len(raw), index)
        # Sorted by length, so that a query only scans the lengths that can reach the cut-off.
        choices = sorted(best, key=lambda text: (len(text), text))
        # Word forms aside, the best text of each stem key: the first by priority wins.
        by_stem: dict[str, tuple[tuple[int, int], int]] = {}
        for position, text in enumerate(choices):
            key, priority = word_forms_key(text), best[text][0]
            current = by_stem.get(key)
            if current is None or priority < current[0]:
                by_stem[key] = (priority, position)
        self._install(
            ordered,
            _Index(
                choices,
                [best[text][1] for text in choices],
                {key: position for key, (_, position) in by_stem.items()},
            ),
        )

    @classmethod
    def _restore(
        cls, skills: list[Skill], index: _Index, *, cutoff: float = DEFAULT_CUTOFF
    ) -> SkillVocabulary:
        """A vocabulary from an index built before (see :func:`cached_vocabulary`)."""
        vocabulary = cls.__new__(cls)
        vocabulary._by_id = {skill.id: skill for skill in skills}
        vocabulary.cutoff = cutoff
        vocabulary._install(skills, index)
        return vocabulary

    def _install(self, skills: list[Skill], index: _Index) -> None:
        self._skills = skills
        self._index = index
        self._choices = index.choices
        self._lengths = [len(text) for text in index.choices]
        self._choice_skill = index.choice_skill
        self._by_stem = index.by_stem
        # (folded text, cut-off) -> match: imports repeat the same few skills thousands of
        # times, and normalize_batch() fills it for a whole file at once.
        self._found: dict[tuple[str, float], SkillMatch | None] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, skill_id: object) -> bool:
        return skill_id in self._by_id

    def __iter__(self) -> Iterator[Skill]:
        return iter(self._skills)

    def get(self, skill_id: str) -> Skill:
        """Return the skill with that id, or raise UnknownSkill."""
        try:
            return self._by_id[skill_id]
        except KeyError:
            raise UnknownSkill(skill_id) from None

    def label(self, skill_id: str) -> str:
        """Return the preferred label of a skill id."""
        return self.get(skill_id).label

    def normalize(self, text: str, *, cutoff: float | None = None) -> SkillMatch | None:
        """Return the skill a free text names, or None when nothing matches well enough."""
        return self._normalize_folded(fold(text), self.cutoff if cutoff is None else cutoff)

    def normalize_batch(
        self, texts: Iterable[str], *, cutoff: float | None = None
    ) -> list[SkillMatch | None]:
        """``[normalize(text) for text in texts]``, the typo-tolerant search done for all
        the texts at once.

        An import's distinct skill texts are scored against the labels by one vectorized
        ``rapidfuzz.process.cdist`` per group of similar lengths instead of one
        ``extractOne`` each; the winners are the same (the first best label of each
        text's length window), and are kept for later ``normalize`` calls.
        """
        threshold = self.cutoff if cutoff is None else cutoff
        queries = [fold(text) for text in texts]
        fuzzy: list[_Query] = []
        for query in dict.fromkeys(queries):
            key = (query, threshold)
            if key in self._found:
                continue
            position = self._by_stem.get(word_forms_key(query)) if query else None
            if query and position is None:
                fuzzy.append(self._window(query, threshold))
            else:
                self._remember(key, self._match(position, 100.0))
        for group in _similar_lengths(fuzzy):
            self._search(group, threshold)
        return [self._normalize_folded(query, threshold) for query in queries]

    def _normalize_folded(self, query: str, threshold: float) -> SkillMatch | None:
        key = (query, threshold)
        if key in self._found:
            return self._found[key]
        if not query:
            return None
        position = self._by_stem.get(word_forms_key(query))
        score = 100.0
        if position is None:
            window = self._window(query, threshold)
            found = process.extractOne(
                query,
                self._choices[window.low : window.high],
                scorer=fuzz.QRatio,
                score_cutoff=window.threshold,
            )
            if found is None:
                return self._remember(key, None)
            _, score, offset = found
            position = window.low + offset
        return self._remember(key, self._match(position, score))

    def _window(self, query: str, threshold: float) -> _Query:
        """The labels a fuzzy search for ``query`` scans, and the score it needs."""
        if len(query) < SHORT_QUERY:
            # One wrong letter in a short word is another word ("cooking", "booking");
            # a missing or extra letter is still a typo.
            threshold = max(threshold, 100.0 * (1 - 1 / len(query)) + 0.5)
        # QRatio >= c needs c/(2-c) <= len(choice)/len(query) <= (2-c)/c (c as a fraction).
        ratio = threshold / 100.0
        low = bisect.bisect_left(self._lengths, len(query) * ratio / (2 - ratio))
        high = bisect.bisect_right(self._lengths, len(query) * (2 - ratio) / ratio)
        return _Query(query, threshold, low, high)

    def _search(self, group: list[_Query], threshold: float) -> None:
        """Score a group of fuzzy queries against the union of their windows at once; each
        takes the first best label inside its own window, as ``extractOne`` would."""
        low = min(query.low for query in group)
        high = max(query.high for query in group)
        scores = process.cdist(
            [query.text for query in group],
            self._choices[low:high],
            scorer=fuzz.QRatio,
            score_cutoff=min(query.threshold for query in group),
            dtype=np.float64,  # the scores extractOne compares, ties included
            workers=-1,
        )
        for row, query in zip(scores, group, strict=True):
            match = None
            if query.high > query.low:
                inside = row[query.low - low : query.high - low]
                best = int(np.argmax(inside))  # the first of equal bests
                if inside[best] >= query.threshold:
                    match = self._match(query.low + best, float(inside[best]))
            self._remember((query.text, threshold), match)

    def _match(self, position: int | None, score: float) -> SkillMatch | None:
        if position is None:
            return None
        skill = self._skills[self._choice_skill[position]]
        return SkillMatch(skill.id, skill.label, score, self._choices[position])

    def _remember(self, key: tuple[str, float], match: SkillMatch | None) -> SkillMatch | None:
        if len(self._found) >= _FOUND_LIMIT:
            self._found.clear()  # a long-lived process meeting endless new texts
        self._found[key] = match
        return match

    def normalize_many(self, texts: str | Iterable[str]) -> list[SkillMatch]:
        """Normalize a skills field (or items), keeping each skill once, in input order."""
        fields = [texts] if isinstance(texts, str) else texts
        items = [item for field in fields for item in split_skill_list(field)]
        matches: list[SkillMatch] = []
        seen: set[str] = set()
        for item in items:
            match = self.normalize(item)
            if match is not None and match.id not in seen:
                seen.add(match.id)
                matches.append(match)
        return matches

    def skill_ids(self, texts: str | Iterable[str]) -> list[str]:
        """Return the skill ids a skills field names, in input order."""
        return [match.id for match in self.normalize_many(texts)]


#: Matches a vocabulary keeps (folded text and cut-off → match) before starting afresh.
_FOUND_LIMIT = 65_536
#: Fuzzy queries scored per ``cdist`` call: a group's scores are a float64 matrix of
#: (queries × labels in the union of their windows), at most 16 × 135,000 × 8 B ≈ 17 MB.
_GROUP = 16


@dataclass(frozen=True, slots=True)
class _Query:
    """A fuzzy search: the folded text, the score it needs, its labels' slice [low, high)."""

    text: str
    threshold: float
    low: int
    high: int


def _similar_lengths(queries: list[_Query]) -> Iterator[list[_Query]]:
    """Groups of queries of close lengths, whose label windows overlap the most."""
    ordered = sorted(queries, key=lambda query: (query.low, query.high))
    for start in range(0, len(ordered), _GROUP):
        yield ordered[start : start + _GROUP]


def _core(label: str, heads: set[str]) -> str:
    """Return the label without a frequent leading word and the linking words after it."""
    words = label.split(" ")
    if len(words) < 2 or words[0] not in heads:
        return ""
    rest = words[1:]
    while rest and rest[0] in _LINKING:
        rest = rest[1:]
    core = " ".join(rest)
    return core if len(core) >= 3 else ""


def parse_skills_csv(text: str) -> list[Skill]:
    """Parse id,label,alt_labels rows ("|"-joined alternative labels)."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != ["id", "label", "alt_labels"]:
        raise ValueError(f"unexpected skills CSV header: {reader.fieldnames}")
    skills = []
    for line, row in enumerate(reader, start=2):
        if not row["id"] or not row["label"]:
            raise ValueError(f"line {line}: id and label are required")
        alts = tuple(alt for alt in row["alt_labels"].split("|") if alt)
        skills.append(Skill(row["id"], row["label"], alts))
    return skills


@dataclass(frozen=True, slots=True)
class _Index:
    """What a vocabulary builds from its skills: every matchable text (sorted by length,
    then text), the index of each text's skill, and the text position of each stem key."""

    choices: list[str]
    choice_skill: list[int]
    by_stem: dict[str, int]


#: Bump when the index's build changes (folding, cores, priorities, this layout): a cache
#: file written by another build is then rebuilt, never read.
INDEX_FORMAT = 1
CACHE_DIR_VARIABLE = "CONNECTOR_CACHE_DIR"


def cache_dir() -> Path:
    """Where built indexes are kept: $CONNECTOR_CACHE_DIR, else the user's cache directory."""
    explicit = os.environ.get(CACHE_DIR_VARIABLE)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "connector-network"


def cache_key(data: bytes) -> str:
    """The cache file's key: the vocabulary's bytes, the index format, the stemmer and the
    Python version (marshal's), so a new data release or build never reads an old file."""
    digest = hashlib.sha256(data)
    build = (INDEX_FORMAT, CORE_HEAD_MIN_LABELS, Stemmer.version(), sys.version_info[:2])
    digest.update(repr(build).encode())
    return digest.hexdigest()[:32]


def cached_vocabulary(data: bytes, directory: Path | None) -> SkillVocabulary:
    """The vocabulary of a skills CSV, its index read from ``directory`` when built before.

    Building the index (folding, cores and stems of 135,000 texts) costs 1.5–4.7 s, which
    every short-lived process paid (``connector-node import``, each CLI run); a marshal
    file of the built index loads in a fraction of that. The file is named by
    :func:`cache_key`; a missing, unreadable or malformed one is rebuilt and written
    again (atomically) where the directory allows, else the process just builds its own.
    """
    key = cache_key(data)
    path = None if directory is None else directory / f"esco-skills-{key}.marshal"
    if path is not None:
        restored = _read_index(path, key)
        if restored is not None:
            return SkillVocabulary._restore(*restored)
    vocabulary = SkillVocabulary(parse_skills_csv(data.decode("utf-8")))
    if path is not None:
        _write_index(path, key, vocabulary)
    return vocabulary


def _read_index(path: Path, key: str) -> tuple[list[Skill], _Index] | None:
    try:
        loaded = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    # Only plain containers are accepted: a file of another shape is rebuilt, not trusted.
    if not (type(loaded) is tuple and len(loaded) == 5 and loaded[0] == key):
        return None
    _, rows, choices, choice_skill, by_stem = loaded
    if not (
        type(rows) is list
        and type(choices) is list
        and type(choice_skill) is list
        and type(by_stem) is dict
        and len(choices) == len(choice_skill)
    ):
        return None
    try:
        skills = [Skill(id_, label, tuple(alts)) for id_, label, alts in rows]
    except (TypeError, ValueError):
        return None
    if any(not 0 <= index < len(skills) for index in choice_skill) or any(
        not 0 <= position < len(choices) for position in by_stem.values()
    ):
        return None
    return skills, _Index(choices, choice_skill, by_stem)


def _write_index(path: Path, key: str, vocabulary: SkillVocabulary) -> None:
    index = vocabulary._index
    rows = [(skill.id, skill.label, list(skill.alt_labels)) for skill in vocabulary]
    payload = marshal.dumps((key, rows, index.choices, index.choice_skill, index.by_stem))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".esco-")
    except OSError as exc:
        # A read-only home (systemd's ProtectHome) only costs the build on each start.
        log.info("skill index not cached in %s: %s", path.parent, exc)
        return
    try:
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), 0o644)  # public data, for every user sharing the directory
            out.write(payload)
        os.replace(temporary, path)  # readers see the whole file or none
    except OSError as exc:
        log.info("skill index not cached in %s: %s", path.parent, exc)
        with contextlib.suppress(OSError):
            os.unlink(temporary)


@functools.cache
def default_skills() -> SkillVocabulary:
    """Return the ESCO skills vocabulary shipped in shared/data (loaded once per process,
    its index built once per data version and machine: see :func:`cached_vocabulary`)."""
    data = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_bytes()
    return cached_vocabulary(data, cache_dir())


def skill_label(skill_id: str) -> str:
    """The preferred label of a skill id, or the id itself when the vocabulary lacks it
    (a profile synced by a node with a newer vocabulary still reads as something)."""
    try:
        return default_skills().label(skill_id)
    except UnknownSkill:
        return skill_id
