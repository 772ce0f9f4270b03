"""A 201 says where the created resource is read (RFC 9110, section 15.3.2), or the app won't start."""

from __future__ import annotations

import uuid

import msgspec
import pytest
from litestar import Litestar, Router, get, post
from litestar.params import FromPath
from litestar.testing import AsyncTestClient

from core.api import created_resource
from core.errors import StartupError
from core.http.created import CityResponse, check_created_routes


class Thing(msgspec.Struct):
    id: uuid.UUID
    name: str


THING = Thing(id=uuid.UUID("5f0c6a52-8d7e-4a55-9a5e-2f0d3c3f0a11"), name="Bank")


@get("/things/{thing_id:uuid}")
async def read_thing(thing_id: FromPath[uuid.UUID]) -> Thing:
    return THING


@get("/boxes/{box_id:str}/things")
async def list_box(box_id: FromPath[str]) -> list[Thing]:
    return [THING]


def _app(*handlers: object) -> Litestar:
    router = Router("/v1/{tenant:str}", route_handlers=[read_thing, list_box, *handlers], response_class=CityResponse)
    app = Litestar([router])
    check_created_routes(app)
    return app


async def test_the_location_is_filled_from_the_body_and_the_path() -> None:
    @post("/boxes/{box_id:str}/things", opt=created_resource("/things/{id}"))
    async def add_thing(box_id: FromPath[str]) -> Thing:
        return THING

    @post("/boxes/{box_id:str}/labels", opt=created_resource("/boxes/{box_id}/things"))
    async def add_label(box_id: FromPath[str]) -> Thing:
        return THING

    async with AsyncTestClient(app=_app(add_thing, add_label)) as client:
        created = await client.post("/v1/dortmund/boxes/b7/things")
        labelled = await client.post("/v1/schwerte/boxes/b7/labels")
        followed = await client.get(created.headers["location"])
    assert created.status_code == 201
    assert created.headers["location"] == f"/v1/dortmund/things/{THING.id}"
    assert labelled.headers["location"] == "/v1/schwerte/boxes/b7/things"
    assert followed.status_code == 200 and followed.json()["id"] == str(THING.id)


def test_a_201_without_a_location_refuses_to_start() -> None:
    @post("/boxes/{box_id:str}/things")
    async def add_thing(box_id: FromPath[str]) -> Thing:
        return THING

    with pytest.raises(
        StartupError,
        match=r"route \['POST'\] /v1/\{tenant:str\}/boxes/\{box_id:str\}/things "
        r"answers 201 without a location",
    ):
        _app(add_thing)


def test_a_location_naming_what_neither_path_nor_body_has_refuses_to_start() -> None:
    @post("/boxes/{box_id:str}/things", opt=created_resource("/things/{thing_id}"))
    async def add_thing(box_id: FromPath[str]) -> Thing:
        return THING

    with pytest.raises(StartupError, match=r"location '/things/\{thing_id\}' names \['thing_id'\]"):
        _app(add_thing)


def test_a_location_no_get_route_answers_refuses_to_start() -> None:
    @post("/boxes/{box_id:str}/things", opt=created_resource("/boxes/{id}"))
    async def add_thing(box_id: FromPath[str]) -> Thing:
        return THING

    with pytest.raises(StartupError, match=r"no GET route answers its location /v1/\{tenant\}/boxes/\{id\}"):
        _app(add_thing)


def test_a_location_is_a_path_from_the_city_root() -> None:
    with pytest.raises(ValueError, match="starts with '/'"):
        created_resource("things/{id}")


def test_a_200_needs_no_location() -> None:
    @post("/boxes/{box_id:str}/count", status_code=200)
    async def count(box_id: FromPath[str]) -> Thing:
        return THING

    _app(count)  # starts


class Wrapped(msgspec.Struct):
    thing: Thing
    secret: str


async def test_a_location_may_name_a_field_of_a_field() -> None:
    @post("/wrapped", opt=created_resource("/things/{thing.id}"))
    async def add_wrapped() -> Wrapped:
        return Wrapped(thing=THING, secret="shown once")

    @post("/broken", opt=created_resource("/things/{thing.uid}"))
    async def add_broken() -> Wrapped:
        return Wrapped(thing=THING, secret="shown once")

    async with AsyncTestClient(app=_app(add_wrapped)) as client:
        created = await client.post("/v1/dortmund/wrapped")
    assert created.headers["location"] == f"/v1/dortmund/things/{THING.id}"
    with pytest.raises(StartupError, match=r"names \['thing.uid'\]"):
        _app(add_broken)
