"""Languages are data: each city lists its locales in the manifest, the first is its primary one.

One place decides which language a resident reads (:func:`pick`, fed by
:func:`parse_accept_language`), one checks what editors write (:func:`check_texts`), and one says
which way a language runs (:func:`direction`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Literal, overload

from core.api.errors import Invalid

if TYPE_CHECKING:
    from core.api.context import TenantInfo

# Languages written right to left (ISO 639 codes): Arabic, Persian, Hebrew, Urdu, Pashto, Sindhi,
# Uyghur, Yiddish, Dhivehi, Central Kurdish. A script subtag overrides the language's default.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"})
RTL_SCRIPTS = frozenset({"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg"})


def direction(tag: str) -> Literal["ltr", "rtl"]:
    """``"ar"`` -> ``"rtl"``, ``"de"`` -> ``"ltr"``; ``"az-Arab"`` -> ``"rtl"``, ``"sd-Deva"`` -> ``"ltr"``."""
    language, *rest = tag.split("-")
    script = next((part.title() for part in rest if len(part) == 4 and part.isalpha()), None)
    if script is not None:  # Sindhi in Devanagari runs left to right, Azerbaijani in Arabic script right to left
        return "rtl" if script in RTL_SCRIPTS else "ltr"
    return "rtl" if language.lower() in RTL_LANGUAGES else "ltr"


def _ranges(header: str | None) -> list[tuple[float, int, str]]:
    """``Accept-Language`` ranges with a quality above zero: (quality, position, lower-case range)."""
    ranges: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag:
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if quality > 0:
            ranges.append((quality, index, tag))
    return ranges


def _closeness(wanted: str, offered: str) -> int | None:
    """0: the same tag; 1: one is a prefix of the other (``pt`` and ``pt-BR``); 2: the same language
    (``pt-PT`` for ``pt-BR``: closer to the reader than another language); None: no match."""
    offered = offered.lower()
    if wanted == offered:
        return 0
    if offered.startswith(wanted + "-") or wanted.startswith(offered + "-"):
        return 1
    return 2 if wanted.split("-")[0] == offered.split("-")[0] else None


def parse_accept_language(header: str | None, offered: Sequence[str]) -> tuple[str, ...]:
    """The city's locales (``offered``, manifest order) ordered for this caller.

    First the locales the client asks for, by its q-values (equal q: the order it sent them;
    ``pt-BR`` also matches a city's ``pt`` and vice versa, ``pt-PT`` a city's ``pt-BR``; ``*``
    only the locales no other range names), then the city's other locales in manifest order, so
    the city's primary language comes first among them. ``"en-GB,en;q=0.9,de;q=0.5"`` with offered
    ``("de", "en")`` gives ``("en", "de")``; ``"pl"`` with ``("de", "en", "tr")`` gives
    ``("de", "en", "tr")``.
    """
    ranges = _ranges(header)
    best: dict[str, tuple[float, int, int]] = {}
    for quality, index, wanted in ranges:
        for locale in offered:
            closeness = _closeness(wanted, locale)
            if closeness is not None:
                key = (-quality, index, closeness)
                best[locale] = min(best.get(locale, key), key)
    for quality, index, wanted in ranges:
        if wanted == "*":
            for locale in offered:
                best.setdefault(locale, (-quality, index, 3))
    chosen = sorted(best, key=lambda locale: (*best[locale], offered.index(locale)))
    return (*chosen, *(locale for locale in offered if locale not in best))


@overload
def pick(text: Mapping[str, str], locales: Sequence[str]) -> str: ...
@overload
def pick(text: Mapping[str, str] | None, locales: Sequence[str]) -> str | None: ...
def pick(text: Mapping[str, str] | None, locales: Sequence[str]) -> str | None:
    """THE way to choose the language of a text; ``locales`` is ``ctx.locales`` for a request.

    Fallback order: the client's ``Accept-Language`` preferences (q-values) among the city's
    locales, then the city's locales in manifest order (primary first) - both already in
    ``ctx.locales``, see :func:`parse_accept_language` - then any text present, so a text never
    vanishes because it lacks every language the city lists. None stays None; a text with no
    non-empty value gives ``""``.
    """
    if text is None:
        return None
    for locale in locales:
        value = text.get(locale)
        if value:
            return value
    return next((value for value in text.values() if value), "")


def check_texts(tenant: TenantInfo, **texts: Mapping[str, str] | None) -> None:
    """Editors' texts against the city's languages: ``check_texts(ctx.tenant, **{"body.title": data.title})``.

    Each text must contain the city's primary language (the first manifest locale) and only
    languages the city offers, none of them blank. 422 naming every offending field (None: absent,
    fine; whether a text is required is the input Struct's business).
    """
    primary, offered = tenant.locales[0], tenant.locales
    problems: list[tuple[str, str]] = []
    for field, text in texts.items():
        if text is None:
            continue
        unknown = [locale for locale in text if locale not in offered]
        if unknown:
            problems.append(
                (field, f"language {', '.join(unknown)} is not offered by this city; use {', '.join(offered)}")
            )
        if not (text.get(primary) or "").strip():
            problems.append((field, f"needs a text in {primary}, the city's primary language"))
        blank = [locale for locale, value in text.items() if locale != primary and not value.strip()]
        if blank:
            problems.append((field, f"the text in {', '.join(blank)} is blank"))
    if problems:
        raise Invalid.many(problems)
