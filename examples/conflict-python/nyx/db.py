"""Indexed reads of precomputed stakeholder actions."""

import asyncpg

READY_ACTIONS = """
    SELECT id, stakeholder_id, kind, payload
    FROM planned_stakeholder_actions
    WHERE scene_hash = $1 AND status = 'ready' AND available_at <= now()
    ORDER BY priority DESC, created_at
"""


async def ready_actions(pool: asyncpg.Pool, scene_hash: str) -> list:
    async with pool.acquire() as connection:
        return await connection.fetch(READY_ACTIONS, scene_hash)
