"""Aggregate outcomes per community and period, and the public national roll-up."""
