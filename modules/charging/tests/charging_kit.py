"""Helpers shared by the charging tests (imported by name: this folder is on sys.path under pytest)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_charging.models import Evse, Location
from stadtkern_charging.services.store import tree
from stadtkern_charging.settings import ChargingSettings

from core.api import JobContext
from core.api.keys import ModuleKeys
from core.api.push import BoundPush
from core.api.tenancy import sessions_for_city
from core.testing import TEST_SECRET_KEY, tenant_info
from push.services import PushService


def job_context(
    sessions: async_sessionmaker[AsyncSession],
    settings: ChargingSettings | None = None,
    city: str = "dortmund",
    job_id: str = "test",
) -> JobContext[ChargingSettings]:
    """The context the worker would hand a job of this module for ``city``."""
    tenant = tenant_info(city)
    return JobContext(
        module_id="charging",
        job_id=job_id,
        tenant=tenant,
        settings=settings or ChargingSettings(),
        session_factory=sessions_for_city(sessions, city),
        push=BoundPush(PushService(), None, tenant),
        log=logging.getLogger("test.charging"),
        keys=ModuleKeys("charging", TEST_SECRET_KEY),
    )


async def locations(sessions: async_sessionmaker[AsyncSession], city: str = "dortmund") -> dict[str, Location]:
    """The city's Locations by source id, with EVSEs and connectors loaded."""
    async with sessions_for_city(sessions, city)() as session:
        rows = (await session.scalars(select(Location).options(*tree()))).all()
        return {r.source_id: r for r in rows}


async def evse_by_uid(sessions: async_sessionmaker[AsyncSession], uid: str, city: str = "dortmund") -> Evse:
    """One EVSE of the city by its OCPI uid."""
    async with sessions_for_city(sessions, city)() as session:
        return (await session.scalars(select(Evse).where(Evse.uid == uid))).one()


Plug = tuple[str, str, int, int, int | None]  # standard, power_type, volts, amperes, max_electric_power
CCS_150: Plug = ("IEC_62196_T2_COMBO", "DC", 500, 300, 150000)
CCS_50: Plug = ("IEC_62196_T2_COMBO", "DC", 500, 125, 50000)
CHADEMO_50: Plug = ("CHADEMO", "DC", 500, 125, 50000)
T2_22: Plug = ("IEC_62196_T2", "AC_3_PHASE", 230, 32, None)
T2_11: Plug = ("IEC_62196_T2", "AC_3_PHASE", 230, 16, None)


def ocpi_location(
    ocpi_id: str, lat: float, lon: float, evses: list[tuple[str, str, list[Plug]]], **extra: Any
) -> dict[str, Any]:
    """An OCPI 2.2.1 Location in the spec example's shape, placed in the city."""
    stamp = "2026-11-30T10:00:00Z"
    return {
        "country_code": "DE",
        "party_id": "DOE",
        "id": ocpi_id,
        "publish": True,
        "name": f"Ladepunkt {ocpi_id}",
        "address": "Königswall 15",
        "city": "Dortmund",
        "postal_code": "44137",
        "country": "DEU",
        "coordinates": {"latitude": f"{lat:.6f}", "longitude": f"{lon:.6f}"},
        "parking_type": "ON_STREET",
        "evses": [
            {
                "uid": uid,
                "evse_id": f"DE*DOE*E{uid}",
                "status": status,
                "capabilities": ["RFID_READER"],
                "connectors": [
                    {
                        "id": str(n + 1),
                        "standard": standard,
                        "format": "CABLE" if power_type == "DC" else "SOCKET",
                        "power_type": power_type,
                        "max_voltage": volts,
                        "max_amperage": amps,
                        **({"max_electric_power": watts} if watts else {}),
                        "last_updated": stamp,
                    }
                    for n, (standard, power_type, volts, amps, watts) in enumerate(plugs)
                ],
                "last_updated": stamp,
            }
            for uid, status, plugs in evses
        ],
        "operator": {"name": "DEW21"},
        "time_zone": "Europe/Berlin",
        "last_updated": stamp,
        **extra,
    }


async def store_ocpi(
    sessions: async_sessionmaker[AsyncSession], raws: list[dict[str, Any]], city: str = "dortmund", source: str = "test"
) -> dict[str, Location]:
    """Write OCPI Locations as a pull would; returns them by OCPI id."""
    from stadtkern_charging.ocpi.location import parse_location
    from stadtkern_charging.services.store import write_location

    out = {}
    async with sessions_for_city(sessions, city)() as session, session.begin():
        for raw in raws:
            row = await write_location(session, source, parse_location(raw))
            out[row.ocpi_id] = row
    return out
