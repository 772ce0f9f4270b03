"""Unit tests: language choice, cursors and sync tokens."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from zoneinfo import ZoneInfo

import pytest

from core.api import Invalid, TenantInfo
from core.api.errors import Gone
from core.api.i18n import check_texts, direction, parse_accept_language, pick
from core.api.paging import (
    MAX_LIMIT,
    check_limit,
    decode_cursor,
    encode_cursor,
    parse_since,
    sync_token,
)
from core.models import StaffAccount
from schemas import LocalizedText

OFFERED = ("de", "en")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, ("de", "en")),
        ("", ("de", "en")),
        ("en", ("en", "de")),
        ("de", ("de", "en")),
        ("en-GB,en;q=0.9,de;q=0.5", ("en", "de")),
        ("de-AT", ("de", "en")),
        ("EN-us", ("en", "de")),
        ("de;q=0.5,en;q=0.9", ("en", "de")),
        ("en;q=0.5,de;q=0.9", ("de", "en")),
        ("en;q=0.8,de;q=0.8", ("en", "de")),  # equal quality: the client's order
        ("fr,it;q=0.9", ("de", "en")),  # nothing offered: the city's order
        ("fr,en;q=0.1", ("en", "de")),
        ("en;q=0", ("de", "en")),  # q=0 means "not acceptable"
        ("*", ("de", "en")),
        ("en;q=abc", ("de", "en")),
        (" , ;;, en ,", ("en", "de")),
        ("en; q=0.7, de; q=0.6", ("en", "de")),
    ],
)
def test_parse_accept_language(header: str | None, expected: tuple[str, ...]) -> None:
    assert parse_accept_language(header, OFFERED) == expected


def test_the_citys_first_locale_is_the_last_resort_not_german() -> None:
    assert parse_accept_language("fr", ("en",)) == ("en",)
    assert parse_accept_language(None, ("tr", "de")) == ("tr", "de")
    assert parse_accept_language(None, ()) == ()
    assert parse_accept_language("tr", ("de", "en", "tr")) == ("tr", "de", "en")
    assert parse_accept_language("pl", ("de", "en", "tr", "ar")) == ("de", "en", "tr", "ar")


@pytest.mark.parametrize(
    ("header", "offered", "expected"),
    [
        ("pt-BR", ("de", "pt"), ("pt", "de")),  # a region variant finds the language
        ("pt", ("de", "pt-BR"), ("pt-BR", "de")),  # and the language a region variant
        ("pt-PT,de;q=0.5", ("de", "pt-BR"), ("pt-BR", "de")),  # another region beats another language
        ("pt-br", ("de", "pt", "pt-BR"), ("pt-BR", "pt", "de")),  # exact (any case) before the prefix
        ("en;q=0.5,*;q=0.8", ("de", "en", "tr"), ("de", "tr", "en")),  # * stands only for what is not named
        ("ar, tr;q=0.9", ("de", "en", "tr", "ar"), ("ar", "tr", "de", "en")),
    ],
)
def test_region_variants_and_wildcards(header: str, offered: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert parse_accept_language(header, offered) == expected


def test_pick_localized_text() -> None:
    assert pick(None, ("de",)) is None
    text = LocalizedText(de="Abfall", en="Waste")
    assert text == {"de": "Abfall", "en": "Waste"}  # a plain dict: the JSON object on the wire and in the database
    assert pick(text, ("en", "de")) == "Waste"
    assert pick(text, ("de", "en")) == "Abfall"
    assert pick(LocalizedText(tr="Çöp"), ("de", "en")) == "Çöp"  # no city language: any text present
    assert pick({"de": "", "en": "Waste"}, ("de",)) == "Waste"  # an empty text counts as missing


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        *[("ar", "rtl"), ("fa", "rtl"), ("he", "rtl"), ("ckb", "rtl"), ("ur", "rtl"), ("ar-EG", "rtl")],
        *[("de", "ltr"), ("tr", "ltr"), ("uk", "ltr"), ("pt-BR", "ltr"), ("az-Arab", "rtl"), ("sd-Deva", "ltr")],
    ],
)
def test_direction(tag: str, expected: str) -> None:
    assert direction(tag) == expected


def test_check_texts_names_each_field() -> None:
    city = TenantInfo(slug="x", name="X", locales=("de", "en", "tr", "ar"), time_zone=ZoneInfo("Europe/Berlin"))
    check_texts(city, **{"body.title": {"de": "Markt", "tr": "Pazar"}, "body.description": None})
    with pytest.raises(Invalid) as caught:
        check_texts(city, **{"body.title": {"de": "Markt", "pl": "Targ"}, "body.summary": {"en": "Market"}})
    assert caught.value.extra == [
        {"key": "body.title", "message": "language pl is not offered by this city; use de, en, tr, ar"},
        {"key": "body.summary", "message": "needs a text in de, the city's primary language"},
    ]


COLUMNS = [StaffAccount.email, StaffAccount.id]


def test_cursor_round_trip() -> None:
    key = uuid.uuid4()
    cursor = encode_cursor(["anna@dortmund.de", key])
    assert "=" not in cursor and "/" not in cursor and "+" not in cursor  # safe in a query string
    assert decode_cursor(cursor, COLUMNS) == ["anna@dortmund.de", key]


def test_cursor_round_trip_with_datetime() -> None:
    moment = dt.datetime(2026, 11, 1, 8, 30, tzinfo=dt.UTC)
    cursor = encode_cursor([moment])
    assert decode_cursor(cursor, [StaffAccount.created_at]) == [moment]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "not base64 at all!",
        "é",
        _b64(b"{not json"),
        _b64(b'{"a": 1}'),
        _b64(b'["only-one"]'),
        _b64(b'["a", "b", "c"]'),
        _b64(b'["a@b.de", "not-a-uuid"]'),
        _b64(b'["a@b.de", {"x": 1}]'),
        _b64(b"null"),
    ],
)
def test_malformed_cursor_is_invalid_query_cursor(cursor: str) -> None:
    with pytest.raises(Invalid) as raised:
        decode_cursor(cursor, COLUMNS)
    assert raised.value.status_code == 422
    assert raised.value.extra == [{"key": "query.cursor", "message": raised.value.extra[0]["message"]}]


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1])
def test_limit_out_of_range(limit: int) -> None:
    with pytest.raises(Invalid) as raised:
        check_limit(limit)
    assert raised.value.extra[0]["key"] == "query.limit"


def test_limit_in_range() -> None:
    assert check_limit(1) == 1
    assert check_limit(MAX_LIMIT) == MAX_LIMIT


def test_sync_token_round_trip_with_overlap() -> None:
    now = dt.datetime.now(dt.UTC)
    since = parse_since(sync_token(now), retention=dt.timedelta(days=90))
    assert since is not None
    assert now - dt.timedelta(seconds=60) < since <= now  # slightly in the past, never in the future
    assert parse_since(None) is None
    assert parse_since("") is None


def test_expired_sync_token_is_gone() -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=91)
    with pytest.raises(Gone) as raised:
        parse_since(sync_token(old), retention=dt.timedelta(days=90))
    assert raised.value.status_code == 410
    # a longer retention (passed, or the deployment's from STADTKERN_TOMBSTONE_RETENTION_DAYS) accepts it
    assert parse_since(sync_token(old), retention=dt.timedelta(days=365)) is not None


@pytest.mark.parametrize(
    "token",
    ["%%%", _b64(b"[1]"), _b64(b'{"x": 1}'), _b64(b'{"t": "yesterday"}'), _b64(b'{"t": 5}'), _b64(b'"t"')],
)
def test_malformed_sync_token_is_invalid_query_since(token: str) -> None:
    with pytest.raises(Invalid) as raised:
        parse_since(token, retention=dt.timedelta(days=90))
    assert raised.value.extra[0]["key"] == "query.since"


def _signed(body: str) -> str:
    from core.api.paging import _sync

    return f"{body}.{_sync.sign(body.encode())}"


def test_sync_token_without_time_zone_is_not_a_server_error() -> None:
    naive_old = _signed(_b64(b'{"t": "2020-01-01T00:00:00"}'))
    with pytest.raises(Gone):
        parse_since(naive_old, retention=dt.timedelta(days=90))
    recent = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat()
    naive_recent = _signed(_b64(json.dumps({"t": recent}).encode()))
    assert parse_since(naive_recent, retention=dt.timedelta(days=90)) is not None


@pytest.mark.parametrize("token", [_b64(b"[1]"), _b64(b'{"t": "yesterday"}'), _b64(b'{"t": 5}')])
def test_a_signed_but_malformed_token_is_invalid_query_since(token: str) -> None:
    with pytest.raises(Invalid) as raised:
        parse_since(_signed(token))
    assert raised.value.extra[0]["key"] == "query.since"
