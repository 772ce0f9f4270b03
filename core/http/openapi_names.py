"""Names a client generator can use: operation ids, tags, component names, descriptions.

Litestar's defaults were built for one app, not a host of independently written modules:
operation ids spelt the whole path (``V1TenantEventsEventIdReadEvent``), the core's routes had no
tag, the tags were never declared, and two modules' ``Place`` (or the app config's and push's
``TopicOut``) became ``stadtkern_events_schemas_Place`` with the shared *title* ``Place``, on which
openapi-python-client silently dropped models and operations. Here:

- ``operationId``: the handler's name, camelCased, after its module's id for module routes
  (``eventsReadEvent``) and the method where one handler answers several (``putSettings``);
  health checks and metrics carry their tag (``healthLive``, ``metricsGet``);
- every operation is tagged (the module id, or the core's area by path), and every tag declared;
- a component keeps its class name unless two share it; then each is named after its owner
  (``EventsPlace``, ``ParticipationPlace``, ``AppConfigTopicOut``, ``PushTopicOut``), generic pages
  after their item (``PageDeliveryOut``, ``DeltaPageOccurrenceOut``); the title is the name;
- an operation without a docstring is described by its summary;
- a fixed tuple (``tuple[str, str]``) is an array of exactly its items, which is what is decoded;
- a titled inline schema (``LocalizedText``, an ``Annotated`` alias with ``Meta(title=…)``) becomes a
  component of that name, so a model with two such fields does not generate two classes of one
  name (where two differ, the inline titles are dropped instead);
- every GET that answers 200 sends an ``ETag`` and answers ``If-None-Match`` with 304
  (core.http.etag): both headers and the 304 are documented, so generated clients expect them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import OpenAPI
from litestar.types.internal_types import PathParameterDefinition

from core.http.openapi_headers import document_headers

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
CORE_TAGS = {
    "app-config": "The city's configuration for the app: enabled modules, push topics, legal texts",
    "devices": "A resident's device: registration (the device credential), settings, export, deletion",
    "staff": "Staff accounts of a city: sign-in, sessions, invitations, grants",
    "health": "Liveness and readiness of the process (for load balancers and orchestrators)",
    "metrics": "Prometheus metrics (operators only)",
}
ETAG_HEADER = {"description": "Weak validator of the body (core.http.etag)", "schema": {"type": "string"}}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "The ETag of the copy the app holds: 304 without a body while it is current",
    "schema": {"type": "string"},
}
NOT_MODIFIED = {
    "description": "Not Modified: the If-None-Match named the current ETag; the app's copy is current, no body",
    "headers": {"ETag": {"$ref": "#/components/headers/ETag"}},
}
_GENERIC = re.compile(r"^(?P<outer>[A-Za-z0-9]+)_(?P<inner>.+)_$")


def _camel(*words: str) -> str:
    parts = [p for w in words for p in re.split(r"[^A-Za-z0-9]+", w) if p]
    return parts[0].lower() + "".join(p[:1].upper() + p[1:] for p in parts[1:]) if parts else ""


def _pascal(words: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", words) if p)


def core_tag(path: str) -> str:
    """The core's area of a route by its path: ``health``, ``metrics``, ``devices``, ``staff``, …"""
    parts = [p for p in path.split("/") if p and not p.startswith("{")]
    if parts and parts[0] == "v1":
        parts = parts[1:]
    return parts[0] if parts else "core"


def operation_id(handler: Any, method: str, components: list[str | PathParameterDefinition]) -> str:
    """``eventsReadEvent``: unique because each module's handler names are, and module ids are."""
    module_id = handler.opt.get("module_id")
    path = "/" + "/".join(c.name if isinstance(c, PathParameterDefinition) else c for c in components)
    prefix = module_id or ("" if path.startswith("/v1/") else core_tag(path))
    verb = method.lower() if len(handler.http_methods) > 1 else ""
    return _camel(prefix, verb, handler.handler_name)


def _owner(prefix: str) -> str:
    """``stadtkern_events_schemas`` → ``Events``; ``core_routes_app_config`` → ``AppConfig``; ``push_x`` → ``Push``."""
    if prefix.startswith("stadtkern_"):
        return _pascal(prefix.removeprefix("stadtkern_").split("_")[0])
    if prefix.startswith("core_routes_"):
        return _pascal(prefix.removeprefix("core_routes_"))
    return _pascal(prefix.split("_")[0])


def component_names(keys: Iterable[str]) -> dict[str, str]:
    """Litestar's component keys → readable unique names (unchanged where already plain)."""
    keys = sorted(keys)
    plain = [k for k in keys if not _GENERIC.match(k)]
    short = {k: k.rsplit("_", 1)[-1] if "_" in k else k for k in plain}
    taken = [short[k] for k in plain]
    names: dict[str, str] = {}
    for key in plain:
        if taken.count(short[key]) == 1 and short[key] == key:
            names[key] = key
            continue
        candidate = _owner(key[: -len(short[key]) - 1]) + short[key] if key != short[key] else key
        names[key] = candidate if candidate not in names.values() and candidate not in taken else _pascal(key)
    for key in keys:
        match = _GENERIC.match(key)
        if match:
            inner = match["inner"].replace(".", "_")
            item = names.get(inner, inner.rsplit("_", 1)[-1])
            names[key] = _pascal(match["outer"]) + item
    if len(set(names.values())) != len(names):
        raise ValueError(f"OpenAPI component names collide: {sorted(names.values())}")
    return names


