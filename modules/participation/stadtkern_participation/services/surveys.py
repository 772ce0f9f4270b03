"""Surveys: look-ups, an editor's changes, one anonymous submission per device, the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from typing import Any

import msgspec
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import Audience, Conflict, NotFound, Notification, TenantRepository, insert_for, paginate
from schemas import LocalizedText
from stadtkern_participation.lists import join_list, split_list
from stadtkern_participation.models import TRANSITIONS, Marker, Offer, ResultSubscription, Status, Survey
from stadtkern_participation.models import Response as ResponseRow
from stadtkern_participation.questions import csv_cell
from stadtkern_participation.schemas.surveys import SubmissionIn, SurveyIn, questions_of
from stadtkern_participation.services.codes import forget_codes
from stadtkern_participation.services.offers import notify_new

TOPIC_RESULTS = "participation.results"


async def get_survey(session: AsyncSession, survey_id: uuid.UUID, *, staff: bool) -> Survey:
    """The city's survey; a draft only for ``staff`` (for others it does not exist)."""
    repo: TenantRepository[Survey] = TenantRepository.for_model(Survey, session)
    row = await repo.get_one_or_none(id=survey_id)
    if row is None or (row.status == "draft" and not staff):
        raise NotFound(detail="survey not found")
    return row


async def offer_exists(session: AsyncSession, offer_id: uuid.UUID) -> bool:
    """Whether the city has this offer (a survey may belong to one)."""
    return await TenantRepository.for_model(Offer, session).get_one_or_none(id=offer_id) is not None


async def survey_page(
    session: AsyncSession, *, offer_id: uuid.UUID | None, drafts: bool, cursor: str | None, limit: int
) -> tuple[list[Survey], str | None]:
    """One page of surveys (drafts too if asked), optionally of one offer, newest first."""
    stmt = select(Survey)
    if not drafts:
        stmt = stmt.where(Survey.status != "draft")
    if offer_id is not None:
        stmt = stmt.where(Survey.offer_id == offer_id)
    return await paginate(session, stmt, [Survey.id], cursor=cursor, limit=limit, descending=True)


def apply_survey(row: Survey, data: SurveyIn) -> Survey:
    """Write an editor's (already checked) definition into the row."""
    row.title = msgspec.to_builtins(data.title)
    row.intro = None if data.intro is None else msgspec.to_builtins(data.intro)
    row.offer_id = data.offer_id
    row.questions = msgspec.to_builtins(data.questions)
    row.opens_at = data.opens_at
    row.closes_at = data.closes_at
    row.districts = join_list(data.districts)
    row.eligible_districts = data.eligible_districts
    row.min_age = data.min_age
    row.results_visibility = data.results_visibility
    row.eligibility = data.eligibility
    return row


async def add_survey(session: AsyncSession, data: SurveyIn) -> Survey:
    """A new survey from an editor's (already checked) definition, as a draft."""
    repo: TenantRepository[Survey] = TenantRepository.for_model(Survey, session)
    row = await repo.add(apply_survey(Survey(status="draft"), data))
    await session.flush()
    return row


async def set_survey_status(session: AsyncSession, push: Any, row: Survey, status: Status) -> None:
    """Move the survey along its status flow: publishing pushes it, publishing results tells who opted in."""
    if status not in TRANSITIONS[row.status]:
        raise Conflict(detail=f"a survey in status {row.status!r} cannot become {status!r}")
    row.status = status
    if status == "closed":
        # No more answers: the markers that refused second ones, and the codes, have done their job.
        await session.execute(delete(Marker).where(Marker.survey_id == row.id))
        await forget_codes(session, row.id)
    if status == "published":
        await notify_new(
            push,
            title=row.title,
            deep_link=f"stadtkern://participation/surveys/{row.id}",
            districts=split_list(row.districts),
            topics=[],
            kind_de="Neue Umfrage",
            kind_en="New survey",
        )
    elif status == "results_published":
        subs = list(await session.scalars(select(ResultSubscription).where(ResultSubscription.survey_id == row.id)))
        if subs:
            await push.notify(
                Notification(
                    topic=TOPIC_RESULTS,
                    title=LocalizedText(de="Ergebnisse veröffentlicht", en="Results published"),
                    body=msgspec.convert(row.title, LocalizedText),
                    deep_link=f"stadtkern://participation/surveys/{row.id}/results",
                    # sorted: the rows' order could be the order in which the devices answered
                    audience=Audience(device_ids=tuple(sorted(s.device_id for s in subs))),
                )
            )
            for sub in subs:
                await session.delete(sub)
    await session.flush()


async def mark_answered(session: AsyncSession, survey_id: uuid.UUID, marker: str) -> bool:
    """Insert the marker unless this survey has it already; False if it had (one round trip).

    The unique constraint decides, also when two submissions from one device race: PostgreSQL's
    ``ON CONFLICT DO NOTHING`` waits for the other transaction and inserts nothing if it committed.
    """
    stmt = (
        insert_for(session, Marker)
        .values(id=uuid.uuid4(), survey_id=survey_id, marker=marker)
        .on_conflict_do_nothing(index_elements=[Marker.survey_id, Marker.marker])
        .returning(Marker.id)
    )
    return (await session.execute(stmt)).first() is not None


async def record_submission(
    session: AsyncSession, row: Survey, data: SubmissionIn, *, marker: str, device_id: uuid.UUID, today: dt.date
) -> bool:
    """Store a (checked) submission apart from its marker; False if this device had answered already."""
    if not await mark_answered(session, row.id, marker):
        return False
    answers = {q.id: data.answers[q.id] for q in questions_of(row) if data.answers.get(q.id) is not None}
    session.add(ResponseRow(id=uuid.uuid4(), survey_id=row.id, submitted_on=today, answers=answers))
    if data.notify_results:
        session.add(ResultSubscription(survey_id=row.id, device_id=device_id))
    await session.flush()
    return True


async def responses_csv(session: AsyncSession, row: Survey) -> bytes:
    """Every response as one CSV row of its question columns, UTF-8 with a BOM for spreadsheet programs."""
    questions = questions_of(row)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([q.id for q in questions])
    # Ordered by the random id: the order says nothing about when or by whom.
    stmt = select(ResponseRow.answers).where(ResponseRow.survey_id == row.id).order_by(ResponseRow.id)
    for answers in await session.scalars(stmt):
        writer.writerow([csv_cell(q, answers.get(q.id)) for q in questions])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
