"""What a module counts for the deployment's ``/metrics``: its imports and its cache.

Made once per module at import time (``IMPORTS = ImportMeter("parking")``); the series carry the
module id and the city, so one dashboard shows every module's feeds side by side.
"""

from __future__ import annotations

from typing import Any

from core.metrics import CACHE_LOOKUPS, IMPORT_RECORDS, IMPORT_RUNS, city_label


class ImportMeter:
    """Counts one module's imports of its data sources: runs by result, records by outcome."""

    def __init__(self, module_id: str) -> None:
        self.module_id = module_id

    def record(self, tenant: str, source: str, result: str, **records: int) -> None:
        """One finished run of ``source`` in ``tenant`` (``result``: ok, failed, refused, ...) and
        what became of its records, in the module's own words (``created=3, rejected=1``)."""
        city = city_label(tenant)
        IMPORT_RUNS.labels(self.module_id, city, source, result).inc()
        for outcome, count in records.items():
            if count:
                IMPORT_RECORDS.labels(self.module_id, city, source, outcome).inc(count)


class CacheMeter:
    """Counts one module cache's hits and misses (their ratio is the dashboard's hit ratio)."""

    def __init__(self, module_id: str, cache: str) -> None:
        self.module_id = module_id
        self.cache = cache
        # The labelled children, looked up once per city: ``labels()`` takes a lock and builds a
        # key on every call, which on a cache serving thousands of hits a second is most of the cost.
        self._children: dict[tuple[str, str], Any] = {}

    def _child(self, tenant: str, result: str) -> Any:
        city = city_label(tenant)  # bounded: the manifest's cities and "other"
        child = self._children.get((city, result))
        if child is None:
            child = CACHE_LOOKUPS.labels(self.module_id, self.cache, city, result)
            self._children[(city, result)] = child
        return child

    def hit(self, tenant: str) -> None:
        """A lookup the cache answered."""
        self._child(tenant, "hit").inc()

    def miss(self, tenant: str) -> None:
        """A lookup that had to build the answer."""
        self._child(tenant, "miss").inc()


__all__ = ["CacheMeter", "ImportMeter"]
