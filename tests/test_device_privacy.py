"""One export and one delete for a resident, across every module of the city (GDPR Art. 15, 17, 20)."""

from __future__ import annotations

import types

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_events.models import Favourite, Reminder

from core.api import ModuleSpec
from core.device_data import check_device_data
from core.errors import StartupError
from core.models import Device
from core.testing import register_device, staff_headers
from push.models import PushPreference, PushSubscription
from schemas import LocalizedText

EVENT = {
    "title": {"de": "Sommerkonzert im Westfalenpark"},
    "start": "2030-07-01T19:00:00+02:00",
    "end": "2030-07-01T21:00:00+02:00",
}


async def _resident_with_data(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> tuple[str, dict[str, str], str]:
    editor = await staff_headers(client, sessions, "dortmund", {"events": "editor"})
    created = await client.post("/v1/dortmund/events/events", json=EVENT, headers=editor)
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    assert (await client.post(f"/v1/dortmund/events/events/{event_id}/publish", headers=editor)).status_code in (
        200,
        204,
    )
    device_id, headers = await register_device(client, "dortmund", push_token="t" * 40)
    saved = await client.put(f"/v1/dortmund/events/favourites/{event_id}", json={"remind_minutes": 60}, headers=headers)
    assert saved.status_code in (200, 201), saved.text
    topics = {"topics": [{"id": "push.news", "enabled": True}], "quiet_hours": {"start": "22:00", "end": "06:30"}}
    assert (await client.put("/v1/dortmund/devices/me/subscriptions", json=topics, headers=headers)).status_code == 200
    return device_id, headers, event_id


async def test_the_export_holds_every_modules_data(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    device_id, headers, event_id = await _resident_with_data(client, sessions)
    response = await client.get("/v1/dortmund/devices/me/export", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["device"]["id"] == device_id
    assert [f["event_id"] for f in body["modules"]["events"]["favourites"]] == [event_id]
    assert body["modules"]["events"]["favourites"][0]["remind_minutes"] == 60
    assert [s["topic"] for s in body["modules"]["push"]["subscriptions"] if s["enabled"]] == ["push.news"]
    assert body["modules"]["push"]["settings"]["quiet_start"] is not None
    assert "waste" not in body["modules"]  # Dortmund does not enable it
    assert (await client.get("/v1/dortmund/devices/me/export")).status_code == 401


async def test_one_delete_removes_it_everywhere_and_nothing_of_others(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    device_id, headers, event_id = await _resident_with_data(client, sessions)
    other_id, other_headers = await register_device(client, "dortmund")
    kept = await client.put(f"/v1/dortmund/events/favourites/{event_id}", json={}, headers=other_headers)
    assert kept.status_code in (200, 201), kept.text

    assert (await client.delete("/v1/dortmund/devices/me", headers=headers)).status_code == 204
    async with sessions() as session:
        for model in (Favourite, Reminder, PushSubscription, PushPreference):
            left = await session.scalar(select(func.count()).select_from(model).where(model.device_id == device_id))
            assert left == 0, model.__tablename__
        assert await session.get(Device, device_id) is None
        others = select(func.count()).select_from(Favourite).where(Favourite.device_id == other_id)
        assert await session.scalar(others) == 1
    assert (await client.get("/v1/dortmund/devices/me", headers=headers)).status_code == 401


def test_a_module_keeping_device_rows_without_hooks_stops_start_up() -> None:
    leaky = ModuleSpec(id="leaky", title=LocalizedText(de="Leck", en="Leak"), models=(Favourite,))
    with pytest.raises(StartupError, match=r"module 'leaky': table 'events_favourite' refers to core_device"):
        check_device_data(types.SimpleNamespace(specs={"leaky": leaky}))  # type: ignore[arg-type]