def _rename_refs(node: Any, names: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            key = ref.removeprefix("#/components/schemas/")
            node = {**node, "$ref": f"#/components/schemas/{names.get(key, key)}"}
        return {k: _rename_refs(v, names) for k, v in node.items()}
    if isinstance(node, list):
        return [_rename_refs(v, names) for v in node]
    return node


def _close_tuples(node: Any) -> Any:
    """``prefixItems`` without ``items`` allowed any further items; msgspec decodes exactly those.

    ``items`` is the one item schema (or their ``anyOf``), for generators that ignore ``prefixItems``
    and for spectral's ``array-items``; ``minItems``/``maxItems`` say how many."""
    if isinstance(node, dict):
        node = {k: _close_tuples(v) for k, v in node.items()}
        if "prefixItems" in node and "items" not in node:
            kinds: list[Any] = []
            for item in node["prefixItems"]:
                if item not in kinds:
                    kinds.append(item)
            count = len(node["prefixItems"])
            items = kinds[0] if len(kinds) == 1 else {"anyOf": kinds}
            node = {**node, "items": items, "minItems": count, "maxItems": count}
        return node
    if isinstance(node, list):
        return [_close_tuples(v) for v in node]
    return node


def _titled(node: Any, found: dict[str, list[str]], top: bool = False) -> None:
    """Inline schemas carrying a ``title`` (a str: a *property* called title is a dict)."""
    if isinstance(node, dict):
        title = node.get("title")
        if isinstance(title, str) and not top:
            found.setdefault(title, []).append(json.dumps(node, sort_keys=True))
        for value in node.values():
            _titled(value, found)
    elif isinstance(node, list):
        for value in node:
            _titled(value, found)


def _untitle(node: Any, hoisted: set[str], top: bool = False) -> Any:
    if isinstance(node, dict):
        title = node.get("title")
        if isinstance(title, str) and not top:
            if title in hoisted:
                return {"$ref": f"#/components/schemas/{title}"}
            node = {k: v for k, v in node.items() if k != "title"}
        return {k: _untitle(v, hoisted) for k, v in node.items()}
    if isinstance(node, list):
        return [_untitle(v, hoisted) for v in node]
    return node


def _hoist_titles(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema["components"]["schemas"]
    found: dict[str, list[str]] = {}
    _titled(schema.get("paths", {}), found)
    for value in components.values():
        _titled(value, found, top=True)
    hoisted = {t for t, copies in found.items() if t not in components and len(set(copies)) == 1}
    schema = {k: _untitle(v, hoisted) if k == "paths" else v for k, v in schema.items()}
    schema["components"] = {
        **schema["components"],
        "schemas": {
            **{k: _untitle(v, hoisted, top=True) for k, v in components.items()},
            **{t: json.loads(found[t][0]) for t in hoisted},
        },
    }
    return schema


def polish(schema: dict[str, Any], module_titles: Mapping[str, str]) -> dict[str, Any]:
    """The served and committed document, from Litestar's (a new dict; the input is left alone)."""
    components = schema.get("components", {})
    names = component_names(components.get("schemas", {}))
    schema = _rename_refs(_close_tuples(schema), names)
    components = schema.setdefault("components", {})
    components["schemas"] = {
        names[key]: {**value, "title": names[key]} for key, value in components.get("schemas", {}).items()
    }
    schema = _hoist_titles(schema)
    components = schema["components"]
    used: set[str] = set()
    for path, item in schema.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operation["tags"] = operation.get("tags") or [core_tag(path)]
            used.update(operation["tags"])
            if not operation.get("description") and operation.get("summary"):
                operation["description"] = operation["summary"].rstrip(".") + "."
            if method == "get" and "200" in operation.get("responses", {}):
                _document_etag(operation)
    components.setdefault("headers", {})["ETag"] = ETAG_HEADER
    components.setdefault("parameters", {})["IfNoneMatch"] = IF_NONE_MATCH
    schema["tags"] = [
        {"name": tag, "description": module_titles.get(tag) or CORE_TAGS.get(tag, tag)} for tag in sorted(used)
    ]
    return document_headers(schema)


def _document_etag(operation: dict[str, Any]) -> None:
    """The 200 carries an ``ETag``; ``If-None-Match`` may be sent; 304 is a documented answer."""
    responses = operation["responses"]
    ok = responses["200"]
    ok["headers"] = {"ETag": {"$ref": "#/components/headers/ETag"}, **ok.get("headers", {})}
    responses.setdefault("304", NOT_MODIFIED)
    parameters = operation.setdefault("parameters", [])
    if not any(p.get("name", "").lower() == "if-none-match" for p in parameters):
        parameters.append({"$ref": "#/components/parameters/IfNoneMatch"})
    operation["responses"] = dict(sorted(responses.items()))


@dataclass
class PolishedOpenAPI(OpenAPI):
    """Litestar's document, polished whenever it is turned into JSON (served and committed alike)."""

    def to_schema(self) -> dict[str, Any]:
        return polish(super().to_schema(), getattr(self, "_module_titles", {}))


@dataclass
class NamedOpenAPIConfig(OpenAPIConfig):
    """An ``OpenAPIConfig`` whose document goes through :func:`polish`; ``module_titles`` names the tags."""

    module_titles: dict[str, str] | None = None

    def to_openapi_schema(self) -> OpenAPI:
        base = super().to_openapi_schema()
        polished = PolishedOpenAPI(**{f.name: getattr(base, f.name) for f in fields(base)})
        polished._module_titles = dict(self.module_titles or {})  # type: ignore[attr-defined]
        return polished
