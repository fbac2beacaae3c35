"""Staff accounts, roles, session login and personal API tokens."""
