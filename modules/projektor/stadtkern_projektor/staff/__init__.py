"""Staff routes (guarded with require_editor), one file per feature."""

from __future__ import annotations

from stadtkern_projektor.staff import approvals, attendance, reports, resources, workshops

route_handlers = [
    *resources.route_handlers,
    *workshops.route_handlers,
    *approvals.route_handlers,
    *attendance.route_handlers,
    *reports.route_handlers,
]
