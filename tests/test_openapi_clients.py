"""Clients generated from the committed ``schemas/openapi.json`` by tools nobody here wrote, against a
live server; and the document's linters.

- ``redocly lint`` and ``spectral lint`` (ruleset ``spectral:oas``) report no error;
- openapi-typescript + openapi-fetch: the resident's and the staff flow in tests/clients/flow.mts,
  type-checked with ``tsc --strict`` against the generated types, run with node;
- openapi-python-client: the same flows with the generated package.

The server is a real ``stadtkern run`` (uvicorn, SQLite, the demo data of module_manifest.toml, from
which the document is built) on a free port. Drift fails: an answer whose status the document does
not list (openapi-fetch middleware; ``raise_on_unexpected_status``), a body without a field the
document requires (the Python models' ``from_dict``), a call the types do not allow (``tsc``).

The node tools are pinned in tests/clients/package-lock.json (``npm ci``; .ci/run installs node and
runs it). Without node these tests skip, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.seed import DEMO_ADMIN_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = ROOT / "tests" / "clients"
DOCUMENT = ROOT / "schemas" / "openapi.json"
BIN = CLIENTS / "node_modules" / ".bin"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
STAFF_EMAIL = "admin@dortmund.example"
TENANT = "dortmund"


def _run(args: list[str], *, cwd: Path = CLIENTS, env: dict[str, str] | None = None, timeout: int = 180) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{output[-6000:]}"
    return output


@pytest.fixture(scope="module")
def node_tools() -> Path:
    """tests/clients/node_modules/.bin, installed from the lock file when missing."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        message = f"{' and '.join(missing)} not on PATH: the generated-client and linter tests need node"
        if IN_CI:
            pytest.fail(message + " (.ci/run installs it)", pytrace=False)
        pytest.skip(message)
    if not (BIN / "tsc").exists():
        _run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], timeout=600)
    return BIN


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``stadtkern run`` on a free port: migrated, demo data loaded; its base URL."""
    folder = tmp_path_factory.mktemp("live")
    port = _free_port()
    env = {
        **os.environ,
        "STADTKERN_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'live.db'}",
        "STADTKERN_MANIFEST_PATH": str(ROOT / "module_manifest.toml"),
        "STADTKERN_SECRET_KEY": "generated-clients-test-secret-key-long-enough",
        "STADTKERN_LOG_JSON": "false",
    }
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "run", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, f"server exited: {(folder / 'server.log').read_text()[-4000:]}"
            try:
                if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"server not ready: {(folder / 'server.log').read_text()[-4000:]}"
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def test_linters_report_no_errors(node_tools: Path) -> None:
    """redocly's recommended rules and spectral's ``spectral:oas``: warnings allowed, errors not."""
    _run([str(node_tools / "redocly"), "lint", str(DOCUMENT), "--config", "redocly.yaml", "--format", "stylish"])
    _run(
        [str(node_tools / "spectral"), "lint", "-r", ".spectral.yaml", "--fail-severity", "error", str(DOCUMENT)],
    )


def test_typescript_client_runs_the_flows(node_tools: Path, server: str) -> None:
    generated = CLIENTS / "generated"
    shutil.rmtree(generated, ignore_errors=True)
    # A property with a default is optional, as the document says (not in `required`): a client may
    # leave it out of a request, and a reply may omit it (openapi-typescript would make it required).
    command = [str(node_tools / "openapi-typescript"), str(DOCUMENT), "--default-non-nullable=false"]
    _run([*command, "-o", str(generated / "api.d.ts")])
    _run([str(node_tools / "tsc"), "-p", "tsconfig.json"])
    env = {
        **os.environ,
        "STADTKERN_BASE_URL": server,
        "STADTKERN_OPENAPI": str(DOCUMENT),
        "STADTKERN_STAFF_EMAIL": STAFF_EMAIL,
        "STADTKERN_STAFF_PASSWORD": DEMO_ADMIN_PASSWORD,
    }
    assert "typescript flow: ok" in _run(["node", str(generated / "out" / "flow.mjs")], env=env, timeout=120)


@pytest.fixture(scope="module")
def python_client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The package openapi-python-client generates, imported; generation may not drop anything."""
    folder = tmp_path_factory.mktemp("pyclient")
    tool = Path(sys.executable).with_name("openapi-python-client")
    output = _run(
        [
            str(tool),
            "generate",
            "--meta",
            "none",
            "--path",
            str(DOCUMENT),
            "--output-path",
            str(folder / "stadtkern_client"),
        ],
        cwd=folder,
    )
    for dropped in ("Unable to process schema", "Endpoint will not be generated", "removal of"):
        assert dropped not in output, f"openapi-python-client dropped part of the document:\n{output[-6000:]}"
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module("stadtkern_client")
    finally:
        sys.path.remove(str(folder))


