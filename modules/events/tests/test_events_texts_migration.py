"""events_0003: events stored with one column per language (``title_de``/``title_en``) keep their
texts when the columns become language-keyed JSON, and go back again on downgrade."""

from __future__ import annotations

from events_testkit import event_body
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import create_unpooled_engine
from core.migrate import downgrade_lineages, lineages, upgrade_lineages
from core.testing import configured_plan, staff_headers

BASE = "/v1/dortmund/events"


async def _migrate_events(database: str, target: str) -> None:
    (events,) = [lineage for lineage in lineages(configured_plan()) if lineage.name == "events"]
    engine = create_unpooled_engine(database)
    try:
        if target == "head":
            await upgrade_lineages(engine, [events])
        else:
            await downgrade_lineages(engine, [events], target)
    finally:
        await engine.dispose()


async def test_texts_survive_the_move_from_columns_to_json_and_back(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], database: str
) -> None:
    staff = await staff_headers(client, sessions, grants={"events": "editor"})
    body = event_body(title={"de": "Sommerfest", "en": "Summer party"}, description={"de": "Im Park"})
    created = await client.post(f"{BASE}/events", json=body, headers=staff)
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]

    await _migrate_events(database, "events_0002")  # the shape rows had before languages were data
    async with sessions() as session:
        old = (
            await session.execute(text("SELECT title_de, title_en, description_de, description_en FROM events_event"))
        ).one()
    assert tuple(old) == ("Sommerfest", "Summer party", "Im Park", None)

    await _migrate_events(database, "head")
    english = await client.get(f"{BASE}/events/{event_id}", headers={"Accept-Language": "en"})
    assert english.status_code == 200, english.text
    assert english.json()["title"] == "Summer party"
    assert english.json()["description"] == "Im Park"  # no English description: German
    assert english.json()["texts"] == {
        "title": {"de": "Sommerfest", "en": "Summer party"},
        "description": {"de": "Im Park"},
    }
