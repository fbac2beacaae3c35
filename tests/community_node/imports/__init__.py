"""Tests of spreadsheet imports."""
