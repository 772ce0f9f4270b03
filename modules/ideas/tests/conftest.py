"""Fixtures of the Ideenpool tests come from the root conftest.py (the test kit)."""
