"""Resident routes (thin: parse, call a service, answer), one file per feature."""

from __future__ import annotations

from stadtkern_ideas.controllers import dialogue, discussions, ideas, photos, supports

route_handlers = [
    *ideas.route_handlers,
    *supports.route_handlers,
    *dialogue.route_handlers,
    *discussions.route_handlers,
    *photos.route_handlers,
]
