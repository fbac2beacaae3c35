"""Shared resources national staff publish and nodes pull as a change feed."""
