"""The photo store's port, on local disk and on S3 (moto's server: the real S3 protocol over HTTP)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from moto.server import ThreadedMotoServer
from photo_samples import phone_photo
from stadtkern_ideas.storage import LocalDiskStore, PhotoStore, S3Store

from core.testing import register_device

BUCKET = "ideas-test"
KEYS = {"STADTKERN_TEST_S3_KEY": "testing", "STADTKERN_TEST_S3_SECRET": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A local S3-speaking server with the test bucket."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    _client(endpoint).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    yield endpoint
    server.stop()


def _client(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="eu-central-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _stores(tmp_path: Path, endpoint: str) -> list[PhotoStore]:
    return [LocalDiskStore(tmp_path), S3Store(_client(endpoint), BUCKET)]


async def test_both_stores_keep_the_same_promises(tmp_path: Path, s3_endpoint: str) -> None:
    for store in _stores(tmp_path, s3_endpoint):
        key = f"dortmund/{uuid.uuid4()}/large.jpg"
        assert await store.get(key) is None
        await store.put(key, b"\xff\xd8\xffphoto", "image/jpeg")
        assert await store.get(key) == b"\xff\xd8\xffphoto"
        await store.delete([key, f"dortmund/{uuid.uuid4()}/gone.jpg"])  # a missing key is fine
        assert await store.get(key) is None
    with pytest.raises(ValueError, match="leaves the store"):
        await LocalDiskStore(tmp_path).get("../../etc/passwd")


def _manifest(endpoint: str) -> str:
    return f"""
[tenants.dortmund]
name = "Dortmund"
locales = ["de", "en"]
time_zone = "Europe/Berlin"

[tenants.dortmund.modules.ideas]
photo_storage = "s3"
s3_endpoint_url = "{endpoint}"
s3_bucket = "{BUCKET}"
s3_access_key_env = "STADTKERN_TEST_S3_KEY"
s3_secret_key_env = "STADTKERN_TEST_S3_SECRET"
"""


async def test_a_city_storing_photos_in_s3(
    app_factory: Callable[..., Litestar], s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Upload, serve and delete through the API, the objects in the bucket."""
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    base = "/v1/dortmund/ideas"
    async with AsyncTestClient(app=app_factory(_manifest(s3_endpoint))) as client:
        _, device = await register_device(client, "dortmund")
        body = {"title": "Brunnen", "description": "Ein Trinkbrunnen am Markt", "topic": "x", "district": "y"}
        idea_id = (await client.post(f"{base}/ideas", json=body, headers=device)).json()["idea"]["id"]
        uploaded = await client.post(f"{base}/ideas/{idea_id}/photos", content=phone_photo(), headers=device)
        assert uploaded.status_code == 201, uploaded.text
        photo_id = uploaded.json()["id"]
        listed = _client(s3_endpoint).list_objects_v2(Bucket=BUCKET, Prefix=f"dortmund/{photo_id}/")
        assert sorted(o["Key"].rsplit("/", 1)[1] for o in listed["Contents"]) == [
            "large.jpg",
            "medium.jpg",
            "thumb.jpg",
        ]
        served = await client.get(f"{base}/photos/{photo_id}/thumb", headers=device)
        assert served.status_code == 200 and served.content[:3] == b"\xff\xd8\xff"

        assert (await client.delete("/v1/dortmund/devices/me", headers=device)).status_code == 204
        left = _client(s3_endpoint).list_objects_v2(Bucket=BUCKET, Prefix=f"dortmund/{photo_id}/")
        assert left["KeyCount"] == 0
