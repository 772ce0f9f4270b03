"""The requests of deploy/smoke, with the standard library only (it runs on the host's python3).

    smoke_checks.py wait URL SECONDS        until URL answers 200
    smoke_checks.py resident BASE           a resident's first minutes against BASE
    smoke_checks.py worker-state URL        prints "leader" or "standby" from a worker's /health/ready
    smoke_checks.py fake-fcm                prints a service-account JSON with a fresh RSA key (openssl)

A failed check exits non-zero with one line saying what was asked and what came back.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

CITY = "dortmund"


def request(
    url: str, method: str = "GET", body: Any = None, token: str | None = None
) -> tuple[int, Any, dict[str, str]]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if not url.startswith(("http://", "https://")):
        sys.exit(f"smoke: not an http(s) URL: {url}")
    req = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - checked above
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 - checked above
            status, raw, head = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        status, raw, head = error.code, error.read(), dict(error.headers)
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode(errors="replace")[:300]
    return status, payload, head


def expect(what: str, status: int, wanted: int, payload: Any) -> None:
    if status != wanted:
        sys.exit(f"smoke: {what}: {status} instead of {wanted}: {str(payload)[:500]}")
    print(f"smoke:   {what}: {status}")


def wait(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            status, payload, _ = request(url)
        except OSError as exc:
            last = type(exc).__name__
        else:
            if status == 200:
                return
            last = f"{status} {str(payload)[:200]}"
        time.sleep(0.5)
    sys.exit(f"smoke: {url} did not answer 200 within {seconds:.0f} s (last: {last})")


def resident(base: str) -> None:
    """Register a device, read it back with its credential, then the app's first two screens."""
    base = base.rstrip("/")
    status, ready, _ = request(f"{base}/health/ready")
    expect(f"GET {base}/health/ready", status, 200, ready)
    device = {"platform": "android", "locale": "de", "app_version": "1.0.0"}
    status, registered, head = request(f"{base}/v1/{CITY}/devices", "POST", device)
    expect(f"POST /v1/{CITY}/devices", status, 201, registered)
    location = next((v for k, v in head.items() if k.lower() == "location"), None)
    if not location:
        sys.exit("smoke: the 201 of the device registration has no Location")
    target = location if location.startswith("http") else f"{base}{location}"
    status, mine, _ = request(target, token=registered["credential"])
    expect(f"GET {location} (with the new credential)", status, 200, mine)
    if mine["id"] != registered["device"]["id"]:
        sys.exit("smoke: the credential read another device")
    for path in (f"/v1/{CITY}/app-config", f"/v1/{CITY}/events/occurrences"):
        status, payload, _ = request(f"{base}{path}")
        expect(f"GET {path}", status, 200, payload)


def worker_state(url: str) -> None:
    status, payload, _ = request(url)
    if status != 200 or not isinstance(payload, dict):
        sys.exit(f"smoke: worker {url}: {status} {str(payload)[:300]}")
    print(payload.get("state", "unknown"))


def fake_fcm() -> None:
    """Firebase credentials that parse like real ones and reach nothing: start-up and push
    dispatch load them, no test here sends a message, and the token endpoint is a closed port."""
    pem = subprocess.run(
        ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    account = {
        "type": "service_account",
        "project_id": "stadtkern-smoke",
        "private_key_id": "smoke-key",
        "private_key": pem,
        "client_email": "push@stadtkern-smoke.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "http://127.0.0.1:9/token",
    }
    print(json.dumps(account))


def main(argv: list[str]) -> None:
    match argv:
        case ["wait", url, seconds]:
            wait(url, float(seconds))
        case ["resident", base]:
            resident(base)
        case ["worker-state", url]:
            worker_state(url)
        case ["fake-fcm"]:
            fake_fcm()
        case _:
            sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
