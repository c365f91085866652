"""How far a standby's data is behind its primary."""

from __future__ import annotations

import asyncpg

#: Seconds the standby's replayed data is behind: 0 when it has replayed all it received,
#: else the age of the last transaction it replayed (on a primary: 0). An idle primary sends
#: nothing, so a caught-up standby does not look old.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
    ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 'Infinity')
END::float8
"""


async def lag(conn: asyncpg.Connection) -> float:
    seconds: float = await conn.fetchval(LAG_SQL)
    return seconds
