"""The list page reads plain rows (serializers.LIST_COLUMNS), not ORM objects: it must send the very
bytes the ORM-mapped occurrences gave, for every kind of event."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest
from events_testkit import BERLIN, event_body, local
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import contains_eager
from stadtkern_events.models import Occurrence
from stadtkern_events.serializers import occurrence_out

from core.api.tenancy import sessions_for_city
from core.testing import staff_headers

Client = AsyncTestClient[Litestar]
BASE = "/v1/dortmund/events"


@pytest.mark.parametrize("language", ["de", "en"])
async def test_the_page_is_what_the_orm_mapping_gave_byte_for_byte(
    client: Client, sessions: async_sessionmaker[AsyncSession], language: str
) -> None:
    staff = await staff_headers(client, sessions)
    day = dt.datetime.now(BERLIN).date() + dt.timedelta(days=2)
    bodies = [
        event_body(images=[{"url": "https://example.org/a.jpg", "alt": {"de": "Bühne", "en": "Stage"}}]),
        event_body(title={"de": "Lauftreff"}, rrule="FREQ=WEEKLY;COUNT=3", start=local(1, 18), end=local(1, 19)),
        event_body(start=None, end=None, start_date=day.isoformat(), end_date=(day + dt.timedelta(days=1)).isoformat()),
        event_body(place=None, is_free=None, accessibility=[], categories=[], title={"de": "Online-Sprechstunde"}),
        event_body(place={"name": "Ort ohne Punkt", "district": "Hörde"}, start=local(5, 9), end=local(5, 10)),
        event_body(place={"lat": 0.0, "lon": 0.0}, start=local(6, 9), end=local(6, 10), title={"de": "Null Island"}),
    ]
    for body in bodies:
        response = await client.post(f"{BASE}/events", json=body, headers=staff)
        assert response.status_code == 201, response.text
    listed = await client.get(f"{BASE}/occurrences", params={"limit": 200}, headers={"Accept-Language": language})
    assert listed.status_code == 200, listed.text
    locales = (language, "de") if language != "de" else ("de", "en")
    async with sessions_for_city(sessions, "dortmund")() as session:
        stmt = (
            select(Occurrence)
            .join(Occurrence.event)
            .options(contains_eager(Occurrence.event))
            .order_by(Occurrence.starts_at, Occurrence.event_id)
        )
        mapped = [occurrence_out(o, locales) for o in (await session.scalars(stmt)).all()]
    assert len(mapped) == 8  # three weekly dates
    assert listed.content.startswith(b'{"items":' + msgspec.json.encode(mapped) + b',"deleted":')
