"""A session bound to a city sees and writes only that city's rows, whatever the statement."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.api import CrossCityWrite, TenantRepository, Tombstone, all_cities, city_of, record_deletion
from core.api.tenancy import sessions_for_city
from core.models import Device


async def _two_cities(sessions: async_sessionmaker[AsyncSession]) -> dict[str, uuid.UUID]:
    ids = {}
    async with sessions() as session, session.begin():
        for city in ("dortmund", "schwerte"):
            device = Device(tenant_id=city, platform="android", locale="de", app_version="1.0.0")
            session.add(device)
            await session.flush()
            ids[city] = device.id
            session.add(Tombstone(tenant_id=city, resource="x.y", item_id=str(device.id), deleted_at=device.created_at))
    return ids


async def test_reads_of_every_shape_see_only_the_city(sessions: async_sessionmaker[AsyncSession]) -> None:
    ids = await _two_cities(sessions)
    dortmund = sessions_for_city(sessions, "dortmund")
    async with dortmund() as session:
        assert city_of(session) == "dortmund"
        assert list(await session.scalars(select(Device.id))) == [ids["dortmund"]]
        assert await session.scalar(select(func.count()).select_from(Device)) == 1
        assert await session.get(Device, ids["schwerte"]) is None
        # a join and a subquery: the criterion reaches every occurrence of a city-owned model
        joined = await session.execute(select(Device.id, Tombstone.item_id).join(Tombstone, Tombstone.item_id != ""))
        assert [tuple(r) for r in joined] == [(ids["dortmund"], str(ids["dortmund"]))]
        assert await session.scalar(select(func.count()).select_from(select(Device.id).subquery())) == 1
        android = select(Device.locale).where(Device.platform == "android")
        assert await session.scalar(select(func.count(Device.id)).where(Device.locale.in_(android))) == 1
        assert list(await session.scalars(select(Tombstone.item_id))) == [str(ids["dortmund"])]


async def test_bulk_update_and_delete_touch_only_the_city(sessions: async_sessionmaker[AsyncSession]) -> None:
    ids = await _two_cities(sessions)
    async with sessions_for_city(sessions, "schwerte")() as session, session.begin():
        changed = await session.execute(update(Device).values(locale="en"))
        assert getattr(changed, "rowcount", None) == 1
        gone = await session.execute(delete(Tombstone))
        assert getattr(gone, "rowcount", None) == 1
    async with sessions() as session:  # unbound: the test's own view of every row
        locales = {r[0]: r[1] for r in await session.execute(select(Device.id, Device.locale))}
        assert locales == {ids["dortmund"]: "de", ids["schwerte"]: "en"}
        assert list(await session.scalars(select(Tombstone.item_id))) == [str(ids["dortmund"])]


async def test_new_rows_are_stamped_and_other_cities_rows_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    dortmund = sessions_for_city(sessions, "dortmund")
    async with dortmund() as session, session.begin():
        await record_deletion(session, "x.y", "42")
        session.add(Device(platform="ios", locale="de", app_version="1.0.0"))
    async with sessions() as session:
        assert set(await session.scalars(select(Tombstone.tenant_id))) == {"dortmund"}
        assert set(await session.scalars(select(Device.tenant_id))) == {"dortmund"}
    async with dortmund() as session:
        session.add(Device(tenant_id="schwerte", platform="ios", locale="de", app_version="1.0.0"))
        with pytest.raises(CrossCityWrite, match="schwerte"):
            await session.flush()
    async with dortmund() as session:
        device = (await session.scalars(select(Device))).one()
        device.tenant_id = "schwerte"
        with pytest.raises(CrossCityWrite, match="moved"):
            await session.flush()


async def test_repository_needs_a_city_and_all_cities_is_the_named_crossing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _two_cities(sessions)
    async with sessions() as session:
        with pytest.raises(PermissionError, match="bound to a city"):
            TenantRepository.for_model(Device, session)
    async with all_cities(sessions_for_city(sessions, "dortmund"))() as session:
        assert city_of(session) is None
        assert await session.scalar(select(func.count()).select_from(Device)) == 2
    async with sessions_for_city(sessions, "dortmund")() as session:
        assert await TenantRepository.for_model(Device, session).count() == 1
