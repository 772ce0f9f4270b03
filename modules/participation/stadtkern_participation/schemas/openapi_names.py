"""Keeps the OpenAPI component names of Structs that moved to another module.

Litestar names a component after the class's ``__module__`` where the short name is not enough:
in a generic (``DeltaPage_stadtkern_participation.offers.OfferOut_``) and when two modules have a
class of that name (``stadtkern_participation_offers_Place``: events has a ``Place`` too; the core
has a ``DeviceExport``). ``schemas/openapi.json`` and the clients generated from it carry those
names, written when these Structs lived in ``stadtkern_participation.offers``, ``.surveys`` and
``.privacy``; moving them must not rename them. Renaming them is an API change of its own, made by
dropping the pin and regenerating.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

StructT = TypeVar("StructT", bound=type)


def published_in(module: str) -> Callable[[StructT], StructT]:
    """Give a Struct the ``__module__`` its OpenAPI component name was published under."""

    def pin(cls: StructT) -> StructT:
        # msgspec and Litestar evaluate string annotations in the module ``__module__`` names,
        # which no longer exists: the pinned class's file must not postpone its annotations.
        postponed = [name for name, value in vars(cls).get("__annotations__", {}).items() if isinstance(value, str)]
        if postponed:
            raise TypeError(f"{cls.__qualname__}: annotations of {', '.join(postponed)} are strings; see openapi_names")
        cls.__module__ = module
        return cls

    return pin
