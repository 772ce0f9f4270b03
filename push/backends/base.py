"""What the dispatcher hands a backend, and what it gets back per message."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(slots=True)
class OutMessage:
    delivery_id: uuid.UUID
    notification_id: uuid.UUID
    device_id: uuid.UUID
    token: str
    title: str
    body: str
    deep_link: str | None = None
    data: dict[str, str] = field(default_factory=dict)
    priority: str = "normal"
    collapse_key: str | None = None
    ttl_seconds: int = 86_400


@dataclass(slots=True)
class SendResult:
    """``ok``; else ``code`` (FCM error code), whether to retry, and whether the token is dead."""

    ok: bool
    message_id: str | None = None
    code: str | None = None
    detail: str | None = None
    retryable: bool = False
    deactivate_token: bool = False
    retry_after: float | None = None


class Backend(Protocol):
    name: str

    async def send(self, messages: list[OutMessage]) -> list[SendResult]: ...

    async def close(self) -> None: ...
