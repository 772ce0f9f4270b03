"""What the schema calls present is present: no response leaves out a field that holds its default.

Generated clients (openapi-typescript) type a property with a default as always there; a reply
that omitted it (msgspec's ``omit_defaults``) made a required question optional in the app and
turned a missing ``scale`` into NaN. Responses send every field; ``null`` where there is nothing.
"""

from __future__ import annotations

from typing import Any, get_args, get_origin

import msgspec.inspect as mi
from litestar import Litestar, Response

from schemas import Problem


def _structs(annotation: Any) -> set[type]:
    found: set[type] = set()
    if get_origin(annotation) is Response:  # Response[SurveyOut]: the body's type
        annotation = get_args(annotation)[0]
    try:
        stack: list[Any] = [mi.type_info(annotation)]
    except (TypeError, ValueError):  # Response[bytes], files and other non-msgspec types
        return found
    while stack:
        node = stack.pop()
        if isinstance(node, mi.StructType):
            if node.cls not in found:
                found.add(node.cls)
                stack.extend(f.type for f in node.fields)
        elif isinstance(node, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
            stack.append(node.item_type)
        elif isinstance(node, mi.DictType):
            stack.append(node.value_type)
        elif isinstance(node, mi.UnionType):
            stack.extend(node.types)
        elif isinstance(node, mi.TupleType):
            stack.extend(node.item_types)
    return found


def test_no_response_omits_a_default(app: Litestar) -> None:
    omitting: set[str] = set()
    annotations: list[Any] = [Problem]  # every error response
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            annotations.append(handler.parsed_fn_signature.return_type.annotation)
    for annotation in annotations:
        for struct in _structs(annotation):
            cls = get_origin(struct) or struct  # Page[OfferOut] -> Page
            if cls.__struct_config__.omit_defaults:
                omitting.add(f"{cls.__module__}.{cls.__qualname__}")
    assert not omitting, f"responses that leave out fields holding their default: {sorted(omitting)}"
