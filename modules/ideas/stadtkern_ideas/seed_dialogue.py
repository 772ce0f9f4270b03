"""Demo data of the dialogue: a moderated thread with the city's answer, a hidden comment and its
logged reason, and a pre-moderated thread with a comment waiting for a moderator."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from stadtkern_ideas.models import Comment, ModerationEntry, Participant, Thread

# (pseudonym or None for the city, text, state)
GARDEN_THREAD: tuple[tuple[str | None, str, str], ...] = (
    ("Gartenfreundin", "Ich würde ein Hochbeet übernehmen, wir wohnen direkt am Park.", "visible"),
    ("Nordstadtkind", "Bitte auch ein Beet, das mit dem Rollstuhl erreichbar ist.", "visible"),
    ("Laubbläser", "Das wird doch eh alles zerstört, typisch Nordstadt.", "hidden"),
    (None, "Danke für die Hinweise! Zwei der Beete werden unterfahrbar gebaut.", "visible"),
)
HIDDEN_REASON = "Pauschale Abwertung eines Stadtteils (Netiquette, Punkt 2)"


async def seed_dialogue(session: AsyncSession, garden: uuid.UUID, cycle_lane: uuid.UUID) -> None:
    """Threads on two demo ideas; the pseudonyms belong to made-up devices."""
    thread = Thread(subject="idea", subject_id=garden, mode="post", locked=False)
    waiting = Thread(subject="idea", subject_id=cycle_lane, mode="pre", locked=False)
    session.add_all([thread, waiting])
    await session.flush()
    session.add(ModerationEntry(thread_id=thread.id, action="mode_post", reason=None))
    session.add(ModerationEntry(thread_id=waiting.id, action="mode_pre", reason="Viele Beiträge erwartet"))
    for name, body, state in GARDEN_THREAD:
        author = None
        if name is not None:
            author = Participant(
                thread_id=thread.id, device_id=uuid.uuid4(), pseudonym=name, pseudonym_key=name.casefold()
            )
            session.add(author)
            await session.flush()
        comment = Comment(
            thread_id=thread.id,
            participant_id=None if author is None else author.id,
            official=author is None,
            body=body,
            state=state,
            reports=1 if state == "hidden" else 0,
        )
        session.add(comment)
        await session.flush()
        if state == "hidden":
            session.add(
                ModerationEntry(thread_id=thread.id, comment_id=comment.id, action="hide", reason=HIDDEN_REASON)
            )
    rider = Participant(thread_id=waiting.id, device_id=uuid.uuid4(), pseudonym="Pendlerin", pseudonym_key="pendlerin")
    session.add(rider)
    await session.flush()
    session.add(
        Comment(
            thread_id=waiting.id,
            participant_id=rider.id,
            body="Die Ampel an der Faßstraße braucht dann eine eigene Radphase.",
            state="pending",
            reports=0,
        )
    )
    await session.flush()
