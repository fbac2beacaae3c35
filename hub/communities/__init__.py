"""Member communities (nodes) and the OAuth2 clients they authenticate with."""
