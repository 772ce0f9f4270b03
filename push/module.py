"""The push engine plugs into the core like any module (always enabled), providing the push port."""

from __future__ import annotations

from core.api import ModuleSpec
from schemas import LocalizedText

spec = ModuleSpec(
    id="push",
    title=LocalizedText(de="Benachrichtigungen", en="Notifications"),
    always_enabled=True,
)
