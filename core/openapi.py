"""The OpenAPI document as committed under ``schemas/openapi.json`` (stable key order, for diffs)."""

from __future__ import annotations

import json

from core.settings import Settings


def document(settings: Settings) -> str:
    from core.app import create_app

    app = create_app(settings, migrate_on_start=False)
    schema = app.openapi_schema.to_schema()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def json_schemas() -> dict[str, str]:
    """JSON Schemas of ``module_manifest.toml`` and of a module's ``module.toml`` (for editors and CI)."""
    import msgspec

    from core.loader import ModuleToml
    from core.manifest import Manifest

    return {
        name: json.dumps(msgspec.json.schema(kind), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        for name, kind in (("manifest.schema.json", Manifest), ("module.schema.json", ModuleToml))
    }
