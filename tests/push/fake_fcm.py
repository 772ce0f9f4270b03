"""A local stand-in for FCM: the HTTP v1 send endpoint and an OAuth 2 token endpoint.

It runs a raw ASGI app under uvicorn on 127.0.0.1 (random port) in a thread of its own, so the
real firebase-admin client (httpx) talks to it over real sockets. ``rules`` script per-token
answers: a list consumed one request at a time (then success), or ``always`` for every request.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ACCESS_TOKEN = "fake-fcm-access-token"
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"


@dataclass(frozen=True)
class Reply:
    status: int
    fcm_code: str | None = None
    retry_after: str | None = None

    def body(self) -> dict[str, Any]:
        names = {
            400: "INVALID_ARGUMENT",
            401: "UNAUTHENTICATED",
            403: "PERMISSION_DENIED",
            404: "NOT_FOUND",
            429: "RESOURCE_EXHAUSTED",
            500: "INTERNAL",
            503: "UNAVAILABLE",
        }
        error: dict[str, Any] = {
            "code": self.status,
            "message": f"fake {self.fcm_code}",
            "status": names.get(self.status, "UNKNOWN"),
        }
        if self.fcm_code:
            error["details"] = [{"@type": FCM_ERROR, "errorCode": self.fcm_code}]
        return {"error": error}


UNREGISTERED = Reply(404, "UNREGISTERED")
SENDER_ID_MISMATCH = Reply(403, "SENDER_ID_MISMATCH")
INVALID_ARGUMENT = Reply(400, "INVALID_ARGUMENT")
UNAVAILABLE = Reply(503, "UNAVAILABLE")


def quota_exceeded(retry_after: int) -> Reply:
    return Reply(429, "QUOTA_EXCEEDED", retry_after=str(retry_after))


@dataclass
class FakeFcm:
    project: str = "stadtkern-test"
    rules: dict[str, list[Reply]] = field(default_factory=dict)
    always: dict[str, Reply] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    token_requests: int = 0
    unauthorized: int = 0
    record: bool = True
    count: int = 0
    base_url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attempts(self) -> Counter[str]:
        return Counter(m["token"] for m in self.received)

    def delivered(self) -> Counter[str]:
        return Counter(m["token"] for m in self.received if m["_status"] == 200)

    def _answer(self, token: str) -> Reply:
        with self._lock:
            if token in self.always:
                return self.always[token]
            queue = self.rules.get(token)
            if queue:
                return queue.pop(0)
        return Reply(200)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        path: str = scope["path"]
        headers = dict(scope["headers"])
        if path == "/token":
            self.token_requests += 1
            await self._json(send, 200, {"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"})
            return
        if path != f"/v1/projects/{self.project}/messages:send" or scope["method"] != "POST":
            await self._json(send, 404, Reply(404).body())
            return
        if headers.get(b"authorization") != f"Bearer {ACCESS_TOKEN}".encode():
            self.unauthorized += 1
            await self._json(send, 401, Reply(401).body())
            return
        message = json.loads(raw)["message"]
        token = message.get("token", "")
        reply = self._answer(token)
        self.count += 1
        if self.record:
            message["_status"] = reply.status
            message["_at"] = time.time()
            self.received.append(message)
        if reply.status == 200:
            await self._json(send, 200, {"name": f"projects/{self.project}/messages/{self.count}"})
        else:
            extra = [(b"retry-after", reply.retry_after.encode())] if reply.retry_after else []
            await self._json(send, reply.status, reply.body(), extra)

    @staticmethod
    async def _json(send: Any, status: int, body: Any, extra: list[tuple[bytes, bytes]] | None = None) -> None:
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), *(extra or [])],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def reset(self) -> None:
        with self._lock:
            self.rules.clear()
            self.always.clear()
            self.received.clear()
            self.count = 0


class FakeFcmServer:
    """Starts :class:`FakeFcm` under uvicorn in a daemon thread; ``stop()`` shuts it down."""

    def __init__(self, fake: FakeFcm | None = None) -> None:
        self.fake = fake or FakeFcm()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.fake.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.fake, log_level="warning", access_log=False, lifespan="off", backlog=4096)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def start(self) -> FakeFcm:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake FCM server did not start")
            time.sleep(0.01)
        return self.fake

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def service_account(fake: FakeFcm) -> dict[str, str]:
    """A freshly generated service-account key whose token endpoint is the fake server."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": fake.project,
        "private_key_id": "fake-key-1",
        "private_key": pem,
        "client_email": f"push@{fake.project}.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": f"{fake.base_url}/token",
    }


def main() -> None:
    """``python -m tests.push.fake_fcm``: serve on a free port (printed first) until killed."""
    import sys

    server = FakeFcmServer(FakeFcm(record=False))
    server.start()
    print(server.port, flush=True)
    print(json.dumps(service_account(server.fake)), flush=True)
    try:
        sys.stdin.read()  # until the parent closes our stdin
    finally:
        server.stop()


if __name__ == "__main__":
    main()
