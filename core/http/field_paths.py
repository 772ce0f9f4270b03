"""The key msgspec leaves out: ``$.answers[...]`` becomes ``answers.q6`` when the body tells which.

msgspec reports an error inside a dict's value as ``[...]`` (it does not keep the key), so a wrong
answer to one question named only ``body.answers`` and the app could not mark the question. It
decodes in document order and stops at the first error, so the culprit is the first key whose
value, followed along the rest of the path, has the JSON type the message says it got
(``Expected `str`, got `object```). Where that cannot be told (no "got", the body is not JSON),
the path stays as msgspec wrote it.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

_TOKEN = re.compile(r"\.([^.\[\]]+)|\[(\.\.\.|\d+)\]")
_GOT = re.compile(r"got `(\w+)`")
_KINDS: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "str": (str,),
    "int": (int,),
    "float": (float,),
    "bool": (bool,),
    "null": (type(None),),
}


def _kind_matches(value: Any, kind: str) -> bool:
    if isinstance(value, bool) and kind in {"int", "float"}:
        return False  # JSON true is no number, though Python's bool is an int
    return isinstance(value, _KINDS.get(kind, ()))


def _find(node: Any, tokens: list[tuple[str, str]], kind: str) -> list[str] | None:
    """The written-out tokens leading from ``node`` to a value of ``kind``, or None."""
    if not tokens:
        return [] if _kind_matches(node, kind) else None
    (name, index), rest = tokens[0], tokens[1:]
    if name:
        if isinstance(node, dict) and name in node and (found := _find(node[name], rest, kind)) is not None:
            return [f".{name}", *found]
        return None
    if index == "...":
        for key, value in node.items() if isinstance(node, dict) else ():
            if (found := _find(value, rest, kind)) is not None:
                return [f".{key}", *found]
        return None
    position = int(index)
    if isinstance(node, list) and position < len(node) and (found := _find(node[position], rest, kind)) is not None:
        return [f"[{position}]", *found]
    return None


def name_dict_keys(key: str, message: str, body: bytes | None) -> str:
    """``answers[...]`` (msgspec's path, without ``$``) with each ``[...]`` replaced by the key the body has."""
    got = _GOT.search(message)
    if "[...]" not in key or got is None or not body:
        return key
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return key
    tokens = [(m[1] or "", m[2] or "") for m in _TOKEN.finditer("." + key if not key.startswith("[") else key)]
    found = _find(document, tokens, got[1])
    return "".join(found).lstrip(".") if found else key
