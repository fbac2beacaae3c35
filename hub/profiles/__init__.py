"""Anonymized connector profiles the nodes sync to the hub."""
