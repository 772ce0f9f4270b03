"""Pushes of the Ideenpool: the submitter and the supporters hear of every step (topic opt-in)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from core.api import Audience, Notification
from schemas import LocalizedText
from stadtkern_ideas.models import Idea

TOPIC_STATUS = "ideas.status"

_STATUS_TITLES: dict[str, LocalizedText] = {
    "received": LocalizedText(de="Idee veröffentlicht", en="Idea published"),
    "under_review": LocalizedText(de="Idee wird geprüft", en="Idea under review"),
    "in_project": LocalizedText(de="Idee fließt in ein Projekt ein", en="Idea taken into a project"),
    "implemented": LocalizedText(de="Idee umgesetzt", en="Idea implemented"),
    "not_pursued": LocalizedText(de="Idee wird nicht weiterverfolgt", en="Idea not pursued"),
}
DECLINED = LocalizedText(de="Idee nicht veröffentlicht", en="Idea not published")
MERGED = LocalizedText(de="Idee zusammengeführt", en="Idea merged")


async def tell(push: Any, row: Idea, title: LocalizedText, devices: Iterable[uuid.UUID | None]) -> bool:
    """One push about ``row`` to these devices (those opted in to the topic get it); False if none."""
    audience = tuple(sorted({d for d in devices if d is not None}))
    if not audience:
        return False
    await push.notify(
        Notification(
            topic=TOPIC_STATUS,
            title=title,
            # The resident's own words, as written: the idea's title is the same in every language.
            body=LocalizedText(de=row.title, en=row.title),
            deep_link=f"stadtkern://ideas/ideas/{row.id}",
            data={"idea_id": str(row.id), "status": row.status, "moderation": row.moderation},
            collapse_key=f"ideas-{row.id}",
            audience=Audience(device_ids=audience),
        )
    )
    return True


def status_title(status: str) -> LocalizedText:
    """The push title of a status."""
    return _STATUS_TITLES[status]
