"""Idempotency-Key handling for every POST of the federation API."""
