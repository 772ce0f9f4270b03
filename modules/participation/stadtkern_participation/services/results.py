"""Survey results: who may see them, exact figures for editors, published snapshots for everyone else.

Live results used to be public after one response (showing exactly what that person answered) and
every poll showed the newest answer as the difference to the one before. Residents now see a
*snapshot*: none before ``results_min_responses`` answers, and a new one only once ``results_step``
more answers came in than the last one counted. Two snapshots therefore differ by at least
``results_step`` answers, never by one. Within a snapshot, a question fewer than
``results_min_responses`` residents answered (a conditional one) shows its count only. Free text
is for editors only; editors always see the exact, current figures.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import city_of, insert_for, utcnow
from stadtkern_participation.models import Response as ResponseRow
from stadtkern_participation.models import ResultSnapshot, Survey
from stadtkern_participation.questions import tally
from stadtkern_participation.schemas.surveys import questions_of
from stadtkern_participation.settings import ParticipationSettings

# The keys of a question's tally that carry figures (the rest: id, kind, answered).
FIGURES = ("options", "distribution", "mean", "median", "texts")


def may_see_results(row: Survey, staff: bool) -> bool:
    """Whether the caller may see the survey's results now (its ``results_visibility``; staff always)."""
    if staff:
        return True
    if row.results_visibility == "live":
        return row.status != "draft"
    if row.results_visibility == "after_close":
        return row.status in ("closed", "results_published")
    return False


async def _tally(session: AsyncSession, row: Survey, *, with_text: bool) -> dict[str, Any]:
    answers = await session.scalars(select(ResponseRow.answers).where(ResponseRow.survey_id == row.id))
    return tally(questions_of(row), answers, with_text=with_text)


def _withhold_small(result: dict[str, Any], minimum: int) -> dict[str, Any]:
    """Per question: figures only if at least ``minimum`` residents answered it."""
    for item in result["questions"]:
        if item["answered"] < minimum:
            for key in FIGURES:
                item.pop(key, None)
            item["withheld"] = True
    return result


async def _renew_snapshot(session: AsyncSession, row: Survey, settings: ParticipationSettings, count: int) -> None:
    """Publish a snapshot of ``count`` answers unless one of more than ``count - results_step`` stands.

    The condition sits in the upsert, so two polls at once cannot publish snapshots one answer apart.
    """
    results = _withhold_small(await _tally(session, row, with_text=False), settings.results_min_responses)
    stmt = insert_for(session, ResultSnapshot).values(
        tenant_id=city_of(session), survey_id=row.id, responses=count, results=results
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[ResultSnapshot.survey_id],
        set_={"responses": stmt.excluded.responses, "results": stmt.excluded.results, "updated_at": utcnow()},
        where=ResultSnapshot.responses <= stmt.excluded.responses - settings.results_step,
    )
    await session.execute(stmt)


async def public_results(session: AsyncSession, row: Survey, settings: ParticipationSettings) -> dict[str, Any]:
    """What residents see: the current snapshot, renewed first if enough new answers came in."""
    count = await session.scalar(select(func.count()).select_from(ResponseRow).where(ResponseRow.survey_id == row.id))
    # populate_existing: after the upsert, the row as stored (it may be another poll's snapshot)
    current = select(ResultSnapshot).where(ResultSnapshot.survey_id == row.id).execution_options(populate_existing=True)
    snapshot = await session.scalar(current)
    due = snapshot is None or snapshot.responses + settings.results_step <= (count or 0)
    if (count or 0) >= settings.results_min_responses and due:
        await _renew_snapshot(session, row, settings, count or 0)
        snapshot = await session.scalar(current)
    head = {"survey_id": str(row.id), "status": row.status}
    if snapshot is None:
        return {**head, "withheld": True, "min_responses": settings.results_min_responses}
    return {**snapshot.results, **head}


async def staff_results(session: AsyncSession, row: Survey) -> dict[str, Any]:
    """Editors: the exact, current figures, free text included."""
    result = await _tally(session, row, with_text=True)
    result["survey_id"] = str(row.id)
    result["status"] = row.status
    return result
