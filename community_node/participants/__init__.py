"""Connectees, connectors, their languages and their consent records."""
