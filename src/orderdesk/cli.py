"""``orderdesk serve | migrate | demo``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from dataclasses import replace

from orderdesk.config import Settings

log = logging.getLogger("orderdesk")


def _setup_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s")


def _database_url(settings: Settings) -> Settings:
    """The settings with a database: DATABASE_URL, or an embedded PostgreSQL started now."""
    if settings.database_url:
        return settings
    from orderdesk.store.embedded import start_embedded

    log.info("no DATABASE_URL: starting the embedded PostgreSQL in %s", settings.data_dir)
    url = start_embedded(settings.data_dir / "pgdata", cleanup="stop")
    os.environ["DATABASE_URL"] = url  # worker processes inherit it
    return replace(settings, database_url=url)


async def _migrate(url: str) -> list[str]:
    import asyncpg

    from orderdesk.store.migrate import migrate

    conn = await asyncpg.connect(url)
    try:
        return await migrate(conn)
    finally:
        await conn.close()


async def _demo(settings: Settings, base: str) -> str:
    from orderdesk.demo import create_demo, walkthrough
    from orderdesk.store import keys
    from orderdesk.store.db import create_pool

    assert settings.database_url
    pool = await create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        demo = await create_demo(pool)
        async with pool.acquire() as conn:
            stored = (await keys.get_or_create(conn, "admin_token", 24)).hex()
        return walkthrough(demo, base, settings.admin_token or stored)
    finally:
        await pool.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="orderdesk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API server (embedded PostgreSQL by default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.add_argument("--no-demo", action="store_true", help="do not create demo data")
    sub.add_parser("migrate", help="apply database migrations")
    demo = sub.add_parser("demo", help="create demo data and print credentials and curl commands")
    demo.add_argument("--base-url", default=None)
    args = parser.parse_args(argv)

    settings = Settings.from_env()
    _setup_logging(settings.log_level)
    settings = _database_url(settings)
    assert settings.database_url
    applied = asyncio.run(_migrate(settings.database_url))
    log.info("database ready (%s)", f"applied {', '.join(applied)}" if applied else "up to date")

    if args.command == "migrate":
        return
    if args.command == "demo":
        base = args.base_url or f"http://{settings.host}:{settings.port}"
        print(asyncio.run(_demo(settings, base)), flush=True)
        return

    settings = replace(
        settings,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers or settings.workers,
    )
    base = f"http://{settings.host}:{settings.port}"
    if not args.no_demo:
        print(asyncio.run(_demo(settings, base)), flush=True)
    log.info("serving on %s with %d worker(s); API docs at %s/docs", base, settings.workers, base)
    import uvicorn

    uvicorn.run(
        "orderdesk.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level.lower(),
        access_log=False,
    )
