"""Wire contract shared by the core, push and every module (msgspec Structs only)."""

from schemas.common import (
    DeltaPage,
    GeoPoint,
    LocalizedText,
    Page,
    Problem,
    ProblemField,
)

__all__ = ["DeltaPage", "GeoPoint", "LocalizedText", "Page", "Problem", "ProblemField"]
