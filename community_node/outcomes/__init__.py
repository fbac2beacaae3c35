"""Follow-up outcomes at 3, 6 and 12 months after the first meeting."""
