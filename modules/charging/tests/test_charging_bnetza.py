"""The Bundesnetzagentur register: the real excerpt read and imported, cropped to the city's area."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from charging_kit import job_context, locations
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_charging import payment
from stadtkern_charging.imports.bnetza import Row, read_rows, to_record
from stadtkern_charging.imports.bnetza_job import import_file
from stadtkern_charging.settings import Area, ChargingSettings

from core.api.tenancy import sessions_for_city

EXCERPT = Path(__file__).parent / "data" / "bnetza" / "ladesaeulenregister_excerpt.csv"
# Langenau (Alb-Donau-Kreis) as a polygon: the excerpt's rows there, not its neighbours.
LANGENAU = Area(
    bbox=[48.44, 9.95, 48.53, 10.20], polygon=[[48.45, 10.02], [48.51, 10.02], [48.51, 10.15], [48.45, 10.15]]
)


def _rows() -> list[Row]:
    with EXCERPT.open(encoding="utf-8-sig", newline="") as lines:
        return [r for r in read_rows(lines) if isinstance(r, Row)]


def test_the_excerpt_reads_row_by_row() -> None:
    with EXCERPT.open(encoding="utf-8-sig", newline="") as lines:
        items = list(read_rows(lines))
    assert items[0] == dt.date(2026, 9, 1)  # "Letzte Aktualisierung vom: 01.09.2026" in the preamble
    rows = [r for r in items if isinstance(r, Row)]
    assert len(rows) == 53  # quoted line breaks (public keys) do not split rows
    first = to_record(rows[0], dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
    assert (first.source_id, first.lat, first.lon, first.city) == ("DE*BNA*1010338", 48.442398, 9.659075, "Heroldstatt")
    assert first.operator == {"name": "Albwerk Elektro- und Kommunikationstechnik GmbH"}
    assert [(e.uid, e.evse_id, e.status) for e in first.evses] == [
        ("1010338-1", "DEAEWE002501", "UNKNOWN"),
        ("1010338-2", "DEAEWE002502", "UNKNOWN"),
    ]
    plug = first.evses[0].connectors[0]
    assert (plug.standard, plug.format, plug.power_type, plug.power_w) == (
        "IEC_62196_T2",
        "SOCKET",
        "AC_3_PHASE",
        22000,
    )
    assert payment.methods(first.payment_mask) == ["rfid", "app"] and first.free_of_charge is None
    assert first.opening_times is not None and first.opening_times["twentyfourseven"] is True
    assert not first.live


def test_plug_labels_power_per_plug_and_free_charging() -> None:
    records = {r.get("id"): to_record(r, dt.datetime(2026, 9, 1, tzinfo=dt.UTC)) for r in _rows()}
    mixed = records["1025447"].evses[0].connectors
    assert [(c.standard, c.power_w) for c in mixed] == [("IEC_62196_T2_COMBO", 150000), ("CHADEMO", 150000)]
    schuko = records["1026233"]
    assert [(c.standard, c.power_w) for c in schuko.evses[0].connectors] == [
        ("IEC_62196_T2", 22000),
        ("DOMESTIC_F", 3700),
    ]
    assert schuko.repaired and "Steckertypen1: Schuko at 22 kW capped to 3.7 kW" in schuko.warnings
    assert records["1085129"].free_of_charge is True
    assert records["1085129"].evses[0].connectors[0].format == "CABLE"


def _older_export(tmp_path: Path) -> Path:
    """An older export's shape: no id column, other order, "P1 [kW]", Windows-1252."""
    text = (
        "Ladesäulenregister;;;;;;\r\n\r\n"
        "Betreiber;Straße;Hausnummer;Postleitzahl;Ort;Breitengrad;Längengrad;Steckertypen1;P1 [kW]\r\n"
        "Stadtwerke Langenau;Marktplatz;1;89129;Langenau;48,4980;10,1200;AC Typ 2 Steckdose;11\r\n"
        "Kaputt GmbH;Feld;2;89129;Langenau;keine;10,12;AC Typ 2 Steckdose;11\r\n"
        "Exoten AG;Weg;3;89129;Langenau;48,4981;10,1201;Wasserstoff;50\r\n"
    )
    path = tmp_path / "old.csv"
    path.write_bytes(text.encode("cp1252"))
    return path


async def test_import_crops_to_the_city_and_reports(
    database: str, sessions: async_sessionmaker[AsyncSession], client: AsyncTestClient[Litestar], tmp_path: Path
) -> None:
    settings = ChargingSettings(area=LANGENAU)
    run = await import_file(sessions_for_city(sessions, "dortmund"), "register", EXCERPT, settings)
    assert run.ok and (run.accepted, run.rejected) == (24, 0), run.messages
    assert run.outside == 53 - 24 and run.repaired == 1  # the Schuko cap
    rows = await locations(sessions)
    assert all(r.city.startswith("Langenau") for r in rows.values()) and len(rows) == 24
    evse = rows["DE*BNA*1009242"].evses[0]
    assert (evse.status, evse.live, evse.status_reported_at) == ("UNKNOWN", False, None)
    # residents see the register's chargers as "status unknown", never as free
    response = await client.get(
        "/v1/dortmund/charging/locations", params={"lat": 48.4934, "lon": 10.1078, "radius_m": 300}
    )
    first = response.json()["items"][0]
    assert first["name"] and first["live"] is False and first["status"]["unknown"] == first["status"]["total"] == 2
    free = await client.get(
        "/v1/dortmund/charging/locations",
        params={"lat": 48.4934, "lon": 10.1078, "radius_m": 5000, "available": "true"},
    )
    assert free.json()["items"] == []

    older = await import_file(sessions_for_city(sessions, "dortmund"), "register", _older_export(tmp_path), settings)
    assert (older.ok, older.accepted, older.rejected) == (True, 1, 2)
    assert {m["message"] for m in older.messages} >= {
        "rejected: Breitengrad: not a number ('keine')",
        "rejected: Steckertypen: no charge point with a known plug and power",
    }
    rows = await locations(sessions)
    # the older export is the whole register now: what it no longer lists is REMOVED
    assert rows["DE*BNA*1009242"].evses[0].status == "REMOVED"
    kept = [r for r in rows.values() if r.evses[0].status != "REMOVED"]
    assert [(r.name, r.address, r.city) for r in kept] == [("Stadtwerke Langenau", "Marktplatz 1", "Langenau")]


async def test_the_register_as_a_source_of_the_job(database: str, sessions: async_sessionmaker[AsyncSession]) -> None:
    from stadtkern_charging.jobs import run_due_sources
    from stadtkern_charging.settings import Source

    settings = ChargingSettings(
        area=LANGENAU, sources=[Source(id="bna", type="bnetza", url="http://127.0.0.1:9/x.csv")]
    )
    run = (await run_due_sources(job_context(sessions, settings)))["bna"]
    assert not run.ok and run.error == "download failed: ConnectError"
