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
import csv
import functools
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources

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
        self._skills = ordered
        # Sorted by length, so that a query only scans the lengths that can reach the cut-off.
        self._choices = sorted(best, key=lambda text: (len(text), text))
        self._lengths = [len(text) for text in self._choices]
        self._choice_skill = [best[text][1] for text in self._choices]
        # Word forms aside, the best text of each stem key: the first by priority wins.
        by_stem: dict[str, tuple[tuple[int, int], int]] = {}
        for position, text in enumerate(self._choices):
            key, priority = word_forms_key(text), best[text][0]
            current = by_stem.get(key)
            if current is None or priority < current[0]:
                by_stem[key] = (priority, position)
        self._by_stem = {key: position for key, (_, position) in by_stem.items()}
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


@functools.cache
def default_skills() -> SkillVocabulary:
    """Return the ESCO skills vocabulary shipped in shared/data (built once per process)."""
    text = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    return SkillVocabulary(parse_skills_csv(text))


def skill_label(skill_id: str) -> str:
    """The preferred label of a skill id, or the id itself when the vocabulary lacks it
    (a profile synced by a node with a newer vocabulary still reads as something)."""
    try:
        return default_skills().label(skill_id)
    except UnknownSkill:
        return skill_id
