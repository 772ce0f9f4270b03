"""Delta sync tokens: signed, and refused with 410 once older than the deletion history (tombstone
retention), on every list that offers ``?since=``, without the module passing the retention."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient

from core.api import sync_token, utcnow

LISTS = ("/v1/dortmund/events/occurrences", "/v1/dortmund/participation/offers")


def _unsigned(moment: dt.datetime) -> str:
    return base64.urlsafe_b64encode(json.dumps({"t": moment.isoformat()}).encode()).decode().rstrip("=")


async def test_a_token_older_than_the_retention_is_410(app_factory: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app=app_factory(tombstone_retention_days=30)) as client:
        fresh = sync_token(utcnow() - dt.timedelta(days=29))
        stale = sync_token(utcnow() - dt.timedelta(days=31))
        for path in LISTS:
            assert (await client.get(path, params={"since": fresh})).status_code == 200, path
            gone = await client.get(path, params={"since": stale})
            assert gone.status_code == 410, (path, gone.text)
            assert gone.headers["content-type"].startswith("application/problem+json")
            assert "fetch the full list again" in gone.json()["detail"]


async def test_a_tampered_or_forged_token_is_refused(app_factory: Callable[..., Litestar]) -> None:
    async with AsyncTestClient(app=app_factory()) as client:
        token = (await client.get(LISTS[0])).json()["sync_token"]
        body, _, mac = token.partition(".")
        moved = base64.urlsafe_b64encode(json.dumps({"t": "2020-01-01T00:00:00+00:00"}).encode()).decode()
        for forged in (f"{moved.rstrip('=')}.{mac}", f"{body}.{'A' * len(mac)}", "garbage"):
            refused = await client.get(LISTS[0], params={"since": forged})
            assert refused.status_code == 422, forged
            assert [e["field"] for e in refused.json()["errors"]] == ["query.since"]
        # an unsigned token as older servers handed out: resync in full
        legacy = await client.get(LISTS[0], params={"since": _unsigned(utcnow())})
        assert legacy.status_code == 410
        assert (await client.get(LISTS[0], params={"since": token})).status_code == 200
