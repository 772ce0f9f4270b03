"""Parse Server side by side with the events list (the backend of today's Open SmartCity App).

Used by ``bench/events_list.py --parse``. Parse Server comes from the npm registry into
``bench/.parse-server/`` (not committed) and runs as one Node.js process on PostgreSQL (its
Postgres adapter), on the same core as our server. It holds the same occurrences our API lists,
one Parse object per occurrence with the very JSON our list returns (``start`` as a Parse Date,
indexed), and answers the same question through its REST API:
``GET /parse/classes/Occurrence?where={"start":{"$gte":now},"status":{"$ne":"cancelled"}}&order=start&limit=50``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PARSE_DIR = ROOT / "bench" / ".parse-server"
PARSE_VERSION = "9"
APP_ID = "stadtkern-bench"
MASTER_KEY = "bench-only-master-key"  # a throwaway local server
HEADERS = {"X-Parse-Application-Id": APP_ID}
MASTER = {**HEADERS, "X-Parse-Master-Key": MASTER_KEY, "Content-Type": "application/json"}


def available() -> bool:
    return shutil.which("node") is not None and shutil.which("npm") is not None


def ensure_installed() -> Path:
    binary = PARSE_DIR / "node_modules" / ".bin" / "parse-server"
    if not binary.exists():
        PARSE_DIR.mkdir(parents=True, exist_ok=True)
        print(f"installing parse-server@{PARSE_VERSION} from npm into {PARSE_DIR} ...", flush=True)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(PARSE_DIR), f"parse-server@{PARSE_VERSION}"],
            check=True,
            capture_output=True,
        )
    return binary


def start(binary: Path, database: str, port: int, pinned: list[str]) -> subprocess.Popen[bytes]:
    """``database``: a postgres:// URL of an empty database."""
    cmd = [
        str(binary),
        "--appId",
        APP_ID,
        "--masterKey",
        MASTER_KEY,
        "--databaseURI",
        database,
        "--port",
        str(port),
        "--mountPath",
        "/parse",
        "--serverURL",  # batch request paths are resolved against it
        f"http://127.0.0.1:{port}/parse",
        "--logLevel",
        "error",
        "--logsFolder",  # default: ./logs in the working directory
        str(PARSE_DIR / "logs"),
    ]
    # its working directory is its own folder: it creates ./logs there whatever --logsFolder says
    return subprocess.Popen([*pinned, *cmd], cwd=PARSE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(base: str) -> None:
    import httpx

    for _ in range(150):
        try:
            if httpx.get(base + "/parse/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("Parse Server did not start")


def our_occurrences(base: str, path: str) -> list[dict[str, Any]]:
    """Every occurrence our API lists (cancelled ones included), page by page."""
    import httpx

    items: list[dict[str, Any]] = []
    cursor = None
    with httpx.Client(base_url=base, timeout=30) as client:
        while True:
            params: dict[str, Any] = {"limit": 200}
            if cursor:
                params["cursor"] = cursor
            page = client.get(path, params=params).raise_for_status().json()
            items += page["items"]
            cursor = page.get("next_cursor")  # omitted on the last page
            if not cursor:
                return items


def load(base: str, items: list[dict[str, Any]], database: str) -> None:
    """One REST create per occurrence, 16 at a time (Parse's /batch endpoint fails with an internal
    error in the 8.x and 9.x releases npm installs here, so it is not used)."""
    import asyncio

    import httpx

    def parse_object(item: dict[str, Any]) -> dict[str, Any]:
        start = dt.datetime.fromisoformat(item["start"] or item["start_date"]).astimezone(dt.UTC)
        return {**item, "start": {"__type": "Date", "iso": start.isoformat(timespec="milliseconds")}}

    async def create_all() -> None:
        async with httpx.AsyncClient(base_url=base, headers=MASTER, timeout=60) as client:

            async def create(item: dict[str, Any]) -> None:
                response = await client.post("/parse/classes/Occurrence", content=json.dumps(parse_object(item)))
                response.raise_for_status()

            await create(items[0])  # alone: it creates the class
            pending = iter(items[1:])

            async def worker() -> None:
                for item in pending:
                    await create(item)

            await asyncio.gather(*(worker() for _ in range(16)))

    asyncio.run(create_all())
    # What any Parse deployment would add for this query (Parse creates no index on its own).
    subprocess.run(
        ["psql", database, "-q", "-c", 'CREATE INDEX IF NOT EXISTS occurrence_start ON "Occurrence" ("start")'],
        check=True,
    )
    subprocess.run(["psql", database, "-q", "-c", 'ANALYZE "Occurrence"'], check=True)


def query_path(now: dt.datetime) -> str:
    where = {
        "start": {"$gte": {"__type": "Date", "iso": now.astimezone(dt.UTC).isoformat(timespec="milliseconds")}},
        "status": {"$ne": "cancelled"},
    }
    query = urllib.parse.urlencode({"where": json.dumps(where, separators=(",", ":")), "order": "start", "limit": 50})
    return "/parse/classes/Occurrence?" + query


def check_answer(base: str, path: str) -> int:
    import httpx

    results = httpx.get(base + path, headers=HEADERS, timeout=30).raise_for_status().json()["results"]
    if len(results) != 50 or any(r["status"] == "cancelled" for r in results):
        raise RuntimeError("Parse Server did not answer the benchmark query as expected")
    return len(json.dumps(results))
