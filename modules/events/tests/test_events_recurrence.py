"""Recurrence: RRULE, EXDATE, RDATE, changed single occurrences, the cap, daylight saving."""

from __future__ import annotations

import datetime as dt

from events_testkit import BERLIN, event_body, local
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_events.recurrence import expand

from core.testing import staff_headers

Client = AsyncTestClient[Litestar]
BASE = "/v1/dortmund/events"


def _next_spring_forward() -> dt.date:
    """The last Sunday of March after today."""
    year = dt.date.today().year + (1 if dt.date.today().month >= 3 else 0)
    day = dt.date(year, 3, 31)
    return day - dt.timedelta(days=(day.weekday() - 6) % 7)


def test_weekly_keeps_wall_clock_time_across_dst() -> None:
    switch = _next_spring_forward()
    first = dt.datetime.combine(switch - dt.timedelta(days=14), dt.time(19), tzinfo=BERLIN)
    got = expand(
        starts_at=first.astimezone(dt.UTC),
        ends_at=(first + dt.timedelta(hours=2)).astimezone(dt.UTC),
        all_day=False,
        tz=BERLIN,
        rrule="FREQ=WEEKLY;COUNT=4",
        rdates=[],
        exdates=[],
        changes=[],
        window_start=first.astimezone(dt.UTC) - dt.timedelta(days=1),
        window_end=first.astimezone(dt.UTC) + dt.timedelta(days=60),
        cap=100,
    )
    assert [o.starts_at.astimezone(BERLIN).hour for o in got] == [19, 19, 19, 19]
    assert [o.starts_at.hour for o in got] == [18, 18, 17, 17]  # UTC shifts by an hour after the switch
    assert all(o.ends_at - o.starts_at == dt.timedelta(hours=2) for o in got)


def test_cap_limits_an_endless_rule() -> None:
    start = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
    got = expand(
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        all_day=False,
        tz=BERLIN,
        rrule="FREQ=DAILY",
        rdates=[],
        exdates=[],
        changes=[],
        window_start=start,
        window_end=start + dt.timedelta(days=3650),
        cap=25,
    )
    assert len(got) == 25 and got[-1].starts_at == start + dt.timedelta(days=24)


async def test_rrule_exdate_rdate_and_changed_occurrence(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    staff = await staff_headers(client, sessions)
    body = event_body(
        start=local(1, 18),
        end=local(1, 20),
        rrule="FREQ=WEEKLY;COUNT=5",
        exdates=[local(8, 18)],  # second date skipped
        rdates=[local(2, 10)],  # one extra date
        changes=[
            {"recurrence_id": local(15, 18), "start": local(16, 19), "end": local(16, 21)},  # moved a day
            {"recurrence_id": local(22, 18), "status": "cancelled"},  # one date cancelled
        ],
    )
    created = await client.post(f"{BASE}/events", json=body, headers=staff)
    assert created.status_code == 201, created.text
    page = (await client.get(f"{BASE}/occurrences")).json()
    dates = [(i["start"][:16], i["status"]) for i in page["items"]]
    assert dates == [
        (local(1, 18)[:16], "scheduled"),
        (local(2, 10)[:16], "scheduled"),
        (local(16, 19)[:16], "scheduled"),
        (local(22, 18)[:16], "cancelled"),
        (local(29, 18)[:16], "scheduled"),
    ]
    assert all(i["recurring"] for i in page["items"])
    hidden = (await client.get(f"{BASE}/occurrences?hide_cancelled=true")).json()["items"]
    assert len(hidden) == 4
    detail = (await client.get(f"{BASE}/events/{created.json()['id']}")).json()
    assert len(detail["next_occurrences"]) == 5 and detail["rrule"] == "FREQ=WEEKLY;COUNT=5"


async def test_all_day_recurrence(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    day = dt.datetime.now(BERLIN).date() + dt.timedelta(days=1)
    body = event_body(
        start=None,
        end=None,
        start_date=day.isoformat(),
        rrule="FREQ=DAILY;COUNT=3",
        exdates=[(day + dt.timedelta(days=1)).isoformat()],
    )
    assert (await client.post(f"{BASE}/events", json=body, headers=staff)).status_code == 201
    items = (await client.get(f"{BASE}/occurrences")).json()["items"]
    assert [i["start_date"] for i in items] == [day.isoformat(), (day + dt.timedelta(days=2)).isoformat()]
    assert all(
        i["end_date"] == (dt.date.fromisoformat(i["start_date"]) + dt.timedelta(days=1)).isoformat() for i in items
    )


async def test_changes_need_a_recurring_event(client: Client, sessions: async_sessionmaker[AsyncSession]) -> None:
    staff = await staff_headers(client, sessions)
    body = event_body(changes=[{"recurrence_id": local(3, 19), "status": "cancelled"}])
    response = await client.post(f"{BASE}/events", json=body, headers=staff)
    assert response.status_code == 422 and "body.changes" in response.text
