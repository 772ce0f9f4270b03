"""Participation codes: staff issue single-use codes for a survey with ``eligibility = "code"`` (to
print on letters to a random sample of residents); an answer redeems one.

Issuing stores only each code's keyed hash; the codes are shown once, in the response. Redeeming
does not touch the code table: it inserts the code's marker (``tokens.marker_for_code``) into the
marker table, whose unique constraint refuses a second use and which the anonymity precautions
keep apart from the answers. When the survey closes its codes are deleted with its markers.
"""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.api import ModuleKeys, insert_for
from stadtkern_participation.models import ParticipationCode
from stadtkern_participation.tokens import code_hash, new_code, normal_code


async def issue_codes(session: AsyncSession, keys: ModuleKeys, survey_id: uuid.UUID, count: int) -> list[str]:
    """``count`` new codes for the survey; the database keeps their keyed hashes only."""
    codes: list[str] = []
    while len(codes) < count:
        wanted = [new_code() for _ in range(count - len(codes))]
        for code in wanted:
            stmt = (
                insert_for(session, ParticipationCode)
                .values(
                    id=uuid.uuid4(), survey_id=survey_id, code_hash=code_hash(keys, survey_id, normal_code(code) or "")
                )
                .on_conflict_do_nothing(index_elements=[ParticipationCode.survey_id, ParticipationCode.code_hash])
                .returning(ParticipationCode.id)
            )
            # 60 random bits: a repeat is all but impossible, and would simply be drawn again
            if (await session.execute(stmt)).first() is not None:
                codes.append(code)
    return codes


async def code_is_issued(session: AsyncSession, keys: ModuleKeys, survey_id: uuid.UUID, code: str) -> bool:
    """Whether ``code`` (normalised) was issued for the survey; used or not is the marker's business."""
    stmt = select(ParticipationCode.id).where(
        ParticipationCode.survey_id == survey_id, ParticipationCode.code_hash == code_hash(keys, survey_id, code)
    )
    return await session.scalar(stmt) is not None


async def forget_codes(session: AsyncSession, survey_id: uuid.UUID) -> None:
    """Delete the survey's codes (it closed: they can no longer be used)."""
    await session.execute(delete(ParticipationCode).where(ParticipationCode.survey_id == survey_id))
