"""The OCPI response envelope (transport_and_format § 4.1.7)."""

from __future__ import annotations

import datetime as dt

import msgspec

from stadtkern_charging.ocpi.values import format_datetime


class OcpiAck(msgspec.Struct, kw_only=True):
    """What an OCPI receiver answers to a PUT or PATCH it accepted."""

    status_code: int
    status_message: str
    timestamp: str


def ack(now: dt.datetime, message: str = "Success") -> OcpiAck:
    """1000: the request was handled."""
    return OcpiAck(status_code=1000, status_message=message, timestamp=format_datetime(now))
