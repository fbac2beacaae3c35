"""National staff accounts, and the hub as OAuth2 authorization server for communities."""
