"""Demo data: a realistic calendar for Dortmund and Schwerte, relative to today."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from core.api import SeedContext
from stadtkern_events.models import Event
from stadtkern_events.schemas import EventIn
from stadtkern_events.services import save_event
from stadtkern_events.settings import EventsSettings


def _on(days: int, hour: int, minute: int = 0) -> str:
    day = dt.date.today() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute)).isoformat()


def _next_weekday(weekday: int, hour: int) -> str:
    today = dt.date.today()
    return _on((weekday - today.weekday()) % 7 or 7, hour)


def _date(days: int) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def _place(name: str, address: str, lat: float, lon: float, district: str) -> dict[str, Any]:
    return {"name": name, "address": address, "lat": lat, "lon": lon, "district": district}


def dortmund() -> list[dict[str, Any]]:
    """Dortmund's demo events: something weekly, a long market, one-offs, a series with an end."""
    return _dortmund_markets_and_concerts() + _dortmund_tours_and_groups()


def _dortmund_markets_and_concerts() -> list[dict[str, Any]]:
    return [
        {
            "title": {"de": "Wochenmarkt am Hansaplatz", "en": "Farmers' market at Hansaplatz"},
            "description": {"de": "Obst, Gemüse, Käse und Blumen aus der Region.", "en": "Regional produce."},
            "start": _next_weekday(2, 7),
            "end": _next_weekday(2, 13),
            "rrule": "FREQ=WEEKLY;BYDAY=WE,SA",
            "place": _place("Hansaplatz", "Hansaplatz, 44137 Dortmund", 51.5128, 7.4650, "Innenstadt-West"),
            "categories": ["market"],
            "is_free": True,
            "accessibility": ["wheelchair_accessible", "step_free"],
        },
        {
            "title": {"de": "Dortmunder Weihnachtsmarkt", "en": "Dortmund Christmas market"},
            "description": {
                "de": "Rund 250 Stände in der Innenstadt und der große Weihnachtsbaum am Hansaplatz.",
                "en": "Around 250 stalls in the city centre and the giant Christmas tree at Hansaplatz.",
            },
            "start_date": _date(1),
            "end_date": _date(38),
            "place": _place("Innenstadt", "Hansaplatz, 44137 Dortmund", 51.5130, 7.4655, "Innenstadt-West"),
            "categories": ["market", "festival", "family"],
            "is_free": True,
            "accessibility": ["wheelchair_accessible", "accessible_toilet"],
        },
        {
            "title": {"de": "Sinfoniekonzert der Dortmunder Philharmoniker", "en": "Dortmund Philharmonic concert"},
            "start": _on(9, 19, 30),
            "end": _on(9, 21, 45),
            "place": _place(
                "Konzerthaus Dortmund", "Brückstraße 21, 44135 Dortmund", 51.5160, 7.4635, "Innenstadt-West"
            ),
            "categories": ["concert"],
            "is_free": False,
            "price_min": 19.0,
            "price_max": 59.0,
            "registration_url": "https://www.konzerthaus-dortmund.de",
            "accessibility": ["wheelchair_accessible", "hearing_loop", "accessible_toilet"],
        },
    ]


def _dortmund_tours_and_groups() -> list[dict[str, Any]]:
    return [
        {
            "title": {"de": "Familienführung im Dortmunder U", "en": "Family tour at the Dortmunder U"},
            "start": _next_weekday(6, 14),
            "end": _next_weekday(6, 15),
            "rrule": "FREQ=WEEKLY;BYDAY=SU;COUNT=12",
            "place": _place(
                "Dortmunder U", "Leonie-Reygers-Terrasse, 44137 Dortmund", 51.5154, 7.4529, "Innenstadt-West"
            ),
            "categories": ["guided_tour", "family", "exhibition"],
            "is_free": False,
            "price_min": 5.0,
            "price_max": 5.0,
            "age_min": 6,
            "capacity": 25,
            "accessibility": ["wheelchair_accessible", "step_free", "easy_language"],
        },
        {
            "title": {"de": "Lauftreff am Phoenix-See", "en": "Running group at Phoenix Lake"},
            "start": _next_weekday(1, 18),
            "end": _next_weekday(1, 19),
            "rrule": "FREQ=WEEKLY;BYDAY=TU",
            "place": _place("Phoenix-See", "Hörder Hafenstraße, 44263 Dortmund", 51.4907, 7.5095, "Hörde"),
            "categories": ["sports", "community"],
            "is_free": True,
        },
        {
            "title": {"de": "Industriekultur: Führung Zeche Zollern", "en": "Industrial heritage: Zollern colliery"},
            "start": _on(5, 11),
            "end": _on(5, 12, 30),
            "place": _place("Zeche Zollern", "Grubenweg 5, 44388 Dortmund", 51.5135, 7.3345, "Lütgendortmund"),
            "categories": ["guided_tour", "exhibition"],
            "is_free": False,
            "price_min": 4.0,
            "price_max": 4.0,
            "accessibility": ["wheelchair_accessible", "assistance_dogs"],
        },
        {
            "title": {"de": "Vorlesestunde in der Stadtbibliothek", "en": "Story time at the city library"},
            "start": _next_weekday(3, 16),
            "end": _next_weekday(3, 17),
            "rrule": "FREQ=WEEKLY;BYDAY=TH",
            "place": _place(
                "Stadt- und Landesbibliothek", "Königswall 18, 44137 Dortmund", 51.5170, 7.4600, "Innenstadt-West"
            ),
            "categories": ["family", "education"],
            "is_free": True,
            "age_min": 4,
            "age_max": 8,
            "accessibility": ["wheelchair_accessible", "step_free", "accessible_toilet", "quiet_space"],
        },
    ]


