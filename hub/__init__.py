"""Connector Network national hub (built in issue 3; nothing here serves yet)."""
