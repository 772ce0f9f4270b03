"""DATEX II import (both Mobilithek flavours) polled by the job from a local server serving the real files."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from parking_testkit import FeedServer, counts, facilities, feed_server, job_context, runs, sample, states
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_parking.jobs import poll_sources
from stadtkern_parking.settings import ParkingSettings, SourceConfig
from stadtkern_parking.sources import pull

AACHEN_STATIC = sample("datex2/aachen-static.xml")
AACHEN_REALTIME = sample("datex2/aachen-realtime.xml")
EMPTY = b'<d2LogicalModel xmlns="http://datex2.eu/schema/2/2_0" modelBaseVersion="2"><exchange/></d2LogicalModel>'


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as feeds:
        yield feeds


def aachen(feeds: FeedServer) -> ParkingSettings:
    source = SourceConfig(
        id="aachen",
        type="datex2",
        static_url=feeds.put("/aachen/static.xml", AACHEN_STATIC),
        url=feeds.put("/aachen/realtime.xml", AACHEN_REALTIME),
        timeout_seconds=3,
    )
    return ParkingSettings(sources=[source])


async def test_aachen_table_and_status(
    database: str, sessions: async_sessionmaker[AsyncSession], server: FeedServer
) -> None:
    ctx = job_context(sessions, aachen(server))
    static, realtime = await poll_sources(ctx)
    assert (static.part, static.ok, realtime.part, realtime.ok) == ("static", True, "realtime", True)
    # 17 records; P13 and P17 have no capacity (kept, flagged as repaired)
    assert counts(static) == (15, 2, 0)
    assert {i["record"] for i in static.issues} == {"P13", "P17"}
    assert counts(realtime) == (17, 0, 0), realtime.issues

    found = await facilities(sessions, "aachen")
    assert len(found) == 17
    eurogress = found["P1"]
    assert (eurogress.name, eurogress.capacity, eurogress.kind) == ("P01-Eurogress", 560, "car_park")
    assert (eurogress.lat, eurogress.lon) == (50.780552, 6.0927987)
    assert found["P17"].capacity is None and found["P17"].warnings == ["capacity_missing: no total given"]

    live = await states(sessions, "aachen")
    assert (live["P1"].free, live["P1"].occupied, live["P1"].capacity, live["P1"].status) == (412, 148, 560, "open")
    assert live["P1"].observed_at.isoformat() == "2025-02-07T19:05:34.176000+00:00"
    # realtime overrides the table's capacity (345 in the table, 319 counted now)
    assert (found["P10"].capacity, live["P10"].capacity, live["P10"].free) == (345, 319, 42)
    # a closed site sends 0 of 0 spaces: closed, no numbers, the table's capacity
    assert (live["P5"].status, live["P5"].free, live["P5"].capacity) == ("closed", None, 400)
    assert live["P17"].capacity == 480  # no table capacity: the live one

    # within the intervals nothing is due: no new pull, no new report
    assert await poll_sources(ctx) == []
    assert server.hits == {"/aachen/static.xml": 1, "/aachen/realtime.xml": 1}


async def test_impossible_numbers_are_clamped_and_flagged_with_the_raw_value_kept(
    database: str, sessions: async_sessionmaker[AsyncSession], server: FeedServer
) -> None:
    settings = aachen(server)
    await poll_sources(job_context(sessions, settings))
    text = AACHEN_REALTIME.decode()
    text = text.replace("<ns2:parkingNumberOfVacantSpaces>412<", "<ns2:parkingNumberOfVacantSpaces>-7<", 1)
    text = text.replace("<ns2:parkingNumberOfVacantSpaces>291<", "<ns2:parkingNumberOfVacantSpaces>5000<", 1)
    text = text.replace("2025-02-07T19:05:34.176Z", "2025-02-07T19:20:00Z")
    text = text.replace("2025-02-07T19:07:26.404Z", "2025-02-07T19:20:00Z")
    ctx = job_context(sessions, settings)
    url = server.put("/aachen/realtime.xml", text.encode())
    run = await pull(ctx.session_factory, settings.sources[0], "realtime", url, ctx.tenant.time_zone)
    assert run.ok and counts(run) == (15, 2, 0)
    assert {(i["record"], i["field"]) for i in run.issues} >= {("P1", "free_negative"), ("P2", "free_above_capacity")}
    live = await states(sessions, "aachen")
    assert (live["P1"].free, live["P1"].raw_free, live["P1"].occupied) == (0, -7, 560)
    assert live["P1"].flags == "|free_negative|"
    assert (live["P2"].free, live["P2"].raw_free, live["P2"].capacity) == (497, 5000, 497)
    assert "free_above_capacity" in live["P2"].flags


async def test_mdm_table_and_mobilithek_reference_ids(
    database: str, sessions: async_sessionmaker[AsyncSession], server: FeedServer
) -> None:
    source = SourceConfig(
        id="vrs",
        type="datex2",
        static_url=server.put("/vrs/static.xml", sample("datex2/vrs_bondorf-static.xml")),
        url=server.put("/vrs/realtime.xml", sample("datex2/vrs_bondorf-realtime.xml")),
    )
    static, realtime = await poll_sources(job_context(sessions, ParkingSettings(sources=[source])))
    assert counts(static) == (1, 0, 0) and counts(realtime) == (1, 0, 0), (static.issues, realtime.issues)
    bondorf = (await facilities(sessions, "vrs"))["1035"]
    assert (bondorf.name, bondorf.capacity, bondorf.park_and_ride, bondorf.kind) == (
        "P+R Bondorf",
        314,
        True,
        "surface",
    )
    assert (bondorf.capacity_disabled, bondorf.capacity_woman, bondorf.capacity_charging) == (4, 0, 0)
    # the status names it "1035[P+R Bondorf]"; 7 fractional digits and +02:00 in its time
    state = (await states(sessions, "vrs"))["1035"]
    assert (state.free, state.occupied, state.capacity) == (215, 98, 313)
    assert state.observed_at.isoformat() == "2025-05-09T19:41:58.546153+00:00"


MDM_STATUS = """<d2LogicalModel xmlns="http://datex2.eu/schema/2/2_0"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" modelBaseVersion="2">
 <payloadPublication xsi:type="GenericPublication" lang="de">
  <genericPublicationName>ParkingFacilityTableStatusPublication</genericPublicationName>
  <genericPublicationExtension><parkingFacilityTableStatusPublication>
   <parkingFacilityStatus>
    <parkingFacilityReference id="1035" targetClass="ParkingFacility" version="1.0"/>
    <parkingFacilityStatusTime>2025-05-10T08:00:00+02:00</parkingFacilityStatusTime>
    <parkingFacilityOccupancy>{share}</parkingFacilityOccupancy>
    <parkingFacilityStatus>spacesAvailable</parkingFacilityStatus>
   </parkingFacilityStatus>
   <parkingFacilityStatus>
    <parkingFacilityReference id="9999" targetClass="ParkingFacility" version="1.0"/>
    <totalNumberOfVacantParkingSpaces>3</totalNumberOfVacantParkingSpaces>
   </parkingFacilityStatus>
  </parkingFacilityTableStatusPublication></genericPublicationExtension>
 </payloadPublication>
