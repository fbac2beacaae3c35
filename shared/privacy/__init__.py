"""Privacy rules of the federation: pseudonymous refs, generalization, payloads, suppression.

Pure functions, no I/O: the node calls them when it writes an outbox row, the hub when it
publishes figures. docs/privacy.md states the guarantees they give.
"""

from shared.privacy.aggregates import (
    HUB_ROUND_BASE,
    HUB_SUPPRESS_BELOW,
    NODE_THRESHOLD,
    TOTAL_ROW,
    line_is_protected,
    public_rate,
    public_value,
    suppress_table,
    suppress_with_totals,
    table_lines,
)
from shared.privacy.generalize import (
    DEFAULT_K,
    EXPERIENCE_BANDS,
    NOT_LISTED,
    ConnectorFacts,
    Generalized,
    experience_band,
    generalize,
)
from shared.privacy.payloads import (
    PROFILE_FIELDS,
    TOMBSTONE_FIELDS,
    profile_payload,
    tombstone_payload,
)
from shared.privacy.refs import DIRECTORY, INTRO, MIN_KEY_BYTES, is_ref, new_key, pseudonym

__all__ = [
    "DEFAULT_K",
    "DIRECTORY",
    "EXPERIENCE_BANDS",
    "HUB_ROUND_BASE",
    "HUB_SUPPRESS_BELOW",
    "INTRO",
    "MIN_KEY_BYTES",
    "NODE_THRESHOLD",
    "NOT_LISTED",
    "PROFILE_FIELDS",
    "TOMBSTONE_FIELDS",
    "TOTAL_ROW",
    "ConnectorFacts",
    "Generalized",
    "experience_band",
    "generalize",
    "is_ref",
    "line_is_protected",
    "new_key",
    "profile_payload",
    "pseudonym",
    "public_rate",
    "public_value",
    "suppress_table",
    "suppress_with_totals",
    "table_lines",
    "tombstone_payload",
]
