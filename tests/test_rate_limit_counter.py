"""The in-process sliding-window counter: limit per client, previous minute weighted, O(1) memory."""

from __future__ import annotations

from core.http.rate_limit import MemoryCounter, client_key


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


def test_keys_hash_credentials_and_addresses() -> None:
    scope = {"headers": [(b"authorization", b"Bearer secret-token")], "client": ("203.0.113.7", 1)}
    key = client_key(scope)  # type: ignore[arg-type]
    assert key.startswith("cred:") and "secret-token" not in key
    anonymous = client_key({"headers": [], "client": ("203.0.113.7", 1)})  # type: ignore[arg-type]
    assert anonymous.startswith("ip:") and "203.0.113.7" not in anonymous
