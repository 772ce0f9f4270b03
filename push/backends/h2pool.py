"""A small HTTP/2 client pool for one origin, built on ``h2`` (the protocol library httpcore uses).

Why not httpcore or httpx: measured against the fake FCM server (500 requests in flight, one
core), httpx costs ~670 us of client CPU per FCM request and httpcore's ``AsyncConnectionPool``
~425 us, mostly locks, per-request socket reads and writes and queue scans. Here one
``asyncio.Protocol`` per connection hands every response to its waiting future as it arrives,
and all frames produced in one event-loop turn go out in one ``write``: ~120-130 us per request.

``h2`` does all the framing, HPACK and flow control; this module only maps streams to futures,
opens connections (plain with prior knowledge, or TLS with ALPN ``h2``), waits for free streams
(the server's ``MAX_CONCURRENT_STREAMS``) and fails streams on timeouts, resets and lost
connections with the exception classes below, which the FCM sender maps like httpx's.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, cast

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

# Our receive windows: large, so the server never waits for our WINDOW_UPDATEs on small replies.
WINDOW = 16 * 1024 * 1024
# Streams per connection at most, whatever the server allows (Google's front ends announce 100);
# until its SETTINGS arrive h2 assumes no limit, so this also bounds the first burst.
MAX_STREAMS = 100


class TransportError(Exception):
    """The request may or may not have reached the server (httpx: a ``TransportError``)."""


class ConnectFailed(TransportError):
    """No connection could be made (httpx: ``ConnectError``): the request was not sent."""


class RequestTimeout(TransportError):
    """No complete answer within the timeout (httpx: ``TimeoutException``)."""


@dataclass(slots=True)
class Response:
    status: int
    headers: dict[bytes, bytes]  # lower-case names; HTTP/2 forbids repeated pseudo-headers
    body: bytes


@dataclass(slots=True)
class _Stream:
    future: asyncio.Future[Response]
    body: bytes  # request body not yet sent (waits for the server's flow-control window)
    status: int = 0
    headers: dict[bytes, bytes] = field(default_factory=dict)
    data: bytearray = field(default_factory=bytearray)
    timer: asyncio.TimerHandle | None = None


class _Connection(asyncio.Protocol):
    """One HTTP/2 connection; its streams are answered from :meth:`data_received`."""

    def __init__(self, pool: H2Pool) -> None:
        self.pool = pool
        config = h2.config.H2Configuration(
            client_side=True,
            header_encoding=None,
            # Our header lists are built once per token and are well-formed; the server's are checked.
            validate_outbound_headers=False,
            normalize_outbound_headers=False,
        )
        self.h2 = h2.connection.H2Connection(config=config)
        self.transport: asyncio.Transport | None = None
        self.streams: dict[int, _Stream] = {}
        self.closed = False
        self._flush_scheduled = False

    # -- asyncio callbacks ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self.h2.local_settings = h2.settings.Settings(
            client=True,
            initial_values={
                h2.settings.SettingCodes.ENABLE_PUSH: 0,
                h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: WINDOW,
            },
        )
        self.h2.initiate_connection()
        self.h2.increment_flow_control_window(WINDOW - 65_535)
        self.transport.write(self.h2.data_to_send())

    def data_received(self, data: bytes) -> None:
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError as exc:
            self._fail_all(TransportError(f"HTTP/2 protocol error: {exc}"))
            return
        for event in events:
            self._event(event)
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail_all(TransportError("Server disconnected" if exc is None else f"Connection lost: {exc}"))

    def _event(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.DataReceived):
            stream = self.streams.get(event.stream_id)
            if stream is not None:
                stream.data += event.data
            self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.ResponseReceived):
            stream = self.streams.get(event.stream_id)
            if stream is not None:
                stream.headers = dict(cast(Any, event.headers))
                stream.status = int(stream.headers.get(b":status", b"0"))
        elif isinstance(event, h2.events.StreamEnded):
            stream = self.streams.get(event.stream_id)
            if stream is not None:
                self._finish(event.stream_id, Response(stream.status, stream.headers, bytes(stream.data)))
        elif isinstance(event, h2.events.StreamReset):
            self._finish(event.stream_id, TransportError(f"Stream {event.stream_id} reset by the server"))
        elif isinstance(event, h2.events.WindowUpdated):
            self._send_pending()
        elif isinstance(event, h2.events.RemoteSettingsChanged):
            self.pool._wake(every=True)  # MAX_CONCURRENT_STREAMS may have grown
        elif isinstance(event, h2.events.ConnectionTerminated):
            self._terminated(event)

    def _terminated(self, event: h2.events.ConnectionTerminated) -> None:
        # GOAWAY: no new streams here; streams above last_stream_id were never processed.
        self.closed = True
        last = event.last_stream_id if event.last_stream_id is not None else 0
        for stream_id in [s for s in self.streams if s > last or event.error_code != h2.errors.ErrorCodes.NO_ERROR]:
            self._finish(stream_id, TransportError(f"Server disconnected (GOAWAY {event.error_code!r})"))
        if not self.streams and self.transport is not None:
            self.transport.close()
        self.pool._forget(self)

    # -- requests ------------------------------------------------------------------------

    @property
    def free(self) -> int:
        if self.closed:
            return 0
        return min(self.h2.remote_settings.max_concurrent_streams, MAX_STREAMS) - len(self.streams)

    def submit(self, headers: list[tuple[bytes, bytes]], body: bytes, timeout: float) -> asyncio.Future[Response]:
        future: asyncio.Future[Response] = self.pool.loop.create_future()
        stream_id = self.h2.get_next_available_stream_id()
        stream = _Stream(future, body)
        stream.timer = self.pool.loop.call_later(timeout, self._timeout, stream_id, timeout)
        self.streams[stream_id] = stream
        self.h2.send_headers(stream_id, headers, end_stream=not body)
        self._send_body(stream_id, stream)
        self._flush_soon()
        return future

    def _send_body(self, stream_id: int, stream: _Stream) -> None:
        while stream.body:
            window = min(self.h2.local_flow_control_window(stream_id), self.h2.max_outbound_frame_size)
            if window <= 0:
                return  # the rest goes when the server's WINDOW_UPDATE arrives
            chunk, stream.body = stream.body[:window], stream.body[window:]
            self.h2.send_data(stream_id, chunk, end_stream=not stream.body)

    def _send_pending(self) -> None:
        for stream_id, stream in list(self.streams.items()):
            if stream.body:
                self._send_body(stream_id, stream)

    def _timeout(self, stream_id: int, timeout: float) -> None:
        if stream_id in self.streams and not self.closed:
            with contextlib.suppress(h2.exceptions.StreamClosedError):
                self.h2.reset_stream(stream_id, h2.errors.ErrorCodes.CANCEL)
            self._flush_soon()
        self._finish(stream_id, RequestTimeout(f"no answer within {timeout:g} s"))

    def _finish(self, stream_id: int, outcome: Response | Exception) -> None:
        stream = self.streams.pop(stream_id, None)
        if stream is None:
            return
        if stream.timer is not None:
            stream.timer.cancel()
        if not stream.future.done():
            if isinstance(outcome, Exception):
                stream.future.set_exception(outcome)
            else:
                stream.future.set_result(outcome)
        self.pool._wake()
        if self.closed and not self.streams and self.transport is not None:
            self.transport.close()

    def _fail_all(self, error: Exception) -> None:
        self.closed = True
        for stream_id in list(self.streams):
            self._finish(stream_id, error)
        if self.transport is not None:
            self.transport.close()
        self.pool._forget(self)

    def _flush_soon(self) -> None:
        # Every stream submitted in this loop turn shares one write (one syscall, few TCP segments).
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.pool.loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        data = self.h2.data_to_send()
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)


class H2Pool:
    """Requests to one origin over up to ``max_connections`` HTTP/2 connections."""

    def __init__(
        self, host: str, port: int, *, tls: bool, connect_timeout: float = 120.0, max_connections: int = 10
    ) -> None:
        self.host, self.port = host, port
        self.authority = host.encode() if port == (443 if tls else 80) else f"{host}:{port}".encode()
        self.scheme = b"https" if tls else b"http"
        self.ssl: ssl.SSLContext | None = _tls_context() if tls else None
        self.connect_timeout = connect_timeout
        self.max_connections = max_connections
        self.connections: list[_Connection] = []
        self._connecting = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self.loop = asyncio.get_running_loop()

    async def submit(
        self, method: bytes, path: bytes, headers: list[tuple[bytes, bytes]], body: bytes, time_limit: float
    ) -> asyncio.Future[Response]:
        """Start one request once a stream is free; the future holds its answer (or the error).

        ``headers`` are the regular ones (the pseudo-headers are added here). A future, not a
        coroutine: a batch of requests needs no task per request.
        """
        connection = await self._connection()
        pseudo = [(b":method", method), (b":scheme", self.scheme), (b":authority", self.authority), (b":path", path)]
        return connection.submit(pseudo + headers, body, time_limit)

    def discard(self, futures: Iterable[asyncio.Future[Response]]) -> None:
        """Nobody waits for these any more (the caller was cancelled): reset their streams."""
        waiting = {id(f) for f in futures if not f.done()}
        for connection in list(self.connections):
            for stream_id, stream in list(connection.streams.items()):
                if id(stream.future) in waiting:
                    connection._timeout(stream_id, 0)

    async def _connection(self) -> _Connection:
        while True:
            best = max(self.connections, key=lambda c: c.free, default=None)
            if best is not None and best.free > 0:
                return best
            # One connection opens at a time: it brings ~100 streams, enough for most waiters.
            if not self._connecting and len(self.connections) < self.max_connections:
                await self._open()
                continue
            waiter: asyncio.Future[None] = self.loop.create_future()
            self._waiters.append(waiter)
            await waiter  # raises the connect error if the opening connection failed

    async def _open(self) -> None:
        self._connecting += 1
        try:
            protocol = await self._connect()
        except ConnectFailed as exc:
            # Those waiting for this connection fail with it at once, rather than each trying
            # (and timing out) in turn: the dispatcher retries them later.
            while self._waiters:
                waiter = self._waiters.popleft()
                if not waiter.done():
                    waiter.set_exception(ConnectFailed(str(exc)))
            raise
        finally:
            self._connecting -= 1
        self.connections.append(protocol)
        self._wake(every=True)

    async def _connect(self) -> _Connection:
        try:
            _, protocol = await asyncio.wait_for(
                self.loop.create_connection(
                    lambda: _Connection(self),
                    self.host,
                    self.port,
                    ssl=self.ssl,
                    server_hostname=self.host if self.ssl else None,
                ),
                self.connect_timeout,
            )
        except TimeoutError as exc:
            raise ConnectFailed(f"connecting to {self.host}:{self.port} timed out") from exc
        except OSError as exc:
            raise ConnectFailed(str(exc)) from exc
        ssl_object = protocol.transport.get_extra_info("ssl_object") if protocol.transport is not None else None
        if ssl_object is not None and ssl_object.selected_alpn_protocol() != "h2":
            protocol._fail_all(ConnectFailed("no HTTP/2"))
            raise ConnectFailed(f"{self.host} did not agree to HTTP/2 (ALPN)")
        return protocol

    def _wake(self, every: bool = False) -> None:
        """Wake one waiter (a stream ended: one slot), or all (a connection opened or went away)."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                if not every:
                    return

    def _forget(self, connection: _Connection) -> None:
        if connection in self.connections:
            self.connections.remove(connection)
        self._wake(every=True)  # they may open a new connection

    async def close(self) -> None:
        for connection in list(self.connections):
            connection._fail_all(TransportError("pool closed"))
        self.connections.clear()


def _tls_context() -> ssl.SSLContext:
    import certifi  # httpx's trust store, so both senders trust the same CAs

    context = ssl.create_default_context(cafile=certifi.where())
    context.set_alpn_protocols(["h2"])
    return context
