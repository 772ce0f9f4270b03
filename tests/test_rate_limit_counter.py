"""The in-process sliding-window counter: limit per client, previous minute weighted, O(1) memory."""

from __future__ import annotations

import datetime as dt

from litestar.security.jwt import Token

from core.http.counters import MemoryCounter
from core.http.rate_limit import client_key
from core.testing import TEST_SECRET_KEY


def test_allows_the_limit_then_refuses_with_time_to_reset() -> None:
    counter = MemoryCounter(limit=3)
    base = 6_000_020.0  # 20 s into a minute window (6,000,000 is a window boundary)
    results = [counter.hit_at("a", base + i) for i in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.remaining for r in results] == [2, 1, 0, 0]
    assert results[-1].reset_seconds == 37  # until the window ends at +60 s
    # another client has its own budget
    assert counter.hit_at("b", base + 4).allowed


def test_previous_minute_counts_weighted_by_its_overlap() -> None:
    counter = MemoryCounter(limit=10)
    start = 6_000_000.0  # a window boundary (divisible by 60)
    for i in range(10):
        assert counter.hit_at("a", start + 50 + i * 0.1).allowed
    # 15 s into the next window, 45/60 of the previous 10 still count: 7.5 -> 7 used, 3 left
    allowed = [counter.hit_at("a", start + 75 + i * 0.01).allowed for i in range(5)]
    assert allowed == [True, True, True, False, False]
    # two windows later the old counts are gone entirely
    assert counter.hit_at("a", start + 185).remaining == 9


def test_keys_name_a_verified_identity_or_the_address_hashed() -> None:
    token = Token(sub="d:4b0c2a4e-5d1f-4f39-9b5e-0e7c1f0c9a11", exp=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    signed = token.encode(TEST_SECRET_KEY, "HS256")
    scope = {"headers": [(b"authorization", f"Bearer {signed}".encode())], "client": ("203.0.113.7", 1)}
    key = client_key(scope, TEST_SECRET_KEY)  # type: ignore[arg-type]
    assert key.startswith("id:") and signed not in key and token.sub not in key
    # signed with another key, or not a bearer token at all: the address counts
    for header in (f"Bearer {token.encode('another-secret-another-secret-xx', 'HS256')}", f"Token {signed}"):
        forged = {"headers": [(b"authorization", header.encode())], "client": ("203.0.113.7", 1)}
        assert client_key(forged, TEST_SECRET_KEY) == client_key(
            {"headers": [], "client": ("203.0.113.7", 1)}, TEST_SECRET_KEY
        )  # type: ignore[arg-type]
    anonymous = client_key({"headers": [], "client": ("203.0.113.7", 1)}, TEST_SECRET_KEY)  # type: ignore[arg-type]
    assert anonymous.startswith("ip:") and "203.0.113.7" not in anonymous
