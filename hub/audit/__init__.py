"""The hub's append-only audit log of every write (who, what, when; no secrets)."""
