"""The deployment's own Prometheus metrics, beside Litestar's per-route request metrics.

Every metric lives in prometheus-client's default registry, so the API's ``/metrics`` and the
worker's (core.worker_http) show whatever their process counted. Which process counts what:
requests, cache lookups and staff uploads in the API; jobs, leadership and feed imports in the
worker (and in the single process of ``make run``). The push engine's own are in push.metrics.

Labels are bounded on purpose: a city is one of the manifest's slugs (anything else is
``other``), a job is its planned key without the city, a source is a feed id from the manifest.
Nothing about a resident is ever a label.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from prometheus_client import Counter, Gauge

# The manifest's cities, set at start-up: a label holding a path segment a client chose would let
# anyone create series without bound.
_known_cities: frozenset[str] = frozenset()


def know_cities(slugs: Iterable[str]) -> None:
    """The cities whose slugs may appear as the ``tenant`` label (added to those known already:
    a test process builds apps of several manifests)."""
    global _known_cities
    _known_cities = _known_cities | frozenset(slugs)


def city_label(slug: str | None) -> str:
    """``slug`` when it is a city of the manifest, ``""`` for none, else ``other``."""
    if not slug:
        return ""
    return slug if slug in _known_cities else "other"


JOB_RUNS = Counter(
    "stadtkern_job_runs_total",
    "Scheduled job runs by job, city and outcome (ok, failed, cancelled, skipped).",
    ["job", "tenant", "outcome"],
)
JOB_LAST_SUCCESS = Gauge(
    "stadtkern_job_last_success_timestamp_seconds",
    "When each job last finished without an error in this process (Unix time).",
    ["job", "tenant"],
)
WORKER_LEADER = Gauge(
    "stadtkern_worker_leader",
    "1 while this worker leads (runs the scheduled jobs), 0 while it stands by or stops.",
)
LEADERSHIP_CHANGES = Counter(
    "stadtkern_worker_leadership_changes_total",
    "Changes of this worker's state (leader, standby, stopped) by reason.",
    ["state", "reason"],
)
IMPORT_RUNS = Counter(
    "stadtkern_import_runs_total",
    "Imports of a module's data sources (feeds) by result (ok, failed, refused).",
    ["module", "tenant", "source", "result"],
)
IMPORT_RECORDS = Counter(
    "stadtkern_import_records_total",
    "Records an import handled, by what became of them (the module's words: created, repaired, rejected...).",
    ["module", "tenant", "source", "outcome"],
)
CACHE_LOOKUPS = Counter(
    "stadtkern_cache_lookups_total",
    "Lookups in a module's response cache by result (hit, miss).",
    ["module", "cache", "tenant", "result"],
)


def job_labels(key: str) -> tuple[str, str]:
    """``("events.import_feeds", "dortmund")`` of the planned key ``events.import_feeds@dortmund``."""
    job, _, city = key.partition("@")
    return job, city_label(city)


@dataclass(frozen=True, slots=True)
class JobMark:
    """This process's last run of one job, for the worker's ``/health/ready``."""

    outcome: str
    finished_at: dt.datetime
    succeeded_at: dt.datetime | None


_last_runs: dict[str, JobMark] = {}


def count_job_run(key: str, outcome: str) -> None:
    """One finished run of the job planned as ``key``."""
    job, city = job_labels(key)
    JOB_RUNS.labels(job, city, outcome).inc()
    now = dt.datetime.now(dt.UTC)
    previous = _last_runs.get(key)
    succeeded = now if outcome == "ok" else (previous.succeeded_at if previous else None)
    _last_runs[key] = JobMark(outcome, now, succeeded)
    if outcome == "ok":
        JOB_LAST_SUCCESS.labels(job, city).set(time.time())


def last_runs() -> Mapping[str, JobMark]:
    """Each job's last run in this process, by planned key."""
    return _last_runs


def count_leadership(state: str, reason: str) -> None:
    """The worker is now ``state`` (leader, standby, stopped)."""
    WORKER_LEADER.set(1 if state == "leader" else 0)
    LEADERSHIP_CHANGES.labels(state, reason).inc()


__all__ = [
    "CACHE_LOOKUPS",
    "IMPORT_RECORDS",
    "IMPORT_RUNS",
    "JOB_LAST_SUCCESS",
    "JOB_RUNS",
    "LEADERSHIP_CHANGES",
    "WORKER_LEADER",
    "JobMark",
    "city_label",
    "count_job_run",
    "count_leadership",
    "job_labels",
    "know_cities",
    "last_runs",
]
