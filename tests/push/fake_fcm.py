"""A local stand-in for FCM: the HTTP v1 send endpoint and an OAuth 2 token endpoint.

It runs a raw ASGI app under uvicorn on 127.0.0.1 (random port) in a thread of its own, so the
real firebase-admin client (httpx) talks to it over real sockets. ``rules`` script per-token
answers: a list consumed one request at a time (then success), or ``always`` for every request.

The same answers are also served over HTTP/2 with prior knowledge (h2c) on a second port
(``FakeFcm.h2c_url``), in a thread and event loop of its own: real FCM speaks HTTP/2 (TLS +
ALPN), and firebase-admin's httpx client multiplexes a batch over one connection; over plain
``http://`` httpx would fall back to HTTP/1.1, whose connection pool (httpcore) costs far more
client CPU per request than FCM's protocol does. The benchmark uses this port (``h2c://``
endpoint, see ``push.backends.fcm``); the tests use either.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ACCESS_TOKEN = "fake-fcm-access-token"
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
_BEARER = f"Bearer {ACCESS_TOKEN}".encode()
# Streams one HTTP/2 connection may carry at once (Google's front ends announce 100).
H2_MAX_STREAMS = 100


def _dump(body: Any) -> bytes:
    return json.dumps(body).encode()


@dataclass(frozen=True)
class Reply:
    status: int
    fcm_code: str | None = None
    retry_after: str | None = None
    # h2c listener only: "drop" closes the connection instead of answering, "hang" never answers.
    action: str | None = None

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
DROP = Reply(0, action="drop")
HANG = Reply(0, action="hang")


def quota_exceeded(retry_after: int) -> Reply:
    return Reply(429, "QUOTA_EXCEEDED", retry_after=str(retry_after))


@dataclass
class FakeFcm:
    project: str = "stadtkern-test"
    rules: dict[str, list[Reply]] = field(default_factory=dict)
    always: dict[str, Reply] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    # Every send request as it arrived (with ``record``): method, path, headers (names lower-case,
    # HTTP/2 pseudo-headers included), the JSON body decoded and the raw body.
    requests: list[dict[str, Any]] = field(default_factory=list)
    token_requests: int = 0
    h2_requests: int = 0  # requests that came over the HTTP/2 (h2c) listener
    unauthorized: int = 0
    record: bool = True
    # Seconds each send waits before its answer: keeps a fan-out in flight long enough
    # to kill its dispatcher in the middle.
    delay: float = 0.0
    count: int = 0
    base_url: str = ""
    h2c_url: str = ""
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

    def handle(
        self, method: str, path: str, headers: dict[bytes, bytes], raw: bytes
    ) -> tuple[int, bytes, str | None, str | None]:
        """One request, whatever the protocol: (status, JSON body, Retry-After, action or None)."""
        if path == "/token":
            with self._lock:
                self.token_requests += 1
            return 200, _dump({"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"}), None, None
        if path != f"/v1/projects/{self.project}/messages:send" or method != "POST":
            return 404, _dump(Reply(404).body()), None, None
        if headers.get(b"authorization") != _BEARER:
            with self._lock:
                self.unauthorized += 1
            return 401, _dump(Reply(401).body()), None, None
        body = json.loads(raw)
        message = body["message"]
        token = message.get("token", "")
        reply = self._answer(token)
        with self._lock:
            self.count += 1
            count = self.count
            if self.record:
                self.requests.append(
                    {
                        "method": method,
                        "path": path,
                        "headers": {k.decode().lower(): v.decode() for k, v in headers.items()},
                        "json": json.loads(raw),
                        "raw": raw,
                    }
                )
                message["_status"] = reply.status
                message["_at"] = time.time()
                self.received.append(message)
        if reply.status == 200:
            return 200, _dump({"name": f"projects/{self.project}/messages/{count}"}), None, None
        return reply.status, _dump(reply.body()), reply.retry_after, reply.action

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
        if self.delay and scope["path"] != "/token":
            await asyncio.sleep(self.delay)
        headers = dict(scope["headers"])
        status, payload, retry_after, _ = self.handle(scope["method"], scope["path"], headers, b"".join(chunks))
        extra = [(b"retry-after", retry_after.encode())] if retry_after else []
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), *extra],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def reset(self) -> None:
        with self._lock:
            self.rules.clear()
            self.always.clear()
            self.received.clear()
            self.requests.clear()
            self.count = 0
            self.h2_requests = 0
            self.delay = 0.0


class _H2Protocol(asyncio.Protocol):
    """One HTTP/2 (h2c, prior knowledge) connection answered by :meth:`FakeFcm.handle`."""

    def __init__(self, fake: FakeFcm) -> None:
        self.fake = fake
        config = h2.config.H2Configuration(client_side=False, header_encoding=None)
        self.conn = h2.connection.H2Connection(config=config)
        self.requests: dict[int, tuple[dict[bytes, bytes], bytearray]] = {}
        self.pending: dict[int, bytes] = {}  # response bodies waiting for flow-control window
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.conn.initiate_connection()
        self.conn.update_settings({h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: H2_MAX_STREAMS})
        self.transport.write(self.conn.data_to_send())

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.transport.write(self.conn.data_to_send())
            self.transport.close()
            return
        for event in events:
            if isinstance(event, h2.events.RequestReceived):
                self.requests[event.stream_id] = (dict(cast(Any, event.headers)), bytearray())
            elif isinstance(event, h2.events.DataReceived):
                self.requests[event.stream_id][1].extend(event.data)
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                self._respond(event.stream_id)
            elif isinstance(event, h2.events.StreamReset):
                self.requests.pop(event.stream_id, None)
                self.pending.pop(event.stream_id, None)
            elif isinstance(event, h2.events.WindowUpdated):
                self._flush()
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.transport.write(self.conn.data_to_send())
                self.transport.close()
                return
        self.transport.write(self.conn.data_to_send())

    def _respond(self, stream_id: int) -> None:
        headers, body = self.requests.pop(stream_id)
        with self.fake._lock:
            self.fake.h2_requests += 1
        status, payload, retry_after, action = self.fake.handle(
            headers.get(b":method", b"").decode(),
            headers.get(b":path", b"").decode().split("?", 1)[0],
            headers,
            bytes(body),
        )
        if action == "drop":
            assert self.transport is not None
            self.transport.close()
            return
        if action == "hang":
            return
        if self.fake.delay and not headers.get(b":path", b"").startswith(b"/token"):
            asyncio.get_running_loop().call_later(
                self.fake.delay, self._answer, stream_id, status, payload, retry_after
            )
            return
        self._answer(stream_id, status, payload, retry_after)

    def _answer(self, stream_id: int, status: int, payload: bytes, retry_after: str | None) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        response = [
            (b":status", str(status).encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ]
        if retry_after:
            response.append((b"retry-after", retry_after.encode()))
        try:
            self.conn.send_headers(stream_id, response)
        except h2.exceptions.StreamClosedError:  # the client gave up on it (reset)
            return
        self.pending[stream_id] = payload
        self._flush()
        self.transport.write(self.conn.data_to_send())

    def _flush(self) -> None:
        for stream_id, payload in list(self.pending.items()):
            if self.conn.local_flow_control_window(stream_id) < len(payload):
                continue
            self.conn.send_data(stream_id, payload, end_stream=True)
            del self.pending[stream_id]


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
        self.h2_sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.h2_sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.h2_sock.bind(("127.0.0.1", 0))
        self.fake.h2c_url = f"h2c://127.0.0.1:{self.h2_sock.getsockname()[1]}"
        self.h2_loop = _new_loop()
        self.h2_ready = threading.Event()
        self.h2_thread = threading.Thread(target=self._serve_h2, daemon=True)

    def _serve_h2(self) -> None:
        loop = self.h2_loop
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(
            loop.create_server(lambda: _H2Protocol(self.fake), sock=self.h2_sock, backlog=4096)
        )
        self.h2_ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            loop.run_until_complete(server.wait_closed())
            loop.close()

    def start(self) -> FakeFcm:
        self.thread.start()
        self.h2_thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started or not self.h2_ready.is_set():
            if time.monotonic() > deadline:
                raise RuntimeError("fake FCM server did not start")
            time.sleep(0.01)
        return self.fake

    def stop(self) -> None:
        self.server.should_exit = True
        self.h2_loop.call_soon_threadsafe(self.h2_loop.stop)
        self.thread.join(10)
        self.h2_thread.join(10)


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.new_event_loop()
    return cast(asyncio.AbstractEventLoop, uvloop.new_event_loop())


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
    print(server.fake.h2c_url, flush=True)
    try:
        sys.stdin.read()  # until the parent closes our stdin
    finally:
        server.stop()


if __name__ == "__main__":
    main()
