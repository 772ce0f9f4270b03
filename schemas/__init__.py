"""Wire contract shared by the core, push and every module (msgspec Structs and constrained types)."""

from schemas.common import (
    LOCALE_TAG,
    DeltaPage,
    GeoPoint,
    Key,
    LocaleTag,
    LocalizedText,
    MomentText,
    Page,
    Problem,
    ProblemField,
    ShortText,
)

__all__ = [
    "LOCALE_TAG",
    "DeltaPage",
    "GeoPoint",
    "Key",
    "LocaleTag",
    "LocalizedText",
    "MomentText",
    "Page",
    "Problem",
    "ProblemField",
    "ShortText",
]
