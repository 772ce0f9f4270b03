"""The city's area: what imports keep (a bounding box and/or a polygon, in WGS 84 degrees)."""

from __future__ import annotations

from stadtkern_charging.settings import Area


def in_polygon(polygon: list[list[float]], lat: float, lon: float) -> bool:
    """Even-odd rule on (lat, lon) pairs; a point on an edge may fall either way."""
    inside = False
    n = len(polygon)
    for i in range(n):
        (lat1, lon1), (lat2, lon2) = polygon[i], polygon[(i + 1) % n]
        if (lat1 > lat) != (lat2 > lat):
            crossing = lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1)
            if lon < crossing:
                inside = not inside
    return inside


def inside(area: Area | None, lat: float, lon: float) -> bool:
    """Whether a point lies in the city's area (no area: everywhere)."""
    if area is None:
        return True
    if area.bbox is not None:
        south, west, north, east = area.bbox
        if not (south <= lat <= north and west <= lon <= east):
            return False
    return area.polygon is None or in_polygon(area.polygon, lat, lon)
