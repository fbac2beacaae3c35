"""Connector Network national hub: communities, their OAuth2 clients, the federation API."""
