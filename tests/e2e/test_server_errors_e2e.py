"""A real server keeps a keep-alive connection open after a 500, of the API or of the
back-office (issue 22, item 1): the next request on it is answered."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.support.backoffice import signed_in
from tests.support.database import NewDatabase
from tests.support.sandbox import ADMIN_TOKEN, new_merchant
from tests.support.server import Server

pytestmark = pytest.mark.e2e

REFUSED = "500500500"  # a store id the database is made to refuse, so that its insert fails


class Connection:
    """One HTTP/1.1 connection, requests sent on it one after another."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send(
        self, method: str, path: str, body: bytes = b"", **headers: str
    ) -> tuple[int, dict[str, str], bytes]:
        lines = [f"{method} {path} HTTP/1.1", "host: orderdesk"]
        lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
        lines.append(f"content-length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 10)
        status_line, *header_lines = head.decode("latin-1").strip().split("\r\n")
        answer = {k.lower(): v for k, _, v in (h.partition(": ") for h in header_lines)}
        content = await self.reader.readexactly(int(answer["content-length"]))
        return int(status_line.split()[1]), answer, content


@pytest.fixture
async def server(new_database: NewDatabase, tmp_path: Path) -> AsyncIterator[Server]:
    log = tmp_path / "server.log"
    running = Server(await new_database(), log, workers=1, env={"ORDERDESK_LOG_FORMAT": "json"})
    await running.start()
    refuse = f"ALTER TABLE stores ADD CONSTRAINT refuse CHECK (id <> '{REFUSED}')"
    conn = await asyncpg.connect(running.database_url)
    try:
        await conn.execute(refuse)
    finally:
        await conn.close()
    yield running
    running.stop()


async def test_the_connection_outlives_a_500_of_the_api_and_of_the_back_office(
    server: Server,
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        merchant = await new_merchant(client)
        csrf = await signed_in(client)
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    reader, writer = await asyncio.open_connection(server.host, server.port)
    connection = Connection(reader, writer)
    try:
        form = f"csrf={csrf}&provider=walley&store_id={REFUSED}&merchant={merchant.merchant_id}"
        status, headers, _ = await connection.send(
            "POST",
            "/admin/sandbox/stores",
            form.encode(),
            content_type="application/x-www-form-urlencoded",
            cookie=cookie,
        )
        assert status == 500 and headers["x-request-id"]
        assert (await connection.send("GET", "/healthz"))[0] == 200

        store = json.dumps(
            {"provider": "walley", "storeId": REFUSED, "country": "SE", "currency": "SEK"}
        ).encode()
        status, headers, body = await connection.send(
            "POST",
            f"/sandbox/merchants/{merchant.merchant_id}/stores",
            store,
            content_type="application/json",
            authorization=f"Bearer {ADMIN_TOKEN}",
            x_request_id="sandbox-500",
        )
        assert status == 500 and headers["x-request-id"] == "sandbox-500"
        assert json.loads(body) == {
            "error": {"code": "INTERNAL_ERROR", "message": "Unexpected error"}
        }
        assert (await connection.send("GET", "/healthz"))[0] == 200
    finally:
        writer.close()
    logged = [json.loads(line) for line in server.errors()]  # once each, under its id
    assert [entry["message"].split(" on ")[1] for entry in logged] == [
        "POST /admin/sandbox/stores",
        f"POST /sandbox/merchants/{merchant.merchant_id}/stores",
    ]
    assert logged[1]["request_id"] == "sandbox-500"
    assert all("CheckViolationError" in entry["exception"] for entry in logged)
