"""Resident routes (thin: parse, call a service, answer), one file per feature."""

from __future__ import annotations

from stadtkern_projektor.controllers import bookings, calendars, rooms, workshops

route_handlers = [*rooms.route_handlers, *workshops.route_handlers, *bookings.route_handlers, *calendars.route_handlers]
