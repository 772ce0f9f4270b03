"""A device's data: the module's own ``/me`` routes and the core's one export and delete
(``ModuleSpec.device_data``); the marker that keeps "one response per device" outlives both."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_participation.models import Marker, PoolMember
from support_participation import BASE, EDITOR, answers, create_survey

from core.testing import register_device, staff_headers

DEVICES = "/v1/dortmund/devices/me"


async def test_deleting_device_data_does_not_allow_a_second_answer(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Answer, ``DELETE /participation/me``, answer again: refused every time; the answer stays, and
    the marker (which names no answer) is what stays with it."""
    staff = await staff_headers(client, sessions, grants=EDITOR)
    survey_id = await create_survey(client, staff)
    url = f"{BASE}/surveys/{survey_id}/responses"
    _, device = await register_device(client)
    first = await client.post(url, json={"answers": answers(), "notify_results": True}, headers=device)
    assert first.status_code == 200, first.text
    for _ in range(3):
        assert (await client.delete(f"{BASE}/me", headers=device)).status_code == 204
        again = await client.post(url, json={"answers": answers(q1="b")}, headers=device)
        assert again.status_code == 409, again.text
    exported = (await client.get(f"{BASE}/me", headers=device)).json()
    assert exported == {"answered_surveys": [survey_id], "result_notifications": [], "pool_registrations": []}
    async with sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM participation_response")) == 1
        assert await session.scalar(select(func.count()).select_from(Marker)) == 1


async def test_the_cores_export_and_delete_cover_participation(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """``GET /devices/me/export`` carries what participation keeps about the device; ``DELETE
    /devices/me`` removes its result opt-ins and pool records and keeps the marker."""
    staff = await staff_headers(client, sessions, grants=EDITOR)
    survey_id = await create_survey(client, staff)
    _, device = await register_device(client)
    body = {"answers": answers(), "notify_results": True}
    assert (await client.post(f"{BASE}/surveys/{survey_id}/responses", json=body, headers=device)).status_code == 200
    signup = {"email": "cem@example.org", "district": "Hörde", "link_device": True}
    assert (await client.post(f"{BASE}/pool/registrations", json=signup, headers=device)).status_code == 202

    exported = await client.get(f"{DEVICES}/export", headers=device)
    assert exported.status_code == 200, exported.text
    mine = exported.json()["modules"]["participation"]
    assert mine["answered_surveys"] == [survey_id] and mine["result_notifications"] == [survey_id]
    assert [m["email"] for m in mine["pool_registrations"]] == ["cem@example.org"]
    assert mine == (await client.get(f"{BASE}/me", headers=device)).json()

    assert (await client.delete(DEVICES, headers=device)).status_code == 204
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(PoolMember)) == 0
        assert await session.scalar(text("SELECT count(*) FROM participation_result_subscription")) == 0
        assert await session.scalar(text("SELECT count(*) FROM participation_response")) == 1
        assert await session.scalar(select(func.count()).select_from(Marker)) == 1


async def test_markers_go_when_the_survey_closes(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A closed survey takes no answers: its markers have done their job and are deleted."""
    staff = await staff_headers(client, sessions, grants=EDITOR)
    survey_id = await create_survey(client, staff)
    other = await create_survey(client, staff)
    _, device = await register_device(client)
    for sid in (survey_id, other):
        assert (
            await client.post(f"{BASE}/surveys/{sid}/responses", json={"answers": answers()}, headers=device)
        ).status_code == 200
    closed = await client.post(f"{BASE}/surveys/{survey_id}/status", json={"status": "closed"}, headers=staff)
    assert closed.status_code == 200, closed.text
    assert (await client.get(f"{BASE}/me", headers=device)).json()["answered_surveys"] == [other]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Marker)) == 1
        assert await session.scalar(text("SELECT count(*) FROM participation_response")) == 2