def schwerte() -> list[dict[str, Any]]:
    return [
        {
            "title": {"de": "Wochenmarkt auf dem Marktplatz", "en": "Weekly market"},
            "start": _next_weekday(4, 7),
            "end": _next_weekday(4, 13),
            "rrule": "FREQ=WEEKLY;BYDAY=TU,FR",
            "place": _place("Marktplatz", "Marktplatz, 58239 Schwerte", 51.4440, 7.5655, "Innenstadt"),
            "categories": ["market"],
            "is_free": True,
            "accessibility": ["step_free"],
        },
        {
            "title": {"de": "Jazz in der Rohrmeisterei", "en": "Jazz at the Rohrmeisterei"},
            "start": _on(12, 20),
            "end": _on(12, 23),
            "place": _place("Rohrmeisterei", "Ruhrstraße 20, 58239 Schwerte", 51.4455, 7.5620, "Innenstadt"),
            "categories": ["concert"],
            "is_free": False,
            "price_min": 15.0,
            "price_max": 18.0,
            "registration_url": "https://www.rohrmeisterei-schwerte.de",
            "accessibility": ["wheelchair_accessible", "accessible_toilet"],
        },
        {
            "title": {"de": "Schwerter Weihnachtsmarkt", "en": "Schwerte Christmas market"},
            "start_date": _date(5),
            "end_date": _date(8),
            "place": _place("Altstadt", "Marktplatz, 58239 Schwerte", 51.4442, 7.5650, "Innenstadt"),
            "categories": ["market", "festival", "family"],
            "is_free": True,
        },
        {
            "title": {"de": "Ruhrtalmuseum: Sonntagsführung", "en": "Ruhr Valley Museum: Sunday tour"},
            "start": _next_weekday(6, 15),
            "end": _next_weekday(6, 16),
            "rrule": "FREQ=MONTHLY;BYDAY=1SU",
            "place": _place("Ruhrtalmuseum", "Brückstraße 14, 58239 Schwerte", 51.4447, 7.5640, "Innenstadt"),
            "categories": ["guided_tour", "exhibition"],
            "is_free": True,
        },
        {
            "title": {"de": "Radtour an der Ruhr nach Villigst", "en": "Ruhr bike tour to Villigst"},
            "start": _on(13, 10),
            "end": _on(13, 14),
            "place": _place("Freischütz", "Hörder Straße 131, 58239 Schwerte", 51.4590, 7.5470, "Holzen"),
            "categories": ["sports", "community"],
            "is_free": True,
        },
        {
            "title": {"de": "Bürgersprechstunde im Ortsteil Ergste", "en": "Citizens' consultation in Ergste"},
            "start": _on(3, 17),
            "end": _on(3, 18, 30),
            "attendance_mode": "mixed",
            "online_url": "https://www.schwerte.de",
            "place": _place("Haus Ergste", "Letmather Straße 1, 58239 Schwerte", 51.4290, 7.5640, "Ergste"),
            "categories": ["community"],
            "is_free": True,
            "accessibility": ["wheelchair_accessible", "sign_language"],
        },
    ]


async def seed(ctx: SeedContext[EventsSettings]) -> None:
    items = {"dortmund": dortmund, "schwerte": schwerte}.get(ctx.tenant.slug, dortmund)()
    allowed = set(ctx.settings.districts)
    for raw in items:
        raw.setdefault("published", True)
        place = raw.get("place")
        if place and allowed and place.get("district") not in allowed:
            place.pop("district")
        raw["categories"] = [c for c in raw.get("categories", []) if c in ctx.settings.categories]
        data = msgspec.convert(raw, EventIn)
        event = Event()
        await save_event(ctx.session, ctx.push, event, data, ctx.settings, ctx.tenant.time_zone, is_new=True)
