"""How far a standby's data is behind its primary."""

from __future__ import annotations

import asyncpg

#: Seconds the standby's data may be behind (on a primary: 0). It is 0 only while its WAL
#: receiver is streaming and it has replayed all it received: an idle primary sends nothing,
#: so a caught-up standby must not look old. Otherwise it is the age of the last transaction
#: it replayed, which bounds how stale it can be (all it lacks was committed after that).
#: A standby that receives nothing — its receiver gone or reconnecting, the primary out of
#: reach — has replayed all it received yet may be far behind, so "all replayed" alone is
#: not enough. Roles without ``pg_read_all_stats`` see only the receiver's pid: then a
#: running receiver counts as streaming.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
        AND EXISTS (
            SELECT 1 FROM pg_stat_wal_receiver WHERE coalesce(status, 'streaming') = 'streaming'
        )
        THEN 0
    ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 'Infinity')
END::float8
"""


async def lag(conn: asyncpg.Connection) -> float:
    seconds: float = await conn.fetchval(LAG_SQL)
    return seconds
