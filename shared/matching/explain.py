"""Plain-language reasons a coordinator can read for one suggested pair."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from shared.matching.features import PairFeatures, occupation_keys, relatedness, same_community
from shared.matching.features import shared_languages as shared_language_codes
from shared.matching.profiles import Candidate, Seeker, language_name
from shared.matching.weights import Weights
from shared.taxonomy import Level, default_taxonomy

#: Demand at or above this is called "high" in the reasons.
HIGH_DEMAND = 0.7
#: At most this many skills are named; the rest are counted.
NAMED_SKILLS = 5

_LEVEL_DEPTH = {
    Level.MAJOR: 1,
    Level.MINOR: 2,
    Level.BROAD: 3,
    Level.DETAILED: 4,
    Level.AGGREGATE: 4,
}
_OCCUPATION_PHRASE = {
    4: "same occupation",
    3: "related occupation (same broad group)",
    2: "related occupation (same minor group)",
    1: "same field (major group)",
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


def esco_label(skill_id: str) -> str | None:
    """Return the ESCO preferred label of a skill id, or None if it is not an ESCO id."""
    # Imported here: the vocabulary takes a moment to load, and only reasons need it.
    from shared.taxonomy.skills import default_skills

    vocabulary = default_skills()
    return vocabulary.label(skill_id) if skill_id in vocabulary else None


def join_words(words: list[str]) -> str:
    """Join words as in prose: "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _years(value: float) -> str:
    number = f"{value:g}"
    return f"{number} year" if number == "1" else f"{number} years"


def occupation_reason(seeker: Seeker, candidate: Candidate, via_current: bool) -> str | None:
    """Say how the candidate's occupation relates to the seeker's."""
    mine = seeker.current_occupation if via_current else seeker.target_occupation
    depth = relatedness(occupation_keys(mine), occupation_keys(candidate.occupation))
    if depth == 0:
        return None
    title = group_title(candidate.occupation, depth)
    text = _OCCUPATION_PHRASE[depth] + (f": {title}" if title else "")
    return text + (" (the connectee's current occupation)" if via_current else "")


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
        names.append(f"{len(distinct) - NAMED_SKILLS} more")
    noun = "shared skill" if len(distinct) == 1 else "shared skills"
    return f"{len(distinct)} {noun}: {join_words(names)}"


def experience_reason(seeker: Seeker, candidate: Candidate) -> str | None:
    """Compare years of experience."""
    if seeker.years is None or candidate.years is None:
        return None
    gap = candidate.years - seeker.years
    if gap >= 3:
        return f"{gap:g} more {'year' if gap == 1 else 'years'} of experience"
    if gap >= 0:
        return "similar experience"
    return f"{_years(-gap)} less experience than the connectee"


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
    """Return the reasons for a pair, the feature that added most first."""
    found: dict[str, str | None] = {
        "occupation": occupation_reason(seeker, candidate, pair.via_current),
        "skills": skills_reason(seeker, candidate, idf_of, skill_label),
        "experience": experience_reason(seeker, candidate),
    }
    languages = shared_language_codes(seeker, candidate, weights.min_rank)
    if languages:
        # A macrolanguage and its member (Persian and Dari) read as both: "Persian/Dari".
        named = [
            language_name(mine)
            if mine == theirs
            else f"{language_name(mine)}/{language_name(theirs)}"
            for mine, theirs in languages
        ]
        found["language"] = "shares " + join_words(named)
    common = sorted(seeker.availability & candidate.availability)
    if common:
        slots = join_words([slot.replace("_", " ") for slot in common])
        found["availability"] = f"available at the same times: {slots}"
    if demand_known and pair.values["demand"] >= HIGH_DEMAND:
        title = group_title(seeker.target_occupation, 4)
        found["demand"] = "high local demand" + (f" for {title}" if title else "")
    if candidate.capacity > 0:
        found["load"] = f"has capacity ({candidate.capacity_left} of {candidate.capacity} left)"
    ordered = sorted(
        (name for name, text in found.items() if text),
        key=lambda name: -contributions.get(name, 0.0),
    )
    texts = [text for name in ordered if (text := found[name])]
    if not same_community(seeker, candidate):
        where = f" ({candidate.community})" if candidate.community else ""
        how = "remote meetings" if candidate.remote_ok else "cross-city introductions"
        texts.append(f"in another community{where}, open to {how}")
    return texts
