"""Seeded synthetic profiles for the evaluation and the benchmarks (no real people)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shared.matching.profiles import Candidate, Seeker
from shared.taxonomy import Level, default_taxonomy

#: Major groups the synthetic people work in (health, computing, business, engineering,
#: education, science, community services, construction).
MAJOR_GROUPS = ("29", "15", "13", "17", "25", "19", "21", "47")
SLOTS = ("weekday_mornings", "weekday_afternoons", "weekday_evenings", "weekends")
OTHER_LANGUAGES = (
    "ara", "spa", "fra", "zho", "hin", "ukr", "fas", "por", "tgl", "vie", "urd", "som",
)  # fmt: skip
SEEKER_ENGLISH = ("A2", "B1", "B1", "B2", "B2", "C1")
CONNECTOR_ENGLISH = ("B2", "C1", "C2", "native", "native", "native")
SECOND_LEVELS = ("B1", "B2", "C1", "native")


def detailed_codes(majors: Sequence[str] = MAJOR_GROUPS) -> list[str]:
    """Return the detailed SOC codes of the given major groups, in code order."""
    return [
        occ.code
        for occ in default_taxonomy()
        if occ.level is Level.DETAILED and occ.major in majors
    ]


def _skills(rng: np.random.Generator, code: str) -> frozenset[str]:
    """Draw skills from pools tied to the code's detailed, broad, minor and major groups."""
    digits = code.replace("-", "")
    own, broad, minor, general = (
        rng.permutation(12)[:3],
        rng.permutation(8)[:2],
        rng.integers(0, 10),
        rng.permutation(30)[: int(rng.integers(1, 3))],
    )
    chosen = {f"d{digits}-{i}" for i in own}
    chosen |= {f"b{digits[:5]}-{i}" for i in broad}
    chosen.add(f"n{digits[:3]}-{minor}")
    chosen |= {f"g-{i}" for i in general}
    return frozenset(chosen)


def _slots(rng: np.random.Generator) -> frozenset[str]:
    return frozenset(s for s, on in zip(SLOTS, rng.random(len(SLOTS)) < 0.5, strict=True) if on)


def _related(rng: np.random.Generator, code: str, codes: Sequence[str]) -> str:
    """Return a code sharing at least the major group with code (sometimes code itself)."""
    same_major = [c for c in codes if c[:2] == code[:2]]
    return same_major[int(rng.integers(0, len(same_major)))]


def candidates(
    count: int,
    seed: int = 7,
    communities: Sequence[str] = ("halifax",),
    codes: Sequence[str] | None = None,
) -> list[Candidate]:
    """Return count synthetic connectors spread over the communities."""
    rng = np.random.default_rng(seed)
    codes = list(codes or detailed_codes())
    # A few occupations are common, most are rare, as in a real program.
    popularity = rng.pareto(1.2, size=len(codes)) + 0.05
    popularity /= popularity.sum()
    occupation = rng.choice(len(codes), size=count, p=popularity)
    english = rng.integers(0, len(CONNECTOR_ENGLISH), size=count)
    second = rng.random(count) < 0.35
    second_language = rng.integers(0, len(OTHER_LANGUAGES), size=count)
    second_level = rng.integers(0, len(SECOND_LEVELS), size=count)
    capacity = rng.integers(1, 6, size=count)
    full = rng.random(count) < 0.2
    left = np.where(full, 0, 1 + (rng.random(count) * capacity).astype(int))
    years = rng.integers(1, 36, size=count)
    flags = rng.random((count, 3))
    people: list[Candidate] = []
    for number in range(count):
        code = codes[int(occupation[number])]
        languages = {"eng": CONNECTOR_ENGLISH[int(english[number])]}
        if second[number]:
            other = OTHER_LANGUAGES[int(second_language[number])]
            languages[other] = SECOND_LEVELS[int(second_level[number])]
        people.append(
            Candidate(
                id=f"c{number}",
                occupation=code,
                skills=_skills(rng, code),
                years=float(years[number]),
                languages=languages,
                availability=_slots(rng),
                community=str(communities[number % len(communities)]),
                capacity=int(capacity[number]),
                capacity_left=int(left[number]),
                remote_ok=bool(flags[number, 0] < 0.3),
                cross_city_ok=bool(flags[number, 1] < 0.4),
                consented=bool(flags[number, 2] < 0.97),
            )
        )
    return people


def seekers(
    count: int,
    seed: int = 11,
    communities: Sequence[str] = ("halifax",),
    codes: Sequence[str] | None = None,
) -> list[Seeker]:
    """Return count synthetic connectees spread over the communities."""
    rng = np.random.default_rng(seed)
    codes = list(codes or detailed_codes())
    people: list[Seeker] = []
    for number in range(count):
        target = codes[int(rng.integers(0, len(codes)))]
        current = target if rng.random() < 0.6 else _related(rng, target, codes)
        native = OTHER_LANGUAGES[int(rng.integers(0, len(OTHER_LANGUAGES)))]
        languages = {"eng": SEEKER_ENGLISH[int(rng.integers(0, len(SEEKER_ENGLISH)))]}
        languages[native] = "native"
        people.append(
            Seeker(
                id=f"s{number}",
                target_occupation=target,
                current_occupation=current,
                skills=_skills(rng, target),
                years=float(rng.integers(0, 21)),
                languages=languages,
                availability=_slots(rng),
                community=str(communities[number % len(communities)]),
                cross_city_ok=bool(rng.random() < 0.7),
            )
        )
    return people
