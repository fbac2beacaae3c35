"""Reference taxonomies: SOC 2018 occupations, ESCO skills and OEWS local demand."""

from shared.taxonomy.demand import (
    CellError,
    Demand,
    DemandTable,
    DemandTableError,
    Metro,
    OewsDemand,
    UnknownMetro,
    default_demand,
)
from shared.taxonomy.skills import (
    Skill,
    SkillMatch,
    SkillVocabulary,
    UnknownSkill,
    default_skills,
    skill_label,
)
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
    "CellError",
    "Demand",
    "DemandTable",
    "DemandTableError",
    "Level",
    "MalformedCode",
    "Metro",
    "Occupation",
    "OewsDemand",
    "Relation",
    "Skill",
    "SkillMatch",
    "SkillVocabulary",
    "Taxonomy",
    "UnknownMetro",
    "UnknownOccupation",
    "UnknownSkill",
    "default_demand",
    "default_skills",
    "default_taxonomy",
    "normalize_code",
    "skill_label",
]
