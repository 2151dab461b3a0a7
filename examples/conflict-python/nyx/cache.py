"""Cache reads and writes with stampede protection."""

import json

import redis.asyncio as redis

_redis = redis.Redis()

BUNDLE_SECONDS = 30 * 60
NARRATIVE_SECONDS = 60 * 60
LOCK_SECONDS = 60


async def get_json(key: str):
    raw = await _redis.get(key)
    return json.loads(raw) if raw else None


async def set_json(key: str, value, seconds: int) -> None:
    await _redis.set(key, json.dumps(value), ex=seconds)


async def try_lock(key: str) -> bool:
    """Take a short lock so that only one caller dispatches the same task."""
    return bool(await _redis.set(f"lock:{key}", "1", nx=True, ex=LOCK_SECONDS))
