"""Staff routes: what each source's runs accepted, repaired and rejected."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import FromQuery, Parameter
from sqlalchemy import select

from core.api import DEFAULT_LIMIT, RequestContext, check_limit, paginate, require_editor
from schemas import Page
from stadtkern_charging.models import ImportRun
from stadtkern_charging.schemas.staff import ImportRunOut, RunMessage
from stadtkern_charging.settings import ChargingSettings

Ctx = RequestContext[ChargingSettings]


def run_out(row: ImportRun) -> ImportRunOut:
    """A run as staff read it."""
    return ImportRunOut(
        id=row.id,
        source=row.source,
        kind=row.kind,
        started_at=row.started_at,
        finished_at=row.finished_at,
        ok=row.ok,
        error=row.error,
        accepted=row.accepted,
        repaired=row.repaired,
        rejected=row.rejected,
        outside=row.outside,
        messages=[RunMessage(record=m["record"], message=m["message"]) for m in row.messages],
    )


@get(
    "/runs",
    guards=[require_editor],
    summary="Import runs per source, newest first: accepted, repaired, rejected (editors)",
)
async def list_runs(
    ctx: Ctx,
    source: Annotated[str | None, Parameter(max_length=48)] = None,
    cursor: Annotated[str | None, Parameter(max_length=200)] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> Page[ImportRunOut]:
    """Filtered by ``source`` when given."""
    check_limit(limit)
    stmt = select(ImportRun)
    if source:
        stmt = stmt.where(ImportRun.source == source)
    rows, next_cursor = await paginate(
        ctx.session, stmt, [ImportRun.started_at, ImportRun.id], cursor=cursor, limit=limit, descending=True
    )
    return Page(items=[run_out(r) for r in rows], next_cursor=next_cursor)


route_handlers = [list_runs]
