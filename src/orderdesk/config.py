"""Settings, read once from the environment (``ORDERDESK_*`` and ``DATABASE_URL``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None = None
    data_dir: Path = Path(".orderdesk")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    admin_token: str | None = None
    public_url: str | None = None
    idempotency_ttl_hours: float = 24.0
    idempotency_purge_seconds: float = 600.0
    max_body_bytes: int = 1_048_576
    pool_size: int = 10
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)

        def get(name: str) -> str | None:
            value = env.get(f"ORDERDESK_{name}")
            return value if value else None

        defaults = cls()
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=Path(get("DATA_DIR") or defaults.data_dir),
            host=get("HOST") or defaults.host,
            port=int(get("PORT") or defaults.port),
            workers=int(get("WORKERS") or defaults.workers),
            admin_token=get("ADMIN_TOKEN"),
            public_url=(get("PUBLIC_URL") or "").rstrip("/") or None,
            idempotency_ttl_hours=float(
                get("IDEMPOTENCY_TTL_HOURS") or defaults.idempotency_ttl_hours
            ),
            idempotency_purge_seconds=float(
                get("IDEMPOTENCY_PURGE_SECONDS") or defaults.idempotency_purge_seconds
            ),
            max_body_bytes=int(get("MAX_BODY_BYTES") or defaults.max_body_bytes),
            pool_size=int(get("POOL_SIZE") or defaults.pool_size),
            log_level=(get("LOG_LEVEL") or defaults.log_level).upper(),
        )
