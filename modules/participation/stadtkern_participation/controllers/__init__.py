"""Resident, device and anonymous routes (thin: parse, call a service, answer), one file per feature."""

from __future__ import annotations

from stadtkern_participation.controllers import draws, methods, offers, pool, privacy, surveys

route_handlers = [
    *offers.route_handlers,
    *methods.route_handlers,
    *surveys.route_handlers,
    *pool.route_handlers,
    *draws.route_handlers,
    *privacy.route_handlers,
]
