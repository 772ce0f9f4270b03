"""What the Ideenpool holds about one device, as its export shows it."""

from __future__ import annotations

import uuid

import msgspec

from stadtkern_ideas.schemas.ideas import MyIdea


class IdeasDeviceExport(msgspec.Struct):
    """The device's ideas (every state, with moderation's reason) and the ideas it supports."""

    ideas: list[MyIdea]
    # Known only by recomputing the keyed marker; the support rows name no device in the clear.
    supported_ideas: list[uuid.UUID]
