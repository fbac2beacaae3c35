"""Plain-language reasons a coordinator can read for one suggested pair.

They are made in English, which the API, the hub's answers and the stored proposals carry;
``say_reason`` says one again in a staff page's language (``shared.wording``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from shared.matching.features import PairFeatures, occupation_keys, relatedness, same_community
from shared.matching.features import shared_languages as shared_language_codes
from shared.matching.profiles import Candidate, Seeker, language_name
from shared.matching.weights import Weights
from shared.taxonomy import Level, default_taxonomy
from shared.text import N_
from shared.wording import ENGLISH, Nn_, Phrase, Words, plural_count, split_list

#: Demand at or above this is called "high" in the reasons.
HIGH_DEMAND = 0.7
#: At most this many skills are named; the rest are counted.
NAMED_SKILLS = 5
# The reasons' pieces depend on a few values of each side, repeated across the pairs a
# ranking or a batch explains: each distinct piece is written once per process (the
# sentences are English, never a reader's language, so the cache cannot mix languages).
_PIECES = 16_384

_LEVEL_DEPTH = {
    Level.MAJOR: 1,
    Level.MINOR: 2,
    Level.BROAD: 3,
    Level.DETAILED: 4,
    Level.AGGREGATE: 4,
}
#: How a candidate's occupation relates to the seeker's, by the depth they share.
RELATIONS = {
    4: N_("same occupation"),
    3: N_("related occupation (same broad group)"),
    2: N_("related occupation (same minor group)"),
    1: N_("same field (major group)"),
}

# The reasons' phrases: the English the API, the hub's answers and the stored proposals
# carry, and the messages a staff page says them again with (``say_reason``).
OCCUPATION = Phrase(N_("%(relation)s: %(occupation)s"))
CURRENT_OCCUPATION = Phrase(N_("%(reason)s (the connectee's current occupation)"))
SKILLS = Phrase(Nn_("%(count)s shared skill: %(skills)s", "%(count)s shared skills: %(skills)s"))
MORE_SKILLS = Phrase(Nn_("%(count)s more", "%(count)s more"))
MORE_EXPERIENCE = Phrase(
    Nn_("%(years)s more year of experience", "%(years)s more years of experience")
)
SIMILAR_EXPERIENCE = Phrase(N_("similar experience"))
LESS_EXPERIENCE = Phrase(
    Nn_(
        "%(years)s year less experience than the connectee",
        "%(years)s years less experience than the connectee",
    )
)
#: One form in English; a language that says one shared language otherwise than several
#: ("langue commune", "langues communes") has its two.
LANGUAGES = Phrase(Nn_("shares %(languages)s", "shares %(languages)s"))
AVAILABILITY = Phrase(N_("available at the same times: %(slots)s"))
#: Availability slots as a sentence names them (``shared.protocol.AVAILABILITY_SLOTS``).
SLOT_WORDS = {
    "weekday_mornings": N_("weekday mornings"),
    "weekday_afternoons": N_("weekday afternoons"),
    "weekday_evenings": N_("weekday evenings"),
    "weekends": N_("weekends"),
}
HIGH_DEMAND_FOR = Phrase(N_("high local demand for %(occupation)s"))
HIGH_LOCAL_DEMAND = Phrase(N_("high local demand"))
CAPACITY = Phrase(
    Nn_(
        "has capacity (%(left)s of %(capacity)s left)",
        "has capacity (%(left)s of %(capacity)s left)",
    )
)
#: Where a candidate of another community is: (community named?, remote meetings?).
ELSEWHERE = {
    (True, True): Phrase(N_("in another community (%(community)s), open to remote meetings")),
    (False, True): Phrase(N_("in another community, open to remote meetings")),
    (True, False): Phrase(
        N_("in another community (%(community)s), open to cross-city introductions")
    ),
    (False, False): Phrase(N_("in another community, open to cross-city introductions")),
}


@functools.lru_cache(maxsize=8192)
def group_title(code: str | None, depth: int) -> str | None:
    """Return the title of the code's ancestor at depth (1 major … 4 itself), if listed."""
    taxonomy = default_taxonomy()
    if code is None or code not in taxonomy:
        return None
    occupation = taxonomy.get(code)
    while True:
        level = _LEVEL_DEPTH[occupation.level]
        if level == depth or (depth == 4 and level < 4):
            return occupation.title
        if level < depth or occupation.parent is None:
            return None
        occupation = taxonomy.get(occupation.parent)


@functools.lru_cache(maxsize=_PIECES)  # the vocabulary is loaded once per process
def esco_label(skill_id: str) -> str | None:
    """Return the ESCO preferred label of a skill id, or None if it is not an ESCO id."""
    # Imported here: the vocabulary takes a moment to load, and only reasons need it.
    from shared.taxonomy.skills import default_skills

    vocabulary = default_skills()
    return vocabulary.label(skill_id) if skill_id in vocabulary else None


