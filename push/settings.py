"""Per-city push settings (``[tenants.<city>.modules.push]`` in the manifest; all optional)."""

from __future__ import annotations

from typing import Annotated

import msgspec


class PushSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # A dispatcher's messages in flight at once (FCM allows at most 500 per send_each_async call):
    # what a crash can make it send twice.
    batch_size: Annotated[int, msgspec.Meta(ge=1, le=500)] = 500
    # FCM calls in flight at once within one dispatcher run; they share ``batch_size`` between them.
    concurrency: Annotated[int, msgspec.Meta(ge=1, le=32)] = 4
    # The project's FCM quota (600,000 messages per minute unless Google raised it) and the
    # share of it this dispatcher process may use.
    fcm_quota_per_minute: Annotated[int, msgspec.Meta(gt=0)] = 600_000
    quota_share: Annotated[float, msgspec.Meta(gt=0, le=1)] = 0.8
    max_attempts: Annotated[int, msgspec.Meta(ge=1, le=50)] = 8
    backoff_base_seconds: Annotated[float, msgspec.Meta(ge=0)] = 30.0
    backoff_max_seconds: Annotated[float, msgspec.Meta(ge=0)] = 6 * 3600.0
    # A claimed notification not expanded within this time (a dispatcher died) is expanded again.
    lease_seconds: Annotated[float, msgspec.Meta(ge=0)] = 120.0
    # A claimed batch's lease: renewed every third of it while its dispatcher lives, so a dead
    # dispatcher's batch is taken over at most this long after its last renewal.
    send_lease_seconds: Annotated[float, msgspec.Meta(gt=0)] = 15.0
    # Notifications per device and local day (0: no cap); priority "high" is not capped.
    daily_cap: Annotated[int, msgspec.Meta(ge=0)] = 10
    max_run_seconds: Annotated[float, msgspec.Meta(gt=0)] = 50.0
