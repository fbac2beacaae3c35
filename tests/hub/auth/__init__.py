"""Tests of the hub's machine authentication: token signing keys and security events."""
