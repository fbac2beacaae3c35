"""Per-community eligibility rules (TOML) and the decisions taken under them."""
