"""``stadtkern``: migrate, serve, run (embedded: migrate + demo data + serve + scheduler), worker, admin."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from core.api.deployment import record_deployment_env
from core.errors import StartupError
from core.observability import configure_logging
from core.settings import Settings, load_settings


def _plan(settings: Settings):  # type: ignore[no-untyped-def]
    from core.loader import build_plan
    from core.manifest import load_manifest

    return build_plan(load_manifest(settings.manifest_path))


async def _migrate(settings: Settings, down: bool = False) -> None:
    from core.db import create_unpooled_engine
    from core.migrate import downgrade, upgrade

    engine = create_unpooled_engine(settings.database_url)
    try:
        await (downgrade if down else upgrade)(engine, _plan(settings))
    finally:
        await engine.dispose()


async def _create_admin(settings: Settings, tenant: str, email: str, name: str, password: str) -> None:
    from core.db import create_unpooled_engine, session_factory
    from core.staff import ensure_city_admin

    plan = _plan(settings)
    if tenant not in plan.tenants:
        raise StartupError(f"unknown city {tenant!r}; the manifest declares {', '.join(plan.tenants)}")
    await _require_current_schema(settings)  # else "no such table" deep inside the first insert
    engine = create_unpooled_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            await ensure_city_admin(session, tenant, email, name, password)
    finally:
        await engine.dispose()


async def _require_current_schema(settings: Settings) -> None:
    from core.db import create_unpooled_engine
    from core.migrate import pending

    engine = create_unpooled_engine(settings.database_url)
    try:
        behind = await pending(engine, _plan(settings))
    finally:
        await engine.dispose()
    if behind:
        raise StartupError(f"database schema is behind for {', '.join(behind)}; run `stadtkern migrate` first")


def _serve(settings: Settings, host: str, port: int, embedded: bool) -> None:
    import uvicorn

    from core.app import create_app

    if not embedded:
        asyncio.run(_require_current_schema(settings))  # one clear sentence instead of a lifespan traceback
    app = create_app(settings, migrate_on_start=embedded, run_scheduler=embedded)
    # The app resolves X-Forwarded-For itself, from STADTKERN_TRUSTED_PROXIES only (core.app).
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False, proxy_headers=False)


def _add_module_tools(sub: Any) -> None:
    new = sub.add_parser("new-module", help="create a module distribution from the template, outside this repository")
    new.add_argument("id", help="the module id: URL segment, table prefix, migration lineage")
    new.add_argument("--dir", default=None, help="parent folder of the new distribution (default: the current one)")
    rev = sub.add_parser("revision", help="autogenerate a migration in a module's own lineage from its models")
    rev.add_argument("module")
    group = rev.add_mutually_exclusive_group(required=True)
    group.add_argument("-m", "--message")
    group.add_argument("--check", action="store_true", help="write nothing; fail when models and migrations differ")


def _run_module_tool(args: argparse.Namespace) -> None:
    """Developer tools that need neither settings nor a database of the deployment."""
    if args.command == "new-module":
        from pathlib import Path

        from core.scaffold import create_module

        target = create_module(args.id, Path(args.dir or "."))
        print(f"created {target}; next: pip install -e '{target}[test]' && cd {target} && pytest")
    elif args.check:
        from core.revision import differences

        found = differences(args.module)
        for diff in found:
            print(f"  {diff}")
        if found:
            raise StartupError(f"module {args.module!r}: models and migrations differ; run `stadtkern revision -m`")
        print(f"module {args.module!r}: migrations match the models")
    else:
        from core.revision import revision

        print(revision(args.module, args.message))


def _ask_password(variable: str) -> str:
    if not sys.stdin.isatty():  # a script or a container: getpass would end in EOFError
        raise StartupError(f"no password: set {variable} (or run the command in a terminal to type it)")
    return getpass.getpass("Password (12+ characters): ")


def _database_down(settings: Settings, exc: BaseException) -> StartupError:
    """One sentence for an operator instead of a driver's traceback; the URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
    except Exception:  # a malformed URL: say so without echoing it
        where = "STADTKERN_DATABASE_URL (malformed)"
    return StartupError(f"cannot reach the database at {where} ({type(exc).__name__}); is it running?")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stadtkern", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_module_tools(sub)
    sub.add_parser("migrate", help="bring the schema to head: core first, then every module")
    down = sub.add_parser("downgrade", help="undo every migration (modules first); destroys data")
    down.add_argument("--yes", action="store_true", required=True)
    for name in ("serve", "run"):
        serve = sub.add_parser(
            name,
            help="serve the API (production: schema must be current)"
            if name == "serve"
            else "embedded default: migrate, load demo data, serve, run the scheduler in-process",
        )
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", type=int, default=8000)
    worker = sub.add_parser("worker", help="run scheduled jobs; one leader at a time, others stand by")
    worker.add_argument("--host", default="127.0.0.1", help="where /health/* and /metrics listen")
    worker.add_argument("--port", type=int, default=8001, help="their port (0: any free port, logged)")
    sub.add_parser("seed", help="load the demo data for every city (idempotent)")
    admin = sub.add_parser("create-admin", help="create (or promote) a city admin")
    admin.add_argument("--tenant", required=True)
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="Administrator")
    admin.add_argument(
        "--password-env", default="STADTKERN_ADMIN_PASSWORD", help="environment variable holding the password"
    )
    sub.add_parser("openapi", help="print the OpenAPI document (committed as schemas/openapi.json)")
    schemas_cmd = sub.add_parser("json-schemas", help="write the JSON Schemas of the manifest and module.toml")
    schemas_cmd.add_argument("--out", default="schemas")
    return parser


