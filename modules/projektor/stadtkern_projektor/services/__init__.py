"""Queries and changes shared by routes, jobs and the seed. Sessions are bound to one city."""
