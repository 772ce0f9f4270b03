"""Start-up failures: one clear sentence naming what is wrong, and no traceback."""


class StartupError(Exception):
    """The deployment cannot start as configured; ``str(error)`` is what the operator reads."""
