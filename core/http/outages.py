"""Tell a transient outage of the database from a bug: the first is a 503 with ``Retry-After``.

A dead or restarting PostgreSQL, a connection the server killed, a statement cancelled by
``statement_timeout``, a pool with no free connection within its timeout, SQLite's write lock held
too long: the client should retry, and the operator's log should say "database unavailable", not
print a traceback as for a bug. Everything else stays a 500.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = logging.getLogger("stadtkern.http")
RETRY_AFTER_SECONDS = 5

# What drivers say when the server is not there or gave up on us (asyncpg, psycopg, sqlite3).
_TRANSIENT_WORDS = (
    "connection",
    "could not connect",
    "terminating",
    "the database system is",
    "canceling statement",
    "statement timeout",
    "database is locked",
    "timeout",
    "too many clients",
    "server closed",
)


def _chain(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    while exc is not None and exc not in found:
        found.append(exc)
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return found


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is the database being unavailable rather than a bug."""
    for link in _chain(exc):
        if isinstance(link, PoolTimeoutError | ConnectionError | TimeoutError):
            return True
        if isinstance(link, DBAPIError) and link.connection_invalidated:
            return True
        if isinstance(link, InterfaceError):
            return True
        if isinstance(link, OperationalError):
            text = str(link.orig if link.orig is not None else link).lower()
            return any(word in text for word in _TRANSIENT_WORDS)
        if type(link).__module__.startswith("asyncpg") and type(link).__name__ in (
            "ConnectionDoesNotExistError",
            "CannotConnectNowError",
            "QueryCanceledError",
            "TooManyConnectionsError",
            "AdminShutdownError",
        ):
            return True
    return False
