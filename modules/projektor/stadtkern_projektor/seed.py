"""Demo data for the embedded default: PROJEKTOR on Dortmund's Westenhellweg, its rooms, equipment
and a month of workshops from next week on. The core seeds only while the module's tables hold no
row of the city, so a restart doubles nothing."""

from __future__ import annotations

import datetime as dt

from core.api import SeedContext
from stadtkern_projektor.models import Equipment, Room, Session, Workshop
from stadtkern_projektor.schemas.resources import RoomIn, Weekday
from stadtkern_projektor.services.manage import apply_room, set_units
from stadtkern_projektor.settings import ProjektorSettings

ADDRESS = "PROJEKTOR, Westenhellweg, 44137 Dortmund"
_WEEKDAYS: dict[Weekday, list[tuple[str, str]]] = {
    d: [("10:00", "18:00")] for d in ("2", "3", "4", "5", "6")
}  # Tuesday to Saturday

# (title de, title en, ISO weekday, start, hours, seats, age range, auto promote, requires contact)
_WORKSHOPS = (
    ("3D-Druck für Einsteiger:innen", "3D printing for beginners", 2, "17:00", 2, 8, None, False, False),
    ("Luftqualität selbst messen", "Measure air quality yourself", 4, "17:30", 2, 12, None, False, True),
    ("Programmieren für Kids", "Coding for kids", 3, "15:00", 2, 10, (10, 14), True, True),
    ("Stadtplanung in VR erleben", "Experience city planning in VR", 6, "11:00", 1, 6, (12, None), False, False),
)


def _rooms() -> list[Room]:
    workshop_room = RoomIn(
        name={"de": "Werkstattraum", "en": "Workshop room"},
        description={"de": "Für Gruppen bis 24 Personen, mit Beamer.", "en": "For groups of up to 24, with projector."},
        address=ADDRESS,
        capacity=24,
        step_free=True,
        accessibility={"de": "Stufenloser Zugang, barrierefreies WC", "en": "Step-free access, accessible toilet"},
        features=["beamer", "whiteboard", "wifi"],
        requires_approval=True,
        opening_hours=_WEEKDAYS,
        slot_minutes=120,
        buffer_minutes=30,
        min_notice_minutes=24 * 60,
        max_days_ahead=60,
        cancel_hours=48,
    )
    maker_corner = RoomIn(
        name={"de": "Maker-Ecke", "en": "Maker corner"},
        kind="area",
        description={
            "de": "Arbeitsplätze an 3D-Druckern und Sensor-Kits.",
            "en": "Work places at 3D printers and sensor kits.",
        },
        address=ADDRESS,
        capacity=4,
        step_free=True,
        features=["3d-printer", "soldering"],
        opening_hours=_WEEKDAYS,
        slot_minutes=60,
        buffer_minutes=0,
        min_notice_minutes=60,
        max_days_ahead=14,
        cancel_hours=2,
    )
    return [apply_room(Room(), workshop_room), apply_room(Room(), maker_corner)]


def _at(day: dt.date, clock: str, tz: dt.tzinfo) -> dt.datetime:
    hours, minutes = clock.split(":")
    return dt.datetime.combine(day, dt.time(int(hours), int(minutes)), tzinfo=tz)


async def seed(ctx: SeedContext[ProjektorSettings]) -> None:
    """Two rooms, three kinds of equipment, four workshop series over the next four weeks."""
    tz = ctx.tenant.time_zone
    rooms = _rooms()
    ctx.session.add_all(rooms)
    await ctx.session.flush()
    for de, en, count in (
        ("3D-Drucker", "3D printer", 3),
        ("VR-Brille", "VR headset", 6),
        ("Sensor-Kit", "Sensor kit", 10),
    ):
        kit = Equipment(name={"de": de, "en": en}, count=0, room_id=rooms[1].id)
        ctx.session.add(kit)
        await ctx.session.flush()
        await set_units(ctx.session, kit, count)
    today = dt.datetime.now(tz).date()
    monday = today + dt.timedelta(days=7 - today.weekday())
    for de, en, weekday, clock, hours, seats, ages, auto, contact in _WORKSHOPS:
        workshop = Workshop(
            title={"de": de, "en": en},
            description={"de": f"{de} im PROJEKTOR am Westenhellweg.", "en": f"{en} at PROJEKTOR on Westenhellweg."},
            room_id=rooms[0].id,
            language="de",
            age_min=ages[0] if ages else None,
            age_max=ages[1] if ages else None,
            requires_contact=contact,
            auto_promote=auto,
            offer_minutes=120,
            cancel_hours=24,
            published=True,
        )
        ctx.session.add(workshop)
        await ctx.session.flush()
        for week in range(4):
            day = monday + dt.timedelta(weeks=week, days=weekday - 1)
            start = _at(day, clock, tz)
            ctx.session.add(
                Session(
                    workshop_id=workshop.id,
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=hours),
                    seats=seats,
                    seats_taken=0,
                    waitlist_seq=0,
                    waitlist_open=True,
                )
            )
    await ctx.session.flush()
