"""Queries and changes shared by routes and jobs, one file per feature. Sessions are bound to one city:
no ``tenant_id`` filter here."""
