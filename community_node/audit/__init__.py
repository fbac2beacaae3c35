"""The append-only audit log of every write (who, what, when; no personal data)."""
