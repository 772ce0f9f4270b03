"""Tiny module specs for loader tests; they are wired through hand-made entry points, never installed."""
