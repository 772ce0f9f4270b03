"""Language choice from ``Accept-Language`` among the city's locales (German is the fallback)."""

from __future__ import annotations

from collections.abc import Sequence

from schemas import LocalizedText

FALLBACK = "de"


def parse_accept_language(header: str | None, offered: Sequence[str]) -> tuple[str, ...]:
    """Offered locales ordered by the client's preference (q-values), then the rest, German last resort.

    ``"en-GB,en;q=0.9,de;q=0.5"`` with offered ``("de", "en")`` gives ``("en", "de")``.
    """
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary == "*":
            primary = offered[0] if offered else FALLBACK
        if quality > 0:
            ranked.append((-quality, index, primary))
    chosen: list[str] = []
    for _, _, primary in sorted(ranked):
        if primary in offered and primary not in chosen:
            chosen.append(primary)
    for locale in (*offered, FALLBACK):
        if locale not in chosen:
            chosen.append(locale)
    return tuple(chosen)


def pick(text: LocalizedText | None, locales: Sequence[str]) -> str | None:
    return None if text is None else text.pick(list(locales))
