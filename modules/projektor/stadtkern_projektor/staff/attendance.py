"""Staff at the lab's desk: check residents in by their code."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import post
from litestar.params import JSONBody

from core.api import require_editor, utcnow
from stadtkern_projektor.controllers.common import Ctx
from stadtkern_projektor.schemas.staff import StaffBookingOut, staff_booking_out
from stadtkern_projektor.services.attendance import check_in


class CheckInIn(msgspec.Struct, forbid_unknown_fields=True):
    """The code the resident's app shows (typed, or read from its QR code)."""

    code: Annotated[str, msgspec.Meta(min_length=4, max_length=16)]


@post("/check-ins", guards=[require_editor], status_code=200, summary="Check a resident in by the code their app shows")
async def check_in_route(data: JSONBody[CheckInIn], ctx: Ctx) -> StaffBookingOut:
    """Accepted from an hour before the start until the end; 404 for no such booking now."""
    return staff_booking_out(await check_in(ctx.session, data.code, utcnow()))


route_handlers = [check_in_route]
