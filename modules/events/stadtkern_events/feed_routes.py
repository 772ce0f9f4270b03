"""Editors: each feed's last import (the report), run a feed now, upload an iCalendar file."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Annotated

from litestar import Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromPath, FromQuery, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT, HTTP_502_BAD_GATEWAY
from sqlalchemy import select

from core.api import DEFAULT_LIMIT, Invalid, NotFound, RequestContext, check_limit, paginate, require_editor
from schemas import Page
from stadtkern_events.feed_runs import run_import, run_out
from stadtkern_events.feeds import MAX_FEED_BYTES
from stadtkern_events.models import FeedRun
from stadtkern_events.schemas import FeedRunOut, FeedStatusOut
from stadtkern_events.settings import EventsSettings, FeedConfig

Ctx = RequestContext[EventsSettings]
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
# An upload is at most as large as a fetched feed may be (and the multipart envelope).
UPLOAD_LIMIT = MAX_FEED_BYTES + 64 * 1024
log = logging.getLogger("stadtkern.events.feeds")
STATUS = {"ok": HTTP_200_OK, "refused": HTTP_409_CONFLICT, "failed": HTTP_502_BAD_GATEWAY}
# A refused or failed import still answers with its run's report, not a problem document.
REFUSED = ResponseSpec(
    FeedRunOut, description="Refused by the mass-removal guard: the run's report", generate_examples=False
)
FAILED = ResponseSpec(
    FeedRunOut, description="The feed could not be fetched or read: the run's report", generate_examples=False
)


@dataclass
class UploadForm:
    """``multipart/form-data`` with the calendar file in the field ``file``."""

    file: UploadFile


def _configured(ctx: Ctx, feed_id: str) -> FeedConfig | None:
    return next((f for f in ctx.settings.feeds if f.id == feed_id), None)


async def _last_run(ctx: Ctx, feed_id: str) -> FeedRunOut | None:
    stmt = select(FeedRun).where(FeedRun.feed == feed_id).order_by(FeedRun.started_at.desc()).limit(1)
    row = await ctx.session.scalar(stmt)
    return run_out(row) if row is not None else None


@get("/feeds", guards=[require_editor], summary="Each feed and upload source with its last import (editors)")
async def list_feeds(ctx: Ctx) -> list[FeedStatusOut]:
    """Configured feeds first, then sources only known from their runs (uploads)."""
    ids = [f.id for f in ctx.settings.feeds]
    seen = (await ctx.session.scalars(select(FeedRun.feed).distinct())).all()
    ids += sorted(set(seen) - set(ids))
    out = []
    for feed_id in ids:
        feed = _configured(ctx, feed_id)
        out.append(FeedStatusOut(id=feed_id, url=feed.url if feed else None, last_run=await _last_run(ctx, feed_id)))
    return out


@get(
    "/feeds/{feed_id:str}/runs",
    guards=[require_editor],
    summary="A feed's imports, newest first: created, updated, removed, skipped and why (editors)",
)
async def list_feed_runs(
    feed_id: FromPath[str],
    ctx: Ctx,
    cursor: Annotated[str | None, Parameter(max_length=200)] = None,
    limit: FromQuery[int] = DEFAULT_LIMIT,
) -> Page[FeedRunOut]:
    check_limit(limit)
    stmt = select(FeedRun).where(FeedRun.feed == feed_id)
    rows, next_cursor = await paginate(
        ctx.session, stmt, [FeedRun.started_at, FeedRun.id], cursor=cursor, limit=limit, descending=True
    )
    if not rows and not cursor and _configured(ctx, feed_id) is None:
        raise NotFound(detail="no feed or upload source of that id in this city")  # a typo, not "no runs yet"
    return Page(items=[run_out(r) for r in rows], next_cursor=next_cursor)


@post(
    "/feeds/{feed_id:str}/import",
    guards=[require_editor],
    status_code=HTTP_200_OK,
    summary="Import a configured feed now (editors); 409: refused by the mass-removal guard, 502: feed failed",
    responses={HTTP_409_CONFLICT: REFUSED, HTTP_502_BAD_GATEWAY: FAILED},
)
async def import_feed_now(
    feed_id: FromPath[str], ctx: Ctx, confirm_removals: FromQuery[bool] = False
) -> Response[FeedRunOut]:
    """``confirm_removals=true`` lets an import through that the mass-removal guard held back."""
    feed = _configured(ctx, feed_id)
    if feed is None:
        raise NotFound(detail="no such feed in this city's settings")
    run, _ = await run_import(
        ctx.session_factory,
        ctx.push,
        ctx.tenant.time_zone,
        ctx.settings,
        feed,
        log,
        tenant=ctx.tenant.slug,
        confirm_removals=confirm_removals,
        extra={"city": ctx.tenant.slug},
    )
    return Response(run_out(run), status_code=STATUS[run.outcome])


@post(
    "/feeds/{feed_id:str}/upload",
    guards=[require_editor],
    status_code=HTTP_200_OK,
    request_max_body_size=UPLOAD_LIMIT,
    summary="Import an uploaded iCalendar file (editors) as the feed or upload source feed_id; 409: guard",
    responses={HTTP_409_CONFLICT: REFUSED},
)
async def upload_feed(
    feed_id: FromPath[str],
    data: Annotated[UploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    ctx: Ctx,
    confirm_removals: FromQuery[bool] = False,
) -> Response[FeedRunOut]:
    """The same importer as for feeds: its events replace the source's previous ones (guarded).
    A source that is not a configured feed gets the defaults (category ``other``, published)."""
    if not SLUG.match(feed_id):
        raise Invalid("path.feed_id", "lower-case letters, digits, - and _ (at most 63)")
    feed = _configured(ctx, feed_id) or FeedConfig(id=feed_id, url=f"upload:{feed_id}")
    content = await data.file.read()
    if not content.strip():
        raise Invalid("body.file", "the file is empty")
    charset = _charset(data.file.content_type)
    run, _ = await run_import(
        ctx.session_factory,
        ctx.push,
        ctx.tenant.time_zone,
        ctx.settings,
        feed,
        log,
        upload=(content, charset),
        tenant=ctx.tenant.slug,
        confirm_removals=confirm_removals,
        extra={"city": ctx.tenant.slug},
    )
    if run.outcome == "failed":
        raise Invalid("body.file", run.error or "not an iCalendar file")
    return Response(run_out(run), status_code=STATUS[run.outcome])


def _charset(content_type: str | None) -> str | None:
    found = re.search(r"charset=\"?([A-Za-z0-9_.:-]+)", content_type or "")
    return found.group(1) if found else None


feed_handlers = [list_feeds, list_feed_runs, import_feed_now, upload_feed]
