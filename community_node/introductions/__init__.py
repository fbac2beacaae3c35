"""Cross-city introductions on the node: requests, decisions, sealed contact cards."""
