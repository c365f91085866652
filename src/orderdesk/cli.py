"""The ``orderdesk`` command: serve, worker, migrate, demo, seed, check.

Every failure to start is one line on stderr naming what failed and where, and a non-zero
exit; nothing is written before the settings, the port and the database have been checked.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from orderdesk import __version__
from orderdesk.config import Settings, SettingsError, env_name
from orderdesk.ops import logs

log = logging.getLogger("orderdesk")

DESCRIPTION = """\
orderdesk: an order-management server speaking {apis}.

Settings come from the environment (ORDERDESK_*, DATABASE_URL; see the README). Without
DATABASE_URL an embedded PostgreSQL runs in $ORDERDESK_DATA_DIR/pgdata (default .orderdesk)."""

BALANCED_LOOP = "orderdesk.ops.accept:balanced_loop"

EPILOG = "Run 'orderdesk COMMAND --help' for a command's options."


class StartupError(Exception):
    """Something orderdesk needs is missing or wrong; the message is one line for the user."""


class Stopped(BaseException):
    """SIGTERM arrived: unwind (stopping the embedded PostgreSQL on the way out)."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Stopped


# -- settings and checks ---------------------------------------------------------------------


def _whole(text: str, what: str, low: int, high: int | None, out_of_range: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    if value < low or (high is not None and value > high):
        raise argparse.ArgumentTypeError(f"{value} is not {out_of_range}")
    return value


def _port(text: str) -> int:
    return _whole(text, "a port number", 1, 65535, "between 1 and 65535")


def _positive(text: str) -> int:
    return _whole(text, "a whole number", 1, None, "1 or more")


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    overrides: dict[str, Any] = {
        name: getattr(args, name)
        for name in ("host", "port", "workers", "run_workers", "demo")
        if getattr(args, name, None) is not None
    }
    return settings.model_copy(update=overrides) if overrides else settings


def check_port_free(host: str, port: int) -> None:
    """Bind and release ``host:port`` as uvicorn will (SO_REUSEADDR), or say why not."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise StartupError(
            f"cannot listen on {host}:{port} (ORDERDESK_HOST/ORDERDESK_PORT, --host/--port): "
            f"{reason.lower() if reason.startswith('Address') else reason}"
        ) from None


def redact(url: str) -> str:
    """The URL without its password."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return "<unparsable URL>"


async def _check_database(url: str, pgbouncer: bool) -> None:
    import asyncpg

    from orderdesk.store.db import connect

    try:
        conn = await connect(url, pgbouncer=pgbouncer, timeout=5)
    except (TimeoutError, OSError, asyncpg.PostgresError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, TimeoutError):
            reason = "no answer within 5 seconds"
        raise StartupError(
            f"cannot connect to the database at {redact(url)} (DATABASE_URL): {reason}"
        ) from None
    await conn.close()


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The database URL: DATABASE_URL (checked), or an embedded PostgreSQL started now and
    stopped when the block ends (unless another live process still uses it)."""
    if settings.database_url:
        asyncio.run(_check_database(settings.database_url, settings.pgbouncer))
        yield settings.database_url
        return
    from orderdesk.store.embedded import EmbeddedPostgres

    pgdata = settings.data_dir / "pgdata"
    embedded = EmbeddedPostgres(pgdata)
    log.info("no DATABASE_URL: embedded PostgreSQL in %s", pgdata)
    try:
        url = embedded.start()
    except Exception as exc:
        embedded.stop()
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StartupError(
            f"cannot start the embedded PostgreSQL in {pgdata} (ORDERDESK_DATA_DIR): {reason}"
        ) from None
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url  # uvicorn's worker processes inherit it
    try:
        yield url
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        embedded.stop()
        log.info("embedded PostgreSQL stopped")


async def _migrate(url: str, pgbouncer: bool) -> list[str]:
    from orderdesk.store.db import connect
    from orderdesk.store.migrate import migrate

    conn = await connect(url, pgbouncer=pgbouncer)
    try:
        return await migrate(conn)
    finally:
        await conn.close()


def _prepare(url: str, settings: Settings) -> None:
    import asyncpg

    try:
        with _quiet("orderdesk.migrate"):  # the line below names what was applied
            applied = asyncio.run(_migrate(url, settings.pgbouncer))
    except (OSError, asyncpg.PostgresError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StartupError(f"cannot apply the migrations to {redact(url)}: {reason}") from None
    log.info("database ready (%s)", f"applied {', '.join(applied)}" if applied else "up to date")


@contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Only warnings and errors from logger ``name`` while the block runs."""
    logger = logging.getLogger(name)
    previous = logger.level
    logger.setLevel(max(previous, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(previous)


async def _walkthrough(settings: Settings, url: str, base: str, *, fresh: bool) -> str:
    from orderdesk.demo import DemoError, create_demo, demo_once, walkthrough
    from orderdesk.providers.registry import PROVIDERS
    from orderdesk.service.unit_of_work import UnitOfWork
    from orderdesk.store import keys
    from orderdesk.store.db import create_pool

    pool = await create_pool(url, min_size=1, max_size=2, pgbouncer=settings.pgbouncer)
    uow = UnitOfWork(pool, PROVIDERS)
    chosen = settings.demo_credential
    try:
        with _quiet("orderdesk.sandbox"):  # the walkthrough lists the orders
            if fresh:
                demo, new = await create_demo(uow, PROVIDERS, chosen), True
            else:
                demo, new = await demo_once(uow, PROVIDERS, chosen)
        async with pool.acquire() as conn:
            stored = (await keys.get_or_create(conn, "admin_token", 24)).hex()
        return walkthrough(demo, PROVIDERS, base, settings.admin_token or stored, new=new)
    except DemoError as exc:
        raise StartupError(str(exc)) from None
    finally:
        await pool.close()


# -- commands --------------------------------------------------------------------------------


def base_url(settings: Settings) -> str:
    """Where a client on this host reaches the server: a wildcard address (``0.0.0.0`` in a
    container) is reached at the loopback one."""
    host = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(settings.host, settings.host)
    return f"http://{host}:{settings.port}"


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    logs.configure(settings.log_level, settings.log_format)
    check_port_free(settings.host, settings.port)
    base = base_url(settings)
    if not settings.run_workers:  # the worker processes read their settings from the env
        os.environ[env_name("run_workers")] = "false"
    loop = _event_loop(settings.workers)
    with database(settings) as url, _metrics_dir(settings.workers), _accept_slots(loop, settings):
        _prepare(url, settings)
        if settings.demo:
            print(asyncio.run(_walkthrough(settings, url, base, fresh=False)), flush=True)
        log.info(
            "serving on %s with %d worker(s): start page %s/, API docs %s/docs, "
            "back-office %s/admin/",
            base,
            settings.workers,
            base,
            base,
            base,
        )
        import uvicorn

        uvicorn.run(
            "orderdesk.app:create_app",
            factory=True,
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            loop=loop,
            http=_http_protocol(),
            log_config=logs.config(settings.log_level, settings.log_format),
            log_level=settings.log_level.lower(),
            access_log=False,
            timeout_graceful_shutdown=settings.shutdown_timeout,
        )
    return 0


def _event_loop(workers: int) -> str:
    """uvicorn's ``loop``: several workers share one socket, so each accepts for itself, up
    to its fair share (``ops/accept.py``, built on uvloop; without uvloop, uvicorn's choice)."""
    if workers > 1 and importlib.util.find_spec("uvloop") is not None:
        return BALANCED_LOOP
    return "auto"


def _accept_slots(loop: str, settings: Settings) -> AbstractContextManager[None]:
    """The workers' shared accept slots, while they run (``ops/accept.py``)."""
    if loop != BALANCED_LOOP:
        return nullcontext()
    from orderdesk.ops.accept import shared_slots

    return shared_slots(settings.workers)


def _http_protocol() -> Any:
    """uvicorn's ``http``: httptools writing header names in canonical case, as the
    providers' servers do (``ops/header_case.py``); without httptools, uvicorn's choice."""
    if importlib.util.find_spec("httptools") is None:
        return "auto"
    from orderdesk.ops.header_case import CanonicalHeaders

    return CanonicalHeaders


@contextmanager
def _metrics_dir(workers: int) -> Iterator[None]:
    """With several workers, Prometheus metrics are kept in files shared by all of them."""
    if workers == 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield
        return
    folder = tempfile.mkdtemp(prefix="orderdesk-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    try:
        yield
    finally:
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        shutil.rmtree(folder, ignore_errors=True)


async def _work(url: str, settings: Settings) -> None:
    from orderdesk.app import background_workers
    from orderdesk.providers.registry import PROVIDERS
    from orderdesk.service.unit_of_work import UnitOfWork
    from orderdesk.store.db import create_pool

    pool = await create_pool(
        url, min_size=1, max_size=settings.pool_size, pgbouncer=settings.pgbouncer
    )
    tasks = background_workers(UnitOfWork(pool, PROVIDERS), settings)
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await pool.close()


def cmd_worker(args: argparse.Namespace) -> int:
    settings = _settings(args)
    logs.configure(settings.log_level, settings.log_format)
    with database(settings) as url:
        _prepare(url, settings)
        log.info("delivering notifications and expiring orders until SIGTERM or Ctrl+C")
        asyncio.run(_work(url, settings))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    logs.configure(settings.log_level, settings.log_format)
    with database(settings) as url:
        _prepare(url, settings)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = _settings(args)
    logs.configure(settings.log_level, settings.log_format)
    base = args.base_url or base_url(settings)
    with database(settings) as url:
        _prepare(url, settings)
        print(asyncio.run(_walkthrough(settings, url, base, fresh=True)), flush=True)
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from orderdesk.sandbox import scenario as seed

    settings = _settings(args)
    logs.configure(settings.log_level, settings.log_format)
    logging.getLogger("orderdesk.sandbox").setLevel(logging.WARNING)  # not a line per order
    try:
        scenario = seed.load(Path(args.file))
    except seed.ScenarioError as exc:
        raise StartupError(str(exc)) from None  # it names the file
    with database(settings) as url:
        _prepare(url, settings)
        try:
            report = asyncio.run(
                seed.run(
                    url,
                    scenario,
                    concurrency=args.concurrency,
                    progress=not args.quiet,
                    pgbouncer=settings.pgbouncer,
                )
            )
        except seed.ScenarioError as exc:
            raise StartupError(f"{args.file}: {exc}") from None
    print(report.as_json() if args.json else report.as_text(), flush=True)
    return 0


async def _check(url: str, settings: Settings, store_id: str | None) -> tuple[int, int]:
    """Print every difference; (orders checked, differences)."""
    from orderdesk.store.check import check_orders
    from orderdesk.store.db import connect

    conn = await connect(url, pgbouncer=settings.pgbouncer)
    checked = differences = 0
    try:
        async for count, found in check_orders(conn, store_id):
            checked += count
            differences += len(found)
            for difference in found:
                print(difference, flush=True)
    finally:
        await conn.close()
    return checked, differences


def cmd_check(args: argparse.Namespace) -> int:
    settings = _settings(args)
    logs.configure(settings.log_level, settings.log_format)
    with database(settings) as url:
        _prepare(url, settings)
        checked, differences = asyncio.run(_check(url, settings, args.store))
    where = f" of store {args.store}" if args.store else ""
    print(f"{checked} orders{where} checked against their ledger: {differences} differences")
    return 1 if differences else 0


def _apis() -> str:
    """``the order-management APIs of A, B and C``: the installed providers."""
    from orderdesk.providers.registry import PROVIDERS

    titles = [provider.title for provider in PROVIDERS.values()]
    names = ", ".join(titles[:-1]) + " and " + titles[-1] if len(titles) > 1 else titles[0]
    return f"the order-management APIs of {names}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="orderdesk",
        description=DESCRIPTION.format(apis=_apis()),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"orderdesk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, run: Callable[[argparse.Namespace], int]) -> Any:
        made = sub.add_parser(name, help=summary, description=summary)
        made.set_defaults(run=run)
        return made

    serve = command(
        "serve",
        "Run the API server: check the port and the database, apply migrations, make the demo "
        "data once per database and print its walkthrough, then serve until SIGTERM or Ctrl+C.",
        cmd_serve,
    )
    serve.add_argument(
        "--host", help="address to listen on (default: $ORDERDESK_HOST or 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=_port, help="port to listen on (default: $ORDERDESK_PORT or 8000)"
    )
    serve.add_argument(
        "--workers",
        type=_positive,
        help="worker processes (default: $ORDERDESK_WORKERS or 1)",
    )
    serve.add_argument(
        "--no-workers",
        dest="run_workers",
        action="store_false",
        default=None,
        help="deliver no notifications and expire no orders in this server (run "
        "'orderdesk worker' instead; default: $ORDERDESK_RUN_WORKERS or on)",
    )
    serve.add_argument(
        "--no-demo",
        dest="demo",
        action="store_false",
        default=None,
        help="neither make nor print demo data (for deployments; default: $ORDERDESK_DEMO or on)",
    )
    command(
        "worker",
        "Deliver notifications and expire orders, without serving HTTP, until SIGTERM or "
        "Ctrl+C; any number of workers and servers share the work.",
        cmd_worker,
    )
    command("migrate", "Apply the database migrations this database lacks, then exit.", cmd_migrate)
    demo = command(
        "demo",
        "Make a fresh demo credential and two fresh demo orders, print their walkthrough; "
        "later 'serve' starts print this one.",
        cmd_demo,
    )
    demo.add_argument(
        "--base-url",
        help="server URL used in the printed curl commands (default: http://HOST:PORT)",
    )
    seed = command(
        "seed",
        "Create the merchants, stores, credentials and orders of a scenario file (YAML or "
        "JSON; see examples/scenario.yaml). Seeding a file again makes nothing twice; a file "
        "that is refused writes nothing.",
        cmd_seed,
    )
    seed.add_argument("file", metavar="FILE", help="the scenario file (.yaml, .yml or .json)")
    seed.add_argument(
        "--json", action="store_true", help="print what was made as JSON instead of text"
    )
    seed.add_argument(
        "--concurrency",
        type=_positive,
        default=8,
        help="orders created at once (default: 8)",
    )
    seed.add_argument("--quiet", action="store_true", help="no progress bar")
    check = command(
        "check",
        "Recompute every order from its ledger rows, events and lines; print each amount that "
        "disagrees with the order's row; exit 1 if any does.",
        cmd_check,
    )
    check.add_argument("--store", metavar="ID", help="only the orders of this store")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code = args.run(args)
    except SettingsError as exc:
        print(f"orderdesk: invalid setting {exc}", file=sys.stderr)
        code = 2
    except StartupError as exc:
        print(f"orderdesk: {exc}", file=sys.stderr)
        code = 1
    except (Stopped, KeyboardInterrupt):
        code = 0
    finally:
        signal.signal(signal.SIGTERM, previous)
    sys.exit(code)
