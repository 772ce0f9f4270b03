"""Fixtures of the participation tests come from the root conftest.py."""
