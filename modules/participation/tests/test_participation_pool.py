"""Mitmachpool (double opt-in against a real local SMTP server), draws, invitations, privacy, jobs."""

from __future__ import annotations

import datetime as dt
import logging
import re
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from stadtkern_participation.jobs import purge_expired, send_reminders
from stadtkern_participation.models import Draw, PoolMember
from stadtkern_participation.settings import ParticipationSettings
from stadtkern_participation.sortition import Candidate, Quota, run_draw
from stadtkern_participation.tokens import hash_token
from support_participation import BASE, EDITOR, answers, create_survey, offer_body, pool_member

from core.api import JobContext
from core.api.keys import ModuleKeys
from core.api.tenancy import sessions_for_city
from core.testing import TEST_MANIFEST, TEST_SECRET_KEY, register_device, staff_headers, tenant_info
from push.models import PushOutbox


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def token(message: Message, page: str) -> str:
        body = message.get_payload(decode=True)
        assert isinstance(body, bytes)
        found = re.search(rf"{page}\?token=([A-Za-z0-9_-]+)", body.decode())
        assert found, body
        return found.group(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
async def mail_client(app_factory: Any, smtp: tuple[Inbox, int]) -> AsyncIterator[AsyncTestClient[Litestar]]:
    manifest = TEST_MANIFEST.read_text().replace(
        "[tenants.dortmund.modules.participation]\n",
        f"[tenants.dortmund.modules.participation]\nsmtp_port = {smtp[1]}\nconsent_months = 12\n",
    )
    async with AsyncTestClient(app=app_factory(manifest)) as client:
        yield client


def _settings(port: int) -> ParticipationSettings:
    return ParticipationSettings(smtp_port=port, public_base_url="https://beteiligung.dortmund.example")


def _job_ctx(sessions: async_sessionmaker[AsyncSession], port: int) -> JobContext[ParticipationSettings]:
    tenant = tenant_info("dortmund")
    return JobContext(
        module_id="participation",
        job_id="test",
        tenant=tenant,
        settings=_settings(port),
        session_factory=sessions_for_city(sessions, "dortmund"),
        push=None,  # type: ignore[arg-type]
        log=logging.getLogger("test"),
        keys=ModuleKeys("participation", TEST_SECRET_KEY),
    )


async def test_double_opt_in_withdrawal_and_device_privacy(
    mail_client: AsyncTestClient[Litestar], smtp: tuple[Inbox, int], sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, (inbox, _) = mail_client, smtp
    device_id, device = await register_device(client)
    body = {
        "email": "Anna@Example.org",
        "district": "Hörde",
        "age_band": "30-44",
        "gender": "female",
        "interests": ["parks"],
        "link_device": True,
    }
    response = await client.post(f"{BASE}/pool/registrations", json=body, headers=device)
    assert response.status_code == 202, response.text
    [mail] = inbox.to("anna@example.org")
    token = inbox.token(mail, "pool/confirm")
    manage = inbox.token(mail, "pool/manage")
    assert "beteiligung.dortmund.example/dortmund/participation/pool/confirm" in mail.get_payload(decode=True).decode()

    bad = await client.post(f"{BASE}/pool/registrations", json={**body, "district": "Atlantis"})
    assert bad.status_code == 422 and "body.district" in bad.text

    async with sessions() as session:
        member = await session.scalar(select(PoolMember))
        assert member is not None and member.confirmed_at is None and member.consent_expires_at is None
        assert token not in str(member.confirm_token_hash) and member.confirm_token_hash == hash_token(token)
        assert str(member.device_id) == device_id

    confirmed = await client.post(f"{BASE}/pool/confirm", json={"token": token})
    assert confirmed.status_code == 200, confirmed.text
    expires = dt.datetime.fromisoformat(confirmed.json()["consent_expires_at"])
    assert 360 <= (expires - dt.datetime.now(dt.UTC)).days <= 366
    assert (await client.post(f"{BASE}/pool/confirm", json={"token": token})).status_code == 404  # used up

    exported = await client.get(f"{BASE}/pool/me", headers={"X-Pool-Token": manage})
    assert exported.status_code == 200 and exported.json()["email"] == "anna@example.org"
    device_export = (await client.get(f"{BASE}/me", headers=device)).json()
    assert device_export["pool_registrations"][0]["district"] == "Hörde"

    # the device answers a survey: export shows it, deletion keeps the answer and the marker
    staff = await staff_headers(client, sessions, grants=EDITOR)
    survey_id = await create_survey(client, staff)
    await client.post(
        f"{BASE}/surveys/{survey_id}/responses", json={"answers": answers(), "notify_results": True}, headers=device
    )
    device_export = (await client.get(f"{BASE}/me", headers=device)).json()
    assert device_export["answered_surveys"] == [survey_id]
    assert device_export["result_notifications"] == [survey_id]
    assert (await client.delete(f"{BASE}/me", headers=device)).status_code == 204
    after = (await client.get(f"{BASE}/me", headers=device)).json()
    assert after == {"answered_surveys": [survey_id], "result_notifications": [], "pool_registrations": []}
    async with sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM participation_response")) == 1
        assert await session.scalar(select(PoolMember)) is None

    # withdrawal by the manage link deletes the record
    await client.post(f"{BASE}/pool/registrations", json={"email": "ben@example.org"})
    ben = inbox.to("ben@example.org")[-1]
    assert (
        await client.delete(f"{BASE}/pool/me", headers={"X-Pool-Token": inbox.token(ben, "pool/manage")})
    ).status_code == 204
    assert (
        await client.get(f"{BASE}/pool/me", headers={"X-Pool-Token": inbox.token(ben, "pool/manage")})
    ).status_code == 404


async def test_reminder_and_purge_jobs(
    database: str, smtp: tuple[Inbox, int], sessions: async_sessionmaker[AsyncSession]
) -> None:
    inbox, port = smtp
    now = dt.datetime.now(dt.UTC)
    async with sessions() as session, session.begin():
        for email, confirmed, expires, created in [
            ("soon@example.org", now - dt.timedelta(days=340), now + dt.timedelta(days=10), None),
            ("later@example.org", now - dt.timedelta(days=10), now + dt.timedelta(days=300), None),
            ("gone@example.org", now - dt.timedelta(days=400), now - dt.timedelta(days=1), None),
            ("never@example.org", None, None, now - dt.timedelta(days=30)),
        ]:
            row = PoolMember(
                tenant_id="dortmund",
                email=email,
                manage_token_hash="x",
                interests=[],
                confirmed_at=confirmed,
                consent_expires_at=expires,
            )
            if created:
                row.created_at = created
            session.add(row)
    ctx = _job_ctx(sessions, port)
    await send_reminders(ctx)
    assert [m["To"] for m in inbox.messages] == ["soon@example.org"]
    await send_reminders(ctx)  # only once
    assert len(inbox.messages) == 1
    await purge_expired(ctx)
    async with sessions() as session:
        left = sorted((await session.scalars(select(PoolMember.email))).all())
    assert left == ["later@example.org", "soon@example.org"]


# -- the draw ----------------------------------------------------------------------------------------


async def _members(sessions: async_sessionmaker[AsyncSession], device_for: str | None = None) -> None:
    now = dt.datetime.now(dt.UTC)
    async with sessions() as session, session.begin():
        for index in range(12):
            device = uuid.UUID(device_for) if device_for and index == 0 else None
            district, band = ["Hörde", "Brackel", "Hörde"][index % 3], ["18-29", "60-74"][index % 2]
            session.add(pool_member(index, district, band, now, device_id=device))
        # not eligible: unconfirmed, and expired
        session.add(PoolMember(tenant_id="dortmund", email="u@example.org", manage_token_hash="x", interests=[]))
        session.add(
            PoolMember(
                tenant_id="dortmund",
                email="e@example.org",
                manage_token_hash="x",
                interests=[],
                confirmed_at=now,
                consent_expires_at=now - dt.timedelta(days=1),
            )
        )


async def _check_replay(client: AsyncTestClient[Litestar], draw: dict[str, Any]) -> None:
    """Anyone can reproduce the draw from the published record."""
    public = (await client.get(f"{BASE}/draws/{draw['id']}")).json()
    replay = run_draw(
        [Candidate(**c) for c in public["candidates"]],
        [Quota(**q) for q in public["quotas"]],
        public["size"],
        public["seed"],
    )
    assert sorted(replay.selected) == sorted(draw["selected"]) and replay.allocation == draw["allocation"]
    assert sum(
        draw["probabilities"][s] * sum(1 for c in draw["candidates"] if c["stratum"] == s)
        for s in draw["probabilities"]
    ) == pytest.approx(4)


async def _check_replacement_logged(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The log says drawn, declined, replacement (from the decliner's stratum, not drawn before), accepted."""
    async with sessions() as session:
        record = await session.scalar(select(Draw))
        assert record is not None
        events = [e["event"] for e in record.log]
        assert events[:4] == ["committed", "drawn", "declined", "replacement"] and events[-1] == "accepted"
        replaced = next(e for e in record.log if e["event"] == "replacement")
        declined_ticket = next(e for e in record.log if e["event"] == "declined")["ticket"]
        strata = {c["ticket"]: c["stratum"] for c in record.candidates}
        assert strata[replaced["ticket"]] == strata[declined_ticket]  # same stratum
        assert replaced["ticket"] not in record.selected


async def test_draw_invites_by_mail_and_push_and_replaces_decliners(
    mail_client: AsyncTestClient[Litestar], smtp: tuple[Inbox, int], sessions: async_sessionmaker[AsyncSession]
) -> None:
    client, (inbox, _) = mail_client, smtp
    device_id, _ = await register_device(client)
    await _members(sessions, device_for=device_id)
    staff = await staff_headers(client, sessions, grants=EDITOR)
    offer_id = (await client.post(f"{BASE}/offers", json=offer_body(), headers=staff)).json()["id"]

    infeasible = await client.post(
        f"{BASE}/offers/{offer_id}/draws",
        json={
            "size": 4,
            "strata_by": ["district"],
            "quotas": [{"attribute": "district", "value": "Brackel", "min": 5}],
        },
        headers=staff,
    )
    assert infeasible.status_code == 422 and "district=Brackel" in infeasible.text

    body = {
        "size": 4,
        "strata_by": ["district", "age_band"],
        "quotas": [{"attribute": "district", "value": "Brackel", "min": 2}],
    }
    committed = await client.post(f"{BASE}/offers/{offer_id}/draws", json=body, headers=staff)
    assert committed.status_code == 201, committed.text
    response = await client.post(f"{BASE}/draws/{committed.json()['id']}/run", headers=staff)
    assert response.status_code == 200, response.text
    draw = response.json()
    assert len(draw["candidates"]) == 12 and len(draw["selected"]) == 4
    assert draw["algorithm"] == "stadtkern-stratified-v2"
    assert [e["event"] for e in draw["log"]] == ["committed", "drawn"]
    brackel = [c for c in draw["candidates"] if c["ticket"] in draw["selected"] and "district=Brackel" in c["stratum"]]
    assert len(brackel) >= 2

    await _check_replay(client, draw)

    invitations = [m for m in inbox.messages if m["Subject"].startswith("Einladung")]
    assert len(invitations) == 4
    async with sessions() as session:
        push_rows = list(
            await session.scalars(select(PushOutbox).where(PushOutbox.topic == "participation.invitations"))
        )
        selected_members = set(
            (await session.execute(text("SELECT member_id FROM participation_invitation"))).scalars()
        )
        linked = await session.scalar(select(PoolMember.id).where(PoolMember.device_id.is_not(None)))
    assert len(push_rows) == (
        1
        if linked in {uuid.UUID(bytes=m) if isinstance(m, bytes) else uuid.UUID(str(m)) for m in selected_members}
        else 0
    )

    decliner = invitations[0]
    token = inbox.token(decliner, "invitations/respond")
    declined = await client.post(f"{BASE}/invitations/respond", json={"token": token, "answer": "decline"})
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert (
        await client.post(f"{BASE}/invitations/respond", json={"token": token, "answer": "accept"})
    ).status_code == 409
    after = [m for m in inbox.messages if m["Subject"].startswith("Einladung")]
    assert len(after) == 5  # the replacement was invited
    accepted = await client.post(
        f"{BASE}/invitations/respond", json={"token": inbox.token(after[1], "invitations/respond"), "answer": "accept"}
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"

    await _check_replacement_logged(sessions)


async def test_a_stranger_cannot_rewrite_a_confirmed_member(
    mail_client: AsyncTestClient[Litestar], smtp: tuple[Inbox, int], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A sign-up with a confirmed member's e-mail changes nothing until she confirms it from her
    mailbox: her profile, confirmation, eligibility for draws and manage link all stand."""
    client, (inbox, port) = mail_client, smtp
    url = f"{BASE}/pool/registrations"
    mine = {"email": "eva@example.org", "district": "Hörde", "age_band": "30-44", "gender": "female"}
    assert (await client.post(url, json=mine)).status_code == 202
    [first] = inbox.to("eva@example.org")
    manage = inbox.token(first, "pool/manage")
    assert (await client.post(f"{BASE}/pool/confirm", json={"token": inbox.token(first, "pool/confirm")})).is_success

    _, stranger = await register_device(client)
    forged = {
        "email": "EVA@example.org",
        "district": "Brackel",
        "age_band": "75+",
        "gender": "male",
        "link_device": True,
    }
    response = await client.post(url, json=forged, headers=stranger)
    assert response.status_code == 202 and response.json() == {"status": "confirmation_sent"}  # as for a new address

    record = await client.get(f"{BASE}/pool/me", headers={"X-Pool-Token": manage})
    assert record.status_code == 200, record.text  # the manage link still works
    shown = record.json()
    assert (shown["district"], shown["age_band"], shown["gender"], shown["device_linked"]) == (
        "Hörde",
        "30-44",
        "female",
        False,
    )
    assert shown["confirmed_at"] is not None
    assert shown["pending_change"] == {
        "locale": "de",
        "district": "Brackel",
        "age_band": "75+",
        "gender": "male",
        "interests": [],
        "device_link": True,
    }
    assert (await client.get(f"{BASE}/me", headers=stranger)).json()["pool_registrations"] == []
    async with sessions() as session:
        [eligible] = await session.scalars(select(PoolMember).where(PoolMember.confirmed_at.is_not(None)))
        assert (eligible.district, eligible.age_band, eligible.device_id) == ("Hörde", "30-44", None)

    # the change takes effect only with the link mailed to her
    change = inbox.to("eva@example.org")[-1]
    assert "pool/manage" not in change.get_payload(decode=True).decode()  # no second manage link
    applied = await client.post(f"{BASE}/pool/confirm", json={"token": inbox.token(change, "pool/confirm")})
    assert applied.status_code == 200, applied.text
    after = (await client.get(f"{BASE}/pool/me", headers={"X-Pool-Token": manage})).json()
    assert (after["district"], after["age_band"], after["device_linked"]) == ("Brackel", "75+", True)
    assert after["pending_change"] is None

    # an unconfirmed change expires with unconfirmed_days
    assert (await client.post(url, json=mine)).status_code == 202
    async with sessions() as session, session.begin():
        member = await session.scalar(select(PoolMember))
        assert member is not None and member.pending_at is not None
        member.pending_at = member.pending_at - dt.timedelta(days=8)
    await purge_expired(_job_ctx(sessions, port))
    final = (await client.get(f"{BASE}/pool/me", headers={"X-Pool-Token": manage})).json()
    assert final["pending_change"] is None and final["district"] == "Brackel"