def join_words(words: list[str]) -> str:
    """Join words as in prose: "a", "a and b", "a, b and c"."""
    return ENGLISH.join(words)


def _years_phrase(phrase: Phrase, years: float, words: Words = ENGLISH) -> str:
    # The form agrees with the number as English writes it: 1.0000001 years reads "1 year".
    return phrase.say(words, plural_count(float(f"{years:g}")), years=words.number(years))


def occupation_reason(seeker: Seeker, candidate: Candidate, via_current: bool) -> str | None:
    """Say how the candidate's occupation relates to the seeker's."""
    mine = seeker.current_occupation if via_current else seeker.target_occupation
    return _occupation_text(mine, candidate.occupation, via_current)


@functools.lru_cache(maxsize=_PIECES)
def _occupation_text(mine: str | None, theirs: str | None, via_current: bool) -> str | None:
    depth = relatedness(occupation_keys(mine), occupation_keys(theirs))
    if depth == 0:
        return None
    title = group_title(theirs, depth)
    relation = RELATIONS[depth]
    text = OCCUPATION.say(relation=relation, occupation=title) if title else relation
    return CURRENT_OCCUPATION.say(reason=text) if via_current else text


def _named_skills(count: int) -> int:
    """How many items a list of ``count`` shared skills names (the rest as "N more")."""
    return count if count <= NAMED_SKILLS else NAMED_SKILLS + 1


def skills_reason(
    seeker: Seeker,
    candidate: Candidate,
    idf_of: Callable[[str], float],
    skill_label: Callable[[str], str | None] | None,
) -> str | None:
    """Name the shared skills, rarest first (by ESCO label unless skill_label is given).

    Each skill is named once: ids that read the same (a skill known under two ids) count
    as one skill.
    """
    shared = sorted(seeker.skills & candidate.skills, key=lambda s: (-idf_of(s), s))
    if not shared:
        return None
    label = skill_label or esco_label
    # A labeller that does not know an id (returns None or "") leaves the id itself.
    distinct = list(dict.fromkeys(label(s) or s for s in shared))
    names = distinct[:NAMED_SKILLS]
    if len(distinct) > NAMED_SKILLS:
        more = len(distinct) - NAMED_SKILLS
        names.append(MORE_SKILLS.say(n=more, count=more))
    return SKILLS.say(n=len(distinct), count=len(distinct), skills=join_words(names))


def experience_reason(seeker: Seeker, candidate: Candidate) -> str | None:
    """Compare years of experience."""
    if seeker.years is None or candidate.years is None:
        return None
    return _experience_text(candidate.years - seeker.years)


@functools.lru_cache(maxsize=_PIECES)
def _experience_text(gap: float) -> str:
    if gap >= 3:
        return _years_phrase(MORE_EXPERIENCE, gap)
    if gap >= 0:
        return SIMILAR_EXPERIENCE.say()
    return _years_phrase(LESS_EXPERIENCE, -gap)


def reasons(
    seeker: Seeker,
    candidate: Candidate,
    pair: PairFeatures,
    contributions: Mapping[str, float],
    weights: Weights,
    *,
    idf_of: Callable[[str], float],
    skill_label: Callable[[str], str | None] | None = None,
    demand_known: bool = True,
) -> list[str]:
    """Return the reasons for a pair in English, the feature that added most first."""
    found: dict[str, str | None] = {
        "occupation": occupation_reason(seeker, candidate, pair.via_current),
        "skills": skills_reason(seeker, candidate, idf_of, skill_label),
        "experience": experience_reason(seeker, candidate),
    }
    found["language"] = _language_text(
        tuple(seeker.languages.items()), tuple(candidate.languages.items()), weights.min_rank
    )
    if seeker.availability and candidate.availability:
        found["availability"] = _availability_text(
            frozenset(seeker.availability & candidate.availability)
        )
    if demand_known and pair.values["demand"] >= HIGH_DEMAND:
        found["demand"] = _demand_text(seeker.target_occupation)
    if candidate.capacity > 0:
        found["load"] = _capacity_text(candidate.capacity_left, candidate.capacity)
    ordered = sorted(
        (name for name, text in found.items() if text),
        key=lambda name: -contributions.get(name, 0.0),
    )
    texts = [text for name in ordered if (text := found[name])]
    if not same_community(seeker, candidate):
        texts.append(_elsewhere_text(candidate.community, candidate.remote_ok))
    return texts


@functools.lru_cache(maxsize=_PIECES)
def _language_text(
    mine: tuple[tuple[str, str], ...], theirs: tuple[tuple[str, str], ...], min_rank: int
) -> str | None:
    """Name the languages two sides share (their codes and levels as items)."""
    languages = shared_language_codes(dict(mine), dict(theirs), min_rank)
    if not languages:
        return None
    # A macrolanguage and its member (Persian and Dari) read as both: "Persian/Dari".
    named = [
        language_name(code) if code == other else f"{language_name(code)}/{language_name(other)}"
        for code, other in languages
    ]
    return LANGUAGES.say(n=len(named), languages=join_words(named))


