"""The embedded default: nothing leaves the machine; every delivery is logged and recorded."""

from __future__ import annotations

import logging

from push.backends.base import OutMessage, SendResult

log = logging.getLogger("stadtkern.push.log_backend")


class LogBackend:
    name = "log"

    def __init__(self, tenant: str) -> None:
        self.tenant = tenant

    async def send(self, messages: list[OutMessage]) -> list[SendResult]:
        for m in messages:
            log.info(
                "[PUSH LOG BACKEND - NOT SENT] city=%s notification=%s device=%s title=%r body=%r link=%s",
                self.tenant,
                m.notification_id,
                m.device_id,
                m.title,
                m.body,
                m.deep_link,
            )
        return [SendResult(ok=True, message_id=f"log/{m.delivery_id}") for m in messages]

    async def close(self) -> None:
        return None
