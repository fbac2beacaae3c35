"""Alembic environment for the hub (run through Flask-Migrate)."""

from shared.web.migrations import run_migrations

run_migrations()
