"""The committed ``schemas/openapi.json`` is what the code serves, and is a sound OpenAPI 3.1 document."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from core.loader import build_plan, discover
from core.manifest import load_manifest
from core.openapi import document
from core.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "schemas" / "openapi.json"
MANIFEST = ROOT / "module_manifest.toml"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _settings(tmp_path: Path) -> Settings:
    return load_settings(
        env="test",
        manifest_path=str(MANIFEST),
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
        secret_key="openapi-test-secret-key-long-enough-for-hs256",
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> str:
    return document(_settings(tmp_path_factory.mktemp("openapi")))


@pytest.fixture(scope="module")
def spec(generated: str) -> dict[str, Any]:
    return json.loads(generated)  # type: ignore[no-any-return]


def test_committed_document_matches_the_code(generated: str) -> None:
    assert COMMITTED.exists(), "schemas/openapi.json is missing; run `make openapi` and commit it"
    committed = COMMITTED.read_text(encoding="utf-8")
    if committed != generated:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    generated.splitlines(keepends=True),
                    "schemas/openapi.json (committed)",
                    "generated from the code",
                )
            )[:60]
        )
        pytest.fail(
            "schemas/openapi.json is out of date with the code: run `make openapi` and commit the result.\n" + diff,
            pytrace=False,
        )


def test_document_is_deterministic(generated: str, tmp_path: Path) -> None:
    assert document(_settings(tmp_path)) == generated


def test_only_enabled_modules_are_documented(spec: dict[str, Any]) -> None:
    plan = build_plan(load_manifest(MANIFEST))
    documented_tags = {tag for path in spec["paths"].values() for op in path.values() for tag in op.get("tags", [])}
    for module_id in set(discover()) - set(plan.specs):
        assert module_id not in documented_tags, f"module {module_id!r} is installed but not enabled"
        assert not any(p.startswith(f"/v1/{{tenant}}/{module_id}/") for p in spec["paths"]), module_id


def test_core_routes_are_documented(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    for path, method in [
        ("/v1/{tenant}/app-config", "get"),
        ("/v1/{tenant}/devices", "post"),
        ("/v1/{tenant}/devices/me", "get"),
        ("/v1/{tenant}/devices/me", "patch"),
        ("/v1/{tenant}/devices/me", "delete"),
        ("/v1/{tenant}/staff/login", "post"),
        ("/v1/{tenant}/staff/accounts", "get"),
        ("/v1/{tenant}/staff/invitations", "post"),
        ("/health/live", "get"),
        ("/health/ready", "get"),
    ]:
        assert method in paths.get(path, {}), f"{method.upper()} {path} is not documented"
    listing = {p["name"]: p for p in paths["/v1/{tenant}/staff/accounts"]["get"].get("parameters", []) if "name" in p}
    assert listing["cursor"]["in"] == "query"
    assert listing["limit"]["in"] == "query"


def _resolve(spec: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"external reference {ref}"
    node: Any = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"dangling reference {ref}"
        node = node[part]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def test_document_is_structurally_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.1\.\d+", spec["openapi"])
    assert spec["info"]["title"] == "Stadtkern"
    assert spec["info"]["version"]
    assert isinstance(spec["paths"], dict) and spec["paths"]
    operation_ids: list[str] = []
    for path, item in spec["paths"].items():
        assert path.startswith("/"), path
        templated = set(re.findall(r"\{([^}]+)\}", path))
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            where = f"{method.upper()} {path}"
            responses = operation.get("responses")
            assert isinstance(responses, dict) and responses, f"{where} has no responses"
            for code, response in responses.items():
                assert re.fullmatch(r"[1-5](\d\d|XX)|default", code), f"{where}: response code {code}"
                target = _resolve(spec, response["$ref"]) if "$ref" in response else response
                assert "description" in target, f"{where} {code} has no description"
            if "operationId" in operation:
                operation_ids.append(operation["operationId"])
            parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
            declared_in_path = set()
            for parameter in parameters:
                parameter = _resolve(spec, parameter["$ref"]) if "$ref" in parameter else parameter
                assert parameter["in"] in {"query", "header", "path", "cookie"}, where
                if parameter["in"] == "path":
                    assert parameter.get("required") is True, f"{where}: path parameter must be required"
                    declared_in_path.add(parameter["name"])
            assert declared_in_path == templated, f"{where}: path parameters {declared_in_path} vs {templated}"
    assert len(operation_ids) == len(set(operation_ids)), "operationIds must be unique"
    for ref in _refs(spec):
        _resolve(spec, ref)


def test_names_a_generator_can_use(spec: dict[str, Any]) -> None:
    """Readable unique operation ids, declared tags, a description per operation, unique component
    names equal to their titles (openapi-python-client drops models sharing a title), a licence."""
    assert spec["info"]["license"] == {"name": "EUPL-1.2", "identifier": "EUPL-1.2"}
    declared = {tag["name"] for tag in spec["tags"]}
    assert all(tag.get("description") for tag in spec["tags"])
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            where = f"{method.upper()} {path}"
            assert re.fullmatch(r"[a-z][A-Za-z0-9]*", operation["operationId"]), where
            assert not operation["operationId"].startswith("v1Tenant"), where
            assert operation["tags"] and set(operation["tags"]) <= declared, where
            assert operation.get("description"), f"{where} has no description"
    schemas = spec["components"]["schemas"]
    assert all(re.fullmatch(r"[A-Za-z0-9]+", name) for name in schemas), sorted(schemas)
    assert all(value.get("title") == name for name, value in schemas.items())
    assert {"EventsPlace", "ParticipationPlace", "AppConfigTopicOut", "PushTopicOut"} <= set(schemas)
    assert schemas["DeviceOut"]["properties"]["platform"]["enum"] == ["ios", "android", "web"]
    assert all("name" not in s for s in spec["components"]["securitySchemes"].values())  # apiKey only


def test_etag_304_and_conflicts_are_documented(spec: dict[str, Any]) -> None:
    """Every GET that answers 200 sends an ETag and may answer 304; every write may answer 409."""
    events = spec["paths"]["/v1/{tenant}/events/occurrences"]["get"]
    assert "304" in events["responses"] and "ETag" in events["responses"]["200"]["headers"]
    assert {"$ref": "#/components/parameters/IfNoneMatch"} in events["parameters"]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in {"post", "put", "patch", "delete"} and path.startswith("/v1/"):
                assert "409" in operation["responses"], f"{method.upper()} {path}"
            if method in {"post", "put", "patch"} and path.startswith("/v1/"):
                assert "413" in operation["responses"], f"{method.upper()} {path}"


def test_component_names_stay_plain_unless_shared() -> None:
    from core.http.openapi_names import component_names

    keys = ["Accepted", "core_routes_app_config_TopicOut", "push_schemas_TopicOut", "Page_push.staff.DeliveryOut_"]
    keys += ["stadtkern_charging_schemas_staff_ImportRunOut", "Page_stadtkern_charging.schemas.staff.ImportRunOut_"]
    names = component_names(keys)
    assert names == {
        "Accepted": "Accepted",
        "core_routes_app_config_TopicOut": "AppConfigTopicOut",
        "push_schemas_TopicOut": "PushTopicOut",
        "Page_push.staff.DeliveryOut_": "PageDeliveryOut",
        "stadtkern_charging_schemas_staff_ImportRunOut": "ChargingImportRunOut",
        "Page_stadtkern_charging.schemas.staff.ImportRunOut_": "PageChargingImportRunOut",
    }


# A field of these names holds one of a known set of words: a generated client should get an enum
# (a TypeScript union, a Python Enum), not a bare string it must guess the values of.
WORD_FIELDS = {"status", "state", "kind", "mode", "format", "outcome", "priority", "platform", "power_type"}


def test_every_status_kind_and_format_is_an_enum(spec: dict[str, Any]) -> None:
    bare = []
    for name, schema in spec["components"]["schemas"].items():
        for field, prop in (schema.get("properties") or {}).items():
            if field not in WORD_FIELDS or prop.get("type") == "integer":  # Problem.status: the HTTP code
                continue
            choices = prop.get("oneOf") or prop.get("anyOf") or [prop]
            if not all("enum" in c or "const" in c or "$ref" in c or c.get("type") == "null" for c in choices):
                bare.append(f"{name}.{field}")
    assert bare == [], f"plain strings where the values are known: {bare}"


def test_a_survey_answer_is_typed_by_what_questions_take(spec: dict[str, Any]) -> None:
    answer = spec["components"]["schemas"]["SubmissionIn"]["properties"]["answers"]["additionalProperties"]
    kinds = sorted(json.dumps(choice, sort_keys=True) for choice in answer["oneOf"])
    # exactly one choice fits any value (no integer beside number: a 3 would fit both)
    assert kinds == sorted(
        json.dumps(k, sort_keys=True)
        for k in (
            {"type": "string"},
            {"type": "integer"},
            {"type": "boolean"},
            {"type": "array", "items": {"type": "string"}},
            {"type": "null"},
        )
    ), answer


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, item in spec["paths"].items() for m, op in item.items() if m in HTTP_METHODS]


def test_credentials_are_named_per_operation(spec: dict[str, Any]) -> None:
    """A public route takes a credential optionally (``security: [{}, …]``), a guarded one names the
    credential its guard takes, and wherever a token is read a refused one is a documented 401."""
    assert "security" not in spec
    assert set(spec["components"]["securitySchemes"]) == {"DeviceCredential", "StaffSession"}
    by_id = {op["operationId"]: op for _, _, op in _operations(spec)}
    optional = [{}, {"DeviceCredential": []}, {"StaffSession": []}]
    for anonymous in ("registerDevice", "appConfig", "eventsListOccurrences", "login"):
        assert by_id[anonymous]["security"] == optional, anonymous
    assert by_id["readDevice"]["security"] == [{"DeviceCredential": []}]
    assert by_id["eventsCreateEvent"]["security"] == [{"StaffSession": []}]
    for method, path, operation in _operations(spec):
        where = f"{method.upper()} {path}: {operation['security']}"
        if path.startswith(("/schema", "/health", "/metrics")):
            # no token is read there: one sent is ignored
            assert operation["security"] == [] and "401" not in operation["responses"], where
        elif not operation["security"]:
            # the partner's own OCPI token, not a Stadtkern credential (charging's receiver)
            assert "/ocpi/2.2.1/emsp/" in path and "401" in operation["responses"], where
        else:
            assert "401" in operation["responses"], where
            assert "WWW-Authenticate" in operation["responses"]["401"]["headers"], where


def test_the_headers_each_answer_carries_are_documented(spec: dict[str, Any]) -> None:
    """201 Location, 401 WWW-Authenticate, 429/503 Retry-After, RateLimit-* under /v1; a 204 has no body."""
    created = 0
    for method, path, operation in _operations(spec):
        where = f"{method.upper()} {path}"
        for status, response in operation["responses"].items():
            headers = response.get("headers", {})
            expected = {"201": "Location", "401": "WWW-Authenticate", "429": "Retry-After", "503": "Retry-After"}
            if status in expected:
                assert expected[status] in headers, f"{where} {status}"
            if path.startswith("/v1/") and status != "304":
                assert "RateLimit-Remaining" in headers, f"{where} {status}"
            if status == "204":
                assert "content" not in response, where
            created += status == "201"
    assert created >= 25
    assert set(spec["components"]["headers"]) >= {"Location", "WWW-Authenticate", "Retry-After", "RateLimit-Policy"}
