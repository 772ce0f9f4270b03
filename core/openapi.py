"""The OpenAPI document as committed under ``schemas/openapi.json`` (stable key order, for diffs)."""

from __future__ import annotations

import json

from core.settings import Settings


def document(settings: Settings) -> str:
    from core.app import create_app

    app = create_app(settings, migrate_on_start=False)
    schema = app.openapi_schema.to_schema()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
