"""Two orderdesk "hosts" on one PostgreSQL: each a ``serve`` process with two workers,
listening on a loopback address of its own (127.0.0.2 and 127.0.0.3), as two machines behind
a load balancer would. Captures race on the same orders from both; exactly-once must hold,
and a key's answer must be the same whichever host replays it.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.database import NewDatabase
from tests.support.races import (
    PARALLEL,
    check_exactly_what_fits,
    check_one_key_applies_once,
    parallel_client,
    part_capture,
)
from tests.support.sandbox import Merchant, new_merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e

HOSTS = ("127.0.0.2", "127.0.0.3")  # the loopback range: nothing leaves the machine


def can_listen_on(address: str) -> bool:
    try:
        with socket.socket() as s:
            s.bind((address, 0))
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
async def hosts(
    new_database: NewDatabase, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Server, Server]]:
    if not all(can_listen_on(address) for address in HOSTS):
        pytest.skip(f"this system cannot listen on {' and '.join(HOSTS)} (Linux can)")
    url = await new_database()
    folder = tmp_path_factory.mktemp("hosts")
    a, b = (Server(url, folder / f"{host}.log", workers=2, host=host) for host in HOSTS)
    try:
        await a.start()
        await b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()
    assert a.errors() == [], a.log.read_text()
    assert b.errors() == [], b.log.read_text()


@pytest.fixture
async def host_merchant(hosts: tuple[Server, Server]) -> AsyncIterator[Merchant]:
    async with httpx.AsyncClient(base_url=hosts[0].url, timeout=30) as client:
        yield await new_merchant(client)


async def test_each_host_answers_only_on_its_own_address(hosts: tuple[Server, Server]) -> None:
    a, b = hosts
    async with httpx.AsyncClient(timeout=5) as client:
        assert (await client.get(f"{a.url}/openapi.json")).status_code == 200
        assert (await client.get(f"{b.url}/openapi.json")).status_code == 200
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://{b.host}:{a.port}/openapi.json")


@pytest.mark.parametrize("dialect", ["walley", "ledyer"])
async def test_part_captures_from_both_hosts_take_exactly_what_fits(
    hosts: tuple[Server, Server], host_merchant: Merchant, dialect: str
) -> None:
    a, b = hosts
    order_id, send = await part_capture(host_merchant, dialect)
    async with parallel_client(a.url) as on_a, parallel_client(b.url) as on_b:
        clients = (on_a, on_b)
        answers = await asyncio.gather(
            *(send(clients[i % 2], f"race-{i}") for i in range(PARALLEL))
        )
        # Every key replayed on the other host: the stored answer, nothing applied again.
        replays = await asyncio.gather(
            *(send(clients[(i + 1) % 2], f"race-{i}") for i in range(PARALLEL))
        )
    for first, again in zip(answers, replays, strict=True):
        assert (again.status_code, again.content) == (first.status_code, first.content)
    await check_exactly_what_fits(answers, a.database_url, order_id, dialect)


@pytest.mark.parametrize("dialect", ["walley", "ledyer"])
async def test_one_key_sent_to_both_hosts_at_once_applies_once(
    hosts: tuple[Server, Server], host_merchant: Merchant, dialect: str
) -> None:
    a, b = hosts
    order_id, send = await part_capture(host_merchant, dialect)
    async with parallel_client(a.url) as on_a, parallel_client(b.url) as on_b:
        await check_one_key_applies_once(send, (on_a, on_b), a.database_url, order_id, dialect)
