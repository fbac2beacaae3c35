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
        # Imports repeat the same few skills thousands of times.
        self._normalize_folded = functools.lru_cache(maxsize=16384)(  # type: ignore[method-assign]
            self._normalize_folded
        )

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

    def _normalize_folded(self, query: str, threshold: float) -> SkillMatch | None:
        if not query:
            return None
        position = self._by_stem.get(word_forms_key(query))
        score = 100.0
        if position is None:
            if len(query) < SHORT_QUERY:
                # One wrong letter in a short word is another word ("cooking", "booking");
                # a missing or extra letter is still a typo.
                threshold = max(threshold, 100.0 * (1 - 1 / len(query)) + 0.5)
            # QRatio >= c needs c/(2-c) <= len(choice)/len(query) <= (2-c)/c (c as a fraction).
            ratio = threshold / 100.0
            low = bisect.bisect_left(self._lengths, len(query) * ratio / (2 - ratio))
            high = bisect.bisect_right(self._lengths, len(query) * (2 - ratio) / ratio)
            found = process.extractOne(
                query, self._choices[low:high], scorer=fuzz.QRatio, score_cutoff=threshold
            )
            if found is None:
                return None
            _, score, offset = found
            position = low + offset
        skill = self._skills[self._choice_skill[position]]
        return SkillMatch(skill.id, skill.label, float(score), self._choices[position])

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
