"""Where photo files live: a small port with a local-disk store (the embedded default) and an
S3-compatible one (AWS, MinIO, Ceph RGW, the city's own object store)."""

from __future__ import annotations

import asyncio
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from stadtkern_ideas.settings import IdeasSettings


class PhotoStore(Protocol):
    """Stores bytes under a key (``<city>/<photo id>/<variant>.jpg``); keys are never reused."""

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def delete(self, keys: list[str]) -> None: ...


class LocalDiskStore:
    """Files below one folder, written atomically (a reader never sees half a photo)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError("photo key leaves the store")
        return path

    def _put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        os.replace(partial, path)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write the file."""
        await asyncio.to_thread(self._put, key, data)

    async def get(self, key: str) -> bytes | None:
        """The file's bytes, or None."""
        path = self._path(key)
        return await asyncio.to_thread(lambda: path.read_bytes() if path.is_file() else None)

    async def delete(self, keys: list[str]) -> None:
        """Remove the files (missing ones are fine)."""

        def remove() -> None:
            for key in keys:
                self._path(key).unlink(missing_ok=True)

        await asyncio.to_thread(remove)


class S3Store:
    """An S3 bucket through boto3 (run in a thread: boto3 blocks)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Upload the object."""
        await asyncio.to_thread(
            self.client.put_object, Bucket=self.bucket, Key=key, Body=data, ContentType=content_type
        )

    async def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when it does not exist."""

        def fetch() -> bytes | None:
            try:
                body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except self.client.exceptions.NoSuchKey:
                return None
            return body

        return await asyncio.to_thread(fetch)

    async def delete(self, keys: list[str]) -> None:
        """Delete the objects (up to 1000 per request, S3's limit)."""
        for start in range(0, len(keys), 1000):
            chunk = [{"Key": k} for k in keys[start : start + 1000]]
            await asyncio.to_thread(self.client.delete_objects, Bucket=self.bucket, Delete={"Objects": chunk})


@lru_cache(maxsize=32)
def _s3(endpoint: str | None, region: str, bucket: str, key_env: str | None, secret_env: str | None) -> S3Store:
    import boto3  # only a city that stores photos in S3 pays for importing it

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=os.environ.get(key_env) if key_env else None,
        aws_secret_access_key=os.environ.get(secret_env) if secret_env else None,
    )
    return S3Store(client, bucket)


def store_for(settings: IdeasSettings) -> PhotoStore:
    """The city's photo store, as its settings say (one client per configuration and process)."""
    if settings.photo_storage == "s3":
        return _s3(
            settings.s3_endpoint_url,
            settings.s3_region,
            settings.s3_bucket,
            settings.s3_access_key_env,
            settings.s3_secret_key_env,
        )
    return LocalDiskStore(settings.photo_dir)
