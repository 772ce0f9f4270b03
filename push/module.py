"""The push engine plugs into the core like any module (always enabled), providing the push port."""

from __future__ import annotations

from pathlib import Path

from core.api import ModuleSpec, ScheduledJob
from push import topics
from push.controllers import resident_handlers
from push.dispatcher import dispatch_job
from push.privacy import device_data
from push.services import PushService
from push.settings import PushSettings
from push.staff import staff_handlers
from schemas import LocalizedText

spec = ModuleSpec(
    id="push",
    title=LocalizedText(de="Benachrichtigungen", en="Notifications"),
    settings=PushSettings,
    migrations=Path(__file__).parent / "migrations",
    push_topics=topics.OWN_TOPICS,
    jobs=(ScheduledJob(id="dispatch", run=dispatch_job, every_seconds=2, jitter=1, every_worker=True),),
    route_handlers=staff_handlers,
    tenant_route_handlers=resident_handlers,
    provides={"push": PushService()},
    device_data=device_data,
)