def _run_command(args: argparse.Namespace) -> None:
    """The commands that need the deployment's settings (everything but the module tools)."""
    env = "dev" if args.command == "run" else None
    settings = load_settings(**({"env": env} if env else {}))
    # Before any manifest loads: modules' settings checks ask core.api.deployment_env().
    record_deployment_env(settings.env)
    configure_logging(settings.log_level, settings.log_json)
    if args.command == "migrate":
        logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)
    if args.command in ("migrate", "run"):
        asyncio.run(_migrate(settings))
    if args.command == "downgrade":
        asyncio.run(_migrate(settings, down=True))
    elif args.command in ("seed", "run"):
        from core.seed import seed_all

        asyncio.run(seed_all(settings))
        if args.command == "run":
            _serve(settings, args.host, args.port, embedded=True)
    elif args.command == "serve":
        _serve(settings, args.host, args.port, embedded=False)
    elif args.command == "worker":
        from core.scheduler import run_worker

        asyncio.run(run_worker(settings, host=args.host, port=args.port))
    elif args.command == "create-admin":
        password = os.environ.get(args.password_env) or _ask_password(args.password_env)
        if len(password) < 12:
            raise StartupError("the password needs at least 12 characters")
        asyncio.run(_create_admin(settings, args.tenant, args.email, args.name, password))
        print(f"{args.email} is now admin of {args.tenant}")
    elif args.command == "openapi":
        from core.openapi import document

        sys.stdout.write(document(settings))
    elif args.command == "json-schemas":
        from pathlib import Path

        from core.openapi import json_schemas

        for name, text in json_schemas().items():
            (Path(args.out) / name).write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """``stadtkern <command>``; a configuration error is one line on stderr and exit code 2."""
    args = _parser().parse_args(argv)
    try:
        if args.command in ("new-module", "revision"):
            _run_module_tool(args)
        else:
            try:
                _run_command(args)
            except Exception as exc:
                from core.http.outages import is_transient

                if not is_transient(exc):
                    raise
                raise _database_down(load_settings(), exc) from None
    except StartupError as exc:
        print(f"stadtkern: {exc}", file=sys.stderr)
        return 2
    finally:
        record_deployment_env(None)  # main() run inside a test leaves the process as it found it
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
