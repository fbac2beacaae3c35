"""Cross-city introductions brokered between two communities."""
