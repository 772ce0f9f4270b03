"""The committed JSON Schemas of the manifest and of module.toml match the code."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec

from core.openapi import json_schemas

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


def test_committed_json_schemas_match_the_code() -> None:
    for name, text in json_schemas().items():
        committed = (SCHEMAS / name).read_text(encoding="utf-8")
        assert committed == text, f"schemas/{name} drifted from the code; run `make openapi`"


def test_manifest_schema_describes_cities_and_module_settings() -> None:
    schema = json.loads((SCHEMAS / "manifest.schema.json").read_text(encoding="utf-8"))
    tenant = schema["$defs"]["TenantManifest"]
    assert {"name", "locales", "time_zone", "push_backend", "modules"} <= set(tenant["properties"])
    assert tenant["required"] == ["name"]
    module = json.loads((SCHEMAS / "module.schema.json").read_text(encoding="utf-8"))
    assert set(module["$defs"]["ModuleToml"]["required"]) == {"id", "version", "requires_core"}
    # the repository's own manifest is valid against the types the schema comes from
    from core.manifest import Manifest

    msgspec.toml.decode((SCHEMAS.parent / "module_manifest.toml").read_bytes(), type=Manifest)
