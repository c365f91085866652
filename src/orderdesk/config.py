"""Settings, read once from the environment (``ORDERDESK_*`` and ``DATABASE_URL``).

Parsed by pydantic-settings; a value that does not parse is a :class:`SettingsError` whose
message names the variable, e.g. ``ORDERDESK_PORT='abc': Input should be a valid integer``.
An empty variable counts as unset.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "ORDERDESK_"


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_ignore_empty=True, frozen=True, extra="ignore"
    )

    database_url: str | None = Field(
        None,
        validation_alias=AliasChoices("DATABASE_URL", "database_url"),
        description="PostgreSQL to use; unset: an embedded PostgreSQL in the data directory",
    )
    data_dir: Path = Field(Path(".orderdesk"), description="where the embedded database lives")
    host: str = Field("127.0.0.1", min_length=1, description="address to listen on")
    port: int = Field(8000, ge=1, le=65535, description="port to listen on")
    workers: int = Field(1, ge=1, le=256, description="worker processes")
    admin_token: str | None = Field(None, description="bearer token of the sandbox API")
    demo: bool = Field(True, description="'serve' makes the demo data once and prints it")
    demo_client_id: str | None = Field(
        None,
        pattern=r"^[0-9A-Za-z_.-]{1,100}$",
        description="the demo credential's client id (with demo_client_secret); unset: random",
    )
    demo_client_secret: str | None = Field(
        None,
        min_length=16,
        validate_default=True,
        description="the demo credential's secret, known before the server starts (CI)",
    )
    public_url: str | None = Field(None, description="base of the signed invoice links")
    idempotency_ttl_hours: float = Field(24.0, gt=0)
    idempotency_purge_seconds: float = Field(600.0, gt=0)
    max_body_bytes: int = Field(1_048_576, ge=1)
    pool_size: int = Field(10, ge=1, le=1000, description="database connections per process")
    read_database_url: str | None = Field(
        None,
        description="a read replica: order reads, searches and lists go there while it is no"
        " more than read_max_lag_seconds behind",
    )
    read_max_lag_seconds: float = Field(
        1.0, ge=0, description="how far behind the read replica may be before the primary reads"
    )
    pgbouncer: bool = Field(
        False,
        description="DATABASE_URL is PgBouncer in transaction pooling mode: no named prepared"
        " statements",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    run_workers: bool = Field(
        True, description="deliver notifications and expire orders inside 'serve' too"
    )
    outbox_poll_seconds: float = Field(
        0.5, gt=0, description="how often a delivery worker looks for due notifications"
    )
    notification_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="how long a delivery attempt may take, from connecting to its whole answer",
    )
    expiry_sweep_seconds: float = Field(
        1.0, gt=0, description="how often orders whose expiry passed are expired"
    )
    auth_failure_limit: int = Field(
        10,
        ge=0,
        description="failed sign-ins, token requests or admin-token checks a client address may"
        " make per credential in auth_failure_window_seconds before it gets 429 (0: no limit)",
    )
    auth_failure_window_seconds: float = Field(
        60.0, gt=0, description="the window over which failed attempts are counted"
    )
    shutdown_timeout: int = Field(
        10, ge=0, description="seconds a stopping server waits for in-flight requests"
    )

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") or None if value else None

    @field_validator("demo_client_secret")
    @classmethod
    def _both_or_neither(cls, value: str | None, info: ValidationInfo) -> str | None:
        if (value is None) != (info.data.get("demo_client_id") is None):
            raise ValueError(
                f"set both or neither of {env_name('demo_client_id')} and "
                f"{env_name('demo_client_secret')}"
            )
        return value

    @property
    def demo_credential(self) -> tuple[str, str] | None:
        """The demo credential chosen in the environment, or None for a random one."""
        if self.demo_client_id is None or self.demo_client_secret is None:
            return None
        return self.demo_client_id, self.demo_client_secret

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings from ``env`` (default: the process environment).

        Raises :class:`SettingsError` naming the first variable that does not parse.
        """
        env = os.environ if env is None else env
        values: dict[str, str] = {}
        for name in cls.model_fields:
            value = env.get(env_name(name))
            if value:
                values[name] = value
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise SettingsError(describe(exc, values)) from None


def env_name(field: str) -> str:
    """The environment variable of a setting: ``port`` → ``ORDERDESK_PORT``."""
    return "DATABASE_URL" if field == "database_url" else ENV_PREFIX + field.upper()


def describe(exc: ValidationError, values: Mapping[str, Any]) -> str:
    """One line naming the variable of the first error and what is wrong with its value."""
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "?"
    field = "database_url" if field == "DATABASE_URL" else field
    shown = values.get(field, first.get("input"))
    return f"{env_name(field)}={shown!r}: {first['msg']}"
