"""``GET /v1/{tenant}/app-config``: the app configures itself from the server, not at build time."""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency

from core.api.i18n import direction, pick
from core.loader import Tenant


class TopicOut(msgspec.Struct):
    id: str
    title: str
    default_on: bool


class ModuleOut(msgspec.Struct):
    id: str
    version: str
    title: str
    push_topics: list[TopicOut]
    min_app_version: str | None = None


class LanguageOut(msgspec.Struct):
    """A language the city publishes in, and which way apps lay it out."""

    tag: str
    dir: Literal["ltr", "rtl"]


class CityOut(msgspec.Struct):
    slug: str
    name: str
    # Tags only, primary first; kept for app versions already installed (they read it).
    locales: list[str]
    # The same languages in the same order, each with its writing direction.
    languages: list[LanguageOut]
    time_zone: str


class AppConfig(msgspec.Struct):
    city: CityOut
    locale: str
    min_app_version: str
    modules: list[ModuleOut]
    legal: dict[str, str]


@get("/app-config", summary="City, enabled modules and legal text versions for the app")
async def app_config(city: NamedDependency[Tenant], locales: NamedDependency[tuple[str, ...]]) -> Response[AppConfig]:
    modules = [
        ModuleOut(
            id=mid,
            version=enabled.meta.version,
            title=pick(enabled.spec.title, locales),
            push_topics=[
                TopicOut(id=t.id, title=pick(t.title, locales), default_on=t.default_on)
                for t in enabled.spec.push_topics
            ],
            min_app_version=enabled.min_app_version,
        )
        for mid, enabled in city.modules.items()
        if enabled.spec.route_handlers or enabled.spec.push_topics
    ]
    body = AppConfig(
        city=CityOut(
            slug=city.slug,
            name=city.name,
            locales=list(city.info.locales),
            languages=[LanguageOut(tag=tag, dir=direction(tag)) for tag in city.info.locales],
            time_zone=str(city.info.time_zone),
        ),
        locale=locales[0],
        min_app_version=city.min_app_version,
        modules=modules,
        legal=city.legal,
    )
    return Response(body, headers={"content-language": locales[0]})
