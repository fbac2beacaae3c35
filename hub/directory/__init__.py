"""The national directory of anonymized connector profiles."""
