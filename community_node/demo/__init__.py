"""A demo community: synthetic but realistic people, matches and outcomes for ``make run``."""

from community_node.demo.loader import (
    DEMO_PASSWORD,
    DEMO_STAFF,
    LoadResult,
    ensure_staff,
    load_demo,
)

__all__ = ["DEMO_PASSWORD", "DEMO_STAFF", "LoadResult", "ensure_staff", "load_demo"]