@functools.lru_cache(maxsize=_PIECES)
def _availability_text(common_slots: frozenset[str]) -> str | None:
    common = sorted(common_slots)
    if not common:
        return None
    slots = join_words([SLOT_WORDS.get(slot, slot.replace("_", " ")) for slot in common])
    return AVAILABILITY.say(slots=slots)


@functools.lru_cache(maxsize=_PIECES)
def _demand_text(target: str | None) -> str:
    title = group_title(target, 4)
    return HIGH_DEMAND_FOR.say(occupation=title) if title else HIGH_LOCAL_DEMAND.say()


@functools.lru_cache(maxsize=_PIECES)
def _capacity_text(left: int, capacity: int) -> str:
    return CAPACITY.say(n=left, left=left, capacity=capacity)


@functools.lru_cache(maxsize=_PIECES)
def _elsewhere_text(community: str | None, remote_ok: bool) -> str:
    return ELSEWHERE[bool(community), remote_ok].say(community=community)


# Saying a reason again in the reader's language -------------------------------------------


@functools.cache
def _language_codes() -> dict[str, str]:
    """The ISO 639-3 code of each language by its English name in the reasons."""
    from shared.matching.profiles import LANGUAGE_NAMES

    return {name: code for code, name in LANGUAGE_NAMES.items()}


def _say_language(name: str, words: Words) -> str:
    """A language named in English ("Arabic", "Persian/Dari", or a code) in ``words``."""
    if words.language is None:
        return name
    say = words.language
    return "/".join(say(_language_codes().get(part, part)) for part in name.split("/"))


def _say_list(
    text: str, say_item: Callable[[str], str], words: Words, expected: int | None = None
) -> str:
    """An English list said again item by item; as it is when it cannot be read back."""
    items = split_list(text, expected)
    return text if items is None else words.join([say_item(item) for item in items])


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _say_occupation(text: str, words: Words) -> str | None:
    relations = set(RELATIONS.values())
    if text in relations:
        return words.gettext(text)
    found = OCCUPATION.read(text)
    if found and found["relation"] in relations:
        return OCCUPATION.say(
            words, relation=words.gettext(found["relation"]), occupation=found["occupation"]
        )
    return None


def _say_skills(found: dict[str, str], words: Words) -> str | None:
    if not found["count"].isdigit():
        return None
    count = int(found["count"])

    def say_skill(item: str) -> str:
        more = MORE_SKILLS.read(item)
        if count > NAMED_SKILLS and more and more["count"].isdigit():
            left = int(more["count"])
            return MORE_SKILLS.say(words, left, count=words.number(left))
        return item  # a skill's label: ESCO's English

    skills = _say_list(found["skills"], say_skill, words, _named_skills(count))
    return SKILLS.say(words, count, count=words.number(count), skills=skills)


def say_reason(text: str, words: Words = ENGLISH) -> str:
    """A reason ``reasons`` made (in English) said in ``words``' language; a text it did
    not make (from an older or newer version) stays as it is."""
    if words is ENGLISH:
        return text
    # The connectee's current occupation first: its text also reads as a title's.
    if (found := CURRENT_OCCUPATION.read(text)) and (
        inner := _say_occupation(found["reason"], words)
    ) is not None:
        return CURRENT_OCCUPATION.say(words, reason=inner)
    if (said := _say_occupation(text, words)) is not None:
        return said
    if (found := SKILLS.read(text)) and (said := _say_skills(found, words)) is not None:
        return said
    for phrase in (MORE_EXPERIENCE, LESS_EXPERIENCE):
        if (found := phrase.read(text)) and (years := _number(found["years"])) is not None:
            return _years_phrase(phrase, years, words)
    if text == SIMILAR_EXPERIENCE.message:
        return SIMILAR_EXPERIENCE.say(words)
    if found := LANGUAGES.read(text):
        items = split_list(found["languages"])
        if items is None:
            return LANGUAGES.say(words, 2, languages=found["languages"])
        named = words.join([_say_language(item, words) for item in items])
        return LANGUAGES.say(words, len(items), languages=named)
    if found := AVAILABILITY.read(text):
        return AVAILABILITY.say(words, slots=_say_list(found["slots"], words.gettext, words))
    if text == HIGH_LOCAL_DEMAND.message:
        return HIGH_LOCAL_DEMAND.say(words)
    if found := HIGH_DEMAND_FOR.read(text):
        return HIGH_DEMAND_FOR.say(words, occupation=found["occupation"])
    if (found := CAPACITY.read(text)) and found["left"].isdigit() and found["capacity"].isdigit():
        left, capacity = int(found["left"]), int(found["capacity"])
        return CAPACITY.say(words, left, left=words.number(left), capacity=words.number(capacity))
    for phrase in ELSEWHERE.values():
        if (found := phrase.read(text)) is not None:
            return phrase.say(words, community=found.get("community", ""))
    return text