</d2LogicalModel>"""


async def test_mdm_status_with_occupancy_as_fraction_or_percentage(
    database: str, sessions: async_sessionmaker[AsyncSession], server: FeedServer
) -> None:
    table = server.put("/vrs/static.xml", sample("datex2/vrs_bondorf-static.xml"))
    for number, share in enumerate(("0.25", "25", "25.0")):  # a fraction, a percentage
        url = server.put(f"/vrs/status{number}.xml", MDM_STATUS.format(share=share).encode())
        source = SourceConfig(id=f"vrs{number}", type="datex2", static_url=table, url=url)
        _, realtime = await poll_sources(job_context(sessions, ParkingSettings(sources=[source])))
        # the unknown facility 9999 is rejected with the reason, the known one stored
        assert counts(realtime) == (1, 0, 1), share
        assert realtime.issues == [
            {
                "record": "9999",
                "field": "id",
                "message": "no facility with this id in the source's static data",
                "action": "rejected",
            }
        ]
        state = (await states(sessions, f"vrs{number}"))["1035"]
        assert (state.free, state.capacity, state.status) == (236, 314, "open"), share


async def test_empty_and_broken_deliveries_keep_what_was_stored(
    database: str, sessions: async_sessionmaker[AsyncSession], server: FeedServer
) -> None:
    settings = aachen(server)
    await poll_sources(job_context(sessions, settings))
    before = {k: (s.free, s.observed_at) for k, s in (await states(sessions, "aachen")).items()}
    ctx = job_context(sessions, settings)
    source = settings.sources[0]
    empty = await pull(ctx.session_factory, source, "realtime", server.put("/e.xml", EMPTY), ctx.tenant.time_zone)
    assert empty.ok and counts(empty) == (0, 0, 0)
    assert empty.issues[0]["message"] == "empty delivery: nothing to import"
    html = await pull(
        ctx.session_factory,
        source,
        "realtime",
        server.put("/h.xml", b"<html><body>Wartung</body></html>"),
        ctx.tenant.time_zone,
    )
    assert not html.ok and html.error is not None and "d2LogicalModel" in html.error
    garbage = await pull(
        ctx.session_factory, source, "realtime", server.put("/g.xml", b"\x00\x01 no"), ctx.tenant.time_zone
    )
    assert not garbage.ok and garbage.error is not None and garbage.error.startswith("not XML")
    failing = await pull(
        ctx.session_factory, source, "realtime", server.put("/f.xml", b"", status=503), ctx.tenant.time_zone
    )
    assert (failing.ok, failing.error) == (False, "HTTP 503")
    gone = await pull(ctx.session_factory, source, "realtime", "http://127.0.0.1:9/x.xml", ctx.tenant.time_zone)
    assert not gone.ok and gone.error is not None and gone.error.startswith("unreachable")
    after = {k: (s.free, s.observed_at) for k, s in (await states(sessions, "aachen")).items()}
    assert after == before
    assert len(await runs(sessions, "aachen")) == 7
