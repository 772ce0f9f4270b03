"""Fixtures of the projektor tests come from the root conftest.py."""
