"""Reading ``/metrics`` in a test: the counters are the process's, so a test compares two scrapes."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families


async def scrape(client: AsyncTestClient[Litestar]) -> str:
    """The app's ``/metrics`` text (open in tests: no metrics token is set)."""
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return response.text


def increase(before: str, after: str, name: str, **labels: str) -> float:
    """How much the series ``name`` with exactly ``labels`` grew between two scrapes. Every test so
    far counted into the same counters: only the difference says what this test did."""
    return _value(after, name, labels) - _value(before, name, labels)


def _value(exposition: str, name: str, labels: dict[str, str]) -> float:
    for family in text_string_to_metric_families(exposition):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return 0.0  # never counted yet


__all__ = ["increase", "scrape"]
