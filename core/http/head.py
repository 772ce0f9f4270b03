"""``HEAD`` on every ``GET`` route (RFC 9110 §9.3.2): the same status and headers, no body.

Litestar 2 routes HEAD only to handlers declared for it, so a client checking a resource with
HEAD got 405. Here HEAD is answered by the GET handler and the body is dropped on the way out;
``Content-Length`` stays that of the GET response, as the RFC allows.
"""

from __future__ import annotations

from core.http.asgi import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
