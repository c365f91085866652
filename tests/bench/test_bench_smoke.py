"""The benchmark's smoke version runs end to end and every request in it succeeds.

Speed is never asserted here: the numbers of a seconds-long run on a shared machine mean
nothing. What must not rot is the benchmark itself (``python -m bench``, docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from tests.support.database import admin_url

ROOT = Path(__file__).parents[2]
KINDS = {
    "orderdesk",
    "first",
    "raw",
    "raw-exact",
    "localstripe",
    "replay",
    "lines",
    "history",
    "history-raw",
    "db-size",
    "notify-off",
    "notify-on",
}


@pytest.mark.e2e
async def test_the_smoke_benchmark_runs_and_every_request_succeeds(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bench", "--smoke", "--database-url", await admin_url()),
        *("--results", str(tmp_path)),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode == 0, err.decode()[-4000:]
    assert "| orderdesk / raw PostgreSQL |" in out.decode()
    assert "| captures/s notifications on ÷ off, 8 clients |" in out.decode()
    (results_file,) = tmp_path.glob("*/results.json")
    results = json.loads(results_file.read_text())["results"]
    assert {r["kind"] for r in results} == KINDS
    assert all(r["requests"] > 0 and r["failures"] == 0 for r in results)
    # connection set-up on its own: one untimed first request per connection of each cell
    assert "| first request on a new connection p99, 32 clients |" in out.decode()
    firsts = [r for r in results if r["kind"] == "first"]
    assert firsts and all(r["requests"] == r["clients"] for r in firsts)
