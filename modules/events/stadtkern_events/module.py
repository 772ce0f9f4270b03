"""The entry point ``stadtkern.modules: events``: everything the module contributes, frozen."""

from __future__ import annotations

from pathlib import Path

from core.api import AppContext, ModuleSpec, PushTopic, ScheduledJob
from schemas import LocalizedText
from stadtkern_events.cache import close_cache
from stadtkern_events.controllers import resident_handlers
from stadtkern_events.favourites import favourite_handlers
from stadtkern_events.feed_routes import feed_handlers
from stadtkern_events.jobs import run_feeds, run_horizon, run_reminders
from stadtkern_events.models import Event, Favourite, FeedRun, Occurrence, Reminder
from stadtkern_events.privacy import device_data
from stadtkern_events.seed import seed
from stadtkern_events.services import TOPIC_REMINDERS, TOPIC_UPDATES
from stadtkern_events.settings import EventsSettings
from stadtkern_events.staff import staff_handlers


async def _shutdown(ctx: AppContext) -> None:
    if ctx.engine is not None:
        await close_cache(ctx.engine)


spec = ModuleSpec(
    id="events",
    title=LocalizedText(de="Veranstaltungen", en="Events"),
    route_handlers=[*resident_handlers, *staff_handlers, *favourite_handlers, *feed_handlers],
    settings=EventsSettings,
    models=(Event, Occurrence, Favourite, Reminder, FeedRun),
    migrations=Path(__file__).parent / "migrations",
    jobs=(
        ScheduledJob(id="reminders", run=run_reminders, every_seconds=60, jitter=5),
        ScheduledJob(id="feeds", run=run_feeds, every_seconds=900, jitter=60),
        ScheduledJob(id="horizon", run=run_horizon, cron="17 3 * * *", jitter=300),
    ),
    push_topics=(
        PushTopic(
            id=TOPIC_UPDATES,
            title=LocalizedText(de="Änderungen an gemerkten Veranstaltungen", en="Changes to saved events"),
            default_on=True,
        ),
        PushTopic(
            id=TOPIC_REMINDERS,
            title=LocalizedText(de="Erinnerungen an gemerkte Veranstaltungen", en="Reminders for saved events"),
            default_on=True,
        ),
    ),
    seed=seed,
    device_data=device_data,
    on_shutdown=(_shutdown,),
)