def _answer(question: Any) -> Any:
    options = [o.id for o in (question.options or [])]
    kind = str(getattr(question.kind, "value", question.kind))
    return {
        "single_choice": options[:1] and options[0],
        "multiple_choice": options[: max(1, question.min_choices or 1)],
        "ranking": options,
        "rating": 1,
        "yes_no": True,
    }.get(kind, "Gut so.")


def test_python_client_runs_the_flows(python_client: Any, server: str) -> None:
    from stadtkern_client import AuthenticatedClient, Client, models
    from stadtkern_client.api.app_config import app_config
    from stadtkern_client.api.devices import register_device
    from stadtkern_client.api.events import (
        events_create_event,
        events_list_favourites,
        events_list_occurrences,
        events_put_favourite,
    )
    from stadtkern_client.api.participation import (
        participation_list_offers,
        participation_list_surveys,
        participation_show_offer,
        participation_submit_response,
    )
    from stadtkern_client.api.push import push_read_subscriptions, push_write_subscriptions
    from stadtkern_client.api.staff import login

    anonymous = Client(base_url=server, raise_on_unexpected_status=True)
    registered = register_device.sync_detailed(
        TENANT,
        client=anonymous,
        body=models.DeviceIn(platform=models.DeviceInPlatform.ANDROID, locale="de", app_version="3.1.0"),
    )
    assert registered.status_code == 201, registered.content
    assert registered.headers["location"] == f"/v1/{TENANT}/devices/me"
    device = AuthenticatedClient(base_url=server, token=registered.parsed.credential, raise_on_unexpected_status=True)
    assert registered.parsed.device.platform.value == "android"

    config = app_config.sync_detailed(TENANT, client=device)
    assert config.status_code == 200 and config.parsed.city.slug == TENANT

    listed = events_list_occurrences.sync_detailed(TENANT, client=device)
    assert listed.status_code == 200 and listed.parsed.items, listed.content
    etag = listed.headers["ETag"]
    unchanged = events_list_occurrences.sync_detailed(TENANT, client=device, if_none_match=etag)
    assert unchanged.status_code == 304 and unchanged.parsed is None
    event_id = listed.parsed.items[0].event_id

    saved = events_put_favourite.sync_detailed(
        TENANT, event_id, client=device, body=models.FavouriteIn(remind_minutes=60)
    )
    assert saved.status_code == 200, saved.content
    favourites = events_list_favourites.sync_detailed(TENANT, client=device)
    assert str(event_id) in favourites.content.decode()

    subscriptions = push_read_subscriptions.sync_detailed(TENANT, client=device)
    assert subscriptions.status_code == 200
    written = push_write_subscriptions.sync_detailed(
        TENANT,
        client=device,
        body=models.SubscriptionsIn(
            topics=[models.TopicIn(id=t.id, enabled=True) for t in subscriptions.parsed.topics]
        ),
    )
    assert written.status_code == 200, written.content

    offers = participation_list_offers.sync_detailed(TENANT, client=device)
    assert offers.status_code == 200 and offers.parsed.items
    offer = participation_show_offer.sync_detailed(TENANT, offers.parsed.items[0].id, client=device)
    assert offer.status_code == 200

    surveys = participation_list_surveys.sync_detailed(TENANT, client=device)
    survey = next(s for s in surveys.parsed.items if s.open_now)
    answers = {q.id: _answer(q) for q in survey.questions if not q.show_if}
    body = models.SubmissionIn.from_dict({"answers": answers})
    submitted = participation_submit_response.sync_detailed(TENANT, survey.id, client=device, body=body)
    assert submitted.status_code == 200, submitted.content
    repeated = participation_submit_response.sync_detailed(TENANT, survey.id, client=device, body=body)
    assert repeated.status_code == 409 and isinstance(repeated.parsed, models.Problem), repeated.content

    # A forged or expired credential on a public read: a documented 401, so the client parses it.
    forged = AuthenticatedClient(base_url=server, token="forged.token.value", raise_on_unexpected_status=True)
    refused = events_list_occurrences.sync_detailed(TENANT, client=forged)
    assert refused.status_code == 401 and isinstance(refused.parsed, models.Problem), refused.content
    assert refused.headers["www-authenticate"].startswith("Bearer")

    signed_in = login.sync_detailed(
        TENANT, client=anonymous, body=models.LoginIn(email=STAFF_EMAIL, password=DEMO_ADMIN_PASSWORD)
    )
    assert signed_in.status_code == 200, signed_in.content
    staff = AuthenticatedClient(base_url=server, token=signed_in.parsed.token, raise_on_unexpected_status=True)
    event = models.EventIn.from_dict(
        {
            "title": {"de": "Sommerfest (Python-Client)"},
            "start": "2031-07-04T18:00:00+02:00",
            "end": "2031-07-04T22:00:00+02:00",
            "time_zone": "Europe/Berlin",
        }
    )
    created = events_create_event.sync_detailed(TENANT, client=staff, body=event)
    assert created.status_code == 201, created.content
    assert created.parsed.id
    assert created.headers["location"] == f"/v1/{TENANT}/events/events/{created.parsed.id}"
