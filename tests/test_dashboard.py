"""The Grafana dashboard in deploy/grafana/ shows the metrics the deployment really exposes.

A renamed metric would leave a panel silently empty; a new one without a panel would go unseen.
Both directions are checked against what ``/metrics`` serves after a request.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

import push.metrics  # noqa: F401  (the worker's push series are registered on import, as in a worker)

DASHBOARD = Path(__file__).resolve().parent.parent / "deploy" / "grafana" / "stadtkern.json"
METRIC = re.compile(r"\bstadtkern_[a-z_]+")
SUFFIXES = ("_bucket", "_count", "_sum", "_created")
# Litestar's middleware creates this family at the first answer of status 500 or above; a healthy
# test app has none to show.
LAZY = {"stadtkern_requests_error_total"}


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def dashboard_metrics(dashboard: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for panel in panels(dashboard):
        for target in panel["targets"]:
            names.update(METRIC.findall(target["expr"]))
    return names


def family(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


async def exposed(client: AsyncTestClient[Litestar]) -> set[str]:
    assert (await client.get("/v1/dortmund/app-config")).status_code == 200  # Litestar's series start here
    text = (await client.get("/metrics")).text
    # The text format lists each counter's ``_created`` timestamps as a gauge family of their own.
    names = {line.split()[2] for line in text.splitlines() if line.startswith("# HELP stadtkern_")}
    return {name for name in names if not name.endswith("_created")}


async def test_every_dashboard_metric_is_exposed(client: AsyncTestClient[Litestar]) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    served = {family(name) for name in await exposed(client)}
    missing = {name for name in dashboard_metrics(dashboard) - LAZY if family(name) not in served}
    assert not missing, f"the dashboard queries metrics nobody exposes: {sorted(missing)}"


async def test_every_exposed_metric_has_a_panel(client: AsyncTestClient[Litestar]) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    shown = {family(name) for name in dashboard_metrics(dashboard)}
    unseen = {name for name in await exposed(client) if family(name) not in shown}
    assert not unseen, f"metrics without a panel in {DASHBOARD.name}: {sorted(unseen)}"


def test_dashboard_is_importable() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    assert dashboard["uid"] and dashboard["title"] == "Stadtkern"
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    for panel in panels(dashboard):
        assert panel["title"] and panel["description"], panel
        assert panel["datasource"]["uid"] == "${datasource}"
        for target in panel["targets"]:
            for used in re.findall(r"\$(\w+)", target["expr"]):
                assert used in variables | {"__all"}, f"{panel['title']}: unknown variable ${used}"
