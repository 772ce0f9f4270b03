"""FIWARE NGSI (v2 / LD, key-values / normalized) and Opendatasoft imports, polled from a local server."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from parking_testkit import FeedServer, counts, facilities, feed_server, job_context, sample, states
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_parking.jobs import poll_sources
from stadtkern_parking.models import ImportRun
from stadtkern_parking.settings import ParkingSettings, SourceConfig

OFF_STREET = [
    "fiware/OffStreetParking/example.json",
    "fiware/OffStreetParking/example-normalized.json",
    "fiware/OffStreetParking/example.jsonld",
    "fiware/OffStreetParking/example-normalized.jsonld",
]


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as feeds:
        yield feeds


async def _poll(sessions: async_sessionmaker[AsyncSession], source: SourceConfig) -> ImportRun:
    (run,) = await poll_sources(job_context(sessions, ParkingSettings(sources=[source])))
    return run


async def test_off_street_parking_in_every_ngsi_shape(
    database: str, sessions: async_sessionmaker[AsyncSession], server: FeedServer
) -> None:
    for number, name in enumerate(OFF_STREET):  # one source per shape: v2/LD x key-values/normalized
        url = server.put(f"/ngsi/{number}", sample(name), content_type="application/json")
        run = await _poll(sessions, SourceConfig(id=f"porto{number}", type="fiware", url=url))
        assert counts(run) == (1, 0, 0), (name, run.issues)
        (facility,) = (await facilities(sessions, f"porto{number}")).values()
        assert facility.name == "Parque de estacionamento Trindade", name
        assert (facility.lat, facility.lon, facility.capacity) == (41.150691773, -8.60961198807, 414), name
        assert facility.kind == "underground" and facility.has_fee is True, name
        state = (await states(sessions, f"porto{number}"))[facility.source_id]
        assert (state.free, state.occupied, state.capacity) == (132, 282, 414), name
        assert state.observed_at.isoformat() == "2018-09-21T12:00:00+00:00", name


async def test_on_street_zone_and_single_spots(
    database: str, sessions: async_sessionmaker[AsyncSession], server: FeedServer
) -> None:
    zone = json.loads(sample("fiware/OnStreetParking/example.json"))
    spot = json.loads(sample("fiware/ParkingSpot/example-normalized.json"))
    # the sample spot belongs to the zone (refParkingSite): the zone's own numbers count
    assert spot["refParkingSite"]["value"] == zone["id"]
    # two spots of another site: one free (the real one, moved), one occupied; one non-parking entity
    plaza = json.loads(json.dumps(spot).replace("daoiz_velarde_1_5", "plaza_1"))
    taken = json.loads(json.dumps(plaza).replace('"free"', '"occupied"').replace(":3", ":4"))
    other = {"id": "urn:ngsi-ld:EVChargingStation:1", "type": "EVChargingStation"}
    body = json.dumps([zone, spot, plaza, taken, other]).encode()
    run = await _poll(sessions, SourceConfig(id="santander", type="fiware", url=server.put("/e", body)))
    assert counts(run) == (2, 0, 1), run.issues
    assert [(i["record"], i["action"]) for i in run.issues] == [
        ("urn:ngsi-ld:EVChargingStation:1", "rejected"),
        (zone["id"], "accepted"),
    ]
    found = await facilities(sessions, "santander")
    assert set(found) == {zone["id"], "santander:plaza_1"}
    street = found[zone["id"]]
    assert street.kind == "on_street" and street.capacity == 6 and street.lat is not None
    assert (found["santander:plaza_1"].capacity, found["santander:plaza_1"].kind) == (2, "on_street")
    live = await states(sessions, "santander")
    assert (live[zone["id"]].free, live[zone["id"]].occupied) == (3, 3)
    assert (live["santander:plaza_1"].free, live["santander:plaza_1"].status) == (1, "open")
    assert live["santander:plaza_1"].observed_at.isoformat() == "2018-09-21T12:00:00+00:00"
    await _not_json_is_reported(database, sessions, server)


async def _not_json_is_reported(database: str, sessions: async_sessionmaker[AsyncSession], server: FeedServer) -> None:
    run = await _poll(sessions, SourceConfig(id="x", type="fiware", url=server.put("/x", b"<html/>")))
    assert not run.ok and run.error is not None and run.error.startswith("not JSON")


DORTMUND = "opendatasoft/dortmund-parkhauser-synthetic.json"


async def test_dortmund_opendatasoft_default_mapping(
    database: str, sessions: async_sessionmaker[AsyncSession], server: FeedServer
) -> None:
    url = server.put("/api/explore/v2.1/catalog/datasets/parkhauser/records", sample(DORTMUND))
    run = await _poll(sessions, SourceConfig(id="dortmund-ods", type="opendatasoft", url=url))
    # Hauptbahnhof (-4 free) and Kuckelke (400 of 315) repaired, the nameless record rejected
    assert counts(run) == (3, 2, 1), run.issues
    found = await facilities(sessions, "dortmund-ods")
    assert set(found) == {"Friedensplatz", "Thier-Galerie", "Hauptbahnhof", "Kuckelke", "Theater"}
    assert (found["Friedensplatz"].kind, found["Friedensplatz"].lat) == ("underground", 51.509942)
    assert found["Theater"].lat is None and found["Theater"].warnings == ["position_missing: no usable geo_point_2d"]
    live = await states(sessions, "dortmund-ods")
    assert (live["Thier-Galerie"].free, live["Thier-Galerie"].occupied) == (88, 636)
    assert (live["Hauptbahnhof"].free, live["Hauptbahnhof"].raw_free) == (0, -4)
    assert (live["Kuckelke"].free, live["Kuckelke"].raw_free) == (315, 400)
    assert live["Theater"].status == "closed"
    # a time without offset is the city's time (11:15 in Berlin in November = 10:15 UTC)
    assert live["Kuckelke"].observed_at.isoformat() == "2026-11-30T10:15:00+00:00"


async def test_another_citys_dataset_through_a_field_mapping(
    database: str, sessions: async_sessionmaker[AsyncSession], server: FeedServer
) -> None:
    rows = [
        {
            "id_parking": "PH-1",
            "bezeichnung": "Parkhaus Markt",
            "freie_plaetze": 12,
            "stellplaetze": 80,
            "typ": "Parkhaus",
            "aktualisiert": "2026-11-30T10:00:00Z",
            "koordinaten": [51.44, 7.56],
        }
    ]
    mapping = {
        "id": "id_parking",
        "name": "bezeichnung",
        "free": "freie_plaetze",
        "capacity": "stellplaetze",
        "kind": "typ",
        "observed_at": "aktualisiert",
        "position": "koordinaten",
    }
    url = server.put("/exports/json", json.dumps(rows).encode())
    run = await _poll(sessions, SourceConfig(id="other", type="opendatasoft", url=url, mapping=mapping))
    assert counts(run) == (1, 0, 0), run.issues
    facility = (await facilities(sessions, "other"))["PH-1"]
    assert (facility.name, facility.capacity, facility.lat, facility.lon) == ("Parkhaus Markt", 80, 51.44, 7.56)
    assert (await states(sessions, "other"))["PH-1"].free == 12
