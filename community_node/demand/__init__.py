"""Local labour demand by occupation: the node's OEWS metro or its own uploaded table."""
