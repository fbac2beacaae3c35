"""Occupation taxonomy (SOC 2018): lookup, search and relatedness by code prefix."""

from shared.taxonomy.soc import (
    Level,
    MalformedCode,
    Occupation,
    Relation,
    Taxonomy,
    UnknownOccupation,
    default_taxonomy,
    normalize_code,
)

__all__ = [
    "Level",
    "MalformedCode",
    "Occupation",
    "Relation",
    "Taxonomy",
    "UnknownOccupation",
    "default_taxonomy",
    "normalize_code",
]
