"""Queries and changes shared by routes, the seed and the device hooks; no HTTP, no tenant filters."""
