"""``/healthz`` (the process answers, and its version), ``/readyz`` (the database's primary
answers and has every migration this version needs) and ``/metrics`` (Prometheus)."""

from __future__ import annotations

import asyncio

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from orderdesk import __version__
from orderdesk.ops import metrics
from orderdesk.store import db
from orderdesk.store.migrate import migration_files

router = APIRouter(include_in_schema=False)

READY_TIMEOUT = 2.0


@router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok", "version": __version__})


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    pool: asyncpg.Pool = request.app.state.pool
    wanted = {version for version, _, _ in migration_files()}
    try:
        async with asyncio.timeout(READY_TIMEOUT), pool.acquire() as conn:
            rows = await conn.fetch("SELECT version FROM schema_migrations")
    except (*db.UNAVAILABLE, asyncpg.PostgresError) as exc:
        if db.lost(exc):  # a connection to a primary that went: open them anew
            await db.replace_connections(pool)
        reason = db.reason(exc) if db.lost(exc) else str(exc) or type(exc).__name__
        return JSONResponse(
            {"status": "unavailable", "database": f"no answer: {reason}"}, status_code=503
        )
    missing = sorted(wanted - {row["version"] for row in rows})
    if missing:
        return JSONResponse(
            {"status": "unavailable", "database": "ok", "missingMigrations": missing},
            status_code=503,
        )
    return JSONResponse({"status": "ok", "database": "ok", "migrations": len(wanted)})


@router.get("/metrics")
async def metrics_endpoint(request: Request) -> Response:
    metrics.observe_pool(request.app.state.pool)
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
