"""Every string a request body may carry has a length limit in its schema (schemas.Key, ShortText,
MomentText, LocalizedText or a limit of its own): a 900 kB title or district is a 422 naming the
field on both databases, never a row PostgreSQL refuses (a 500) and SQLite stores."""

from __future__ import annotations

from typing import Any

import msgspec.inspect as mi
from litestar import Litestar


def _unlimited(annotation: Any) -> set[str]:
    found: set[str] = set()
    seen: set[Any] = set()
    stack: list[tuple[Any, str]] = [(mi.type_info(annotation), "body")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, mi.StructType):
            if node.cls in seen:
                continue
            seen.add(node.cls)
            stack.extend((f.type, f"{node.cls.__qualname__}.{f.name}") for f in node.fields)
        elif isinstance(node, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
            stack.append((node.item_type, f"{path}[]"))
        elif isinstance(node, mi.DictType):
            stack.extend(((node.key_type, f"{path} (key)"), (node.value_type, f"{path} (value)")))
        elif isinstance(node, mi.UnionType):
            stack.extend((member, path) for member in node.types)
        elif isinstance(node, mi.StrType) and node.max_length is None and node.pattern is None:
            found.add(path)
    return found


def test_every_request_string_has_a_limit(app: Litestar) -> None:
    unlimited: set[str] = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            body = handler.parsed_fn_signature.parameters.get("data")
            if body is not None:
                unlimited |= _unlimited(body.annotation)
    assert not unlimited, f"request strings without a length limit: {sorted(unlimited)}"
