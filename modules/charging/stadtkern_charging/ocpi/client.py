"""An eMSP-style pull client for an operator's OCPI 2.2.1 (or 2.2) Locations endpoint.

Speaks the spec (response envelope, ``Link`` paging with ``offset``/``limit``, ``date_from``,
``Authorization: Token``) and tolerates what operators send instead: a bare array, ``status_code``
as a string, cursor-style pages (``{"next": …, "items": […]}``), no ``Link`` but ``X-Total-Count``.
An OCPI 3.0 answer is refused with a message saying so."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from stadtkern_charging.ocpi.values import Rejected, Repairs, format_datetime, parse_datetime


class SourceError(Exception):
    """The source as a whole failed (unreachable, refused, not OCPI); the message is for staff."""


@dataclass(slots=True)
class Page:
    """One page of Location objects as sent, with remarks about the page itself."""

    records: list[Any]
    remarks: list[str] = field(default_factory=list)
    server_time: dt.datetime | None = None


def authorization(token: str, version: str) -> str:
    """OCPI 2.2.1 sends the credentials token base64-encoded (§ 4.1.3); 2.2 operators mostly expect it plain."""
    if version == "2.2.1":
        return "Token " + base64.b64encode(token.encode()).decode()
    return "Token " + token


def _ocpi3(response: httpx.Response, body: Any) -> str | None:
    """Why this looks like OCPI 3.0, or None."""
    for header in ("OCPI-Version", "X-OCPI-Version"):
        if response.headers.get(header, "").startswith("3"):
            return f"the {header} header says {response.headers[header]!r}"
    if "/3.0/" in response.url.path or response.url.path.rstrip("/").endswith("/3.0"):
        return "the URL is a 3.0 endpoint"
    if isinstance(body, dict):
        version = body.get("version") or body.get("ocpi_version")
        if isinstance(version, str) and version.startswith("3"):
            return f"the response names version {version!r}"
        data = body.get("data")
        if isinstance(data, dict) and str(data.get("version", "")).startswith("3"):
            return f"the response names version {data['version']!r}"
    return None


def _status_code(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def read_body(response: httpx.Response, body: Any) -> tuple[Page, str | None]:
    """The page's records and, for cursor-style paging, the next URL the body names."""
    reason = _ocpi3(response, body)
    if reason:
        raise SourceError(f"OCPI 3.0 is not supported ({reason}); configure the operator's 2.2.1 Locations endpoint")
    if isinstance(body, list):
        return Page(body, ["no OCPI response envelope: a bare array"]), None
    if not isinstance(body, dict):
        raise SourceError("not an OCPI response: neither an envelope nor a list")
    if "items" in body and isinstance(body["items"], list):
        nxt = body.get("next")
        return Page(body["items"], ["cursor-style paging (next/items)"]), nxt if isinstance(nxt, str) and nxt else None
    if "data" not in body and "status_code" not in body:
        raise SourceError("not an OCPI response: no data and no status_code")
    page = Page([])
    code = _status_code(body.get("status_code"))
    if code is None:
        raise SourceError(f"OCPI status_code missing or not a number ({str(body.get('status_code'))[:20]!r})")
    if isinstance(body.get("status_code"), str):
        page.remarks.append("status_code sent as a string")
    if not 1000 <= code < 2000:
        message = str(body.get("status_message") or "")[:200]
        raise SourceError(f"OCPI status_code {code}: {message or 'no message'}")
    data = body.get("data")
    if isinstance(data, dict):
        data = [data]
    if data is None:
        data = []
    if not isinstance(data, list):
        raise SourceError("OCPI data is neither a list nor an object")
    page.records = data
    try:
        page.server_time = parse_datetime(body.get("timestamp"), "timestamp", Repairs())
    except Rejected:
        page.remarks.append("no usable timestamp in the envelope")
    return page, None


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _offset_next(response: httpx.Response, offset: int, count: int) -> int | None:
    """Paging by X-Total-Count when an operator sends no Link header."""
    total = response.headers.get("X-Total-Count", "")
    if total.isdigit() and count and offset + count < int(total):
        return offset + count
    return None


async def _get(client: httpx.AsyncClient, url: str, params: dict[str, str] | None, headers: dict[str, str]) -> Any:
    try:
        response = await client.get(url, params=params, headers=headers)
    except httpx.HTTPError as exc:
        raise SourceError(f"unreachable: {type(exc).__name__}") from exc
    if response.status_code in (401, 403):
        raise SourceError(f"HTTP {response.status_code}: the operator refused our token")
    if response.status_code >= 400:
        raise SourceError(f"HTTP {response.status_code}")
    try:
        return response, response.json()
    except ValueError as exc:
        raise SourceError("not JSON") from exc


async def pull_pages(
    client: httpx.AsyncClient,
    url: str,
    *,
    token: str | None,
    version: str,
    limit: int,
    date_from: dt.datetime | None,
    max_pages: int,
) -> AsyncIterator[Page]:
    """Every page of the Locations list, following Link (or the body's next, or X-Total-Count)."""
    headers = {"Accept": "application/json", "X-Request-ID": str(uuid.uuid4()), "X-Correlation-ID": str(uuid.uuid4())}
    if token:
        headers["Authorization"] = authorization(token, version)
    params: dict[str, str] | None = {"offset": "0", "limit": str(limit)}
    if date_from is not None:
        params = {**(params or {}), "date_from": format_datetime(date_from)}
    next_url: str = url
    # Paging by offset ourselves only while the operator sends no next link at all.
    offset, by_offset, seen = 0, True, set()
    for _ in range(max_pages):
        response, body = await _get(client, next_url, params, headers)
        page, body_next = read_body(response, body)
        yield page
        seen.add(str(response.url))
        link = response.links.get("next", {}).get("url")
        candidate = link or body_next
        if candidate is None:
            following = _offset_next(response, offset, len(page.records)) if by_offset else None
            if following is None:
                return
            offset, next_url = following, url
            params = {**(params or {}), "offset": str(offset)}
            continue
        by_offset = False
        candidate = str(response.url.join(candidate))
        if not _same_origin(candidate, url):
            raise SourceError("the next page lies on another host; not followed")
        if candidate in seen:
            raise SourceError("the next page repeats a page already read; stopped")
        next_url, params = candidate, None
    raise SourceError(f"more than {max_pages} pages; stopped")
