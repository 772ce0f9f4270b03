"""A commit that fails is an error response, never a success for data that was not stored.

The database itself refuses the commit: a check deferred to COMMIT (a deferred constraint trigger on
PostgreSQL, a deferred foreign key on SQLite) fires when the request's transaction commits, after
the handler has returned its 201/200. The core's session handling must turn that into a 500 problem.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.testing import register_device

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def refusals(sessions: Sessions) -> AsyncIterator[list[str]]:
    """Tables whose commits are refused; the PostgreSQL triggers are dropped again afterwards
    (the PostgreSQL test database is emptied between tests, not recreated)."""
    tables: list[str] = []
    yield tables
    async with sessions() as session, session.begin():
        if session.get_bind().dialect.name == "postgresql":
            for table in tables:
                await session.execute(sa.text(f"DROP TRIGGER IF EXISTS refuse_at_commit ON {table}"))


async def refuse_commits_touching(sessions: Sessions, refusals: list[str], table: str) -> None:
    refusals.append(table)
    async with sessions() as session, session.begin():
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(
                sa.text(
                    "CREATE OR REPLACE FUNCTION refuse_at_commit() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$"
                )
            )
            await session.execute(
                sa.text(
                    f"CREATE CONSTRAINT TRIGGER refuse_at_commit AFTER INSERT OR UPDATE ON {table} "
                    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_at_commit()"
                )
            )
        else:
            await session.execute(sa.text("CREATE TABLE refuse_parent (id INTEGER PRIMARY KEY)"))
            await session.execute(
                sa.text(
                    "CREATE TABLE refuse_child (parent_id INTEGER "
                    "REFERENCES refuse_parent(id) DEFERRABLE INITIALLY DEFERRED)"
                )
            )
            for event in ("INSERT", "UPDATE"):
                await session.execute(
                    sa.text(
                        f"CREATE TRIGGER refuse_at_commit_{event.lower()} AFTER {event} ON {table} "  # noqa: S608
                        "BEGIN INSERT INTO refuse_child VALUES (42); END"
                    )
                )


async def count(sessions: Sessions, table: str) -> int:
    async with sessions() as session:
        result = await session.execute(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608 (constant names)
        return int(result.scalar_one())


async def test_core_route_answers_500_when_the_commit_fails(
    client: AsyncTestClient[Litestar], sessions: Sessions, refusals: list[str]
) -> None:
    await refuse_commits_touching(sessions, refusals, "core_device")
    response = await client.post(
        "/v1/dortmund/devices", json={"platform": "android", "locale": "de", "app_version": "1.4.0"}
    )
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "credential" not in response.text  # no credential for a device that does not exist
    assert await count(sessions, "core_device") == 0


async def test_module_route_answers_500_when_the_commit_fails(
    client: AsyncTestClient[Litestar], sessions: Sessions, refusals: list[str]
) -> None:
    _, headers = await register_device(client, push_token="t" * 40)
    await refuse_commits_touching(sessions, refusals, "push_subscription")
    response = await client.put(
        "/v1/dortmund/devices/me/subscriptions",
        headers=headers,
        json={"topics": [{"id": "push.news", "enabled": True}]},
    )
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await count(sessions, "push_subscription") == 0
    # the request after it works normally on the same app (the failed session was cleaned up)
    assert (await client.get("/v1/dortmund/devices/me/subscriptions", headers=headers)).status_code == 200
