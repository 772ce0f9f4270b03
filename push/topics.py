"""Which topics each city offers: the push topics of the modules it enables (``TenantInfo.push_topics``)."""

from __future__ import annotations

from core.api import PushTopic, TenantInfo
from schemas import LocalizedText

OWN_TOPICS: tuple[PushTopic, ...] = (
    PushTopic(
        id="push.alerts",
        title=LocalizedText(de="Warnungen und Störungen", en="Warnings and disruptions"),
        default_on=True,
    ),
    PushTopic(id="push.news", title=LocalizedText(de="Neuigkeiten aus der Stadt", en="City news")),
)


def topics_for(tenant: TenantInfo) -> dict[str, PushTopic]:
    """The topics a city offers: the core puts those of every module it enables on its info."""
    return {t.id: t for t in tenant.push_topics}
