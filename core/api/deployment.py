"""Which kind of deployment this process serves, for settings checks that only production needs.

A module's settings are checked while the manifest loads, before any context exists, so this is
a function, not a context field. The command line records what it resolved (``STADTKERN_ENV``,
``production`` when unset; ``stadtkern run`` is always ``dev``) before it loads the manifest.
"""

from __future__ import annotations

import os

_recorded: str | None = None


def deployment_env() -> str:
    """``production``, ``dev`` or ``test``: what the command line resolved; code run outside it (a
    test process) gets ``STADTKERN_ENV`` as set, and ``test`` when it is not."""
    if _recorded is not None:
        return _recorded
    return os.environ.get("STADTKERN_ENV") or "test"


def record_deployment_env(env: str | None) -> None:
    """Set by the command line (core.cli) for the process; ``None`` forgets it (tests)."""
    global _recorded
    _recorded = env


__all__ = ["deployment_env", "record_deployment_env"]
