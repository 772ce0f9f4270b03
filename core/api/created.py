"""Where a created resource can be read: the ``Location`` of a 201 (RFC 9110, section 15.3.2).

A route that answers 201 declares ``opt=created_resource("/events/events/{id}")``: a path relative to
the city (``/v1/{tenant}`` is put in front), whose ``{names}`` are the route's path parameters or
fields of the body it returns. The core fills the header on every such answer and refuses to
boot a 201 route that declares none, or whose location no GET route answers
(:mod:`core.http.created`). A creation that yields nothing readable (a one-time secret, an
anonymous receipt) is not a 201 but a 200.
"""

from __future__ import annotations

LOCATION_OPT = "location"


def created_resource(template: str) -> dict[str, str]:
    """Route ``opt`` for a 201 whose created resource is read at ``template`` (relative to the city)."""
    if not template.startswith("/"):
        raise ValueError(f"a location is a path from the city's root and starts with '/': {template!r}")
    return {LOCATION_OPT: template}
