"""What residents may discuss: the city's public ideas, and the items other modules name.

The dialogue cannot import the modules whose items it carries (participation's offers): it asks
them through the ``DiscussionSubject`` each declares (``core.api``), found in the city's
``TenantInfo``. A city that does not enable the declaring module has no such subject, so its
threads answer 404 like an item that does not exist.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from core.api import DiscussionSubject, NotFound, TenantInfo
from stadtkern_ideas.services.dialogue import SUBJECT_IDEA
from stadtkern_ideas.services.ideas import get_idea


def foreign_subject(tenant: TenantInfo, subject: str) -> DiscussionSubject:
    """The kind of another module's item residents discuss in this city; 404 naming the known ones."""
    found = tenant.discussion_subject(subject)
    if found is None:
        known = ", ".join(s.id for s in tenant.discussion_subjects) or "none"
        raise NotFound(detail=f"nothing of kind {subject[:64]!r} is discussed in this city (kinds: {known})")
    return found


async def check_readable(session: AsyncSession, tenant: TenantInfo, subject: str, item_id: uuid.UUID) -> None:
    """404 unless residents may read the item now: an accepted idea, or an item its module calls public."""
    if subject == SUBJECT_IDEA:
        if (await get_idea(session, item_id)).moderation != "accepted":
            raise NotFound(detail="idea not found")
        return
    kind = foreign_subject(tenant, subject)
    if not (await kind.lookup(session, [item_id])).get(item_id, False):
        raise NotFound(detail=f"{subject.partition('.')[2] or subject} not found")
