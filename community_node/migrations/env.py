"""Alembic environment for the community node (run through Flask-Migrate)."""

from shared.web.migrations import run_migrations

run_migrations()
