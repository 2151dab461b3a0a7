"""Event handlers for the social circle: gossip is refactored, reputation is not."""

import asyncio

from nyx import cache
from nyx.gateway import llm_json
from nyx.tasks.background.social_tasks import generate_gossip


async def on_gossip_requested(scene_hash: str, npc_ids: list) -> list:
    items = await cache.get_json(f"gossip:{scene_hash}")
    if items is None:
        generate_gossip.delay(scene_hash, npc_ids)
        return []
    return items


async def on_reputation_change(npc_id: int, delta: float) -> dict:
    narration = await asyncio.to_thread(lambda: asyncio.run(llm_json(f"npc {npc_id} reputation {delta}")))
    return {"npc_id": npc_id, "narration": narration}
