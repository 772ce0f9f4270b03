"""Staff routes (guarded with ``require_editor``), one file per feature."""

from __future__ import annotations

from stadtkern_participation.staff import codes, draws, methods, offers, surveys

route_handlers = [
    *offers.route_handlers,
    *methods.route_handlers,
    *surveys.route_handlers,
    *codes.route_handlers,
    *draws.route_handlers,
]
