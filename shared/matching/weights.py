"""Feature weights and must-have thresholds, configurable per community."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from shared.matching.profiles import LANGUAGE_LEVELS, level_rank

#: Every scored feature, in the order reasons and contributions list them.
FEATURES: tuple[str, ...] = (
    "occupation",
    "skills",
    "experience",
    "language",
    "availability",
    "demand",
    "load",
)

#: Occupation relatedness values by shared SOC prefix; also accepted as must-have names.
OCCUPATION_LEVELS: dict[str, float] = {"same": 1.0, "broad": 0.75, "minor": 0.5, "major": 0.25}


class InvalidWeights(ValueError):
    """The weights configuration is malformed; ``errors`` maps each field to its messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors = {key: list(messages) for key, messages in errors.items()}
        super().__init__("; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in self.errors.items()))


def _number(value: object) -> float | None:
    """Return value as a finite float, or None if it is not a plain finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class Weights:
    """Weights of the scored features (any non-negative scale) and the hard-filter settings.

    ``must_have`` maps a feature to the value it must reach, turning it into a hard filter:
    ``{"occupation": 0.5}`` keeps only candidates related at least at the minor group.
    ``min_language_level`` is the level both sides need for a language to count as shared.
    """

    occupation: float = 0.35
    skills: float = 0.20
    experience: float = 0.10
    language: float = 0.10
    availability: float = 0.10
    demand: float = 0.05
    load: float = 0.10
    min_language_level: str = "B1"
    must_have: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        errors: dict[str, list[str]] = {}
        for name in FEATURES:
            value = _number(getattr(self, name))
            if value is None or value < 0:
                errors[name] = ["Must be a finite number ≥ 0."]
        if not errors and self.total <= 0:
            errors["weights"] = ["At least one weight must be above 0."]
        try:
            if level_rank(self.min_language_level) == 0:
                raise ValueError
        except (ValueError, AttributeError):
            errors["min_language_level"] = [f"Must be one of {', '.join(LANGUAGE_LEVELS)}."]
        if not isinstance(self.must_have, Mapping):
            errors["must_have"] = ["Must be a mapping of feature to threshold."]
        else:
            for key, threshold in self.must_have.items():
                if key not in FEATURES:
                    errors[f"must_have.{key}"] = [f"Unknown feature; use one of {FEATURES}."]
                    continue
                number = _number(threshold)
                if number is None or not 0 <= number <= 1:
                    errors[f"must_have.{key}"] = ["Must be a number between 0 and 1."]
        if errors:
            raise InvalidWeights(errors)
        # Frozen means frozen: nobody may edit the thresholds after validation.
        object.__setattr__(
            self, "must_have", MappingProxyType({k: float(v) for k, v in self.must_have.items()})
        )
        total = self.total
        # Cached: scoring reads these for every seeker and every explained pair.
        object.__setattr__(
            self, "_shares", {name: float(getattr(self, name)) / total for name in FEATURES}
        )
        object.__setattr__(self, "_min_rank", level_rank(self.min_language_level))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Weights:
        """Build weights from a configuration mapping, raising InvalidWeights on bad input.

        Keys are feature names (weights), ``min_language_level`` and ``must_have``; a
        must-have occupation may be a level name: "same", "broad", "minor" or "major".
        """
        if not isinstance(data, Mapping):
            raise InvalidWeights({"weights": ["Must be a mapping."]})
        known = {f.name for f in fields(cls)}
        errors = {str(key): ["Unknown setting."] for key in data if key not in known}
        if errors:
            raise InvalidWeights(errors)
        values = dict(data)
        must_have = values.get("must_have")
        if isinstance(must_have, Mapping):
            converted: dict[str, Any] = {}
            for key, threshold in must_have.items():
                if key == "occupation" and isinstance(threshold, str):
                    if threshold not in OCCUPATION_LEVELS:
                        raise InvalidWeights(
                            {"must_have.occupation": [f"Use one of {list(OCCUPATION_LEVELS)}."]}
                        )
                    converted[key] = OCCUPATION_LEVELS[threshold]
                else:
                    converted[key] = threshold
            values["must_have"] = converted
        return cls(**values)

    @property
    def total(self) -> float:
        """Return the sum of the feature weights."""
        return float(sum(getattr(self, name) for name in FEATURES))

    @property
    def min_rank(self) -> int:
        """Return the rank of the minimum shared-language level."""
        rank: int = self.__dict__["_min_rank"]
        return rank

    def normalized(self) -> dict[str, float]:
        """Return each feature's weight divided by the total (they sum to 1)."""
        return dict(self.__dict__["_shares"])

    def as_dict(self) -> dict[str, Any]:
        """Return the configuration as plain JSON-ready values (from_mapping's input)."""
        data: dict[str, Any] = {name: float(getattr(self, name)) for name in FEATURES}
        data["min_language_level"] = self.min_language_level
        data["must_have"] = dict(self.must_have)
        return data
